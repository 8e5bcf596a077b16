"""Escaped surrogate pairs in JSON read through libyaml (aksnews.inventory.json_text)."""

from __future__ import annotations

import json

import pytest
import yaml

from aksnews.inventory.json_text import join_surrogate_pairs

CASES = [
    # (input, expected output)
    (b'{"a": "x\\ud83d\\ude00y"}', '{"a": "x😀y"}'.encode()),
    (b'[{"a": "\\uD83D\\uDE00"}]', '[{"a": "😀"}]'.encode()),
    # An escaped backslash followed by text that only looks like an escape: left alone.
    (b'{"a": "\\\\ud83d\\\\ude00"}', b'{"a": "\\\\ud83d\\\\ude00"}'),
    # Three backslashes: an escaped backslash, then a real pair.
    (b'{"a": "\\\\\\ud83d\\ude00"}', '{"a": "\\\\😀"}'.encode()),
    # A lone high surrogate is not a character: left for the parser to refuse.
    (b'{"a": "\\ud83d!"}', b'{"a": "\\ud83d!"}'),
    # A byte order mark before the JSON is fine.
    (b'\xef\xbb\xbf{"a": "\\ud83d\\ude00"}', '\ufeff{"a": "😀"}'.encode()),
    # YAML is left alone: outside double quotes a backslash is just a character.
    (b"a: x\\ud83d\\ude00\n", b"a: x\\ud83d\\ude00\n"),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_join_surrogate_pairs(data: bytes, expected: bytes) -> None:
    assert join_surrogate_pairs(data) == expected


@pytest.mark.parametrize("value", ["😀", "a😀b\\u😀", "\\ud83d\\ude00 as text", "𝄞 and ✓"])
def test_yaml_reads_what_json_wrote(value: str) -> None:
    data = json.dumps({"v": value, "n": 1}, indent=2).encode()
    assert yaml.safe_load(join_surrogate_pairs(data)) == json.loads(data)
    assert join_surrogate_pairs(data).count(b"\n") == data.count(b"\n")
