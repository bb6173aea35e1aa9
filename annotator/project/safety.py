"""Keeping a project's work safe: backups, restore, upgrade, checking a damaged file, and the
window's claim to write (one window writing per person).

The static functions take a path and never open it as a project: they are what is needed when
the file is damaged, too old or gone. The methods work through the open project's connection.
Every copy goes through SQLite (``store/backups.py`` says why it must).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from annotator.model.errors import AnnotatorError, BackupError, ProjectBusy, ProjectFileError, ProjectReadOnly
from annotator.project.base import ProjectBase
from annotator.store import Store
from annotator.store import backups as _backups
from annotator.store import check as _check
from annotator.store import writers as _writers
from annotator.store.backups import BackupInfo
from annotator.store.connection import is_writable
from annotator.store.writers import WriterSession


class SafetyMixin(ProjectBase):
    """Backups, restore and the writer claim of an open project; checks of a project file."""

    writer_session: str | None = None
    """This project's claim to be the window writing for its annotator (None: no claim)."""
    writer_elsewhere: WriterSession | None = None
    """The claim of another window of the same annotator, which made this one open read-only."""
    _writer_name: str = ""

    # -- backups of the open project ---------------------------------------------------------

    def backup(self, *, reason: str = "manual") -> Path:
        """Back the project up now through its own connection; returns the backup's path.

        Raises:
            BackupError: the backup could not be written.
        """
        return _backups.make_backup(self._store.conn, self._file(), reason=reason)

    def backups(self) -> list[BackupInfo]:
        """This project's backups, newest first (``store/backups.py``)."""
        return _backups.list_backups(self._file())

    def restore(self, backup: Path) -> Path:
        """Replace the whole project with ``backup`` (a whole-file copy: every article, span,
        status and in-progress mark as it was then), backing the current state up first.

        Other programs with the file open see the restored file at their next read; this
        project's caches are dropped. Returns the backup of the state before.

        Raises:
            BackupError: ``backup`` is not a sound project file (nothing was changed).
            ProjectReadOnly: the project is open read-only.
        """
        if self._store.read_only:
            raise ProjectReadOnly(f"{self.path} is open read-only; nothing can be restored into it")
        if Path(backup).resolve() == self._file().resolve():
            raise BackupError(f"{backup} is the project file itself, not a backup of it")
        _backups.inspect_backup(Path(backup), thorough=True)  # refused before the backup of the present
        before = self.backup(reason="restore")
        _backups.restore_into(self._store.conn, Path(backup), name=str(self.path))
        self._store.forget_caches()
        self._texts.clear()
        return before

    def change_marker(self) -> int:
        """A number that changes with every logged change (edits, imports, merges, codebook
        edits): the newest event id. Rolling backups are skipped while it stays the same."""
        return _backups.change_marker(self._store.conn)

    # -- the window's claim to write -------------------------------------------------------

    def _claim_writer(self, annotator: str, replacing: str | None) -> WriterSession | None:
        self._writer_name = annotator
        try:
            session, holder = _writers.claim(self._store, annotator, replacing=replacing)
        except ProjectBusy:
            return None  # another program writes at length: open anyway, claim at the next renewal
        self.writer_session = session
        return holder

    def keep_writing(self) -> WriterSession | None:
        """Renew this window's claim (every ``WRITER_RENEW_SECONDS``), or make it if opening could
        not (busy); returns the claim of another window of the same person that holds the place
        instead, if any."""
        if not self._writer_name or self._store.read_only:
            return None
        if self.writer_session is None:
            return self._claim_writer(self._writer_name, None)
        return _writers.renew(self._store, self.writer_session, self._writer_name)

    @property
    def upgrade_backup(self) -> Path | None:
        """The backup made when opening migrated the file to this version's schema (else None)."""
        return self._store.upgrade_backup

    def _release_writer(self) -> None:
        if self.writer_session is not None and not self._store.read_only:
            # Busy or gone: the claim goes stale when this process ends.
            with contextlib.suppress(AnnotatorError):
                _writers.release(self._store, self.writer_session)
            self.writer_session = None

    def _file(self) -> Path:
        if self.path is None:
            raise ProjectFileError("a project in memory has no file to back up")
        return Path(self.path)

    # -- a project file, open or not ------------------------------------------------------------

    @staticmethod
    def back_up_file(path: str | Path, *, reason: str = "manual", keep: int | None = None) -> Path:
        """Back up a project file through a SQLite connection of its own (any schema; a damaged
        file is copied as it is); with ``keep``, prune rolling backups to that many.

        Raises:
            ProjectFileError: not a project file.
            BackupError: the backup could not be written.
        """
        return _backups.back_up_file(Path(path), reason=reason, keep=keep)

    @staticmethod
    def backups_of(path: str | Path) -> list[BackupInfo]:
        """The backups of the project at ``path`` (which need not exist any more), newest first."""
        return _backups.list_backups(Path(path))

    @staticmethod
    def backup_folder(path: str | Path) -> Path:
        """Where the backups of the project at ``path`` are kept."""
        return _backups.backup_folder(Path(path))

    @staticmethod
    def restore_file(path: str | Path, backup: str | Path) -> Path | None:
        """Restore ``backup`` into the project file at ``path`` (damaged, missing or empty will
        do), backing the file up first; returns that backup (None if there was no file).

        Raises:
            BackupError: ``backup`` is not a sound project, or the file could not be backed up.
            ProjectFileError: ``path`` is not a project file.
        """
        return _backups.restore_file(Path(path), Path(backup))

    @staticmethod
    def check_file(path: str | Path) -> list[str]:
        """What SQLite (integrity and foreign key checks) and a re-read of every span find wrong
        in a project file, damaged or not; empty for a sound file. Changes nothing.

        Raises:
            ProjectFileError: not a project file at all.
        """
        return _check.check_file(Path(path))

    @staticmethod
    def damage(path: str | Path) -> list[str]:
        """What SQLite's quick check finds wrong (asked after a read failed)."""
        return _check.damage(Path(path))

    @staticmethod
    def upgrade(path: str | Path) -> tuple[int, int, Path | None]:
        """Back up an older project file, then migrate it to this version's schema.

        Returns:
            ``(schema before, schema after, backup)``; the backup is None when the file was
            up to date already.

        Raises:
            ProjectFileError: not a project file, or not writable here.
            BackupError: it could not be backed up (then it is not migrated).
        """
        path = Path(path)
        if path.is_file() and not is_writable(path):
            raise ProjectFileError(f"{path} cannot be written here (file or folder permissions), "
                                   "so it cannot be upgraded")
        store = Store.open(path, create=False)
        try:
            before = store.upgraded_from if store.upgraded_from is not None else store.schema_version
            return before, store.schema_version, store.upgrade_backup
        finally:
            store.close()


__all__ = ["BackupInfo", "SafetyMixin", "WriterSession"]
