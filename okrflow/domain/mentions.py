"""@mentions in comments and notes, in English and Chinese.

``@ana.lopez`` (a handle) and ``@Ana López`` (a display name) both mention Ana. Chinese
text puts no space after a name, so a name ending in a CJK character needs no separator
("@张伟请看一下" mentions 张伟), and the longest known name wins ("@张伟明" mentions 张伟明
when that person exists, else 张伟). A name ending in a Latin letter or digit must not run
on into more letters ("@anabel" does not mention "ana"). An ``@`` right after a Latin
letter, digit or one of ``._%+-`` is part of an email address, not a mention.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass

from okrflow.domain.model import Person

__all__ = ["parse_mentions"]

_AT = frozenset("@＠")  # ASCII and full-width
_EMAIL_CHARS = frozenset(string.ascii_letters + string.digits + "._%+-")
_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B–G
)


def _is_cjk(c: str) -> bool:
    cp = ord(c)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _runs_on(c: str) -> bool:
    """Whether ``c`` would continue a Latin word (so a match ending before it is cut short)."""
    return (c.isalnum() or c == "_") and not _is_cjk(c)


@dataclass(frozen=True, slots=True)
class _Candidate:
    text: str  # as written on the person
    folded: str  # casefolded, for comparison
    is_handle: bool
    person_id: str


def _candidates(people: Iterable[Person]) -> dict[str, list[_Candidate]]:
    by_first: dict[str, list[_Candidate]] = {}
    for p in people:
        for text, is_handle in ((p.handle, True), (p.name, False)):
            folded = text.casefold()
            if folded:
                by_first.setdefault(folded[0], []).append(_Candidate(text, folded, is_handle, p.id))
    for items in by_first.values():
        items.sort(key=lambda c: (-len(c.text), not c.is_handle, c.person_id))
    return by_first


def _match(text: str, at: int, candidates: list[_Candidate]) -> list[str]:
    """Person ids mentioned by the ``@`` at index ``at``: the longest match, handles first."""
    best_len = 0
    found: list[_Candidate] = []
    for cand in candidates:
        n = len(cand.text)
        if n < best_len:
            break
        end = at + 1 + n
        if text[at + 1 : end].casefold() != cand.folded:
            continue
        if end < len(text) and not _is_cjk(cand.text[-1]) and _runs_on(text[end]):
            continue
        best_len = n
        found.append(cand)
    handles = [c.person_id for c in found if c.is_handle]
    if handles:  # handles are unique per org
        return handles[:1]
    return sorted({c.person_id for c in found})  # an ambiguous display name mentions everyone who has it


def parse_mentions(text: str, people: Iterable[Person]) -> list[str]:
    """The people a text mentions with ``@handle`` or ``@Display Name``.

    Matching is case-insensitive; the longest handle or name wins; a handle beats a
    display name of the same length; a display name shared by several people mentions
    all of them. See the module docstring for separators and email addresses.

    Args:
        text: The comment or note.
        people: Everyone who can be mentioned.

    Returns:
        Person ids in order of first mention, each once.
    """
    if not any(c in _AT for c in text):
        return []
    index = _candidates(people)
    out: dict[str, None] = {}
    for i, c in enumerate(text):
        if c not in _AT or i + 1 >= len(text):
            continue
        if i > 0 and text[i - 1] in _EMAIL_CHARS:
            continue
        candidates = index.get(text[i + 1].casefold()[:1])
        if candidates:
            for pid in _match(text, i, candidates):
                out.setdefault(pid, None)
    return list(out)
