"""Chinese numerals (十二, 两万, 一千二百零五, 三点五) and English number words (twelve, a dozen)."""

from __future__ import annotations

_CN_DIGIT = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"


def cn_to_number(text: str) -> float | None:
    """Value of a Chinese numeral: 十二 → 12, 两万 → 20000, 一千二百零五 → 1205, 三点五 → 3.5.

    Returns None when ``text`` is not a well-formed numeral.
    """
    if not text:
        return None
    whole, _, frac = text.partition("点")
    if frac:
        if not all(c in _CN_DIGIT for c in frac):
            return None
        base = cn_to_number(whole) if whole else 0.0
        if base is None:
            return None
        return base + float("0." + "".join(str(_CN_DIGIT[c]) for c in frac))
    if len(whole) > 1 and all(c in _CN_DIGIT for c in whole) and any(c in "零〇" for c in whole):
        # 二〇二六 style: digit by digit
        return float("".join(str(_CN_DIGIT[c]) for c in whole))
    total = 0
    section = 0
    digit: int | None = None
    for ch in whole:
        if ch in _CN_DIGIT:
            if digit is not None and ch not in "零〇":
                return None  # 三四 is not a number
            digit = _CN_DIGIT[ch] if ch not in "零〇" else None
        elif ch in _CN_SMALL_UNIT:
            section += (1 if digit is None else digit) * _CN_SMALL_UNIT[ch]
            digit = None
        elif ch in _CN_BIG_UNIT:
            section += digit or 0
            if section == 0:
                section = 1
            total = (total + section) * _CN_BIG_UNIT[ch] if ch == "亿" else total + section * _CN_BIG_UNIT[ch]
            section = 0
            digit = None
        else:
            return None
    return float(total + section + (digit or 0))


_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip


def en_to_number(text: str) -> float | None:
    """Value of an English number word: twelve → 12, forty-five → 45, a hundred → 100, a dozen → 12."""
    words = text.lower().replace("-", " ").split()
    if words and words[0] == "a":
        words = ["one", *words[1:]]
    total = 0
    current = 0
    seen = False
    for w in words:
        if w in _EN_UNITS:
            current += _EN_UNITS[w]
        elif w in _EN_TENS:
            current += _EN_TENS[w]
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred":
            current = (current or 1) * 100
        elif w == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif w == "and":
            continue
        else:
            return None
        seen = True
    return float(total + current) if seen else None


EN_NUMBER_WORDS = frozenset([*_EN_UNITS, *_EN_TENS])
