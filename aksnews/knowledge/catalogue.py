"""The API catalogue: the knowledge base as one value, from the archive or from a shipped snapshot.

An ApiKnowledge holds the API rows (aksnews.knowledge.apis.KnowledgeRow), the removed feature
gates and the removed flags, and says where it came from:

- 'archive': built from what `aksnews fetch` / `ingest` stored (store/facts.py);
- 'snapshot': the package's api_snapshot.json, generated from the deprecation guide and the
  upstream release notes by scripts/build_api_snapshot.py, with its date and the sha256 of each
  source recorded in it. It serves a fresh install or a stateless command until the archive
  has knowledge rows of its own, and is superseded by the archive from then on.

Building from parsed releases and the JSON round trip are pure; load_snapshot reads package
data (the one edge here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from aksnews.knowledge.apis import Confidence, KnowledgeRow, api_facts, build_knowledge, minor_key
from aksnews.model.releases import FeatureGateRemovalFact, FlagRemovalFact, Release, Source

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

SNAPSHOT_FILE = "api_snapshot.json"
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class GateRemoval:
    name: str
    removed_in: str | None
    evidence: tuple[str, ...] = ()  # 'pr:124815' or the release key when the note has no PR


@dataclass(frozen=True, slots=True)
class FlagRemoval:
    flag: str
    component: str | None
    removed_in: str | None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiKnowledge:
    apis: tuple[KnowledgeRow, ...]
    gates: tuple[GateRemoval, ...] = ()
    flags: tuple[FlagRemoval, ...] = ()
    origin: str = "archive"  # 'archive' or 'snapshot'
    generated: str | None = None  # the snapshot's date ('2026-12-01')
    sources: tuple[str, ...] = ()  # the snapshot's inputs: 'path sha256'

    @property
    def empty(self) -> bool:
        return not (self.apis or self.gates or self.flags)


def removed_gates_and_flags(
    found: Iterable[tuple[FeatureGateRemovalFact | FlagRemovalFact, str]],
) -> tuple[tuple[GateRemoval, ...], tuple[FlagRemoval, ...]]:
    """One row per gate (or flag and component) and release; evidence merged, oldest first."""
    gates: dict[tuple[str, str | None], dict[str, None]] = {}
    flags: dict[tuple[str, str | None, str | None], dict[str, None]] = {}
    for fact, evidence in found:
        if isinstance(fact, FeatureGateRemovalFact):
            gates.setdefault((fact.name, fact.version), {})[evidence] = None
        else:
            flags.setdefault((fact.flag, fact.component, fact.version), {})[evidence] = None
    gate_rows = sorted(
        (GateRemoval(name, removed, tuple(ev)) for (name, removed), ev in gates.items()),
        key=lambda g: (minor_key(g.removed_in or "0"), g.name),
    )
    flag_rows = sorted(
        (FlagRemoval(f, c, removed, tuple(ev)) for (f, c, removed), ev in flags.items()),
        key=lambda f: (minor_key(f.removed_in or "0"), f.flag, f.component or ""),
    )
    return tuple(gate_rows), tuple(flag_rows)


def from_releases(
    guide: Iterable[Release],
    notes: Iterable[Release],
    *,
    origin: str = "snapshot",
    generated: str | None = None,
    sources: tuple[str, ...] = (),
) -> ApiKnowledge:
    """The catalogue of parsed guide sections and upstream releases (what the snapshot is)."""
    notes = list(notes)
    rows = build_knowledge(api_facts(guide), api_facts(notes))
    found: list[tuple[FeatureGateRemovalFact | FlagRemovalFact, str]] = []
    for release in notes:
        if release.source is not Source.KUBERNETES:
            continue
        for entry in release.entries:
            evidence = f"pr:{entry.pr}" if entry.pr is not None else release.key
            for fact in entry.facts:
                if isinstance(fact, FeatureGateRemovalFact | FlagRemovalFact):
                    found.append((fact, evidence))
    gates, flags = removed_gates_and_flags(found)
    return ApiKnowledge(rows, gates, flags, origin, generated, sources)


# --- JSON -------------------------------------------------------------------------------------


def row_json(row: KnowledgeRow) -> dict[str, Any]:
    return {
        "group_version": row.group_version,
        "kind": row.kind,
        "kinds": list(row.kinds),
        "removed_in": row.removed_in,
        "deprecated_in": row.deprecated_in,
        "replacement": row.replacement,
        "replacement_since": row.replacement_since,
        "notes": row.notes,
        "evidence": list(row.evidence),
        "references": list(row.references),
        "in_guide": row.in_guide,
        "planned": row.planned,
        "disagreements": list(row.disagreements),
        "confidence": row.confidence.label,
        "guide_section": row.guide_section,
    }


def row_from_json(doc: Mapping[str, Any]) -> KnowledgeRow:
    return KnowledgeRow(
        group_version=doc["group_version"],
        kinds=tuple(doc.get("kinds") or ()),
        removed_in=doc.get("removed_in"),
        deprecated_in=doc.get("deprecated_in"),
        replacement=doc.get("replacement"),
        replacement_since=doc.get("replacement_since"),
        notes=doc.get("notes") or "",
        evidence=tuple(doc.get("evidence") or ()),
        references=tuple(doc.get("references") or ()),
        in_guide=bool(doc.get("in_guide")),
        planned=bool(doc.get("planned")),
        disagreements=tuple(doc.get("disagreements") or ()),
        confidence=Confidence[str(doc.get("confidence", "note")).upper().replace("-", "_")],
        guide_section=doc.get("guide_section"),
    )


def to_json(knowledge: ApiKnowledge) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "origin": knowledge.origin,
        "generated": knowledge.generated,
        "sources": list(knowledge.sources),
        "apis": [row_json(r) for r in knowledge.apis],
        "feature_gates": [
            {"name": g.name, "removed_in": g.removed_in, "evidence": list(g.evidence)}
            for g in knowledge.gates
        ],
        "flags": [
            {
                "flag": f.flag,
                "component": f.component,
                "removed_in": f.removed_in,
                "evidence": list(f.evidence),
            }
            for f in knowledge.flags
        ],
    }


def from_json(doc: Mapping[str, Any], *, where: str = "snapshot") -> ApiKnowledge:
    if doc.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"{where}: format {doc.get('format')!r}, want {SNAPSHOT_FORMAT}")
    try:
        return ApiKnowledge(
            apis=tuple(row_from_json(r) for r in doc["apis"]),
            gates=tuple(
                GateRemoval(g["name"], g.get("removed_in"), tuple(g.get("evidence") or ()))
                for g in doc["feature_gates"]
            ),
            flags=tuple(
                FlagRemoval(
                    f["flag"],
                    f.get("component"),
                    f.get("removed_in"),
                    tuple(f.get("evidence") or ()),
                )
                for f in doc["flags"]
            ),
            origin=str(doc.get("origin") or "snapshot"),
            generated=doc.get("generated"),
            sources=tuple(doc.get("sources") or ()),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{where}: missing or malformed field {exc}") from None


def dumps(knowledge: ApiKnowledge) -> str:
    """The snapshot file's text: stable key order and layout, so regenerating it is a no-op."""
    return json.dumps(to_json(knowledge), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_snapshot() -> ApiKnowledge:
    """The catalogue shipped with the package."""
    text = resources.files("aksnews").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8")
    return from_json(json.loads(text), where=f"aksnews/{SNAPSHOT_FILE}")


def load_api_knowledge(archive: Archive | None) -> ApiKnowledge:
    """The API knowledge base with where it came from: the archive's rows (API versions,
    removed feature gates and flags) once it has any, else the snapshot shipped with aksnews.

    This is the one entry point for commands that may run without an archive (None).
    """
    if archive is not None:
        from aksnews.knowledge.apis import load_knowledge

        rows = load_knowledge(archive)
        found: list[tuple[FeatureGateRemovalFact | FlagRemovalFact, str]] = []
        for fact_type in ("feature-gate-removal", "flag-removal"):
            for stored in archive.list_facts(fact_type=fact_type):
                if isinstance(stored.fact, FeatureGateRemovalFact | FlagRemovalFact):
                    found.append((stored.fact, stored.release_key))
        gates, flags = removed_gates_and_flags(found)
        archived = ApiKnowledge(rows, gates, flags, origin="archive")
        if not archived.empty:
            return archived
    return load_snapshot()
