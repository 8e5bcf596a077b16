"""JSON read through libyaml: the one escape YAML does not take.

The readers parse JSON as YAML (JSON is YAML's flow style) to keep one node walk with line
numbers for both. They differ in one place: JSON writes a character outside the Basic
Multilingual Plane as an escaped UTF-16 surrogate pair ("\\ud83d\\ude00", as Python's
json.dumps does by default), which YAML rejects as an invalid code point. In a JSON document
every backslash is inside a string, so such a pair can be replaced by the character it encodes
without changing anything else, not even a line number.
"""

from __future__ import annotations

import re

_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*[\[{]")  # after an optional UTF-8 BOM
_PAIR = re.compile(rb"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.I)


def _joined(match: re.Match[bytes]) -> bytes:
    high, low = int(match[2], 16), int(match[3], 16)
    code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    return match[1] + chr(code).encode("utf-8")


def join_surrogate_pairs(data: bytes) -> bytes:
    """`data` with escaped surrogate pairs decoded, when it is a JSON document; else as is.

    YAML text is left alone: outside double quotes a backslash is just a character."""
    # Neither test copies the data: every manifest file of a repository passes here.
    if _JSON_START.match(data) is None or b"\\u" not in data:  # JSON's escape is lowercase
        return data
    return _PAIR.sub(_joined, data)
