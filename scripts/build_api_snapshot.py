"""Regenerate aksnews/api_snapshot.json: the API catalogue shipped with the package.

Inputs, from the corpus (AKSNEWS_CORPUS, else ../shared/corpus next to the checkout): the
current deprecated API migration guide and the upstream release-notes drafts 1.14 to 1.34. The
file records the date it was made and the sha256 of every input;
tests/knowledge/test_api_catalogue.py regenerates it from the same inputs and checks that it
equals the shipped file. Only facts are kept (versions, kinds, releases, replacements, PR
numbers): the rows' notes are left empty.

Run: python scripts/build_api_snapshot.py [--date YYYY-MM-DD] [--check]
(--check: exit 1 when the shipped file differs from a fresh build, nothing written).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path

from aksnews.knowledge.catalogue import SNAPSHOT_FILE, ApiKnowledge, dumps, from_releases, to_json
from aksnews.model.releases import Release
from aksnews.parsers.base import ParseOptions, parse_document
from aksnews.parsers.deprecation_guide import DeprecationGuideParser
from aksnews.parsers.kubernetes_changelog import KubernetesChangelogParser

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "aksnews" / SNAPSHOT_FILE
GUIDE = "docs/deprecation-guide.md"
NOTE_MINORS = [f"1.{n}" for n in range(14, 35)]


def corpus_dir() -> Path:
    return Path(os.environ.get("AKSNEWS_CORPUS") or ROOT.parent / "shared" / "corpus")


def inputs() -> list[str]:
    """Corpus-relative paths of the snapshot's sources, in the order they are read."""
    notes = [f"kubernetes/release-notes/release-notes-{m}.md" for m in NOTE_MINORS]
    return [GUIDE, *notes]


def build(corpus: Path, generated: str) -> ApiKnowledge:
    guide: list[Release] = []
    notes: list[Release] = []
    sources: list[str] = []
    for rel in inputs():
        raw = (corpus / rel).read_bytes()
        sources.append(f"{rel} sha256:{hashlib.sha256(raw).hexdigest()}")
        text = raw.decode("utf-8")
        if rel == GUIDE:
            guide.extend(parse_document(DeprecationGuideParser(), text, rel).releases)
        else:
            minor = rel.rsplit("-", 1)[1].removesuffix(".md")
            options = ParseOptions(release=f"v{minor}.0")
            notes.extend(parse_document(KubernetesChangelogParser(), text, rel, options).releases)
    knowledge = from_releases(guide, notes, generated=generated, sources=tuple(sources))
    # Facts only: the prose of the guide and the notes stays in the documents (and the archive).
    apis = tuple(dataclasses.replace(row, notes="") for row in knowledge.apis)
    return dataclasses.replace(knowledge, apis=apis)


def main(argv: list[str]) -> int:
    generated = dt.date.today().isoformat()
    if "--date" in argv:
        generated = argv[argv.index("--date") + 1]
    if "--check" in argv:
        current = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        fresh = to_json(build(corpus_dir(), current.get("generated") or generated))
        same = current == fresh
        print("snapshot is current" if same else "snapshot differs from a fresh build")
        return 0 if same else 1
    text = dumps(build(corpus_dir(), generated))
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}: {len(text):,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
