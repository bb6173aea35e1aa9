"""Backups of a project file: whole-file copies made by SQLite's online backup API.

To make one and bring it back::

    path = make_backup(store.conn, Path(store.path), reason="manual")
    restore_into(store.conn, path, name=store.path)

WAIT!! Never copy a project file with ``shutil.copy`` or ``open()``: closing that second
descriptor drops this process's locks on it (``connection.py``). Every copy here goes through a
SQLite connection (``sqlite3.Connection.backup``), which reads a consistent snapshot even while
another program writes, and writes a restore as one transaction that other connections see whole.

Where: ``backup_root()`` is ``$STANCE_ANNOTATOR_BACKUPS`` if set (tests point it at a temporary
folder), else ``backups/`` in the user data directory, beside the demo project. Each project has
its own folder, named after its file and a hash of its absolute path (two ``news.annotator`` in
different folders never share one). A backup's name is a sortable UTC time stamp and the reason:
``20240117T101502123456Z-open.annotator``; one still being written ends in ``.partial`` and is
never listed. Backups are single files in rollback-journal mode: any SQLite tool opens them.

Reasons: ``open`` (a window opened the project for writing) and ``timer`` (every few minutes while
it is open) roll, only the newest ``keep`` of them are kept (``prune``); ``manual``, ``upgrade``
(before a schema migration) and ``restore`` (the file as it was before a restore) stay until the
user deletes them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.model.errors import AnnotatorError, BackupError, ProjectFileError, StoreError
from annotator.store.connection import (
    ProjectConnection,
    connect,
    is_sqlite_file,
    is_writable,
    open_read_only,
    refuse_empty,
    translated,
)
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION

ROOT_VARIABLE = "STANCE_ANNOTATOR_BACKUPS"
"""Environment variable naming the folder that holds every project's backups."""
DEFAULT_INTERVAL_MINUTES = 10
"""Minutes between the window's rolling backups (while the project changes)."""
DEFAULT_KEEP = 10
"""Rolling backups kept per project."""
REASONS = ("open", "timer", "manual", "upgrade", "restore")
ROLLING = frozenset({"open", "timer"})
SUFFIX = ".annotator"
_NAME = re.compile(r"^(\d{8}T\d{12}Z)-([a-z]+)(?:-\d+)?\.annotator$")
_PARTIAL_MAX_AGE_SECONDS = 3600.0
_WRITER_TABLE = "writer_sessions"


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and what it holds (``None`` where the file could not be read: ``problem``)."""

    path: Path
    time: str
    """When it was made, UTC, as in every ``*_at`` column (``2024-01-17T10:15:02.123Z``)."""
    reason: str
    schema_version: int | None = None
    articles: int | None = None
    spans: int | None = None
    project_uuid: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


def backup_root() -> Path:
    """The folder holding every project's backup folder (see the module docstring)."""
    configured = os.environ.get(ROOT_VARIABLE)
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir  # the same folder app.py keeps the demo project in

    return Path(user_data_dir("StanceAnnotator", appauthor=False)) / "backups"


def backup_folder(project_path: Path, root: Path | None = None) -> Path:
    """This project's backup folder: its file name plus a hash of its absolute path."""
    absolute = str(Path(project_path).resolve())
    digest = hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:16]
    stem = re.sub(r"[^\w.-]+", "_", Path(project_path).stem)[:60] or "project"
    return (root or backup_root()) / f"{stem}-{digest}"


def _new_path(folder: Path, reason: str) -> Path:
    moment = datetime.now(UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%S") + f"{moment.microsecond:06d}Z"
    path = folder / f"{stamp}-{reason}{SUFFIX}"
    n = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        n += 1
        path = folder / f"{stamp}-{reason}-{n}{SUFFIX}"
    return path


def _time_of(name: str) -> tuple[str, str] | None:
    """``(time, reason)`` from a backup's file name, or None for another file."""
    match = _NAME.match(name)
    if not match:
        return None
    stamp, reason = match.groups()
    moment = datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S")
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{stamp[15:18]}Z", reason


def make_backup(source: sqlite3.Connection, project_path: Path, *, reason: str, root: Path | None = None) -> Path:
    """Copy the database behind ``source`` into a new backup of ``project_path``; returns its path.

    The copy is one step of the backup API, so it is one read snapshot: in WAL mode other
    connections go on writing meanwhile. (Copying in several steps would start again from the
    first page whenever another connection commits between two steps, which the window does at
    every keypress.) Callers that must not wait run this in a background thread with a
    connection of their own (``back_up_file``).

    Raises:
        BackupError: the backup folder or file cannot be written (nothing is left behind).
    """
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    folder = backup_folder(project_path, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot make the backup folder {folder}: {error.strerror or error}") from error
    final = _new_path(folder, reason)
    partial = final.with_name(final.name + ".partial")
    try:
        target = connect(str(partial), name=str(partial))
        try:
            with translated(str(partial)):
                source.backup(target)
            # One self-contained file: the copied header says WAL, which would leave a -wal beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        os.replace(partial, final)
    except StoreError as error:
        _remove_partial(partial)
        raise BackupError(f"the backup of {project_path} failed ({error}); the project was not changed") from error
    except OSError as error:
        _remove_partial(partial)
        raise BackupError(f"the backup of {project_path} failed: {error.strerror or error}") from error
    except BaseException:
        _remove_partial(partial)
        raise
    return final


def _remove_partial(partial: Path) -> None:
    for leftover in (partial, *(Path(f"{partial}{end}") for end in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)


def _source_connection(project_path: Path) -> ProjectConnection:
    """A SQLite connection to an existing project file, after refusing what is not one.

    A read-write connection where the file may be written: when it is the last one to close, it
    checkpoints the WAL into the file as any connection does (a read-only one would leave it).
    """
    if not project_path.is_file():
        raise ProjectFileError(f"{project_path}: no such project file")
    refuse_empty(project_path)
    if not is_sqlite_file(project_path):
        raise ProjectFileError(f"{project_path} is not a project file (not a SQLite database); it was left untouched")
    if is_writable(project_path):
        conn = connect(str(project_path), name=str(project_path))
    else:
        conn = open_read_only(project_path)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except BaseException:
        conn.close()
        raise
    if app_id != APPLICATION_ID:
        conn.close()
        raise ProjectFileError(f"{project_path} is not a Stance Annotator project; it was left untouched")
    return conn


def back_up_file(project_path: Path, *, reason: str = "manual", keep: int | None = None,
                 root: Path | None = None) -> Path:
    """Back up a project file through a SQLite connection of this call's own (any schema, even a
    damaged file: pages are copied as they are); with ``keep``, prune rolling backups after.

    Raises:
        ProjectFileError: not a project file (empty, not SQLite, another program's).
        BackupError: the backup could not be written.
    """
    project_path = Path(project_path)
    conn = _source_connection(project_path)
    try:
        path = make_backup(conn, project_path, reason=reason, root=root)
    finally:
        conn.close()
    if keep is not None:
        prune(project_path, keep=keep, root=root)
    return path


def inspect_backup(path: Path, *, thorough: bool = False) -> BackupInfo:
    """What a backup holds, read through a read-only SQLite connection.

    Args:
        path: the backup file (any project file will do).
        thorough: also run ``PRAGMA integrity_check`` (before a restore).

    Raises:
        BackupError: ``path`` is not a sound project file of a schema this version knows.
    """
    path = Path(path)
    named = _time_of(path.name)
    info = BackupInfo(path, *(named or (_mtime(path), "other")))
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    if path.stat().st_size == 0 or not is_sqlite_file(path):
        raise BackupError(f"{path} is not a project backup (not a SQLite database)")
    try:
        conn = open_read_only(path)
    except AnnotatorError as error:
        raise BackupError(f"{path} cannot be read ({error})") from error
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id != APPLICATION_ID or not {"articles", "annotations", "project_info"} <= tables:
            raise BackupError(f"{path} is not a Stance Annotator project, so it cannot be restored")
        if not 1 <= version <= SCHEMA_VERSION:
            raise BackupError(f"{path} uses schema version {version}, which this version cannot restore")
        if thorough:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
            if problems:
                raise BackupError(f"{path} is damaged ({problems[0]}), so it is not restored")
        uuid_row = conn.execute("SELECT value FROM project_info WHERE key = 'project_uuid'").fetchone()
        return BackupInfo(
            path, info.time, info.reason, version,
            int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]),
            int(conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]),
            uuid_row[0] if uuid_row else None,
        )
    except StoreError as error:
        raise BackupError(f"{path} cannot be read ({error})") from error
    finally:
        conn.close()


def _mtime(path: Path) -> str:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ""
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def list_backups(project_path: Path, *, root: Path | None = None) -> list[BackupInfo]:
    """This project's backups, newest first; an unreadable one is listed with its ``problem``."""
    folder = backup_folder(Path(project_path), root)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        named = _time_of(path.name)
        if named is None:
            continue
        try:
            found.append(inspect_backup(path))
        except BackupError as error:
            found.append(BackupInfo(path, *named, problem=str(error)))
    return found


def prune(project_path: Path, *, keep: int, root: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` rolling backups (and stale ``.partial`` files of
    backups that died mid-way); returns what was deleted."""
    folder = backup_folder(Path(project_path), root)
    if not folder.is_dir():
        return []
    rolling = sorted((p for p in folder.iterdir() if (named := _time_of(p.name)) and named[1] in ROLLING),
                     key=lambda p: p.name, reverse=True)
    doomed = rolling[max(keep, 0):]
    now = time.time()
    for partial in folder.glob("*.partial"):
        try:
            if now - partial.stat().st_mtime > _PARTIAL_MAX_AGE_SECONDS:  # another process may be writing a newer one
                doomed.append(partial)
        except OSError:
            continue
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def change_marker(conn: ProjectConnection) -> int:
    """The newest event id: every logged change (edit, import, merge, codebook) raises it."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])


def restore_into(target: ProjectConnection, backup: Path, *, name: str) -> BackupInfo:
    """Replace the database behind ``target`` with ``backup``, as one transaction of the backup
    API: other connections to the project see the old file or the new one, never a mixture.

    The open-window claims (``writer_sessions``) are the present's, not the backup's: they are
    put back as they were, so a restore never hands a window's place to a stale row or drops it.

    Raises:
        BackupError: ``backup`` is not a sound project file (checked before anything is changed).
    """
    info = inspect_backup(backup, thorough=True)
    claims = _writer_rows(target)
    source = open_read_only(Path(backup))
    try:
        with translated(name):
            source.backup(target)
    finally:
        source.close()
    if claims is not None and _has_table(target, _WRITER_TABLE):
        target.execute("BEGIN IMMEDIATE")
        try:
            target.execute(f"DELETE FROM {_WRITER_TABLE}")
            target.executemany(f"INSERT INTO {_WRITER_TABLE} VALUES (?, ?, ?, ?, ?, ?)", claims)
        except BaseException:
            target.rollback()
            raise
        target.commit()
    return info


def _has_table(conn: ProjectConnection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return found is not None


def _writer_rows(conn: ProjectConnection) -> list[tuple[Any, ...]] | None:
    try:
        if not _has_table(conn, _WRITER_TABLE):
            return None
        return conn.execute(
            f"SELECT session, annotator, pid, host, started_at, seen_at FROM {_WRITER_TABLE}").fetchall()
    except StoreError:  # a damaged file: its claims are lost with it
        return None


def restore_file(project_path: Path, backup: Path, *, root: Path | None = None) -> Path | None:
    """Restore ``backup`` into the project file at ``project_path``, backing the file up first.

    Works when the project cannot be opened as a project any more (damaged pages), and when it is
    missing or empty (a disk problem); refuses a file that is not SQLite or is another program's.

    Returns:
        The backup of the file as it was before (None if there was no file to back up).

    Raises:
        BackupError: ``backup`` is not a sound project file, or the current file could not be
            backed up first; nothing was changed.
        ProjectFileError: ``project_path`` is not a project file.
    """
    project_path, backup = Path(project_path), Path(backup)
    if project_path.exists() and backup.resolve() == project_path.resolve():
        raise BackupError(f"{backup} is the project file itself, not a backup of it")
    inspect_backup(backup, thorough=True)  # refused before anything is touched
    before = None
    if project_path.is_file() and project_path.stat().st_size > 0:
        conn = _source_connection(project_path)
        try:
            before = make_backup(conn, project_path, reason="restore", root=root)
        except BaseException:
            conn.close()
            raise
    else:
        if not project_path.parent.is_dir():
            raise ProjectFileError(f"{project_path}: the folder {project_path.parent} does not exist")
        conn = connect(str(project_path), name=str(project_path))
    try:
        restore_into(conn, backup, name=str(project_path))
    finally:
        conn.close()
    return before
