"""Slow work off the GUI thread, with progress and cancel.

The work function runs in a pool thread and must open its own ``Project``: a SQLite
connection belongs to the thread that uses it. Its callbacks are connected *before* the work
starts: a fast job that finished before anyone listened would otherwise report to nobody.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

from annotator.model.errors import AnnotatorError


class Job(QObject):
    """A running background job: ``cancel()`` asks it to stop at its next check."""

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
        except AnnotatorError as error:  # a reason for the user, not a bug
            self._report("sig_failed", str(error) or type(error).__name__)
            return
        except Exception as error:  # reported to the user, never swallowed
            traceback.print_exc()
            self._report("sig_failed", f"{type(error).__name__}: {error}")
            return
        self._report("sig_finished", result)

    def _report(self, signal: str, value: Any) -> None:
        """Emit the outcome, unless the job is gone: the window closed and the interpreter is
        shutting down while the work ran (nobody is left to tell; the work itself is whole or
        taken back by its own transaction)."""
        self.job.done.set()
        if not isValid(self.job):
            return
        try:
            getattr(self.job, signal).emit(value)
        except RuntimeError:  # deleted between the check and the emit
            if isValid(self.job):
                raise


def run_in_background(
    work: Callable[[Job], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Job:
    """Connect the callbacks, then start ``work(job)`` in the global thread pool.

    The callbacks run on the GUI thread. Keep a reference to the returned job until it ends.
    """
    job = Job()
    if on_done is not None:
        job.sig_finished.connect(on_done)
    if on_failed is not None:
        job.sig_failed.connect(on_failed)
    if on_progress is not None:
        job.sig_progress.connect(on_progress)
    QThreadPool.globalInstance().start(_Runner(job, work))
    return job
