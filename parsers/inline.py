"""Cheap inline-markdown helpers shared by the parsers.

Parsers do not run a full markdown parse over a 0.8 MB changelog (seconds of CPU for nothing):
entries are found by a line scan and their inline markdown is reduced to plain text and links
with the few regular expressions below. Rendering markdown for people is the job of the
notifiers and the web pages, which use markdown-it-py.
"""

from __future__ import annotations

import re

# A link destination may hold balanced parentheses (CommonMark), as text-fragment URLs do:
# '#:~:text=Disable%20OutboundNAT%20(preview)'. Two levels; possessive, so no backtracking.
DESTINATION = r"(?:[^()\s>]++|\((?:[^()\s]++|\([^()\s]*+\))*+\))++"
_LINK = re.compile(
    r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?(" + DESTINATION + r")>?(?:\s+\"[^\"]*\")?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BARE_URL = re.compile(r"(?<![(<\[])\bhttps?://[^\s)>\]]+")
# '*' emphasis anywhere; '_' only at word edges (CommonMark: Standard_DC2s_v2 stays as is).
# Emphasis may span a line break (the lines of one paragraph), never a blank line.
_EMPHASIS = re.compile(
    r"(\*\*|\*)(?=\S)((?:.|\n(?!\n))+?)(?<=\S)\1"
    r"|(?<!\w)(__|_)(?=\S)((?:.|\n(?!\n))+?)(?<=\S)\3(?!\w)"
)
_CODE = re.compile(r"`+([^`]*)`+")
# Only real HTML tags are dropped: '<HOST GROUP ID>' placeholders in changelogs are text.
_HTML_TAG = re.compile(
    r"</?(?:a|b|i|u|s|br|hr|em|strong|sup|sub|code|pre|kbd|p|div|span|img|ul|ol|li|table|tr|td"
    r"|th|details|summary|h[1-6]|del|ins|mark|small|big|center|font|blockquote)\b[^>]*>",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_SPACES = re.compile(r"[ \t]+")
_HELD = "\ue001"  # a private-use character: never in a changelog
_HELD_SPAN = re.compile(_HELD + r"(\d+)" + _HELD)


def links(markdown: str) -> tuple[str, ...]:
    """Every link target in the text, in order, without duplicates."""
    found: list[str] = []
    for m in _LINK.finditer(markdown):
        found.append(m.group(2))
    for m in _AUTOLINK.finditer(markdown):
        found.append(m.group(1))
    for m in _BARE_URL.finditer(_LINK.sub("", markdown)):
        found.append(m.group(0).rstrip(".,;:"))
    return tuple(dict.fromkeys(found))


def plain_text(markdown: str) -> str:
    """Inline markdown as plain text: link texts kept; emphasis, code ticks and tags dropped."""
    text = _LINK.sub(lambda m: m.group(1), markdown)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    # Code spans are literal (no emphasis, escapes or tags inside: `alertRules/*` keeps its
    # '*'): their contents wait behind placeholders while the rest is rewritten.
    spans: list[str] = []

    def hold(m: re.Match[str]) -> str:
        spans.append(m.group(1))
        return f"{_HELD}{len(spans) - 1}{_HELD}"

    text = _CODE.sub(hold, text)
    text = _EMPHASIS.sub(lambda m: m.group(2) if m.group(1) else m.group(4), text)
    text = _HTML_TAG.sub("", text)
    text = _ESCAPE.sub(lambda m: m.group(1), text)
    if spans:
        text = _HELD_SPAN.sub(lambda m: spans[int(m.group(1))], text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


_ANCHOR_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return _ANCHOR_DROP.sub("", heading.strip().lower()).replace(" ", "-")
