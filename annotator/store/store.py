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
live in the modules of its mixins: ``articles``, ``spans``, ``codebook``, ``reports`` and
``suggestions``, over the shared connection and caches of ``base``.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from annotator.model.errors import (
    AnnotatorError,
    BackupError,
    ProjectBusy,
    ProjectFileError,
    ProjectNeedsUpgrade,
    ProjectReadOnly,
    StoreError,
)
from annotator.store.articles import ArticlesMixin
from annotator.store.base import dumps, new_uuid, now
from annotator.store.codebook import CodebookMixin
from annotator.store.connection import (
    connect,
    is_writable,
    open_read_only,
    refuse_empty,
    translated,
)
from annotator.store.import_runs import recover_runs
from annotator.store.reports import ReportsMixin
from annotator.store.schema import APPLICATION_ID, OLDEST_READABLE_SCHEMA, SCHEMA_VERSION
from annotator.store.spans import SpansMixin
from annotator.store.suggestions import SuggestionsMixin
from annotator.store.sync import SyncMixin

__all__ = ["BUSY_TIMEOUT_SECONDS", "Store", "new_uuid", "now"]

INTERACTIVE_POLL_SECONDS = 0.001
BACKGROUND_POLL_SECONDS = 0.01
BUSY_TIMEOUT_SECONDS = 30.0
"""How long a write waits for another program's transaction before it is refused as busy."""
LONG_WRITE_CACHE_KIB = 64 << 10
"""The page cache of a connection during an import (``Store.long_write_settings``)."""
LONG_WRITE_CHECKPOINT_PAGES = 4096
"""WAL pages (16 MiB of 4 KiB pages) after which an import's commit checkpoints: every two or
three chunks instead of every one. Not more: the WAL left is checkpointed by whichever
connection commits next, and that may be a window storing a keypress (measured during an
import: at 16 MiB the keypresses' p95 rose from about 155 to 185 ms, worst unchanged at about
230 ms; at 64 MiB p95 210 ms and worst 520 ms; at 8 MiB no change, but the import gained half
as much)."""


class Store(ArticlesMixin, SpansMixin, CodebookMixin, ReportsMixin, SuggestionsMixin, SyncMixin):
    """Typed reads and writes over one project file."""

    upgraded_from: int | None = None
    """The schema version the file had when this store migrated it on opening (None: no migration)."""
    upgrade_backup: Path | None = None
    """The backup made just before that migration."""

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True, read_only: bool | None = None,
             busy_timeout: float = BUSY_TIMEOUT_SECONDS, allow_empty: bool = False) -> Store:
        """Open a project file, creating it (when ``create``) and applying pending migrations
        (after a backup of the file, ``store/backups.py``).

        A file this process may not write (or whose folder it may not write) opens read-only
        (``read_only`` None decides so; True forces it): reads work, every write raises
        ``ProjectReadOnly``, and nothing is migrated (a schema older than
        ``OLDEST_READABLE_SCHEMA`` is refused instead). ``busy_timeout`` is how long a write
        waits for another program's transaction (imports commit in chunks of a fraction of a
        second). A zero-byte file is refused unless ``allow_empty`` (``annotator init``).

        Raises:
            ProjectFileError: the file is missing (and ``create`` is false), empty, is not a
                SQLite database, belongs to another program, is damaged, or was written by a
                newer version of this application.
            ProjectNeedsUpgrade: opened read-only, but too old to read without migrating.
            BackupError: the file needs migrating but could not be backed up first.
        """
        path = Path(path)
        if path.is_dir():
            raise ProjectFileError(f"{path} is a folder, not a project file")
        if not path.exists() and not create:
            raise ProjectFileError(f"{path}: no such project file")
        if not path.parent.is_dir():
            raise ProjectFileError(f"{path}: the folder {path.parent} does not exist")
        if not allow_empty:
            refuse_empty(path)
        fresh = not path.exists() or path.stat().st_size == 0
        if read_only is None:
            read_only = path.exists() and not is_writable(path)
        if read_only:
            conn = open_read_only(path, busy_timeout)
        else:
            conn = connect(str(path), name=str(path), timeout=busy_timeout)
        try:
            store = cls(conn, str(path), read_only=read_only, busy_timeout=busy_timeout)
            store._prepare(on_disk=True, fresh=fresh)
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
        refuse_empty(path)
        memory = connect(":memory:", name=str(path))
        try:
            source = open_read_only(path, BUSY_TIMEOUT_SECONDS)
            try:
                with translated(str(path)):
                    source.backup(memory)
            finally:
                source.close()
            store = cls(memory, str(path))
            store._prepare(on_disk=False, fresh=False)
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

    def _prepare(self, *, on_disk: bool, fresh: bool = True) -> None:
        """Refuse what is not ours, then (writable) set the pragmas and migrate.

        ``fresh``: the file was missing or empty before this open; an existing database with
        nothing in it and no application id of ours is someone else's, not a new project. A new
        file gets our application id first, so that one left half-made by a crash is known.
        """
        conn = self.conn
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if (tables or not fresh) and app_id != APPLICATION_ID:
            kind = "a SQLite database of another program" if tables else "an empty SQLite database"
            raise ProjectFileError(
                f"{self.path} is {kind}, not a Stance Annotator project; it was left untouched"
            )
        if version > SCHEMA_VERSION:
            raise ProjectFileError(
                f"{self.path} uses schema version {version}, newer than this version of "
                f"Stance Annotator understands ({SCHEMA_VERSION}); please upgrade"
            )
        if self.read_only:
            if not tables:
                raise ProjectReadOnly(f"{self.path} is read-only here and not a project yet; nothing was changed")
            if version < OLDEST_READABLE_SCHEMA:
                raise ProjectNeedsUpgrade(
                    f"{self.path} uses schema version {version} of an older Stance Annotator, which "
                    f"this version reads only after upgrading it: run `annotator upgrade {self.path}` "
                    "where the file can be written (it makes a backup first)"
                )
            conn.execute("PRAGMA query_only = ON")
            return
        if not tables:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if on_disk:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise ProjectFileError(f"{self.path}: cannot switch the journal to WAL ({mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            with _without_pandas():  # only when the file needs migrating
                from sqlite_utils import Database

                from annotator.store.migrations import migrations

            if on_disk and tables:
                self._back_up_before_migrating(version)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrations.apply(Database(conn, execute_plugins=False))
        if not self.info("project_uuid"):
            with self.write():
                self.set_info("project_uuid", new_uuid())
                self.set_info("created_at", now())
        if on_disk:
            self.recovered_imports = self.recover_interrupted_imports()

    def recover_interrupted_imports(self) -> list[str]:
        """Take back the imports that a process on this machine began here and died in (a kill,
        a crash): their sources, for a note to the user. Opening a project does it; a window
        refreshing does it too, so a killed import's articles do not stay listed until the next
        start. Nothing to do, and one quick query, when no import is running."""
        if self.read_only or not self.conn.execute("SELECT 1 FROM import_runs LIMIT 1").fetchone():
            return []
        return recover_runs(self)

    def _back_up_before_migrating(self, version: int) -> None:
        """A whole-file backup of the old schema; no backup, no migration."""
        from annotator.store.backups import make_backup

        assert self.path is not None
        try:
            self.upgrade_backup = make_backup(self.conn, Path(self.path), reason="upgrade")
        except (BackupError, StoreError) as error:
            raise BackupError(f"{self.path} needs upgrading from schema {version}, but could not be backed up "
                              f"first ({error}); nothing was changed") from error
        self.upgraded_from = version

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

    @contextmanager
    def long_write_settings(self) -> Iterator[Store]:
        """Around a run of many chunks (an import): a page cache of ``LONG_WRITE_CACHE_KIB``
        instead of SQLite's 2 MiB, and a WAL checkpoint every ``LONG_WRITE_CHECKPOINT_PAGES``
        pages instead of after every chunk. With the defaults each chunk's commit copies the WAL
        back into the file and syncs it, rewriting the same index and full-text pages chunk
        after chunk, and the indexes are read back from disk. Restored after; only this
        connection is affected, and readers meanwhile see every commit as before."""
        old_cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        old_checkpoint = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-LONG_WRITE_CACHE_KIB}")
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {LONG_WRITE_CHECKPOINT_PAGES}")
        try:
            yield self
        finally:
            # Never in the way of the import's own outcome or error: a connection that cannot
            # take these back is one whose run has failed already, and they only cost memory.
            with suppress(AnnotatorError):
                self.conn.execute(f"PRAGMA cache_size = {int(old_cache)}")
                self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(old_checkpoint)}")

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


class _Refuse(importlib.abc.MetaPathFinder):
    """Finds nothing for ``names`` in one thread: importing them there fails as if they were
    not installed; other threads import them as usual."""

    def __init__(self, names: Sequence[str]):
        self.names = set(names)
        self.thread = threading.get_ident()

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: object = None) -> None:
        if fullname in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


@contextmanager
def _without_pandas() -> Iterator[None]:
    """sqlite-utils imports pandas and numpy when they are installed (as the test tools install
    them), 0.4 s at every start that migrates, e.g. making a new project; the migrations use
    neither. While sqlite-utils loads in this thread it finds them missing, unless loaded
    already."""
    refuse = _Refuse([name for name in ("pandas", "numpy") if name not in sys.modules])
    sys.meta_path.insert(0, refuse)
    try:
        yield
    finally:
        sys.meta_path.remove(refuse)
