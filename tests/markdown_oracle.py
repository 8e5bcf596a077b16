"""What a reader sees of a piece of markdown, read with markdown-it-py's own token stream.

The parsers reduce inline markdown with a few regular expressions (parsers/inline.py) to stay
fast; the tests check them against this oracle, which shares no code with them: it parses the
text as CommonMark with markdown-it-py and walks the tokens.

- plain text: the text of every inline token (link and image texts kept, code spans as their
  content, emphasis and raw HTML dropped, escapes and entities as the characters they stand
  for), a fenced block as its info string and its lines; one line per source line, spaces
  collapsed, empty lines left out.
- bullet lines: each line read on its own, its list marker kept in front of its plain text (the
  mining reads the lists a note holds as the release-notes parser gives them).
- links: every link and autolink target in order, then the bare http(s) URLs in text outside
  links (GitHub turns them into links), without trailing punctuation; no duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD = MarkdownIt("commonmark")
# GitHub links a bare URL written in the text; one right after '[' or '(' is a broken link's
# target, which aksnews leaves alone. It ends at white space or '<', without trailing
# punctuation or ']', and without a trailing ')' that has no '(' of its own in the URL.
_BARE_URL = re.compile(r"(?<![\[(])https?://[^\s<]+")
_TRAILING = ".,;:)]"
_SPACES = re.compile(r"[ \t]+")  # CommonMark's spaces; a no-break space is text


def _inline_text(children: Iterable[Token]) -> str:
    out: list[str] = []
    for token in children:
        if token.type in {"text", "code_inline"}:
            out.append(token.content)
        elif token.type in {"softbreak", "hardbreak"}:
            out.append("\n")
        elif token.type == "image":
            out.append(_inline_text(token.children or ()))
    return "".join(out)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip(" \t") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def plain_text(markdown: str) -> str:
    parts: list[str] = []
    for token in _MD.parse(markdown):
        if token.type == "inline":
            parts.append(_inline_text(token.children or ()))
        elif token.type in {"fence", "code_block"}:
            parts.append(f"{token.info}\n{token.content}")
    return _tidy("\n".join(parts))


_MARKER = re.compile(r"^[ \t]*([-*+])[ \t]+")


def bullet_lines(markdown: str) -> str:
    out = []
    for line in markdown.split("\n"):
        marker = _MARKER.match(line)
        rest = line[marker.end() :] if marker else line
        text = "".join(_inline_text(t.children or ()) for t in _MD.parseInline(rest))
        out.append(f"{marker.group(1)} {text}" if marker else text)
    return _tidy("\n".join(out))


def _bare_urls(text: str) -> list[str]:
    found = []
    for match in _BARE_URL.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # a balanced ')' belongs to the URL (wikipedia-style paths)
            url = url[:-1]
        found.append(url)
    return found


def links(markdown: str) -> tuple[str, ...]:
    targets: list[str] = []
    bare: list[str] = []
    for token in _MD.parse(markdown):
        if token.type != "inline":
            continue
        depth = 0
        for child in token.children or ():
            if child.type == "link_open":
                depth += 1
                targets.append(str(child.attrGet("href")))
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "image":
                targets.append(str(child.attrGet("src")))
            elif child.type == "text" and depth == 0:
                bare.extend(_bare_urls(child.content))
    return tuple(dict.fromkeys(targets + bare))


def anchor(heading: str) -> str:
    """The id GitHub gives a heading, character by character: letters, digits, '-' and '_' kept
    (lower case), each space a '-', anything else dropped."""
    out = []
    for char in heading.strip().lower():
        if char == " ":
            out.append("-")
        elif char.isalnum() or char in "-_":
            out.append(char)
    return "".join(out)
