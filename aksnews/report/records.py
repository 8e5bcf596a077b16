"""Pure conversions of store records into JSON documents (the CLI's --json contract)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aksnews.model.records import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    IngestReport,
    ReleaseDetail,
    ReleaseSummary,
    SearchHit,
    StoredEntry,
    StoredFact,
    StoredUnread,
)
from aksnews.model.releases import fact_to_json


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def release_json(release: ReleaseSummary) -> dict[str, Any]:
    return {
        "id": release.key,
        "source": release.source,
        "version": release.version,
        "date": _iso(release.date),
        "title": release.title,
        "tag": release.tag,
        "hotfix": release.hotfix,
        "url": release.url,
        "entry_count": release.entry_count,
        "revision": release.revision,
        "dated_by": release.dated_by,
        "withdrawn": release.withdrawn,
    }


def fact_json(stored: StoredFact) -> dict[str, Any]:
    return {
        "type": stored.fact.type.value,
        "release": stored.release_key,
        "entry": stored.entry_id,
        **fact_to_json(stored.fact),
    }


def entry_json(entry: StoredEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "release": entry.release_key,
        "kind": entry.kind,
        "section": entry.section,
        "position": entry.position,
        "parent": entry.parent_position,
        "text": entry.text,
        "markdown": entry.markdown,
        "links": list(entry.links),
        "line": entry.line,
        "pr": entry.pr,
        "author": entry.author,
        "sigs": list(entry.sigs),
        "action_required": entry.action_required,
        "facts": [fact_json(f) for f in entry.facts],
        "breaking": entry.breaking,
        "unread": [{"expected": e, "text": t} for e, t in entry.unread],
    }


def release_detail_json(detail: ReleaseDetail) -> dict[str, Any]:
    return {
        **release_json(detail.summary),
        "entries": [entry_json(e) for e in detail.entries],
        "revisions": [
            {
                "revision": r.revision,
                "sha256": r.section_sha256,
                "recorded_at": r.recorded_at.isoformat(),
                "change": r.change,
                "title": r.title,
                "date": _iso(r.date),
                "old_title": r.old_title,
                "old_date": _iso(r.old_date),
            }
            for r in detail.revisions
        ],
    }


def snippet_markdown(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "**").replace(HIGHLIGHT_END, "**")


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "entry": hit.entry_id,
        "release": hit.release_key,
        "source": hit.source,
        "version": hit.version,
        "date": _iso(hit.date),
        "kind": hit.kind,
        "section": hit.section,
        "snippet": snippet_markdown(hit.snippet),
        "url": hit.url,
        "rank": round(hit.rank, 6),
        "also_in": hit.also_in,
    }


def ingest_json(report: IngestReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "path": report.path,
        "unchanged": report.unchanged,
        "document": report.document_id,
        "sections": report.sections,
        "parsed": report.parsed,
        "new_releases": list(report.new_releases),
        "revised_releases": list(report.revised_releases),
        "renamed_releases": [
            {"from": r.old_key, "to": r.new_key, "old_title": r.old_title, "title": r.new_title}
            for r in report.renamed_releases
        ],
        "withdrawn_releases": list(report.withdrawn_releases),
        "restored_releases": list(report.restored_releases),
        "dry_run": report.dry_run,
        "entries": report.entries,
        "facts": report.facts,
        "warnings": [
            {"path": w.path, "line": w.line, "message": w.message} for w in report.warnings
        ],
        "unread": [
            {"release": key, "expected": expected, "text": text}
            for key, expected, text in report.unread
        ],
    }


def unread_json(item: StoredUnread) -> dict[str, Any]:
    return {
        "release": item.release_key,
        "date": _iso(item.release_date),
        "entry": item.entry_id,
        "position": item.position,
        "expected": item.expected,
        "text": item.text,
        "entry_text": item.entry_text,
        "url": item.url,
    }


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)
