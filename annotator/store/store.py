"""The project file: one SQLite database, WAL journal, foreign keys on.

To open (creating and migrating as needed)::

    store = Store.open("news.annotator")
    with store.write():
        article_id, created = store.add_article(article)

Every write goes through ``write()``: one short ``BEGIN IMMEDIATE`` transaction, committed at
once, so a crash loses nothing that was shown and other processes wait at most briefly.
Tables and columns are documented in README.md ("Data model").

This module guards opening (refusing other programs' and newer files, migrating older ones,
read-only files) and transactions; ``Store``'s reads and writes of each part of the data model
live in the modules of its mixins: ``articles``, ``spans``, ``codebook`` and ``reports``, over
the shared connection and caches of ``base``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.model.errors import ProjectBusy, ProjectFileError, ProjectReadOnly, StoreError
from annotator.store.articles import ArticlesMixin
from annotator.store.base import dumps, new_uuid, now
from annotator.store.codebook import CodebookMixin
from annotator.store.connection import (
    ProjectConnection,
    connect,
    is_writable,
    read_only_uri,
    translated,
)
from annotator.store.import_runs import recover_runs
from annotator.store.reports import ReportsMixin
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION
from annotator.store.spans import SpansMixin

__all__ = ["BUSY_TIMEOUT_SECONDS", "Store", "new_uuid", "now"]

INTERACTIVE_POLL_SECONDS = 0.001
BACKGROUND_POLL_SECONDS = 0.01
BUSY_TIMEOUT_SECONDS = 30.0
"""How long a write waits for another program's transaction before it is refused as busy."""


class Store(ArticlesMixin, SpansMixin, CodebookMixin, ReportsMixin):
    """Typed reads and writes over one project file."""

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
            store = cls(conn, str(path), read_only=read_only, busy_timeout=busy_timeout)
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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def write(self, *, background: bool = False) -> Iterator[Store]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on error.

        Nested calls become savepoints, so a caller can group several writes. ``background``
        writers (the chunks of an import) ask for the write lock less often than interactive
        ones, so that a keypress waiting beside a running import gets the lock first.
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
        self._begin(poll=BACKGROUND_POLL_SECONDS if background else INTERACTIVE_POLL_SECONDS)
        self._check_caches()
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            self.forget_caches()
            raise
        else:
            self.conn.commit()

    def _begin(self, *, poll: float) -> None:
        """``BEGIN IMMEDIATE``, asking for the write lock every ``poll`` seconds until
        ``busy_timeout`` has passed.

        SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms) and
        queues nobody, so a short edit kept losing the lock to the next chunk of a running
        import (measured: 2.5 s with two imports). Imports leave a short gap after each chunk
        (``import_runs.GAP_SECONDS``); frequent asking catches it.
        """
        if self.path is None:  # in memory: nobody else to wait for
            self.conn.execute("BEGIN IMMEDIATE")
            return
        deadline = time.monotonic() + self.busy_timeout
        self.conn.execute("PRAGMA busy_timeout = 1")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except ProjectBusy:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(poll)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

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

    # -- project info ---------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

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
            (now(), annotator, action, article_id, target, dumps(details or {})),
        )

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, at, annotator, action, article_id, target, details FROM events "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        keys = ("id", "at", "annotator", "action", "article_id", "target", "details")
        return [dict(zip(keys, row, strict=True)) for row in rows]


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

