"""QUndoCommand adapter over ``Project.execute``: the only way an edit reaches the project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from annotator.model.commands import Command
from annotator.model.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.ui.controller import ProjectController


class CommandUndo(QUndoCommand):
    """Holds a command that has been executed once, and its inverse.

    The controller runs every step against the project *before* it moves the stack
    (``ProjectController.undo``/``redo``), so a step the project refuses (busy, read-only, the
    span is gone) leaves the stack where it was. ``QUndoStack`` then calls ``undo()``/``redo()``,
    which only skip the work already done. Called directly by Qt without the controller (a
    stack driven by hand), they run the step themselves.
    """

    def __init__(self, controller: ProjectController, command: Command, inverse: Command):
        super().__init__(command.description)
        self._controller = controller
        self._command = command
        self._inverse = inverse
        self._done_ahead = True  # the controller executed the command before pushing it

    def run_undo(self) -> bool:
        """Apply the inverse now; False (with ``sig_error``) if the project refused it."""
        return self._run(self._inverse, then_store_inverse_as="_command")

    def run_redo(self) -> bool:
        return self._run(self._command, then_store_inverse_as="_inverse")

    def redo(self) -> None:
        if self._done_ahead:
            self._done_ahead = False
            return
        if not self.run_redo():
            self.setObsolete(True)

    def undo(self) -> None:
        if self._done_ahead:
            self._done_ahead = False
            return
        if not self.run_undo():
            self.setObsolete(True)

    def mark_done_ahead(self) -> None:
        self._done_ahead = True

    def _run(self, command: Command, *, then_store_inverse_as: str) -> bool:
        try:
            inverse = self._controller.apply(command)
        except AnnotatorError as error:
            self._controller.sig_error.emit(f"Cannot {self.text().lower()}: {error}")
            return False
        setattr(self, then_store_inverse_as, inverse)
        return True
