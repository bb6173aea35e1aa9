"""Slow work off the GUI thread, with progress and cancel.

The work function runs in a pool thread and must open its own ``Project``: a SQLite
connection belongs to the thread that uses it.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Job(QObject):
    """A running background job. Connect to its signals; call ``cancel()`` to stop it."""

    sig_progress = Signal(int, int)
    """(done, total) units of work, delivered on the GUI thread."""
    sig_finished = Signal(object)
    """The work function's result."""
    sig_failed = Signal(str)
    """The work function raised; carries the message."""

    def __init__(self) -> None:
        super().__init__()
        self._cancelled = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()


class _Runner(QRunnable):
    def __init__(self, job: Job, work: Callable[[Job], Any]):
        super().__init__()
        self.job = job
        self.work = work

    def run(self) -> None:
        try:
            result = self.work(self.job)
        except Exception as error:  # reported to the user, never swallowed
            message = str(error) or type(error).__name__
            traceback.print_exc()
            self.job.done.set()
            self.job.sig_failed.emit(message)
            return
        self.job.done.set()
        self.job.sig_finished.emit(result)


def run_in_background(work: Callable[[Job], Any]) -> Job:
    """Start ``work(job)`` in the global thread pool; its signals arrive on the GUI thread."""
    job = Job()
    QThreadPool.globalInstance().start(_Runner(job, work))
    return job
