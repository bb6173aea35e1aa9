"""The project file: one SQLite database, WAL journal, foreign keys on.

To open (creating and migrating as needed)::

    store = Store.open("news.annotator")
    with store.write():
        article_id, created = store.add_article(article)

Every write goes through ``write()``: one short ``BEGIN IMMEDIATE`` transaction, committed at
once, so a crash loses nothing that was shown and other processes wait at most briefly.
Tables and columns are documented in README.md ("Data model").
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.model.errors import (
    ConstraintViolated,
    IdentityClash,
    InvalidQuery,
    InvalidSpan,
    NotFound,
    ProjectFileError,
    ProjectReadOnly,
    StoreError,
)
from annotator.model.types import (
    GOLD,
    GOLD_UUID,
    PALETTE,
    Annotation,
    Annotator,
    Article,
    AttributeDef,
    Codebook,
    Label,
    text_hash,
)
from annotator.store.connection import (
    ProjectConnection,
    connect,
    is_writable,
    read_only_uri,
    translated,
)
from annotator.store.import_runs import recover_runs
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION

BUSY_TIMEOUT_SECONDS = 30.0
"""How long a write waits for another program's transaction before it is refused as busy."""


def now() -> str:
    """UTC time stamp as stored in every ``*_at`` column."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_uuid() -> str:
    return str(uuid.uuid4())


class Store:
    """Typed reads and writes over one project file."""

    def __init__(self, conn: ProjectConnection, path: str | None, *, read_only: bool = False):
        self.conn = conn
        self.path = path
        self.read_only = read_only
        # (scope, name) -> id; dropped when another connection has committed (PRAGMA
        # data_version), since another program may have renamed a label meanwhile.
        self._label_ids: dict[tuple[str, str], int] = {}
        self._label_ids_version = -1
        self.recovered_imports: list[str] = []
        """Sources of imports whose process died, rolled back when this store was opened."""
        # id -> name caches for reading spans fast; dropped on our own label/annotator writes
        # and whenever another connection has committed (PRAGMA data_version).
        self._names: tuple[int, dict[int, str], dict[int, tuple[str, str]]] | None = None

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True, read_only: bool | None = None,
             busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Store:
        """Open a project file, creating it (when ``create``) and applying pending migrations.

        A file this process may not write (or whose folder it may not write) opens read-only
        (``read_only`` None decides so; True forces it): reads work, every write raises
        ``ProjectReadOnly``. ``busy_timeout`` is how long a write waits for another program's
        transaction (imports commit in chunks of a fraction of a second).

        Raises:
            ProjectFileError: the file is missing (and ``create`` is false), is not a SQLite
                database, belongs to another program, is damaged, or was written by a newer
                version of this application (or needs upgrading but is read-only).
        """
        path = Path(path)
        if path.is_dir():
            raise ProjectFileError(f"{path} is a folder, not a project file")
        if not path.exists() and not create:
            raise ProjectFileError(f"{path}: no such project file")
        if not path.parent.is_dir():
            raise ProjectFileError(f"{path}: the folder {path.parent} does not exist")
        if read_only is None:
            read_only = path.exists() and not is_writable(path)
        if read_only:
            conn = _open_read_only(path, busy_timeout)
        else:
            conn = connect(str(path), name=str(path), timeout=busy_timeout)
        try:
            store = cls(conn, str(path), read_only=read_only)
            store._prepare(on_disk=True)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def open_copy(cls, path: str | os.PathLike[str]) -> Store:
        """An in-memory copy of another project file, read without ever writing to it
        (merging a colleague's file must leave it untouched).

        Raises:
            ProjectFileError: not a project file, damaged, or from a newer version.
        """
        path = Path(path)
        if not path.is_file():
            raise ProjectFileError(f"{path}: no such project file")
        memory = connect(":memory:", name=str(path))
        try:
            source = _open_read_only(path, BUSY_TIMEOUT_SECONDS)
            try:
                with translated(str(path)):
                    source.backup(memory)
            finally:
                source.close()
            store = cls(memory, str(path))
            store._prepare(on_disk=False)
        except StoreError as error:
            memory.close()
            raise ProjectFileError(f"{path} cannot be read ({error}); it was left untouched") from error
        except BaseException:
            memory.close()
            raise
        return store

    @classmethod
    def memory(cls) -> Store:
        """A fresh project held in memory (tests, previews)."""
        store = cls(connect(":memory:", name="(memory)"), None)
        store._prepare(on_disk=False)
        return store

    def _prepare(self, *, on_disk: bool) -> None:
        conn = self.conn
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if tables and app_id != APPLICATION_ID:
            raise ProjectFileError(
                f"{self.path} is a SQLite database of another program, not a Stance Annotator "
                "project; it was left untouched"
            )
        if version > SCHEMA_VERSION:
            raise ProjectFileError(
                f"{self.path} uses schema version {version}, newer than this version of "
                f"Stance Annotator understands ({SCHEMA_VERSION}); please upgrade"
            )
        if self.read_only:
            if version < SCHEMA_VERSION or not tables:
                raise ProjectReadOnly(
                    f"{self.path} is read-only here and was made by an older version (schema {version}); "
                    "open it once where it can be written so that it is upgraded"
                )
            conn.execute("PRAGMA query_only = ON")
            return
        if on_disk:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise ProjectFileError(f"{self.path}: cannot switch the journal to WAL ({mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            from sqlite_utils import Database  # only when the file needs migrating

            from annotator.store.migrations import migrations

            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrations.apply(Database(conn, execute_plugins=False))
        if not self.info("project_uuid"):
            with self.write():
                self.set_info("project_uuid", new_uuid())
                self.set_info("created_at", now())
        if on_disk and self.conn.execute("SELECT 1 FROM import_runs LIMIT 1").fetchone():
            self.recovered_imports = recover_runs(self)

    def forget_caches(self) -> None:
        """Drop the id/name caches (after a rollback removed labels or annotators)."""
        self._label_ids.clear()
        self._names = None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on error.

        Nested calls become savepoints, so a caller can group several writes.
        """
        if self.read_only:
            raise ProjectReadOnly(f"{self.path} is open read-only (file or folder permissions); "
                                  "nothing can be saved to it")
        if self.conn.in_transaction:
            name = f"nested_{uuid.uuid4().hex}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:  # an error may have ended the transaction already
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._check_caches()
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            self._label_ids.clear()
            self._names = None
            raise
        else:
            self.conn.commit()

    @contextmanager
    def bulk_import(self) -> Iterator[Store]:
        """Inside ``write()``: defer full-text indexing of new articles to one statement at the end.

        The flag row that pauses the trigger lives only inside this transaction, so a crash
        rolls it back with the rows, and no other connection ever sees it.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("bulk_import() must run inside write()")
        last_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]
        self.set_info("bulk_import_in_progress", "yes")
        yield self
        self.conn.execute(
            "INSERT INTO articles_fts(rowid, title, text) SELECT id, title, text FROM articles "
            "WHERE id > ?",
            (last_id,),
        )
        self.conn.execute("DELETE FROM project_info WHERE key = 'bulk_import_in_progress'")

    def _check_caches(self) -> None:
        """Drop the name caches if another connection has committed since they were filled."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._label_ids_version:
            self._label_ids.clear()
            self._label_ids_version = version

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def info(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM project_info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_info(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO project_info(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def project_uuid(self) -> str:
        return self.info("project_uuid") or ""

    # -- events -----------------------------------------------------------------------------

    def log_event(
        self,
        action: str,
        *,
        annotator: str | None = None,
        article_id: int | None = None,
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append to the event log (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO events(at, annotator, action, article_id, target, details) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now(), annotator, action, article_id, target, _dumps(details or {})),
        )

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, at, annotator, action, article_id, target, details FROM events "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        keys = ("id", "at", "annotator", "action", "article_id", "target", "details")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- codebook -----------------------------------------------------------------------------

    def codebook(self) -> Codebook:
        labels: dict[str, list[Label]] = {"span": [], "document": []}
        rows = self.conn.execute(
            "SELECT l.name, l.color, l.hotkey, l.description, l.examples, p.name, l.scope "
            "FROM labels l LEFT JOIN labels p ON p.id = l.parent_id ORDER BY l.position, l.id"
        )
        for name, color, hotkey, description, examples, parent, scope in rows:
            labels[scope].append(
                Label(name, color, hotkey, description, tuple(json.loads(examples)), parent, scope)
            )
        attributes = [
            AttributeDef(name, tuple(json.loads(values)))
            for name, values in self.conn.execute(
                "SELECT name, allowed_values FROM attribute_defs ORDER BY position, id"
            )
        ]
        return Codebook(labels["span"], attributes, labels["document"])

    def merge_codebook(self, codebook: Codebook) -> dict[str, list[str]]:
        """Add or update the codebook's labels and attributes; labels not named are kept.

        Returns the names added and updated, for reporting.
        """
        stored = {name for (name,) in self.conn.execute("SELECT name FROM labels WHERE scope = 'span'")}
        codebook.validate(known_parents=frozenset(stored))
        self._names = None
        added: list[str] = []
        updated: list[str] = []
        for group in (codebook.labels, codebook.doc_labels):
            for label in group:
                if label.hotkey:
                    # The hotkey moves to this label; another label holding it gives it up.
                    self.conn.execute(
                        "UPDATE labels SET hotkey = '' WHERE hotkey = ? AND NOT (name = ? AND scope = ?)",
                        (label.hotkey, label.name, label.scope),
                    )
                existing = self.label_id(label.name, label.scope)
                if existing is None:
                    self._insert_label(label)
                    added.append(label.name)
                else:
                    self.conn.execute(
                        "UPDATE labels SET color = ?, hotkey = ?, description = ?, examples = ?, "
                        "position = ? WHERE id = ?",
                        (label.color, label.hotkey, label.description, _dumps(list(label.examples)),
                         self._position_of(label), existing),
                    )
                    updated.append(label.name)
            for label in group:
                parent_id = self.label_id(label.parent, label.scope) if label.parent else None
                self.conn.execute(
                    "UPDATE labels SET parent_id = ? WHERE id = ?",
                    (parent_id, self.label_id(label.name, label.scope)),
                )
        for i, attribute in enumerate(codebook.attributes):
            self.conn.execute(
                "INSERT INTO attribute_defs(name, allowed_values, position) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET allowed_values = excluded.allowed_values",
                (attribute.name, _dumps(list(attribute.values)), i),
            )
        return {"added": added, "updated": updated}

    def _position_of(self, label: Label) -> int:
        row = self.conn.execute(
            "SELECT position FROM labels WHERE name = ? AND scope = ?", (label.name, label.scope)
        ).fetchone()
        if row:
            return int(row[0])
        return self._next_position()

    def _next_position(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0])

    def _insert_label(self, label: Label) -> int:
        cursor = self.conn.execute(
            "INSERT INTO labels(name, scope, color, hotkey, description, examples, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (label.name, label.scope, label.color, label.hotkey, label.description,
             _dumps(list(label.examples)), self._next_position()),
        )
        label_id = int(cursor.lastrowid or 0)
        self._label_ids[(label.scope, label.name)] = label_id
        self._names = None
        return label_id

    def replace_codebook(
        self, codebook: Codebook, renames: Iterable[tuple[str, ...]] = ()
    ) -> tuple[list[Annotation], list[tuple[int, str, str]]]:
        """Make the stored codebook equal to ``codebook``.

        ``renames`` (old, new[, scope]) keep a label's spans under its new name (scope "span"
        unless given); they apply all at once, so swaps and chains work. Labels the codebook no
        longer has are deleted together with their spans and document labels, which are
        returned (spans, ``(article id, annotator, label)``) so that the change can be undone.
        """
        codebook.validate()
        self._label_ids.clear()
        self._names = None
        # Renames are simultaneous (a -> b with b -> a swaps, a -> b with b -> c shifts): find
        # every label's id first, park them under names no label can have, then name them.
        moves = []
        for rename in renames:
            old, new, scope = (*rename, "span")[:3]
            row = self.conn.execute("SELECT id FROM labels WHERE name = ? AND scope = ?", (old, scope)).fetchone()
            if row is None:
                raise NotFound(f"no {scope} label called {old!r} to rename")
            moves.append((int(row[0]), new))
        for label_id, _ in moves:
            self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (f"\x00renaming {label_id}", label_id))
        for label_id, new in moves:
            self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (new, label_id))
        keep = {("span", label.name) for label in codebook.labels}
        keep |= {("document", label.name) for label in codebook.doc_labels}
        removed_spans: list[Annotation] = []
        removed_doc_labels: list[tuple[int, str, str]] = []
        for label_id, name, scope in self.conn.execute("SELECT id, name, scope FROM labels").fetchall():
            if (scope, name) in keep:
                continue
            uuids = [r[0] for r in self.conn.execute(
                "SELECT uuid FROM annotations WHERE label_id = ?", (label_id,))]
            removed_spans += [self.annotation(u) for u in uuids]
            removed_doc_labels += [
                (r[0], r[1], name) for r in self.conn.execute(
                    "SELECT d.article_id, n.name FROM doc_labels d JOIN annotators n "
                    "ON n.id = d.annotator_id WHERE d.label_id = ?", (label_id,))
            ]
            self.conn.execute("DELETE FROM annotations WHERE label_id = ?", (label_id,))
            self.conn.execute("DELETE FROM doc_labels WHERE label_id = ?", (label_id,))
            self.conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))
        # Hotkeys move freely between labels: clear them all, then set, to avoid clashes midway.
        self.conn.execute("UPDATE labels SET hotkey = ''")
        self.merge_codebook(codebook)
        position = 0
        for group in (codebook.labels, codebook.doc_labels):
            for label in group:
                self.conn.execute(
                    "UPDATE labels SET position = ? WHERE name = ? AND scope = ?",
                    (position, label.name, label.scope),
                )
                position += 1
        names = [a.name for a in codebook.attributes]
        self.conn.execute(
            f"DELETE FROM attribute_defs WHERE name NOT IN ({','.join('?' * len(names))})", names
        )
        for i, attribute in enumerate(codebook.attributes):
            self.conn.execute("UPDATE attribute_defs SET position = ? WHERE name = ?", (i, attribute.name))
        return removed_spans, removed_doc_labels

    def label_usage(self, name: str, scope: str = "span") -> int:
        """How many spans (or document labels) use a label."""
        table = "annotations" if scope == "span" else "doc_labels"
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM {table} t JOIN labels l ON l.id = t.label_id "
            "WHERE l.name = ? AND l.scope = ?",
            (name, scope),
        ).fetchone()
        return int(row[0])

    def label_id(self, name: str, scope: str = "span") -> int | None:
        if not self.conn.in_transaction:  # inside write() the check ran at BEGIN
            self._check_caches()
        key = (scope, name)
        if key in self._label_ids:
            return self._label_ids[key]
        row = self.conn.execute(
            "SELECT id FROM labels WHERE name = ? AND scope = ?", (name, scope)
        ).fetchone()
        if row:
            self._label_ids[key] = row[0]
            return int(row[0])
        return None

    def ensure_label(self, name: str, scope: str = "span") -> tuple[int, bool]:
        """The label's id, adding it (with the next palette colour) if the codebook lacks it.

        Returns ``(id, created)``.
        """
        existing = self.label_id(name, scope)
        if existing is not None:
            return existing, False
        count = self.conn.execute("SELECT COUNT(*) FROM labels WHERE scope = ?", (scope,)).fetchone()[0]
        return self._insert_label(Label(name, PALETTE[count % len(PALETTE)], scope=scope)), True

    # -- annotators ---------------------------------------------------------------------------

    def annotators(self) -> list[Annotator]:
        return [
            Annotator(uuid=u, name=n, id=i)
            for i, u, n in self.conn.execute("SELECT id, uuid, name FROM annotators ORDER BY name")
        ]

    def annotator_by_name(self, name: str) -> Annotator | None:
        row = self.conn.execute(
            "SELECT id, uuid, name FROM annotators WHERE name = ?", (name,)
        ).fetchone()
        return Annotator(uuid=row[1], name=row[2], id=row[0]) if row else None

    def annotator_by_uuid(self, annotator_uuid: str) -> Annotator | None:
        row = self.conn.execute(
            "SELECT id, uuid, name FROM annotators WHERE uuid = ?", (annotator_uuid,)
        ).fetchone()
        return Annotator(uuid=row[1], name=row[2], id=row[0]) if row else None

    def gold_annotator(self) -> Annotator:
        """The gold layer's annotator, created on first use."""
        annotator, _ = self.ensure_annotator(GOLD, GOLD_UUID)
        return annotator

    def ensure_annotator(self, name: str, annotator_uuid: str | None = None) -> tuple[Annotator, bool]:
        """Find an annotator by id (if given) or name, adding them if unknown.

        Returns ``(annotator, created)``.

        Raises:
            IdentityClash: ``name`` is already used by an annotator with another id.
        """
        if name == GOLD:
            annotator_uuid = GOLD_UUID  # one gold layer, whichever project it came from
        if annotator_uuid:
            found = self.annotator_by_uuid(annotator_uuid)
            if found:
                return found, False
            same_name = self.annotator_by_name(name)
            if same_name:
                raise IdentityClash(
                    f"annotator {name!r} arrives with id {annotator_uuid}, but this project "
                    f"already has a different {name!r} (id {same_name.uuid}); rename one of them "
                    "before importing so that two people's work is not mixed",
                    name=name,
                )
        else:
            found = self.annotator_by_name(name)
            if found:
                return found, False
        new = Annotator(uuid=annotator_uuid or new_uuid(), name=name)
        cursor = self.conn.execute(
            "INSERT INTO annotators(uuid, name, created_at) VALUES (?, ?, ?)",
            (new.uuid, new.name, now()),
        )
        self._names = None
        return Annotator(uuid=new.uuid, name=new.name, id=int(cursor.lastrowid or 0)), True

    # -- articles -------------------------------------------------------------------------

    def add_articles(self, articles: list[Article], *, imported_at: str | None = None) -> int:
        """Store many articles in one statement, skipping texts already stored.

        Returns how many were added (the rest were duplicates).
        """
        before = self.conn.total_changes
        stamp = imported_at or now()
        self.conn.executemany(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, "
            "meta, text_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(text_hash) DO NOTHING",
            [
                (a.external_id, a.title or "", a.source, a.url, a.published, a.language, a.text,
                 _dumps(a.meta), text_hash(a.text), stamp)
                for a in articles
            ],
        )
        return self.conn.total_changes - before

    def add_article(self, article: Article, *, imported_at: str | None = None) -> tuple[int, bool]:
        """Store an article unless one with the same text exists.

        Returns ``(id, created)``: the existing article's id and False for a duplicate.
        """
        digest = text_hash(article.text)
        row = self.conn.execute(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, "
            "meta, text_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(text_hash) DO NOTHING RETURNING id",
            (article.external_id, article.title or "", article.source, article.url,
             article.published, article.language, article.text, _dumps(article.meta),
             digest, imported_at or now()),
        ).fetchone()
        if row:
            return int(row[0]), True
        existing = self.conn.execute(
            "SELECT id FROM articles WHERE text_hash = ?", (digest,)
        ).fetchone()
        return int(existing[0]), False

    def article(self, article_id: int) -> Article:
        row = self.conn.execute(
            "SELECT id, external_id, title, source, url, published, language, text, meta, "
            "imported_at FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if not row:
            raise NotFound(f"no article with id {article_id}")
        return _article_from_row(row)

    def article_text(self, article_id: int) -> str:
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if not row:
            raise NotFound(f"no article with id {article_id}")
        return str(row[0])

    def iter_articles(self, article_ids: Iterable[int] | None = None) -> Iterator[Article]:
        """Articles in id order, streamed (one row at a time, constant memory)."""
        sql = (
            "SELECT id, external_id, title, source, url, published, language, text, meta, "
            "imported_at FROM articles"
        )
        if article_ids is None:
            with translated(self.path):
                for row in self.conn.execute(sql + " ORDER BY id"):
                    yield _article_from_row(row)
        else:
            for article_id in article_ids:
                yield self.article(article_id)

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    SORT_COLUMNS = {
        "id": "id",
        "title": "title COLLATE NOCASE",
        "source": "source COLLATE NOCASE",
        "published": "published",
        "status": "status_rank",
        "spans": "span_count",
    }
    STATUS_RANKS = {"not_started": 0, "in_progress": 1, "done": 2}

    def list_article_ids(
        self,
        *,
        annotator_id: int,
        status: str | None = None,
        label: str | None = None,
        query: str | None = None,
        sort: str = "id",
        descending: bool = False,
    ) -> list[int]:
        """Ids of the articles an annotator sees in the article list, filtered and sorted.

        ``status`` is as the annotator sees it: ``done`` or ``in_progress`` as marked, and
        ``in_progress`` also for an unmarked article that has their spans.

        Raises:
            ValueError: an invalid full-text ``query``.
        """
        where, params = [], {"me": annotator_id}
        if label:
            where.append(
                "EXISTS (SELECT 1 FROM annotations x JOIN labels l ON l.id = x.label_id "
                "WHERE x.article_id = a.id AND x.annotator_id = :me AND l.name = :label)"
            )
            params["label"] = label
        if query:
            where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :query)")
            params["query"] = query
        inner = (
            "SELECT a.id, a.title, a.source, a.published, s.status AS marked, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = :me) "
            "AS span_count FROM articles a LEFT JOIN article_status s "
            "ON s.article_id = a.id AND s.annotator_id = :me"
            + (" WHERE " + " AND ".join(where) if where else "")
        )
        ranked = (
            "SELECT *, CASE WHEN marked = 'done' THEN 2 "
            "WHEN marked = 'in_progress' OR span_count > 0 THEN 1 ELSE 0 END AS status_rank "
            f"FROM ({inner})"
        )
        sql = f"SELECT id FROM ({ranked})"
        if status:
            sql += " WHERE status_rank = :rank"
            params["rank"] = self.STATUS_RANKS[status]
        direction = "DESC" if descending else "ASC"
        sql += f" ORDER BY {self.SORT_COLUMNS.get(sort, 'id')} {direction}, id {direction}"
        try:
            return [row[0] for row in self.conn.execute(sql, params)]
        except StoreError as error:
            if type(error) is not StoreError:  # busy, damaged ...: not the query's fault
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error

    def article_summaries(self, article_ids: list[int], *, annotator_id: int) -> dict[int, dict[str, Any]]:
        """Title, source, date, the annotator's status and span count for some articles."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.source, a.published, LENGTH(a.text), s.status, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = ?) "
            "FROM articles a LEFT JOIN article_status s ON s.article_id = a.id AND s.annotator_id = ? "
            f"WHERE a.id IN ({marks})",
            [annotator_id, annotator_id, *article_ids],
        )
        result = {}
        for article_id, title, source, published, length, status, spans in rows:
            if status not in ("done", "in_progress"):
                status = "in_progress" if spans else "not_started"
            result[article_id] = {
                "id": article_id, "title": title, "source": source or "", "published": published or "",
                "length": length, "status": status, "spans": spans,
            }
        return result

    def search(self, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search (FTS5 query syntax) over titles and texts, best match first.

        Raises:
            InvalidQuery: a query the full-text index cannot run (SQLite's reason in the message).
        """
        try:
            rows = self.conn.execute(
                "SELECT a.id, a.title, snippet(articles_fts, 1, '[', ']', '…', 12) "
                "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
                (query, limit),
            ).fetchall()
        except StoreError as error:
            if type(error) is not StoreError:
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error
        return [{"id": r[0], "title": r[1], "snippet": r[2]} for r in rows]

    # -- annotations ----------------------------------------------------------------------

    def add_annotation(
        self,
        *,
        article_id: int,
        annotator_id: int,
        label_id: int,
        start: int,
        end: int,
        text: str,
        attributes: dict[str, Any] | None = None,
        note: str = "",
        origin: str = "manual",
        annotation_uuid: str | None = None,
        created: str | None = None,
        updated: str | None = None,
        reviewer_id: int | None = None,
    ) -> tuple[str, bool]:
        """Insert a span unless the same one (by uuid, or same article, annotator, label and
        offsets) is stored already. Returns ``(uuid, created)``."""
        stamp = now()
        annotation_uuid = annotation_uuid or new_uuid()
        row = self.conn.execute(
            "INSERT INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, "
            "end_offset, text, attributes, note, origin, created_at, updated_at, reviewer_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING uuid",
            (annotation_uuid, article_id, annotator_id, label_id, start, end, text,
             _dumps(attributes or {}), note or "", origin, created or stamp, updated or created or stamp,
             reviewer_id),
        ).fetchone()
        if row:
            return str(row[0]), True
        same_span = self.conn.execute(
            "SELECT uuid FROM annotations WHERE article_id = ? AND annotator_id = ? "
            "AND label_id = ? AND start_offset = ? AND end_offset = ?",
            (article_id, annotator_id, label_id, start, end),
        ).fetchone()
        if same_span:
            return str(same_span[0]), False
        raise IdentityClash(
            f"annotation id {annotation_uuid} is already used by a different span in this "
            "project; ids must be unique"
        )

    def _name_maps(self) -> tuple[dict[int, str], dict[int, tuple[str, str]]]:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._names is None or self._names[0] != version:
            labels = dict(self.conn.execute("SELECT id, name FROM labels").fetchall())
            annotators = {i: (n, u) for i, n, u in self.conn.execute("SELECT id, name, uuid FROM annotators")}
            self._names = (version, labels, annotators)
        return self._names[1], self._names[2]

    @staticmethod
    def _span_filter(article_id: int, annotator_ids: Iterable[int] | None, labels: Iterable[str] | None,
                     label_names: dict[int, str], table: str = "") -> tuple[str, list[Any]]:
        """WHERE and ORDER BY of the span readers: one article, some annotators or labels, in
        the order start, end, label."""
        where, params = f" WHERE {table}article_id = ?", [article_id]
        if annotator_ids is not None:
            ids = list(annotator_ids)
            where += f" AND {table}annotator_id IN ({','.join('?' * len(ids))})"
            params += ids
        if labels is not None:
            wanted = set(labels)
            ids = [i for i, name in label_names.items() if name in wanted]
            where += f" AND {table}label_id IN ({','.join('?' * len(ids))})"
            params += ids
        where += f" ORDER BY {table}start_offset, {table}end_offset, {table}label_id, {table}id"
        return where, params

    def annotations(
        self,
        article_id: int,
        *,
        annotator_ids: Iterable[int] | None = None,
        labels: Iterable[str] | None = None,
    ) -> list[Annotation]:
        """Spans of one article ordered by start, end and label; optionally only some annotators
        or labels.

        Reads the annotations table alone and names labels and annotators from small cached
        maps: exports read a million spans this way.
        """
        label_names, annotator_names = self._name_maps()
        sql = _ANNOTATION_SELECT
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names)
        sql += where
        return [_annotation_from_row(row, label_names, annotator_names) for row in self.conn.execute(sql, params)]

    def annotations_json(self, article_id: int, *, annotator_ids: Iterable[int] | None = None,
                         labels: Iterable[str] | None = None) -> list[str]:
        """The spans of ``annotations()``, each as its native JSONL object, built by SQLite.

        Same keys, order and values as ``io.jsonl.record_to_dict``; tests compare the two.
        """
        label_names, annotator_names = self._name_maps()
        sql = (
            "SELECT json_object('id', a.uuid, 'start', a.start_offset, 'end', a.end_offset, 'label', l.name, "
            "'text', a.text, 'annotator', n.name, 'annotator_id', n.uuid, 'attributes', json(a.attributes), "
            "'note', a.note, 'origin', a.origin, 'created', a.created_at, 'updated', a.updated_at, "
            "'reviewer', r.name) FROM annotations a JOIN labels l ON l.id = a.label_id "
            "JOIN annotators n ON n.id = a.annotator_id LEFT JOIN annotators r ON r.id = a.reviewer_id"
        )
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names, table="a.")
        sql += where
        return [row[0] for row in self.conn.execute(sql, params)]

    def span_rows(self, article_id: int, *, annotator_ids: Iterable[int] | None = None,
                  labels: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
        """The spans of ``annotations()`` as plain rows for tabular exports: ``(start, end,
        label, text, annotator, annotator uuid, attributes JSON or "", note, origin, reviewer)``."""
        label_names, annotator_names = self._name_maps()
        sql = ("SELECT start_offset, end_offset, label_id, text, annotator_id, attributes, note, origin, reviewer_id "
               "FROM annotations")
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names)
        sql += where
        return [
            (start, end, label_names[label_id], text, *annotator_names[annotator_id],
             "" if attributes == "{}" else attributes, note, origin,
             annotator_names[reviewer_id][0] if reviewer_id else "")
            for start, end, label_id, text, annotator_id, attributes, note, origin, reviewer_id
            in self.conn.execute(sql, params)
        ]

    def annotation(self, annotation_uuid: str) -> Annotation:
        row = self.conn.execute(f"{_ANNOTATION_SELECT} WHERE uuid = ?", (annotation_uuid,)).fetchone()
        if not row:
            raise NotFound(f"no annotation with id {annotation_uuid}")
        return _annotation_from_row(row, *self._name_maps())

    def update_annotation(self, annotation_uuid: str, **fields: Any) -> None:
        """Change ``label_id``, ``attributes``, ``note``, ``start``/``end``/``text`` of a span."""
        columns = {"label_id": "label_id", "attributes": "attributes", "note": "note",
                   "start": "start_offset", "end": "end_offset", "text": "text", "origin": "origin"}
        sets, params = [], []
        for key, value in fields.items():
            sets.append(f"{columns[key]} = ?")
            params.append(_dumps(value) if key == "attributes" else value)
        sets.append("updated_at = ?")
        params += [now(), annotation_uuid]
        try:
            cursor = self.conn.execute(f"UPDATE annotations SET {', '.join(sets)} WHERE uuid = ?", params)
        except ConstraintViolated:
            raise InvalidSpan("the same span with that label is stored already") from None
        if cursor.rowcount == 0:
            raise NotFound(f"no annotation with id {annotation_uuid}")

    def delete_annotation(self, annotation_uuid: str) -> None:
        cursor = self.conn.execute("DELETE FROM annotations WHERE uuid = ?", (annotation_uuid,))
        if cursor.rowcount == 0:
            raise NotFound(f"no annotation with id {annotation_uuid}")

    # -- document labels and status ------------------------------------------------------

    def add_doc_label(self, *, article_id: int, annotator_id: int, label_id: int) -> bool:
        row = self.conn.execute(
            "INSERT INTO doc_labels(uuid, article_id, annotator_id, label_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (new_uuid(), article_id, annotator_id, label_id, now()),
        ).fetchone()
        return row is not None

    def remove_doc_label(self, *, article_id: int, annotator_id: int, label_id: int) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM doc_labels WHERE article_id = ? AND annotator_id = ? AND label_id = ?",
            (article_id, annotator_id, label_id),
        )
        return cursor.rowcount > 0

    def doc_labels(self, article_id: int) -> list[tuple[str, str, str]]:
        """``(label, annotator name, annotator uuid)`` of one article."""
        return [
            (row[0], row[1], row[2])
            for row in self.conn.execute(
                "SELECT l.name, n.name, n.uuid FROM doc_labels d JOIN labels l ON l.id = d.label_id "
                "JOIN annotators n ON n.id = d.annotator_id WHERE d.article_id = ? "
                "ORDER BY l.position, n.name",
                (article_id,),
            )
        ]

    def set_status(self, *, article_id: int, annotator_id: int, status: str) -> str:
        """Set an annotator's status for an article; returns the previous status."""
        previous = self.status(article_id=article_id, annotator_id=annotator_id)
        self.conn.execute(
            "INSERT INTO article_status(article_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(article_id, annotator_id) "
            "DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
            (article_id, annotator_id, status, now()),
        )
        return previous

    def status(self, *, article_id: int, annotator_id: int) -> str:
        row = self.conn.execute(
            "SELECT status FROM article_status WHERE article_id = ? AND annotator_id = ?",
            (article_id, annotator_id),
        ).fetchone()
        return str(row[0]) if row else "not_started"

    def done_by(self, article_id: int) -> list[tuple[str, str]]:
        """``(name, uuid)`` of the annotators who marked the article done."""
        return [
            (row[0], row[1])
            for row in self.conn.execute(
                "SELECT n.name, n.uuid FROM article_status s JOIN annotators n "
                "ON n.id = s.annotator_id WHERE s.article_id = ? AND s.status = 'done' ORDER BY n.name",
                (article_id,),
            )
        ]

    def annotators_with_done(self) -> set[int]:
        """Ids of annotators who marked at least one article done."""
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT annotator_id FROM article_status WHERE status = 'done'")}

    # -- agreement input ----------------------------------------------------------------

    def judged_article_ids(self, annotator_ids: list[int]) -> list[int]:
        """Ids of the articles two or more of the given annotators marked done, in order."""
        if not annotator_ids:
            return []
        marks = ",".join("?" * len(annotator_ids))
        return [row[0] for row in self.conn.execute(
            f"SELECT article_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks}) "
            "GROUP BY article_id HAVING COUNT(*) >= 2 ORDER BY article_id", annotator_ids)]

    def judged_articles(self, annotator_ids: list[int], id_range: tuple[int, int] | None = None) -> Iterator[
            tuple[int, str, list[tuple[int, int, int, str]], dict[int, set[str]], set[int]]]:
        """Articles that two or more of the given annotators marked done (optionally only ids
        in ``id_range``, inclusive), one at a time: ``(id, text, spans, doc labels by annotator,
        finishers)`` with spans as ``(annotator id, start, end, label)``. Four ordered cursors
        are merged by article id, so 10,000 articles cost four queries, not 40,000."""
        if not annotator_ids:
            return
        marks = ",".join("?" * len(annotator_ids))
        low, high = id_range or (-(2**62), 2**62)
        judged = (f"SELECT article_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks}) "
                  f"AND article_id BETWEEN {int(low)} AND {int(high)} GROUP BY article_id HAVING COUNT(*) >= 2")
        reader = self.conn  # separate cursors; each streams
        articles = reader.execute(f"SELECT id, text FROM articles WHERE id IN ({judged}) ORDER BY id", annotator_ids)
        spans = _grouped(reader.execute(
            f"SELECT a.article_id, a.annotator_id, a.start_offset, a.end_offset, l.name FROM annotations a "
            f"JOIN labels l ON l.id = a.label_id WHERE a.annotator_id IN ({marks}) AND a.article_id IN ({judged}) "
            "ORDER BY a.article_id", [*annotator_ids, *annotator_ids]))
        docs = _grouped(reader.execute(
            f"SELECT d.article_id, d.annotator_id, l.name FROM doc_labels d JOIN labels l ON l.id = d.label_id "
            f"WHERE d.annotator_id IN ({marks}) AND d.article_id IN ({judged}) ORDER BY d.article_id",
            [*annotator_ids, *annotator_ids]))
        done = _grouped(reader.execute(
            f"SELECT article_id, annotator_id FROM article_status WHERE status = 'done' "
            f"AND annotator_id IN ({marks}) ORDER BY article_id", annotator_ids))
        with translated(self.path):
            for article_id, text in articles:
                span_rows = spans.take(article_id)
                doc_rows = docs.take(article_id)
                by_annotator: dict[int, set[str]] = {}
                for _, annotator_id, label in doc_rows:
                    by_annotator.setdefault(annotator_id, set()).add(label)
                finishers = {row[1] for row in done.take(article_id)}
                yield article_id, text, [row[1:] for row in span_rows], by_annotator, finishers

    def disagreement_article_ids(self, annotator_ids: list[int], compared: int) -> set[int]:
        """Articles where some span (extent and label) of these annotators is not made by all
        ``compared`` of them: one grouped query over the span index."""
        if not annotator_ids:
            return set()
        marks = ",".join("?" * len(annotator_ids))
        return {row[0] for row in self.conn.execute(
            f"SELECT DISTINCT article_id FROM (SELECT article_id FROM annotations WHERE annotator_id IN ({marks}) "
            "GROUP BY article_id, start_offset, end_offset, label_id HAVING COUNT(DISTINCT annotator_id) < ?)",
            [*annotator_ids, compared])}

    # -- reports ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for ``annotator stats``: articles, spans per label and annotator, status."""
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        per_label = dict(self.conn.execute(
            "SELECT l.name, COUNT(a.id) FROM labels l LEFT JOIN annotations a ON a.label_id = l.id "
            "WHERE l.scope = 'span' GROUP BY l.id ORDER BY l.position, l.id"
        ).fetchall())
        per_annotator: dict[str, dict[str, int]] = {}
        for name, spans in self.conn.execute(
            "SELECT n.name, COUNT(a.id) FROM annotators n LEFT JOIN annotations a "
            "ON a.annotator_id = n.id GROUP BY n.id ORDER BY n.name"
        ):
            per_annotator[name] = {"annotations": spans, "done": 0, "in_progress": 0}
        for name, status, count in self.conn.execute(
            "SELECT n.name, s.status, COUNT(*) FROM article_status s JOIN annotators n "
            "ON n.id = s.annotator_id WHERE s.status != 'not_started' GROUP BY n.id, s.status"
        ):
            per_annotator[name][status] = count
        return {
            "project_uuid": self.project_uuid,
            "schema_version": self.schema_version,
            "articles": one("SELECT COUNT(*) FROM articles"),
            "characters": one("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM articles"),
            "annotations": one("SELECT COUNT(*) FROM annotations"),
            "doc_labels": one("SELECT COUNT(*) FROM doc_labels"),
            "annotators": per_annotator,
            "labels": per_label,
        }

    def count_spans(self, *, annotator_ids: list[int] | None = None, labels: list[str] | None = None,
                    done_only: bool = False) -> tuple[int, int]:
        """``(spans, articles with such spans)`` an export with these filters would hold."""
        sql = ("SELECT COUNT(*), COUNT(DISTINCT a.article_id) FROM annotations a "
               "JOIN labels l ON l.id = a.label_id WHERE 1")
        params: list[Any] = []
        if annotator_ids is not None:
            sql += f" AND a.annotator_id IN ({','.join('?' * len(annotator_ids))})"
            params += annotator_ids
        if labels is not None:
            sql += f" AND l.name IN ({','.join('?' * len(labels))})"
            params += labels
        if done_only:
            sql += (" AND EXISTS (SELECT 1 FROM article_status s WHERE s.article_id = a.article_id "
                    "AND s.annotator_id = a.annotator_id AND s.status = 'done')")
        spans, articles = self.conn.execute(sql, params).fetchone()
        return int(spans), int(articles)

    def label_distribution(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for annotator, label, count in self.conn.execute(
            "SELECT n.name, l.name, COUNT(*) FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN labels l ON l.id = a.label_id GROUP BY n.id, l.id ORDER BY n.name, l.position"
        ):
            result.setdefault(annotator, {})[label] = count
        return result

    def verify(self) -> list[str]:
        """Problems found by SQLite's integrity check and by re-reading every span's text.

        Returns an empty list for a sound file. Nothing is repaired.
        """
        problems = [
            str(row[0]) for row in self.conn.execute("PRAGMA integrity_check") if row[0] != "ok"
        ]
        problems += [
            f"foreign key broken in {row[0]} row {row[1]}"
            for row in self.conn.execute("PRAGMA foreign_key_check")
        ]
        for uuid_, start, end, covered, article_text in self.conn.execute(
            "SELECT a.uuid, a.start_offset, a.end_offset, a.text, r.text FROM annotations a "
            "JOIN articles r ON r.id = a.article_id"
        ):
            if article_text[start:end] != covered:
                problems.append(
                    f"annotation {uuid_}: stored text {covered!r} differs from the article's "
                    f"{article_text[start:end]!r} at [{start}, {end})"
                )
        return problems


class _grouped:  # noqa: N801 (a small helper, used like a function)
    """Rows of a cursor ordered by their first column, taken one key at a time."""

    def __init__(self, cursor: Iterable[tuple[Any, ...]]):
        self._rows = iter(cursor)
        self._next = next(self._rows, None)

    def take(self, key: int) -> list[tuple[Any, ...]]:
        while self._next is not None and self._next[0] < key:
            self._next = next(self._rows, None)
        taken = []
        while self._next is not None and self._next[0] == key:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _open_read_only(path: Path, busy_timeout: float) -> ProjectConnection:
    """A read-only connection; ``immutable`` where a WAL file's shared memory cannot be made (a
    read-only folder) and there is no WAL content it would miss."""
    conn = connect(read_only_uri(path), name=str(path), uri=True, timeout=busy_timeout)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except (ProjectReadOnly, ProjectFileError, StoreError) as error:
        conn.close()
        if isinstance(error, ProjectFileError) or Path(f"{path}-wal").exists():
            raise
        conn = connect(read_only_uri(path, immutable=True), name=str(path), uri=True, timeout=busy_timeout)
    return conn


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _article_from_row(row: tuple[Any, ...]) -> Article:
    return Article(
        id=row[0], external_id=row[1], title=row[2], source=row[3], url=row[4],
        published=row[5], language=row[6], text=row[7], meta=json.loads(row[8]),
        imported_at=row[9],
    )


_ANNOTATION_SELECT = (
    "SELECT uuid, article_id, start_offset, end_offset, label_id, text, annotator_id, attributes, note, "
    "origin, created_at, updated_at, reviewer_id FROM annotations"
)


def _annotation_from_row(row: tuple[Any, ...], label_names: dict[int, str],
                         annotator_names: dict[int, tuple[str, str]]) -> Annotation:
    """An ``_ANNOTATION_SELECT`` row as an Annotation, labels and annotators named from the maps."""
    # Spans are read by the million in exports: fill the instance directly rather than through
    # the dataclass __init__ (same fields, about twice as fast).
    annotation = object.__new__(Annotation)
    annotator, annotator_uuid = annotator_names[row[6]]
    annotation.__dict__.update(
        uuid=row[0], article_id=row[1], start=row[2], end=row[3], label=label_names[row[4]], text=row[5],
        annotator=annotator, annotator_uuid=annotator_uuid,
        attributes={} if row[7] == "{}" else json.loads(row[7]),  # most spans have none
        note=row[8], origin=row[9], created=row[10], updated=row[11],
        reviewer=annotator_names[row[12]][0] if row[12] else None,
    )
    return annotation
