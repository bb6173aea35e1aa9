"""Progress of a background operation in the status bar: what runs, how far, and Cancel.

Not a dialog: a window-modal progress dialog took the keyboard from the text, so an analyst
could not label while their own import ran. The Cancel button never takes focus either.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QToolButton, QWidget

from annotator.ui.plain import plain_label


class OperationProgress(QWidget):
    sig_cancel_requested = Signal()
    """The user pressed Cancel."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = plain_label(text)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.bar.setMaximumWidth(160)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)

    def set_progress(self, done: int, total: int) -> None:
        self.bar.setValue(int(100 * done / total) if total else 0)
