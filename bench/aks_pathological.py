"""A hostile AKS release against ordinary text of the same size: the parser must stay linear.

The hostile document is one 5 MB release made of very long lines, a sentence holding 10,000
versions (component targets, Kubernetes patches, CVE ids), lists nested hundreds of levels deep
and mixed scripts (CJK, Cyrillic, Arabic with bidi marks, emoji, combining accents, odd dashes and
spaces). The ordinary document is the corpus CHANGELOG repeated to the same number of bytes, each
copy made unique so that the per-entry memo cannot make the baseline cheaper. Both are parsed
cold, alternately; the figure is the ratio of the medians (target: at most 2).

Usage: .venv/bin/python bench/aks_pathological.py [--rounds N] [--mb 5]
"""

from __future__ import annotations

import argparse
import time

from common import alternate, report

from aksnews.parsers import aks_changelog
from aksnews.parsers.aks_changelog import AksChangelogParser
from aksnews.parsers.base import parse_document

from corpus import corpus_text

MIXED = (
    "日本語のノード イメージ 1.33 は​プレビュー ‑ Кубернетес 1.32 устарел — "
    "\u200fالإصدار 1.31\u200f 🚀🔥 e\u0301e\u0301 Zürich\u00a0Straße – "
)


def _versions(n: int, fmt: str) -> str:
    return ", ".join(fmt.format(i // 100, i % 100) for i in range(n))


def hostile_block(copy: int) -> str:
    """About 1.1 MB of text that every hostile shape is in."""
    long_line = ("Cilium " + MIXED + "word " * 40) * 400  # one line of ~300 KB, no sentence end
    components = _versions(10_000, "v1.{}.{}")
    patches = _versions(10_000, "1.{}.{}")
    cves = ", ".join(f"CVE-2026-{10000 + i}" for i in range(2_000))
    nested = "\n".join(
        " " * (2 * depth) + f"* level {depth} of copy {copy}: Azure Linux 2.0 will be retired"
        for depth in range(400)
    )
    dashes = " ‐ ‑ ‒ – — ― − " * 2_000
    return "\n".join(
        [
            f"* {long_line} {copy}",
            f"* Example Operator has been upgraded to {components} on AKS 1.33 ({copy}).",
            f"* AKS Kubernetes patch versions {patches} are now available ({copy}).",
            f"* Fixes {cves} ({copy}).",
            nested,
            f"* {MIXED * 2_000} retired on 1 March 2026 {dashes} ({copy})",
            f"* {('[a](https://example.com/' + 'x' * 200 + ') ') * 2_000} ({copy})",
            f"* {'`' * 5_000} {'*' * 5_000} {'_' * 5_000} ({copy})",
        ]
    )


def hostile(size: int) -> str:
    parts = ["# Changelog", "", "## Release 2099-01-01", "", "### Announcements", ""]
    copy = 0
    total = 0
    while total < size:
        block = hostile_block(copy)
        parts.append(block)
        total += len(block.encode())
        copy += 1
    return _cut("\n".join(parts), size)


def ordinary(size: int) -> str:
    text = corpus_text("aks/CHANGELOG.md")
    copies: list[str] = []
    total = 0
    copy = 0
    while total < size:
        # A suffix on every bullet makes each copy's entries new to the memo.
        lines = [
            f"{line} ({copy})" if line.lstrip().startswith(("* ", "- ")) else line
            for line in text.splitlines()
        ]
        block = "\n".join(lines)
        copies.append(block)
        total += len(block.encode())
        copy += 1
    return _cut("\n".join(copies), size)


def _cut(text: str, size: int) -> str:
    """The first `size` bytes of the UTF-8 text, at a line end."""
    data = text.encode()[:size]
    return data[: data.rfind(b"\n") + 1].decode()


def parse_seconds(text: str) -> float:
    aks_changelog.clear_memos()
    start = time.perf_counter()
    result = parse_document(AksChangelogParser(), text, "bench.md")
    elapsed = time.perf_counter() - start
    assert result.releases, "the document must still parse into releases"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    bad, good = hostile(size), ordinary(size)
    print(f"hostile {len(bad.encode()):,} bytes, ordinary {len(good.encode()):,} bytes")
    subject, baseline, ratio = alternate(
        lambda: parse_seconds(bad), lambda: parse_seconds(good), args.rounds
    )
    report(f"hostile {args.mb:g} MB release vs ordinary text", subject, baseline, ratio, "<= 2.0")
    # Linear: a fifth of the hostile text costs about a fifth of the time.
    small = hostile(size // 5)
    part, whole, growth = alternate(
        lambda: parse_seconds(small), lambda: parse_seconds(bad), args.rounds
    )
    report("hostile text, one fifth vs the whole", part, whole, growth, "about 0.2")


if __name__ == "__main__":
    main()
