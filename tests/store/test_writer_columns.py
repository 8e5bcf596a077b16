"""The writer's derived columns: JSON as json.dumps writes it, minors as the plain pattern does."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from aksnews.model.releases import ParseResult, fact_to_json
from aksnews.parsers.aks_changelog import AksChangelogParser
from aksnews.parsers.base import parse_document
from aksnews.store.writer import _MINOR_MENTION, links_json, payload_json

from corpus import corpus_text


@cache
def corpus() -> ParseResult:
    return parse_document(AksChangelogParser(), corpus_text("aks/CHANGELOG.md"), "CHANGELOG.md")


def test_every_corpus_entry_and_fact_as_json_dumps_writes_it() -> None:
    entries = [e for r in corpus().releases for e in r.entries]
    facts = [f for e in entries for f in e.facts]
    assert sum(1 for e in entries if e.links) > 1000 and len(facts) > 1000  # the corpus's own
    for entry in entries:
        assert links_json(entry.links) == json.dumps(list(entry.links))
    for fact in facts:
        value = fact_to_json(fact)
        assert payload_json(value) == json.dumps(value, sort_keys=True)


@pytest.mark.parametrize(
    "links",
    [(), ("https://a.example/b?c=d&e#f",), ('quote"d', "ünïcode", "back\\slash", "\u2028", "\x00")],
)
def test_hand_written_links(links: tuple[str, ...]) -> None:
    assert links_json(links) == json.dumps(list(links))
    assert json.loads(links_json(links)) == list(links)


LOOK_BEHIND_FIRST = re.compile(r"(?<![\d.])1\.(\d{1,2})(?=(?:\.\d+)?(?![\d]))")


def test_minor_mentions_as_the_look_behind_first_pattern_finds_them() -> None:
    texts = [e.text for r in corpus().releases for e in r.entries]
    texts += ["1.30", "v1.30.2", "11.30", "1.1.30", "a1.29 b", "1.29.", ".1.29", "1.2345", "1."]
    assert sum(1 for t in texts if _MINOR_MENTION.findall(t)) > 500
    for text in texts:
        assert _MINOR_MENTION.findall(text) == LOOK_BEHIND_FIRST.findall(text), text
