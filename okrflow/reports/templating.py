"""What the report renderers share: one Jinja2 environment over ``templates/``, and the format check.

HTML templates (``*.html.j2``) are autoescaped, so user text is never markup; Markdown
templates escape it with the ``md`` filter (``formatting.escape_markdown``). An undefined
name in a template fails loudly. Every template gets ``lang`` and ``t(key, **fields)``, its
labels in that language.
"""

from __future__ import annotations

from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import Language
from okrflow.reports.formatting import escape_markdown, fmt_number, pct, score, shown, with_unit
from okrflow.reports.labels import LabelTable, translator

__all__ = ["Format", "checked_language", "render_template"]

Format = Literal["json", "markdown", "html"]
_FORMATS = ("json", "markdown", "html")

_ENV = Environment(
    extensions=["jinja2.ext.do"],
    loader=PackageLoader("okrflow.reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters.update(md=escape_markdown, pct=pct, score=score, num=fmt_number, qty=with_unit, shown=shown)


def checked_language(fmt: str, lang: Language | str) -> Language:
    """The language to render in, once ``fmt`` and ``lang`` are both known.

    Raises:
        ValidationFailed: An unknown format or language.
    """
    if fmt not in _FORMATS:
        raise ValidationFailed([Problem(("fmt",), f"{fmt!r} is not one of json, markdown, html")])
    try:
        return Language(str(lang))
    except ValueError:
        raise ValidationFailed([Problem(("lang",), f"{lang!r} is not one of en, zh")]) from None


def render_template(name: str, labels: LabelTable, lang: Language, **context: Any) -> str:
    """Render ``templates/<name>`` with ``context``, ``lang`` and ``t``: the ``labels`` in ``lang``."""
    return _ENV.get_template(name).render(lang=lang, t=translator(labels, lang), **context)
