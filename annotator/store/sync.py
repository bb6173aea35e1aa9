"""The project file's side of team sync: what changed since the last push, and applying what a
hub sent.

While a project is linked to a hub, triggers (installed by ``link_hub``) write one
``sync_outbox`` row per inserted, changed or deleted row of the tables a hub shares, whatever
code path made the change (an edit, an import, a merge, an import taken back). An upsert entry
names the local row id (the row is read when it is pushed, so ten edits of one span push once);
a delete entry names the row's identity on the hub (a UUID, an article's text hash, or
``hash/annotator-uuid`` for a status).

Rows arriving from the hub are written inside ``applying_pulled()``, which removes the outbox
entries that writing them made, so nothing pulled is pushed back. Both sides resolve a row
changed in two places by its ``updated_at``: the later one wins (``upsert_*`` below and
``team/hub.py``). On a tie (two changes within the time stamps' millisecond) the hub keeps the
version it got first, and a file pulling the other version takes it: a pull brings only rows
pushed from other files, so every file ends with the hub's version rather than its own.

Rows are exchanged as plain dicts in the hub's shape (``HUB_KINDS``): local integer ids never
leave the file; articles are named by text hash, everything else by UUID.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from annotator.store.base import StoreBase, dumps

HUB_KINDS = ("annotator", "label", "attribute", "article", "annotation", "doc_label", "status")
"""Kinds of synced rows, parents before children (the order pushes and pulls apply them)."""

_TRACKED = {
    # table: (kind, upsert key expression, delete key expression, updated columns)
    "annotators": ("annotator", "new.id", "old.uuid", "name"),
    "labels": ("label", "new.id", "old.uuid",
               "name, scope, color, hotkey, description, examples, parent_id, position, patterns, uuid"),
    "attribute_defs": ("attribute", "new.id", "old.uuid", "name, allowed_values, position, uuid"),
    "articles": ("article", "new.id", "old.text_hash", "external_id, title, source, url, published, language, meta"),
    "annotations": ("annotation", "new.id", "old.uuid", None),
    "doc_labels": ("doc_label", "new.id", "old.uuid", None),
}
_STATUS_DELETE_KEY = (
    "(SELECT a.text_hash FROM articles a WHERE a.id = old.article_id) || '/' || "
    "(SELECT n.uuid FROM annotators n WHERE n.id = old.annotator_id)"
)


def _trigger_sql() -> list[str]:
    statements = []
    stamp = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    for table, (kind, upsert_key, delete_key, columns) in _TRACKED.items():
        statements.append(
            f"CREATE TRIGGER sync_{table}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO sync_outbox(kind, row_id, op, at) VALUES ('{kind}', {upsert_key}, 'upsert', {stamp}); END"
        )
        of = f" OF {columns}" if columns else ""
        statements.append(
            f"CREATE TRIGGER sync_{table}_update AFTER UPDATE{of} ON {table} BEGIN "
            f"INSERT INTO sync_outbox(kind, row_id, op, at) VALUES ('{kind}', {upsert_key}, 'upsert', {stamp}); END"
        )
        statements.append(
            f"CREATE TRIGGER sync_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO sync_outbox(kind, key, op, at) VALUES ('{kind}', {delete_key}, 'delete', {stamp}); END"
        )
    status_key = "new.article_id || '/' || new.annotator_id"
    for event in ("INSERT", "UPDATE"):
        statements.append(
            f"CREATE TRIGGER sync_article_status_{event.lower()} AFTER {event} ON article_status BEGIN "
            f"INSERT INTO sync_outbox(kind, key, op, at) VALUES ('status', {status_key}, 'upsert', {stamp}); END"
        )
    # A status deleted with its article (a cascade) needs no entry: the article's delete covers it.
    statements.append(
        f"CREATE TRIGGER sync_article_status_delete AFTER DELETE ON article_status "
        f"WHEN {_STATUS_DELETE_KEY} IS NOT NULL BEGIN "
        f"INSERT INTO sync_outbox(kind, key, op, at) VALUES ('status', {_STATUS_DELETE_KEY}, 'delete', {stamp}); END"
    )
    return statements


class OutboxEntry(tuple[int, str, int | None, str | None, str, str]):
    """``(seq, kind, row_id, key, op, at)`` of one ``sync_outbox`` row."""

    __slots__ = ()


class SyncMixin(StoreBase):
    """Link state, the outbox, and writing rows that came from a hub."""

    # -- link -----------------------------------------------------------------------------

    def sync_state(self) -> dict[str, str]:
        if not self._has_sync_tables():
            return {}
        return dict(self.conn.execute("SELECT key, value FROM sync_state").fetchall())

    def set_sync_state(self, **values: str | int | None) -> None:
        for key, value in values.items():
            if value is None:
                self.conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT INTO sync_state(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))

    def _has_sync_tables(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_state'").fetchone() is not None

    def is_tracking(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_annotations_insert'"
        ).fetchone() is not None

    def link_hub(self, **state: str | int | None) -> None:
        """Inside ``write()``: record the hub and start tracking changes (idempotent)."""
        self.set_sync_state(**state)
        if not self.is_tracking():
            for statement in _trigger_sql():
                self.conn.execute(statement)

    def queue_everything(self) -> None:
        """Inside ``write()``: put every shared row in the outbox (the first push of a project).
        Their ``at`` is empty: they were not changed now, so a row deleted on the hub since stays
        deleted (a span's ``at`` otherwise counts as its change time against a deletion)."""
        for table, (kind, *_rest) in _TRACKED.items():
            self.conn.execute(
                f"INSERT INTO sync_outbox(kind, row_id, op, at) SELECT ?, id, 'upsert', '' "
                f"FROM {table} ORDER BY id", (kind,))
        self.conn.execute(
            "INSERT INTO sync_outbox(kind, key, op, at) SELECT 'status', article_id || '/' || annotator_id, "
            "'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM article_status")

    # -- outbox ---------------------------------------------------------------------------

    def outbox_count(self) -> int:
        if not self._has_sync_tables():
            return 0
        return int(self.conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0])

    def outbox(self, *, after: int = 0, limit: int = 10_000) -> list[OutboxEntry]:
        return [OutboxEntry(row) for row in self.conn.execute(
            "SELECT seq, kind, row_id, key, op, at FROM sync_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit))]

    def drop_outbox(self, seqs: Iterable[int]) -> None:
        """Inside ``write()``: forget entries that are on the hub now (or never may be)."""
        self.conn.execute("DELETE FROM sync_outbox WHERE seq IN (SELECT value FROM json_each(?))",
                          (json.dumps(list(seqs)),))

    # -- reading rows in the hub's shape --------------------------------------------------

    def hub_rows(self, kind: str, row_ids: Sequence[int | str]) -> dict[int | str, dict[str, Any]]:
        """The current rows of ``kind`` with these local ids (statuses: ``article/annotator``
        id keys) in the hub's shape, by local id; rows deleted since are left out."""
        if not row_ids:
            return {}
        if kind == "status":
            pairs = json.dumps([[int(p) for p in str(key).split("/")] for key in row_ids])
            sql = (
                "SELECT s.article_id || '/' || s.annotator_id, a.text_hash, n.uuid, s.status, s.updated_at "
                "FROM article_status s JOIN articles a ON a.id = s.article_id "
                "JOIN annotators n ON n.id = s.annotator_id WHERE (s.article_id, s.annotator_id) IN "
                "(SELECT value ->> 0, value ->> 1 FROM json_each(?))"
            )
            return {row[0]: dict(zip(("article_hash", "annotator_uuid", "status", "updated_at"), row[1:],
                                     strict=True))
                    for row in self.conn.execute(sql, (pairs,))}
        sql, columns = _HUB_SELECT[kind]
        rows = {row[0]: dict(zip(columns, row[1:], strict=True))
                for row in self.conn.execute(sql, (json.dumps(list(row_ids)),))}
        for row in rows.values():
            for column in _JSON_COLUMNS.get(kind, ()):
                row[column] = json.loads(row[column])
        return rows

    def events_after(self, event_id: int, limit: int = 5000) -> list[dict[str, Any]]:
        return [
            {"id": row[0], "at": row[1], "annotator": row[2], "action": row[3], "article_hash": row[4],
             "target": row[5], "details": json.loads(row[6] or "{}")}
            for row in self.conn.execute(
                "SELECT e.id, e.at, e.annotator, e.action, a.text_hash, e.target, e.details FROM events e "
                "LEFT JOIN articles a ON a.id = e.article_id WHERE e.id > ? ORDER BY e.id LIMIT ?",
                (event_id, limit))
        ]

    # -- writing rows from the hub --------------------------------------------------------

    @contextmanager
    def applying_pulled(self) -> Iterator[None]:
        """Inside ``write()``: whatever is written here came from the hub; it leaves no outbox entry."""
        mark = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_outbox").fetchone()[0]
        yield
        self.conn.execute("DELETE FROM sync_outbox WHERE seq > ?", (mark,))

    def upsert_annotators(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        """Returns the names that could not be taken (another person has them here)."""
        refused = []
        for row in rows:
            clash = self.conn.execute("SELECT uuid FROM annotators WHERE name = ? AND uuid != ?",
                                      (row["name"], row["uuid"])).fetchone()
            if clash:
                refused.append(row["name"])
                continue
            self.conn.execute(
                "INSERT INTO annotators(uuid, name, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(uuid) DO UPDATE SET name = excluded.name",
                (row["uuid"], row["name"], row["created_at"]))
        self._names = None
        return refused

    def upsert_labels(self, rows: Sequence[dict[str, Any]]) -> None:
        self._label_ids.clear()
        self._names = None
        for row in rows:
            # A label made on two machines under one name is one label: the hub's UUID wins.
            self.conn.execute(
                "UPDATE labels SET uuid = ? WHERE scope = ? AND name = ? AND uuid != ? "
                "AND NOT EXISTS (SELECT 1 FROM labels WHERE uuid = ?)",
                (row["uuid"], row["scope"], row["name"], row["uuid"], row["uuid"]))
            # A name or hotkey the label takes over from another (a rename, a swap) is given up by
            # that one; a swap's second row names it again.
            self.conn.execute("UPDATE labels SET name = name || ' (local ' || id || ')' "
                              "WHERE scope = ? AND name = ? AND uuid != ?",
                              (row["scope"], row["name"], row["uuid"]))
            if row["hotkey"]:
                self.conn.execute("UPDATE labels SET hotkey = '' WHERE hotkey = ? AND uuid != ?",
                                  (row["hotkey"], row["uuid"]))
            self.conn.execute(
                "INSERT INTO labels(uuid, name, scope, color, hotkey, description, examples, position, patterns) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET name = excluded.name, "
                "scope = excluded.scope, color = excluded.color, hotkey = excluded.hotkey, "
                "description = excluded.description, examples = excluded.examples, "
                "position = excluded.position, patterns = excluded.patterns",
                (row["uuid"], row["name"], row["scope"], row["color"], row["hotkey"], row["description"],
                 dumps(row["examples"]), row["position"], dumps(row["patterns"])))
        for row in rows:
            self.conn.execute(
                "UPDATE labels SET parent_id = (SELECT id FROM labels WHERE uuid = ?) WHERE uuid = ? "
                "AND parent_id IS NOT (SELECT id FROM labels WHERE uuid = ?)",
                (row["parent_uuid"], row["uuid"], row["parent_uuid"]))

    def upsert_attributes(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.conn.execute(
                "UPDATE attribute_defs SET uuid = ? WHERE name = ? AND uuid != ? "
                "AND NOT EXISTS (SELECT 1 FROM attribute_defs WHERE uuid = ?)",
                (row["uuid"], row["name"], row["uuid"], row["uuid"]))
            self.conn.execute("UPDATE attribute_defs SET name = name || ' (local ' || id || ')' "
                              "WHERE name = ? AND uuid != ?", (row["name"], row["uuid"]))
            self.conn.execute(
                "INSERT INTO attribute_defs(uuid, name, allowed_values, position) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(uuid) DO UPDATE SET name = excluded.name, allowed_values = excluded.allowed_values, "
                "position = excluded.position",
                (row["uuid"], row["name"], dumps(row["allowed_values"]), row["position"]))

    def upsert_articles(self, rows: Sequence[dict[str, Any]]) -> None:
        self.conn.executemany(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, meta, text_hash, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(text_hash) DO UPDATE SET "
            "external_id = excluded.external_id, title = excluded.title, source = excluded.source, "
            "url = excluded.url, published = excluded.published, language = excluded.language, meta = excluded.meta "
            "WHERE (external_id, title, source, url, published, language, meta) IS NOT "
            "(excluded.external_id, excluded.title, excluded.source, excluded.url, excluded.published, "
            "excluded.language, excluded.meta)",
            [(r["external_id"], r["title"], r["source"], r["url"], r["published"], r["language"], r["text"],
              dumps(r["meta"]), r["text_hash"], r["imported_at"]) for r in rows])

    def _ids_by(self, table: str, column: str, values: Iterable[str | None]) -> dict[str, int]:
        wanted = json.dumps(sorted({v for v in values if v}))
        return dict(self.conn.execute(
            f"SELECT {column}, id FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))", (wanted,)))

    def _with_local_ids(self, rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], tuple[int, int, int]]]:
        """Pulled spans or document labels with the local ids of their article, annotator and
        label; rows of which one is not here are left out."""
        articles = self._ids_by("articles", "text_hash", (r["article_hash"] for r in rows))
        annotators = self._ids_by("annotators", "uuid", (r["annotator_uuid"] for r in rows))
        labels = self._ids_by("labels", "uuid", (r["label_uuid"] for r in rows))
        found = []
        for r in rows:
            article, annotator, label = (articles.get(r["article_hash"]), annotators.get(r["annotator_uuid"]),
                                         labels.get(r["label_uuid"]))
            if article is not None and annotator is not None and label is not None:
                found.append((r, (article, annotator, label)))
        return found

    def upsert_annotations(self, rows: Sequence[dict[str, Any]]) -> int:
        """Write pulled spans: new ones, and changes later than the local row. Returns how many
        were skipped because their article, annotator or label is not here."""
        reviewers = self._ids_by("annotators", "uuid", (r["reviewer_uuid"] for r in rows))
        values = [(r["uuid"], *ids, r["start_offset"], r["end_offset"], r["text"], dumps(r["attributes"]), r["note"],
                   r["origin"], r["source"], reviewers.get(r["reviewer_uuid"] or ""), r["created_at"], r["updated_at"])
                  for r, ids in self._with_local_ids(rows)]
        # The same span made on two machines under two UUIDs is one span: the hub's UUID wins.
        self.conn.executemany(
            "DELETE FROM annotations WHERE article_id = ? AND annotator_id = ? AND label_id = ? "
            "AND start_offset = ? AND end_offset = ? AND uuid != ?",
            [(v[1], v[2], v[3], v[4], v[5], v[0]) for v in values])
        self.conn.executemany(
            "INSERT INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, end_offset, text, "
            "attributes, note, origin, source, reviewer_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET "
            "label_id = excluded.label_id, start_offset = excluded.start_offset, end_offset = excluded.end_offset, "
            "text = excluded.text, attributes = excluded.attributes, note = excluded.note, origin = excluded.origin, "
            "source = excluded.source, reviewer_id = excluded.reviewer_id, updated_at = excluded.updated_at "
            "WHERE excluded.updated_at >= annotations.updated_at",  # a tie: the hub's (see above)
            values)
        return len(rows) - len(values)

    def upsert_doc_labels(self, rows: Sequence[dict[str, Any]]) -> int:
        values = [(r["uuid"], *ids, r["created_at"]) for r, ids in self._with_local_ids(rows)]
        self.conn.executemany(
            "DELETE FROM doc_labels WHERE article_id = ? AND annotator_id = ? AND label_id = ? AND uuid != ?",
            [(v[1], v[2], v[3], v[0]) for v in values])
        self.conn.executemany(
            "INSERT INTO doc_labels(uuid, article_id, annotator_id, label_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(uuid) DO NOTHING", values)
        return len(rows) - len(values)

    def upsert_statuses(self, rows: Sequence[dict[str, Any]]) -> int:
        articles = self._ids_by("articles", "text_hash", (r["article_hash"] for r in rows))
        annotators = self._ids_by("annotators", "uuid", (r["annotator_uuid"] for r in rows))
        values = [(articles[r["article_hash"]], annotators[r["annotator_uuid"]], r["status"], r["updated_at"])
                  for r in rows if r["article_hash"] in articles and r["annotator_uuid"] in annotators]
        self.conn.executemany(
            "INSERT INTO article_status(article_id, annotator_id, status, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(article_id, annotator_id) DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at "
            "WHERE excluded.updated_at >= article_status.updated_at",  # a tie: the hub's (see above)
            values)
        return len(rows) - len(values)

    def apply_tombstones(self, rows: Sequence[dict[str, Any]]) -> None:
        """Delete what colleagues deleted, unless it was changed here after they deleted it."""
        for row in rows:
            kind, key, deleted_at = row["kind"], row["key"], row["deleted_at"]
            if kind == "annotation":
                self.conn.execute("DELETE FROM annotations WHERE uuid = ? AND updated_at <= ?", (key, deleted_at))
            elif kind == "doc_label":
                self.conn.execute("DELETE FROM doc_labels WHERE uuid = ?", (key,))
            elif kind == "status":
                article_hash, annotator_uuid = key.split("/", 1)
                self.conn.execute(
                    "DELETE FROM article_status WHERE updated_at <= ? AND article_id = "
                    "(SELECT id FROM articles WHERE text_hash = ?) AND annotator_id = "
                    "(SELECT id FROM annotators WHERE uuid = ?)", (deleted_at, article_hash, annotator_uuid))
            elif kind == "label":
                label = self.conn.execute("SELECT id FROM labels WHERE uuid = ?", (key,)).fetchone()
                if label:
                    self.conn.execute("DELETE FROM annotations WHERE label_id = ?", label)
                    self.conn.execute("DELETE FROM doc_labels WHERE label_id = ?", label)
                    self.conn.execute("UPDATE labels SET parent_id = NULL WHERE parent_id = ?", label)
                    self.conn.execute("DELETE FROM labels WHERE id = ?", label)
                    self._label_ids.clear()
                    self._names = None
            elif kind == "attribute":
                self.conn.execute("DELETE FROM attribute_defs WHERE uuid = ?", (key,))
            elif kind == "article":
                self.conn.execute("DELETE FROM articles WHERE text_hash = ?", (key,))

    def set_assignments(self, article_hashes: Iterable[str]) -> None:
        """Inside ``write()``: the articles assigned to this project's annotator on the hub."""
        self.conn.execute("DELETE FROM sync_assignments")
        self.conn.execute(
            "INSERT OR IGNORE INTO sync_assignments(article_id) SELECT id FROM articles "
            "WHERE text_hash IN (SELECT value FROM json_each(?))", (json.dumps(list(article_hashes)),))

    def assigned_article_ids(self) -> set[int]:
        if not self._has_sync_tables():
            return set()
        return {row[0] for row in self.conn.execute("SELECT article_id FROM sync_assignments")}


TABLES = {"annotator": "annotators", "label": "labels", "attribute": "attribute_defs", "article": "articles",
          "annotation": "annotations", "doc_label": "doc_labels", "status": "article_status"}
"""The table of each kind of synced row (the same name in the project file and on a hub)."""
_WHERE_IDS = "IN (SELECT value FROM json_each(?))"
_HUB_SELECT: dict[str, tuple[str, tuple[str, ...]]] = {
    "annotator": (f"SELECT id, uuid, name, created_at FROM annotators WHERE id {_WHERE_IDS}",
                  ("uuid", "name", "created_at")),
    "label": (
        "SELECT l.id, l.uuid, l.name, l.scope, l.color, l.hotkey, l.description, l.examples, p.uuid, l.position, "
        f"l.patterns FROM labels l LEFT JOIN labels p ON p.id = l.parent_id WHERE l.id {_WHERE_IDS}",
        ("uuid", "name", "scope", "color", "hotkey", "description", "examples", "parent_uuid", "position",
         "patterns")),
    "attribute": (f"SELECT id, uuid, name, allowed_values, position FROM attribute_defs WHERE id {_WHERE_IDS}",
                  ("uuid", "name", "allowed_values", "position")),
    "article": (
        "SELECT id, text_hash, external_id, title, source, url, published, language, text, meta, imported_at "
        f"FROM articles WHERE id {_WHERE_IDS}",
        ("text_hash", "external_id", "title", "source", "url", "published", "language", "text", "meta",
         "imported_at")),
    "annotation": (
        "SELECT s.id, s.uuid, a.text_hash, n.uuid, l.uuid, s.start_offset, s.end_offset, s.text, s.attributes, s.note, "
        "s.origin, s.source, r.uuid, s.created_at, s.updated_at FROM annotations s "
        "JOIN articles a ON a.id = s.article_id JOIN annotators n ON n.id = s.annotator_id "
        "JOIN labels l ON l.id = s.label_id LEFT JOIN annotators r ON r.id = s.reviewer_id "
        f"WHERE s.id {_WHERE_IDS}",
        ("uuid", "article_hash", "annotator_uuid", "label_uuid", "start_offset", "end_offset", "text",
         "attributes", "note", "origin", "source", "reviewer_uuid", "created_at", "updated_at")),
    "doc_label": (
        "SELECT d.id, d.uuid, a.text_hash, n.uuid, l.uuid, d.created_at FROM doc_labels d "
        "JOIN articles a ON a.id = d.article_id JOIN annotators n ON n.id = d.annotator_id "
        f"JOIN labels l ON l.id = d.label_id WHERE d.id {_WHERE_IDS}",
        ("uuid", "article_hash", "annotator_uuid", "label_uuid", "created_at")),
}
_JSON_COLUMNS = {"label": ("examples", "patterns"), "attribute": ("allowed_values",), "article": ("meta",),
                 "annotation": ("attributes",)}
