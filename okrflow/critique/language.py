"""Which language a draft is written in: Chinese when Chinese characters carry the text, English otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterable

from okrflow.domain.model import Language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(texts: str | Iterable[str], *, default: Language = Language.EN) -> Language:
    """Chinese when Chinese characters outnumber Latin words two to one (two characters read about as much
    as one word), or when a short text has a few English terms among more Chinese characters; else English.

    A Chinese sentence with a few English terms ("将 NPS 从 32 提升到 45", "上线 v2 SDK") is Chinese; an
    English one with a name in Chinese characters ("Owner: 王磊") is English. With no letters at all,
    ``default``.
    """
    if isinstance(texts, str):
        texts = [texts]
    cjk = 0
    words = 0
    for text in texts:
        cjk += len(_CJK.findall(text))
        words += len(_LATIN_WORD.findall(text))
    if cjk == 0 and words == 0:
        return default
    return Language.ZH if cjk >= 2 * words or (cjk and cjk >= words and words < 3) else Language.EN
