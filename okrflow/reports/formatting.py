"""How the reports write numbers and user text: shares, scores, quantities with units, escaped Markdown.

Plain functions; the renderers use them as Jinja2 filters (``okrflow.reports.templating``) and
the carry-over proposals to word their reasons.
"""

from __future__ import annotations

import re

__all__ = ["escape_markdown", "fmt_number", "pct", "score", "shown", "with_unit"]

# Inline markup anywhere in a line; block markup is handled at the start of the text below.
_MD_INLINE = re.compile(r"([\\`*_\[\]{}<>|#~&!])")
_MD_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def escape_markdown(text: object) -> str:
    """Make user text safe inside a Markdown paragraph, list item or table cell.

    Whitespace (newlines included) collapses to single spaces so the text cannot end the
    line it is on; markup characters are backslash-escaped, which CommonMark shows as-is, so
    a title like ``<script>…`` stays text even when a renderer lets raw HTML through.
    """
    s = " ".join(str(text).split())
    s = _MD_INLINE.sub(r"\\\1", s)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], s)


def fmt_number(value: float | None) -> str:
    """A value as people write it: 45, 12.5, 0.0375 (no exponent, no trailing zeros)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def with_unit(value: float | None, unit: str) -> str:
    """A number with its unit: "45%", "12 k€", "3 merchants"."""
    text = fmt_number(value)
    if not unit or value is None:
        return text
    return text + unit if unit in ("%", "‰") else f"{text} {unit}"


def pct(value: float | None) -> str:
    """A share in 0..1 as a whole percentage: 0.375 -> "38%"."""
    return "—" if value is None else f"{value * 100:.0f}%"


def score(value: float | None) -> str:
    """A score in 0.0..1.0 with two decimals."""
    return "—" if value is None else f"{value:.2f}"


def shown(value: object) -> str:
    """Any value of a change (a number, a list, text) as one line of text."""
    if isinstance(value, float):
        return fmt_number(value)
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    return str(value)
