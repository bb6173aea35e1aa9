"""The window's background operations: import, export, merge and agreement.

Each operation opens its own ``Project`` in a pool thread (a SQLite connection belongs to its
thread), checks ``job.is_cancelled()`` as it goes, and ends exactly once: ``Operations``
reports every end, done, failed or cancelled, through ``sig_finished(kind, result or message)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from annotator.io.exporting import ExportFilter
from annotator.io.records import FieldMap
from annotator.project import Cancelled, Project
from annotator.ui.workers import Job, run_in_background

Work = Callable[[Job], Any]


def _on_own_project(project_path: str, run: Callable[[Project, Job], Any]) -> Work:
    """Work that opens its own ``Project`` in the pool thread (a SQLite connection belongs to
    its thread), runs ``run(project, job)`` and closes it again."""
    def work(job: Job) -> Any:
        project = Project.open(project_path, create=False)
        try:
            return run(project, job)
        finally:
            project.close()
    return work


def import_work(project_path: str, paths: list[str], annotator: str, fields: FieldMap | None = None) -> Work:
    return _on_own_project(project_path, lambda project, job: project.import_paths(
        [Path(p) for p in paths], annotator=annotator, fields=fields, progress=job.sig_progress.emit,
        is_cancelled=job.is_cancelled))


def merge_work(project_path: str, paths: list[str], renames: dict[str, str] | None) -> Work:
    return _on_own_project(project_path, lambda project, job: project.merge_paths(
        [Path(p) for p in paths], renames=renames, progress=job.sig_progress.emit, is_cancelled=job.is_cancelled))


def export_work(project_path: str, format: str, output: str, *, offset_unit: str | None, excel: bool,
                export_filter: ExportFilter) -> Work:
    return _on_own_project(project_path, lambda project, job: project.export(
        format, Path(output), offset_unit=offset_unit, excel=excel, progress=job.sig_progress.emit,
        is_cancelled=job.is_cancelled, filter=export_filter))


def agreement_work(project_path: str, annotators: list[str] | None) -> Work:
    def run(project: Project, job: Job) -> tuple[dict[str, Any], dict[str, Any]]:
        result = project.agreement(annotators=annotators)
        if job.is_cancelled():
            raise Cancelled("agreement cancelled")
        return result, project.label_distribution()
    return _on_own_project(project_path, run)


class Operations(QObject):
    """The running operations of one window; each one's end is reported exactly once."""

    sig_finished = Signal(str, object)
    """An operation ended: its kind ("import", "export", "merge", "agreement") and its result,
    or the error message (a ``str``) when it failed or was cancelled."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.running: dict[Job, str] = {}
        self._shut_down = False

    def start(self, kind: str, work: Work, *, on_done: Callable[[Any], None],
              on_failed: Callable[[str], None], on_progress: Callable[[int, int], None] | None = None) -> Job:
        """Run ``work`` in the background; ``on_done``/``on_failed`` run on the GUI thread first,
        then ``sig_finished`` is emitted. Once the window is gone, an ending job reports to nobody."""
        job: Job

        def done(result: Any) -> None:
            if isValid(self) and self.running.pop(job, None) is not None:
                try:
                    if not self._shut_down:
                        on_done(result)
                finally:
                    self.sig_finished.emit(kind, result)

        def failed(message: str) -> None:
            if isValid(self) and self.running.pop(job, None) is not None:
                try:
                    if not self._shut_down:
                        on_failed(message)
                finally:
                    self.sig_finished.emit(kind, message)

        job = run_in_background(work, on_done=done, on_failed=failed, on_progress=on_progress)
        self.running[job] = kind
        return job

    def cancel_all(self) -> None:
        """Ask every running operation to stop; nothing waits for them here."""
        for job in self.running:
            job.cancel()

    def shut_down(self) -> None:
        """The window is closing: cancel everything; what still ends is only reported through
        ``sig_finished`` (the window's own callbacks would touch a closed project)."""
        self._shut_down = True
        self.cancel_all()
