"""Connections to a project file, and the one place where ``sqlite3`` errors become ours.

WAIT!! Never open the project file with anything but SQLite (no ``open()``, no ``shutil.copy``)
in a process that may hold a connection to it. POSIX drops *all* of a process's locks on a file
when *any* descriptor of it closes; another process then believes it is the last user,
checkpoints and deletes the WAL under our open connection, and committed work is silently lost
(SQLite, "How To Corrupt An SQLite Database File", 2.2). SQLite's own connections share their
lock state per file inside a process, so a second SQLite connection is safe; ``os.stat`` is too.
That is why the header is checked by SQLite itself (``is_sqlite_file``), never by reading bytes.

Every ``sqlite3.Error`` raised by ``ProjectConnection.execute``/``executemany``/``commit`` is
translated into an ``AnnotatorError`` subclass with a plain message, so nothing above ``store/``
ever sees (or catches) a ``sqlite3`` exception. Streaming readers wrap their loops in
``translated()``, since a cursor can also fail while it is iterated.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.model.errors import (
    AnnotatorError,
    ConstraintViolated,
    ProjectBusy,
    ProjectDamaged,
    ProjectFileError,
    ProjectReadOnly,
    StorageFull,
    StoreError,
)

_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _CONSTRAINT, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 19, 26


def translate(error: sqlite3.Error, name: str) -> AnnotatorError:
    """The ``AnnotatorError`` that says in plain words what ``error`` means for project ``name``."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if isinstance(error, sqlite3.IntegrityError) or code == _CONSTRAINT:
        return ConstraintViolated(f"{name}: the change breaks a rule of the project file ({error})")
    if code in (_BUSY, _LOCKED):
        return ProjectBusy(
            f"{name} is busy: another program kept it locked for too long, so nothing was changed; "
            "try again in a moment"
        )
    if code == _READONLY:
        return ProjectReadOnly(f"{name} is read-only here (file or folder permissions); nothing was changed")
    if code == _NOTADB:
        return ProjectFileError(f"{name} is not a project file (not a SQLite database); it was left untouched")
    if code == _CORRUPT:
        return ProjectDamaged(
            f"{name} is damaged ({error}); it was left untouched. Run `annotator check` on it, and restore "
            "it from a backup or an export"
        )
    if code == _FULL:
        return StorageFull(f"the disk holding {name} is full; the change was not saved")
    if code == _CANTOPEN:
        return ProjectFileError(f"{name} cannot be opened ({error})")
    if code == _IOERR:
        return StoreError(f"{name}: the disk reported an error ({error}); the change was not saved")
    return StoreError(f"{name}: {error}")


@contextmanager
def translated(name: str | None) -> Iterator[None]:
    """Turn ``sqlite3`` errors raised inside the block into ``AnnotatorError``s."""
    try:
        yield
    except sqlite3.Error as error:
        raise translate(error, name or "the project") from error


class ProjectConnection(sqlite3.Connection):
    """A ``sqlite3.Connection`` whose errors arrive already translated (see the module docstring)."""

    name = "the project"

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise translate(error, self.name) from error

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as error:
            raise translate(error, self.name) from error

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as error:
            raise translate(error, self.name) from error

    def rollback(self) -> None:
        try:
            super().rollback()
        except sqlite3.Error as error:
            raise translate(error, self.name) from error


def connect(target: str, *, name: str, uri: bool = False, timeout: float = 5.0) -> ProjectConnection:
    """A ``ProjectConnection`` to ``target`` (a path, ``:memory:`` or a ``file:`` URI)."""
    try:
        conn = sqlite3.connect(target, timeout=timeout, check_same_thread=False, uri=uri,
                               factory=ProjectConnection)
    except sqlite3.Error as error:
        raise translate(error, name) from error
    assert isinstance(conn, ProjectConnection)
    conn.name = name
    return conn


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    return f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def is_writable(path: Path) -> bool:
    """Whether this process may write the project file and create its ``-wal``/``-shm`` beside it."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is a non-empty SQLite database, asked of SQLite itself (read-only).

    Used to tell project files from JSONL exports. Reading the header bytes with ``open()``
    would break the locks of a connection this process may hold on the same file (module
    docstring); a read-only SQLite connection does not.
    """
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
    except OSError:
        return False
    try:
        probe = sqlite3.connect(read_only_uri(path), uri=True, timeout=5.0)
    except sqlite3.Error:
        return False
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        return code in (_BUSY, _LOCKED, _CORRUPT)  # still SQLite, only busy or damaged
    finally:
        probe.close()
    return True


def open_read_only(path: Path, busy_timeout: float = 5.0) -> ProjectConnection:
    """A read-only connection; ``immutable`` where a WAL file's shared memory cannot be made (a
    read-only folder) and there is no WAL content it would miss."""
    name = str(path)
    conn = connect(read_only_uri(path), name=name, uri=True, timeout=busy_timeout)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except (ProjectReadOnly, ProjectFileError, StoreError) as error:
        conn.close()
        if isinstance(error, ProjectFileError) or Path(f"{path}-wal").exists():
            raise
        conn = connect(read_only_uri(path, immutable=True), name=name, uri=True, timeout=busy_timeout)
    return conn


def refuse_empty(path: Path) -> None:
    """Raises ProjectFileError for a zero-byte file: SQLite would take it for an empty database
    and any write would turn it into a project; only ``annotator init`` may do that."""
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        return
    if empty:
        raise ProjectFileError(
            f"{path} is an empty file (0 bytes), not a project file; it was left untouched "
            f"(`annotator init {path}` makes it a new project)"
        )
