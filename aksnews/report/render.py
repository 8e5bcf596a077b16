"""The Jinja2 environment over the templates shipped in aksnews.templates.

HTML templates are autoescaped; Markdown templates pass changelog text through the `md` filter,
which escapes the characters Markdown would interpret, so nothing from a changelog becomes
markup anywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def md_escape(value: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def code_text(value: object) -> str:
    """Text for inside `backticks`: backticks removed, on one line."""
    return " ".join(str(value).replace("`", "'").split())


def one_line(value: object) -> str:
    return " ".join(str(value).split())


@lru_cache(maxsize=1)
def environment() -> Environment:
    folder = resources.files("aksnews.templates")
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["code"] = code_text
    env.filters["oneline"] = one_line
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.validateLink = lambda url: url.lower().startswith(("http://", "https://", "#"))  # type: ignore[method-assign]
    return md


def markdown_to_html(text: str) -> str:
    """Markdown rendered with raw HTML disabled and only http(s) links kept."""
    html: str = _markdown().render(text)
    return html
