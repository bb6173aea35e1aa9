"""Document-level labels of the current article: one toggle button each, on as many lines as
the width needs."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from annotator.model.types import Label
from annotator.ui.plain import plain_label, plain_tooltip, safe_color
from annotator.ui.widgets.flow_layout import FlowLayout


class DocLabelBar(QWidget):
    sig_toggled = Signal(str, bool)
    """The user switched a document label on or off: (label, present)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("docLabels")
        self._layout = FlowLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(plain_label("Document:"))
        self.buttons: dict[str, QToolButton] = {}
        # The lines take the height they need at the width they get (FlowLayout.heightForWidth).
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

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
            self._layout.addWidget(button)
            self.buttons[label.name] = button
        self.setVisible(bool(labels))

    def set_present(self, present: set[str]) -> None:
        for name, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(name in present)
            button.blockSignals(False)
