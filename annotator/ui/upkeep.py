"""Keeping the window's project safe while it is open: rolling backups and the writer claim.

A backup is made when a project is opened for writing, then every ``backups/interval_minutes``
(QSettings; default ``BACKUP_INTERVAL_MINUTES``, 0 turns the timer off) while the project
changes, and the newest ``backups/keep`` (default ``BACKUPS_KEPT``) of these rolling backups are
kept. Each one runs in a pool thread on a SQLite connection of its own: one read snapshot while
the window goes on writing (WAL), so a large file never freezes the window. The window's claim
to write (one window per person, ``Project.open(writer=...)``) is renewed every
``WRITER_RENEW_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from shiboken6 import isValid

from annotator.model.errors import AnnotatorError
from annotator.project import BACKUP_INTERVAL_MINUTES, BACKUPS_KEPT, WRITER_RENEW_SECONDS, Project
from annotator.ui.workers import Job, run_in_background


class ProjectUpkeep(QObject):
    """Rolling backups and claim renewal for whatever project ``current()`` returns."""

    sig_backup_made = Signal(object)
    """A backup was written; carries its path."""
    sig_message = Signal(str)
    """Something the user should read in the status bar (a backup failed, the claim was lost)."""

    def __init__(self, settings: QSettings, current: Callable[[], Project | None], parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._current = current
        self._backup_timer = QTimer(self)
        self._backup_timer.timeout.connect(self._on_backup_timer_timeout)
        self._renew_timer = QTimer(self)
        self._renew_timer.setInterval(WRITER_RENEW_SECONDS * 1000)
        self._renew_timer.timeout.connect(self._on_renew_timer_timeout)
        self.job: Job | None = None
        """The backup running now (one at a time)."""
        self.last_backup: Path | None = None
        self._backed_up: tuple[str, int] | None = None  # (project path, change marker) of the last backup

    def interval_minutes(self) -> int:
        return int(self._settings.value("backups/interval_minutes", BACKUP_INTERVAL_MINUTES, type=int))  # type: ignore[call-overload]

    def keep(self) -> int:
        return int(self._settings.value("backups/keep", BACKUPS_KEPT, type=int))  # type: ignore[call-overload]

    def project_loaded(self, project: Project, *, back_up: bool = True) -> None:
        """A project is shown: if it is open for writing, back it up now (unless not ``back_up``)
        and then on the timer."""
        self._backup_timer.stop()
        self._renew_timer.stop()
        self._backed_up = None
        if project.read_only or project.path is None:
            return
        if back_up:
            self.back_up(reason="open")
        if self.interval_minutes() > 0:
            self._backup_timer.start(self.interval_minutes() * 60_000)
        self._renew_timer.start()

    def back_up(self, *, reason: str = "timer", on_done: Callable[[Path], None] | None = None) -> Job | None:
        """Start a backup of the current project in the background; None when there is nothing
        to do (no writable project, a backup already running, or a timer backup of an unchanged
        project). Rolling reasons ("open", "timer") prune to ``keep()``."""
        project = self._current()
        if project is None or project.path is None or project.read_only or self.job is not None:
            return None
        try:
            marker = project.change_marker()
        except AnnotatorError:
            return None
        path = project.path
        if reason == "timer" and self._backed_up == (path, marker):
            return None
        keep = self.keep() if reason in ("open", "timer") else None

        def done(result: Path) -> None:
            if not isValid(self):
                return
            self.job = None
            self._backed_up = (path, marker)
            self.last_backup = result
            if on_done is not None:
                on_done(result)
            self.sig_backup_made.emit(result)

        def failed(message: str) -> None:
            if not isValid(self):
                return
            self.job = None
            self.sig_message.emit(f"Backup failed: {message}")

        self.job = run_in_background(lambda _job: Project.back_up_file(path, reason=reason, keep=keep),
                                     on_done=done, on_failed=failed)
        return self.job

    def _on_backup_timer_timeout(self) -> None:
        if self._current() is None:
            self._backup_timer.stop()
            return
        self.back_up(reason="timer")

    def _on_renew_timer_timeout(self) -> None:
        project = self._current()
        if project is None:
            self._renew_timer.stop()
            return
        try:
            holder = project.keep_writing()
        except AnnotatorError:
            return  # busy: the next renewal tries again, long before the claim goes stale
        if holder is not None:
            self.sig_message.emit(f"Another window of yours ({holder.where()}) now writes to this project; "
                                  "reopen this one to see its work")
