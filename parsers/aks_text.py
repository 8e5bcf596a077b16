"""Text normalisation and version tokens for the AKS CHANGELOG fact extractors.

Every extractor reads the same normalised text, so a new way of typing the same thing (a
non-breaking hyphen in 'CVE‑2025‑22871', an NBSP before a version, `v1.2` in backticks,
*emphasis* around a word) does not need a new pattern. Normalising only maps characters or drops
markup characters; it never reorders text. Everything here is linear in the length of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# U+2010..U+2015 (hyphens and dashes, the non-breaking hyphen among them) and U+2212 (minus).
_DASHES = dict.fromkeys(range(8208, 8214), "-") | {0x2212: "-", 0xFE63: "-", 0xFF0D: "-"}
_SPACES = dict.fromkeys((160, 8199, 8239, 8201, 8202, 12288), " ")
_DROPPED = dict.fromkeys((8203, 8204, 8205, 8288, 65279))
_QUOTES = {0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'}
_TRANSLATE = _DASHES | _SPACES | _DROPPED | _QUOTES
# Markup that may wrap a token: backticks, emphasis, and the brackets of a link left behind.
_WRAPPERS = re.compile(r"`+|\*+|(?<![\w])_+|_+(?![\w])")
_RUNS = re.compile(r"[ \t]{2,}")


def normalize(text: str) -> str:
    """Dashes to '-', odd spaces to ' ', zero-width characters dropped, curly quotes straight,
    backticks and emphasis markers dropped, runs of spaces collapsed."""
    if not text.isascii():
        text = text.translate(_TRANSLATE)
    if "`" in text or "*" in text or "_" in text:
        text = _WRAPPERS.sub("", text)
    if "  " in text or "\t" in text:
        text = _RUNS.sub(" ", text)
    return text


# --- sentences and clauses ------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;](?:\s+|$)")
_CLAUSE_END = re.compile(r"[.!?;:](?:\s+|$)|,\s+")


def spans(text: str, pattern: re.Pattern[str] = _SENTENCE_END) -> list[tuple[int, int]]:
    """(start, end) of each sentence (or clause with `clauses`); '1.25.4' never ends one because
    its dots have no space after them."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        if m.start() >= start:
            out.append((start, m.start() + 1))
            start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def clauses(text: str) -> list[tuple[int, int]]:
    return spans(text, _CLAUSE_END)


# --- version tokens ------------------------------------------------------------------------------

# A component version: 'v1.14.2', '1.0.0-beta.9', '0.2.1-patch-6', 'v.2.0.0', '08-13-2025',
# 'release-09-29-2025'. Not followed by a letter: 'to 1Gb' is a size, '3000Mi' a quantity.
_COMPONENT_VERSION = re.compile(
    r"(?:release-)?v?\.?\d+(?:\.\d+)*(?:[-+][0-9A-Za-z][\w.\-]*)?(?![A-Za-z])"
)
# After the word 'version' any token with a digit is a version: 'version ciprod12032022-c9f3dc30'.
_NAMED_VERSION = re.compile(r"[A-Za-z0-9][\w.\-]*\d[\w.\-]*")
# An Istio add-on revision: 'asm-1-27'.
REVISION = re.compile(r"asm-\d+-\d+")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in ".-,":
        end -= 1
    return start, end


def version_at(text: str, pos: int, *, after_version_word: bool = False) -> Token | None:
    """The component version that starts at `pos`, else None. A bare integer is no version
    ('to 1 replica') unless it is long (a build number) or the word 'version' introduced it."""
    if pos >= len(text) or pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "-_/"):
        return None
    m = _COMPONENT_VERSION.match(text, pos)
    if m is None and after_version_word:
        m = _NAMED_VERSION.match(text, pos)
    if m is None:
        return None
    start, end = _trim(text, m.start(), m.end())
    raw = text[start:end]
    if end < len(text) and (text[end].isalpha() or text[end] == "_"):
        return None
    bare = raw.lstrip("v.")
    if not bare or not bare[0].isdigit() and not after_version_word and not raw.startswith("rel"):
        return None
    if bare.isdigit() and len(bare) < 6 and not (after_version_word and len(bare) >= 2):
        return None
    if raw.startswith("v") is False and "." not in raw and "-" not in raw and not bare.isdigit():
        return None
    return Token(start, end, raw)


# A Kubernetes minor in a scope: '1.33', 'v1.28.0+', '1.15.x'.
KUBE_MINOR = re.compile(r"v?(1\.\d{1,2})(?:\.(?:\d{1,3}|x))?(?![\d.]\d)")
