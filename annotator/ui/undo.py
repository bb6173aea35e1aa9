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

    ``redo()`` re-applies the command (the first call, made by ``QUndoStack.push``, is skipped
    because the controller already executed it to learn whether it succeeds); ``undo()`` applies
    the inverse and keeps the inverse's inverse for the next redo.
    """

    def __init__(self, controller: ProjectController, command: Command, inverse: Command):
        super().__init__(command.description)
        self._controller = controller
        self._command = command
        self._inverse = inverse
        self._first_redo = True

    def redo(self) -> None:
        if self._first_redo:
            self._first_redo = False
            return
        self._command = self._run(self._command, then_store_inverse_as="_inverse")

    def undo(self) -> None:
        self._inverse = self._run(self._inverse, then_store_inverse_as="_command")

    def _run(self, command: Command, *, then_store_inverse_as: str) -> Command:
        try:
            inverse = self._controller.apply(command)
        except AnnotatorError as error:
            # The project changed under us (another process, or a deleted article): report it
            # and drop this step rather than leave the stack lying about the file.
            self._controller.sig_error.emit(f"Cannot {self.text().lower()}: {error}")
            self.setObsolete(True)
            return command
        setattr(self, then_store_inverse_as, inverse)
        return command
