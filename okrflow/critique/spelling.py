"""Typos in the English words the heuristic critic reads by ("incrase", "recieve", "costumer").

People type drafts fast. A misspelt change verb or metric noun would otherwise hide what a KR says, so the
words the rules depend on are corrected when they are one edit (a missing, extra, wrong or swapped letter)
away from a misspelling. Only words of six letters or more are corrected, and only towards the short list
below: near a short word, too many real words are one edit apart ("rise" and "raise", "grow" and "grew").
Chinese text is left as it is. Pure and fast: one dictionary look-up per candidate edit (the symmetric
delete method).
"""

from __future__ import annotations

import re
from functools import lru_cache


def _words(text: str) -> list[str]:
    return text.split()


# The words the rules read by, in their common forms. Not a dictionary: a word one edit away from another
# real word ("average" and "overage") is left out, or that other word is listed in _NOT_TYPOS.
_TARGETS = _words(
    "increase increased increases increasing decrease decreased decreases decreasing reduce reduced reduces "
    "reducing reduction improve improved improves improving improvement achieve achieved achieves receive "
    "received receives maintain maintained maintains customer customers retention conversion revenue "
    "satisfaction response resolution resolved percent percentage minutes seconds baseline currently "
    "complete completed launch launched deliver delivered organize organise conduct implement implemented "
    "migrate migrated workshop workshops training meeting meetings sessions webinar webinars interview "
    "interviews decommissioned operational availability accuracy quarterly monthly weekly"
)
_NOT_TYPOS = frozenset(
    _words(
        "overage averages averaged leverage coverage recover receiver deceive perceive relieve believe "
        "retrieve reproduce produce produced induce induced deduce seduce conversation conversions "
        "complement compete competed comptroller lunch lunched"
    )
)
_WORD = re.compile(r"[A-Za-z]{6,}")
_MAX_WORD = 20


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _index() -> tuple[frozenset[str], dict[str, str]]:
    exact = frozenset(_TARGETS)
    by_delete: dict[str, str] = {}
    for target in _TARGETS:
        for d in _deletes(target):
            by_delete.setdefault(d, target)
    return exact, by_delete


_EXACT, _BY_DELETE = _index()


_SUFFIXES = ("s", "es", "d", "ed", "ing", "ment", "ments", "ly", "al")


def _inflected(lower: str) -> bool:
    """A regular form of a rule word ("launches", "completes"), not a typo of another form."""
    for suffix in _SUFFIXES:
        if lower.endswith(suffix):
            stem = lower[: -len(suffix)]
            if stem in _EXACT or stem + "e" in _EXACT:
                return True
    return False


def _nearest(lower: str) -> str | None:
    if lower in _BY_DELETE:  # a letter missing: "incrase"
        return _BY_DELETE[lower]
    for d in _deletes(lower):
        if d in _EXACT:  # a letter too many: "increasse"
            return d
        candidate = _BY_DELETE.get(d)
        # A wrong letter ("imprive") or two swapped ones ("recieve"): both lose a letter to the same string.
        if (
            candidate is not None
            and len(candidate) == len(lower)
            and sum(a != b for a, b in zip(candidate, lower, strict=True)) <= 2
        ):
            return candidate
    return None


@lru_cache(maxsize=4096)
def correct_word(word: str) -> str:
    """``word`` itself, or the rule word it is one edit away from, in the same case pattern."""
    lower = word.lower()
    if lower in _EXACT or lower in _NOT_TYPOS or len(lower) > _MAX_WORD or _inflected(lower):
        return word
    target = _nearest(lower)
    if target is None:
        return word
    if word.isupper():
        return target.upper()
    if word[0].isupper():
        return target.capitalize()
    return target


def correct_spelling(text: str) -> str:
    """``text`` with misspelt rule words corrected; everything else, Chinese included, unchanged."""
    if not text.isascii() and not _WORD.search(text):
        return text
    return _WORD.sub(lambda m: correct_word(m.group()), text)
