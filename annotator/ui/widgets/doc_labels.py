"""Document-level labels of the current article: one toggle button each."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from annotator.model.types import Label
from annotator.ui.plain import plain_label, plain_tooltip, safe_color


class DocLabelBar(QWidget):
    sig_toggled = Signal(str, bool)
    """The user switched a document label on or off: (label, present)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("docLabels")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(plain_label("Document:"))
        self.buttons: dict[str, QToolButton] = {}
        self._layout.addStretch(1)

    def set_labels(self, labels: list[Label]) -> None:
        for button in self.buttons.values():
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for i, label in enumerate(labels):
            button = QToolButton()
            button.setObjectName(f"docLabel_{i}")
            # A single "&" would become a mnemonic (underlined letter, Alt shortcut).
            button.setText(label.name.replace("&", "&&"))
            button.setCheckable(True)
            button.setToolTip(plain_tooltip(label.description or label.name))
            # Only a checked #rgb / #rrggbb colour reaches the stylesheet (see safe_color).
            button.setStyleSheet(
                f"QToolButton {{ padding: 2px 6px; }} "
                f"QToolButton:checked {{ background: {safe_color(label.color)}; border: 2px solid #333; }}")
            button.clicked.connect(lambda checked, name=label.name: self.sig_toggled.emit(name, checked))
            self._layout.insertWidget(self._layout.count() - 1, button)
            self.buttons[label.name] = button
        self.setVisible(bool(labels))

    def set_present(self, present: set[str]) -> None:
        for name, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(name in present)
            button.blockSignals(False)
