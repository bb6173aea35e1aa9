"""Owns the open project and its undo stack; every edit goes through ``execute``."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotator.model.commands import Changes, Command
from annotator.model.errors import AnnotatorError
from annotator.model.types import Annotator, check_person_name
from annotator.project import Project
from annotator.ui.undo import CommandUndo


class ProjectController(QObject):
    sig_changed = Signal(object)
    """Emitted after any edit, undo or redo is stored; carries the ``Changes``."""
    sig_error = Signal(str)
    """An edit was refused; carries the reason for the status bar."""

    def __init__(self, project: Project, annotator: str, parent: QObject | None = None):
        super().__init__(parent)
        check_person_name(annotator)
        self.project = project
        self.annotator_name = annotator
        # Looked up, not added: nobody is written into the project before their first edit
        # (which adds them in its own transaction), so a name typed by mistake leaves no trace.
        self.annotator = project.annotator_named(annotator) or Annotator(uuid="", name=annotator)
        self.undo_stack = QUndoStack(self)

    def execute(self, command: Command) -> bool:
        """Run an edit now and put it on the undo stack; False (and ``sig_error``) if refused."""
        try:
            changes, inverse = self.project.execute(command, actor=self.annotator_name)
        except AnnotatorError as error:
            self.sig_error.emit(str(error))
            return False
        self.undo_stack.push(CommandUndo(self, command, inverse))
        self.sig_changed.emit(changes)
        return True

    def undo(self) -> bool:
        """Undo the last edit; if the project refuses, say why and leave the stack as it is."""
        return self._step(back=True)

    def redo(self) -> bool:
        """Redo the next edit; if the project refuses, say why and leave the stack as it is."""
        return self._step(back=False)

    def _step(self, *, back: bool) -> bool:
        stack = self.undo_stack
        if not (stack.canUndo() if back else stack.canRedo()):
            return False
        step = stack.command(stack.index() - 1 if back else stack.index())
        if isinstance(step, CommandUndo):
            if not (step.run_undo() if back else step.run_redo()):
                return False
            step.mark_done_ahead()
        if back:
            stack.undo()
        else:
            stack.redo()
        return True

    def apply(self, command: Command) -> Command:
        """Used by undo and redo: run a command and return its inverse."""
        changes, inverse = self.project.execute(command, actor=self.annotator_name)
        self.sig_changed.emit(changes)
        return inverse

    def notify(self, changes: Changes) -> None:
        """Tell the views about changes made outside the undo stack (imports)."""
        self.sig_changed.emit(changes)
