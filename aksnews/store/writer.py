"""Writing the releases of one document's plan: new, revised, renamed, restored and withdrawn
rows, their entries, facts and unread statements (aksnews.store.archive drives it inside the
document's transaction)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence

from aksnews.model.releases import Entry, Release, fact_to_json
from aksnews.store.mirror import (
    ArchivedRelease,
    Plan,
    Revised,
)
from aksnews.store.sql import Sql, chunks, day, int_list, stamp

# json.dumps builds an encoder per call (and a sorting one per call with sort_keys): for the
# ~6,000 small values of a cold ingest that was most of their cost. The same text, built once.
payload_json = json.JSONEncoder(sort_keys=True).encode
_quoted = json.encoder.encode_basestring_ascii  # json.dumps's own string quoting
# '1.' first and the look-behind after it: a pattern that starts with a look-behind is tried at
# every position of the text (five times slower over the corpus's entries, the same matches).
_MINOR_MENTION = re.compile(r"1\.(?<![\d.]1\.)(\d{1,2})(?=(?:\.\d+)?(?![\d]))")
_UPSTREAM_MINOR = re.compile(r"^v(\d+\.\d+)")


def _minors(entry: Entry, release: Release) -> str:
    found = {f"1.{m}" for m in _MINOR_MENTION.findall(entry.text)}
    match = _UPSTREAM_MINOR.match(release.version)
    if release.source.value == "kubernetes" and match:
        found.add(match.group(1))
    return " " + " ".join(sorted(found)) + " " if found else " "


class ReleaseWriter:
    """Bulk inserts for new releases, careful reconciliation for edited ones."""

    def __init__(self, conn: Sql, document_id: int, now: dt.datetime) -> None:
        self.conn = conn
        self.document_id = document_id
        self.now = now
        # Every row of the document carries the same time: converted for the database once.
        self._now = stamp(conn.dialect, now)
        self.entries_written = 0
        self.facts_written = 0
        self.unread: list[tuple[str, str, str]] = []  # (release key, expected, text)

    def apply(self, plan: Plan) -> None:
        self._insert_new(plan.new)
        for item in plan.revised:
            self._revise(item)
        self._shift_lines(plan)
        for kept in plan.kept:
            if kept.archived.withdrawn:
                self._mark(kept.archived, "restored", withdrawn=False)
        for row in plan.withdrawn:
            self._mark(row, "withdrawn", withdrawn=True)
        self._compact_index()

    def _compact_index(self) -> None:
        """Merge SQLite's full-text index into one segment once the document's entries are in.

        Each INSERT ... SELECT batch and each edit adds a segment, and FTS5 merges them only
        in steps; a query looks its words up in every segment. Merged, the search reads ~10 to
        15% less CPU on the whole corpus (100 real queries, alternating); merging took 25 ms
        for the corpus's 12,508 entries and ~6 ms for the AKS CHANGELOG's, in the ingest's own
        transaction (PostgreSQL's index needs nothing like it).
        """
        if self.conn.dialect == "sqlite" and self.entries_written:
            self.conn.run("INSERT INTO entry_fts(entry_fts) VALUES ('optimize')")

    def _day(self, value: dt.date | None) -> object:
        return day(self.conn.dialect, value)

    def _shift_lines(self, plan: Plan) -> None:
        """Releases kept unparsed move with the text above them: their heading and entry lines
        follow, as a fresh ingest of the document would give them."""
        moved = [
            {"b_id": k.archived.id, "b_line": k.line, "b_delta": k.line - k.archived.line}
            for k in plan.kept
            if k.line != k.archived.line
        ]
        if not moved:
            return
        self.conn.many("UPDATE release SET line = :b_line WHERE id = :b_id", moved)
        self.conn.many("UPDATE entry SET line = line + :b_delta WHERE release_id = :b_id", moved)

    def _mark(self, row: ArchivedRelease, change: str, *, withdrawn: bool) -> None:
        """Withdraw or restore a release: a revision of its own, the text unchanged."""
        conn = self.conn
        revision = row.revision + 1
        conn.run(
            "UPDATE release SET withdrawn_at = :withdrawn_at, revision = :revision, "
            "updated_at = :now WHERE id = :id",
            {
                "withdrawn_at": self._now if withdrawn else None,
                "revision": revision,
                "now": self._now,
                "id": row.id,
            },
        )
        (markdown,) = conn.rows("SELECT markdown FROM release WHERE id = :id", {"id": row.id})[0]
        insert_many(
            conn,
            "release_revision",
            [
                {
                    "release_id": row.id,
                    "revision": revision,
                    "document_id": self.document_id,
                    "section_sha256": row.section_sha256,
                    "markdown": markdown,
                    "recorded_at": self._now,
                    "change": change,
                    "title": row.title,
                    "date": self._day(row.date),
                }
            ],
        )

    def _release_values(self, release: Release) -> dict[str, object]:
        match = _UPSTREAM_MINOR.match(release.version)
        return {
            "source": release.source.value,
            "version": release.version,
            "minor": match.group(1) if match else None,
            "title": release.title,
            "date": self._day(release.date),
            "tag": release.tag,
            "hotfix": release.hotfix,
            "anchor": release.anchor,
            "line": release.line,
            "section_sha256": release.section_sha256,
            "markdown": release.markdown,
            "document_id": self.document_id,
            "updated_at": self._now,
        }

    def _insert_new(self, releases: Sequence[Release]) -> None:
        """Plain executemany inserts, then one query for the ids.

        RETURNING with guaranteed parameter order is an order of magnitude slower for
        thousands of rows, and (release key) and (release, position) identify rows anyway.
        """
        if not releases:
            return
        conn = self.conn
        insert_many(
            conn,
            "release",
            [
                {**self._release_values(r), "key": r.key, "first_seen_at": self._now, "revision": 1}
                for r in releases
            ],
        )
        ids: dict[str, int] = {}
        keys = [r.key for r in releases]
        for chunk in chunks(keys, 500):
            names = {f"k{i}": key for i, key in enumerate(chunk)}
            ids.update(
                conn.rows(
                    f'SELECT "key", id FROM release WHERE "key" IN '
                    f"({', '.join(':' + n for n in names)})",
                    names,
                )
            )
        insert_many(
            conn,
            "release_revision",
            [self._revision_row(ids[r.key], 1, r) for r in releases],
        )
        entry_rows = [self._entry_row(ids[r.key], r, e) for r in releases for e in r.entries]
        if entry_rows:
            insert_many(conn, "entry", entry_rows)
            self.entries_written += len(entry_rows)
        entry_ids: dict[tuple[int, int], int] = {}
        for id_chunk in chunks(list(ids.values()), 500):
            entry_ids.update(
                ((rid, pos), eid)
                for rid, pos, eid in conn.rows(
                    "SELECT release_id, position, id FROM entry "
                    f"WHERE release_id IN ({int_list(id_chunk)})"
                )
            )
        facts = [
            row
            for r in releases
            for e in r.entries
            for row in _fact_rows(ids[r.key], entry_ids[(ids[r.key], e.position)], e)
        ]
        self._insert_facts(facts)
        self._insert_unread(
            [
                (r, ids[r.key], entry_ids[(ids[r.key], e.position)], e)
                for r in releases
                for e in r.entries
                if e.unread
            ]
        )
        self._index(list(entry_ids.values()))

    def _index(self, entry_ids: list[int]) -> None:
        """Add new entries to SQLite's full-text index (PostgreSQL's is a generated column)."""
        if self.conn.dialect != "sqlite" or not entry_ids:
            return
        for chunk in chunks(entry_ids, 900):
            self.conn.run(
                "INSERT INTO entry_fts(rowid, text, section) SELECT id, text, section "
                f"FROM entry WHERE id IN ({int_list(chunk)})"
            )

    def _revision_row(
        self,
        release_id: int,
        revision: int,
        release: Release,
        change: str = "new",
        old: ArchivedRelease | None = None,
    ) -> dict[str, object]:
        return {
            "release_id": release_id,
            "revision": revision,
            "document_id": self.document_id,
            "section_sha256": release.section_sha256,
            "markdown": release.markdown,
            "recorded_at": self._now,
            "change": change,
            "title": release.title,
            "date": self._day(release.date),
            "old_title": old.title if old else None,
            "old_date": self._day(old.date) if old else None,
        }

    def _entry_row(self, release_id: int, release: Release, entry: Entry) -> dict[str, object]:
        return {
            "release_id": release_id,
            "position": entry.position,
            "parent_position": entry.parent,
            "kind": entry.kind_name,
            "section": entry.section,
            "markdown": entry.markdown,
            "text": entry.text,
            "links": links_json(entry.links),
            "line": entry.line,
            "pr": entry.pr,
            "author": entry.author,
            "sigs": " ".join(entry.sigs),
            "minors": _minors(entry, release),
            "removed": False,
            "action_required": entry.action_required,
            "breaking": entry.breaking,
        }

    def _insert_entries(self, rows: list[dict[str, object]]) -> list[int]:
        """Insert rows one by one, for their ids in order (an edit adds a few at most)."""
        if not rows:
            return []
        self.entries_written += len(rows)
        sql = _insert_sql("entry", list(rows[0])) + " RETURNING id"
        return [int(self.conn.rows(sql, row)[0][0]) for row in rows]

    def _insert_unread(self, items: Sequence[tuple[Release, int, int, Entry]]) -> None:
        """Unread statements of the given entries, as (release, release id, entry id, entry)."""
        rows = [
            {"release_id": rid, "entry_id": eid, "expected": u.expected.value, "text": u.text}
            for release, rid, eid, entry in items
            for u in entry.unread
        ]
        self.unread.extend(
            (release.key, u.expected.value, u.text)
            for release, _, _, entry in items
            for u in entry.unread
        )
        if rows:
            insert_many(self.conn, "unread_statement", rows)

    def _insert_facts(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.facts_written += len(rows)
            insert_many(self.conn, "fact", rows)

    def _revise(self, item: Revised) -> None:
        """An edited, restored or renamed section: keep entry ids where the text is unchanged,
        record the rest."""
        release, archived = item.release, item.archived
        release_id, revision = archived.id, archived.revision + 1
        if item.renamed:
            change = "renamed"
        elif archived.withdrawn:
            change = "restored"
        else:
            change = "edited"
        values = {**self._release_values(release), "revision": revision, "withdrawn_at": None}
        if item.renamed:
            values["key"] = release.key
        sets = ", ".join(f"{_column(c)} = :{c}" for c in values)
        conn = self.conn
        conn.run(f"UPDATE release SET {sets} WHERE id = :b_id", {**values, "b_id": release_id})
        insert_many(
            conn,
            "release_revision",
            [
                self._revision_row(
                    release_id, revision, release, change, archived if item.renamed else None
                )
            ],
        )
        old = conn.rows(
            "SELECT id, markdown, kind, section FROM entry "
            "WHERE release_id = :id AND NOT removed ORDER BY position",
            {"id": release_id},
        )
        unused = {row[0]: row for row in old}
        sections = {row[0]: row[3] for row in old}
        by_markdown: dict[str, list[int]] = {}
        for row in old:
            by_markdown.setdefault(row[1], []).append(row[0])
        matched: list[int | None] = []
        for entry in release.entries:
            ids = by_markdown.get(entry.markdown)
            if ids:
                unused.pop(ids[0])
                matched.append(ids.pop(0))
            else:
                matched.append(None)
        # Entries whose text changed take over the unmatched old rows in order (the same
        # bullet, edited), so their permalinks survive and the old text becomes a revision.
        leftovers = [row for row in old if row[0] in unused]
        new_rows: list[dict[str, object]] = []
        same_text: list[dict[str, object]] = []  # moved or re-kinded, text unchanged
        edited: list[dict[str, object]] = []
        revisions: list[dict[str, object]] = []
        entry_ids: list[int] = []
        for entry, match in zip(release.entries, matched, strict=True):
            values = self._entry_row(release_id, release, entry)
            if match is not None:
                # Same text; a changed section must still reach the search index.
                moved = values["section"] != sections[match]
                (edited if moved else same_text).append({"b_id": match, **values})
                entry_ids.append(match)
            elif leftovers:
                prior_id, prior_markdown, prior_kind, _ = leftovers.pop(0)
                revisions.append(
                    {
                        "entry_id": prior_id,
                        "markdown": prior_markdown,
                        "kind": prior_kind,
                        "recorded_at": self._now,
                    }
                )
                edited.append({"b_id": prior_id, **values})
                entry_ids.append(prior_id)
            else:
                new_rows.append(values)
                entry_ids.append(-1)
        if revisions:
            insert_many(conn, "entry_revision", revisions)
        # Batched updates. Rows whose text is unchanged leave text and section out of the SET,
        # so SQLite's search-index trigger (AFTER UPDATE OF text, section) does not fire.
        for batch, skip in ((same_text, {"text", "section"}), (edited, set())):
            if not batch:
                continue
            columns = [k for k in batch[0] if k != "b_id" and k not in skip]
            conn.many(
                f"UPDATE entry SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :b_id",
                batch,
            )
            self.entries_written += len(batch)
        fresh_ids = self._insert_entries(new_rows)
        self._index(fresh_ids)
        inserted = iter(fresh_ids)
        entry_ids = [next(inserted) if eid == -1 else eid for eid in entry_ids]
        if leftovers:
            removed = int_list([row[0] for row in leftovers])
            conn.run(f"UPDATE entry SET removed = :yes WHERE id IN ({removed})", {"yes": True})
        # Facts are derived from the entries: replace them wholesale.
        conn.run("DELETE FROM fact WHERE release_id = :id", {"id": release_id})
        facts: list[dict[str, object]] = []
        for entry, eid in zip(release.entries, entry_ids, strict=True):
            facts.extend(_fact_rows(release_id, eid, entry))
        self._insert_facts(facts)
        # So are the statements it could not read: the re-parsed release replaces its own.
        conn.run("DELETE FROM unread_statement WHERE release_id = :id", {"id": release_id})
        self._insert_unread(
            [
                (release, release_id, eid, entry)
                for entry, eid in zip(release.entries, entry_ids, strict=True)
                if entry.unread
            ]
        )


def links_json(links: Sequence[str]) -> str:
    """json.dumps(list(links)), character for character."""
    return "[" + ", ".join(map(_quoted, links)) + "]"


def _fact_rows(release_id: int, entry_id: int, entry: Entry) -> list[dict[str, object]]:
    return [
        {
            "release_id": release_id,
            "entry_id": entry_id,
            "type": fact.type.value,
            "subject": fact.subject,
            "payload": payload_json(fact_to_json(fact)),
        }
        for fact in entry.facts
    ]


def _column(name: str) -> str:
    # "key" is a keyword SQLAlchemy always quoted in this schema.
    return '"key"' if name == "key" else name


def _insert_sql(table: str, names: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(map(_column, names))}) "
        f"VALUES ({', '.join(':' + n for n in names)})"
    )


def insert_many(conn: Sql, table: str, rows: Sequence[Mapping[str, object]]) -> None:
    """An executemany INSERT of rows that all have the same keys, their values already as the
    database takes them (aksnews.store.sql.stamp and day for times and dates)."""
    if rows:
        conn.many(_insert_sql(table, list(rows[0])), rows)
