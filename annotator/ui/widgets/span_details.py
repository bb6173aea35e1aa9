"""Details of the selected span: label, text, attributes (from the codebook) and note."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLineEdit, QWidget

from annotator.model.types import Annotation, AttributeDef
from annotator.ui.plain import plain_label


class SpanDetailsWidget(QGroupBox):
    sig_attributes_edited = Signal(str, dict)
    """The user changed an attribute: (span uuid, all attributes)."""
    sig_note_edited = Signal(str, str)
    """The user changed the note: (span uuid, note)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Span", parent)
        self.setObjectName("spanDetails")
        self._layout = QFormLayout(self)
        self.label_text = plain_label("—")
        self.label_text.setObjectName("spanLabel")
        self.covered_text = plain_label("")
        self.covered_text.setObjectName("spanText")
        self.covered_text.setWordWrap(True)
        self.covered_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLineEdit()
        self.note.setObjectName("spanNote")
        self.note.setPlaceholderText("note (Enter to save)")
        self.note.editingFinished.connect(self._on_note_edited)
        self._layout.addRow("Label", self.label_text)
        self._layout.addRow("Text", self.covered_text)
        self._layout.addRow("Note", self.note)
        self.attribute_editors: dict[str, QComboBox] = {}
        self.span: Annotation | None = None
        self.show_span(None)

    def set_attributes(self, attributes: list[AttributeDef]) -> None:
        """Rebuild one editor per attribute definition (editable: values are suggestions)."""
        for combo in self.attribute_editors.values():
            self._layout.removeRow(combo)
        self.attribute_editors = {}
        for attribute in attributes:
            combo = QComboBox()
            combo.setObjectName(f"attribute_{attribute.name}")
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.addItems(["", *attribute.values])
            combo.activated.connect(lambda _=0: self._on_attribute_edited())
            line_edit = combo.lineEdit()
            assert line_edit is not None
            line_edit.editingFinished.connect(self._on_attribute_edited)
            # insertRow(int, str, QWidget) would make an AutoText QLabel of the codebook's name.
            self._layout.insertRow(self._layout.rowCount() - 1, plain_label(attribute.name), combo)
            self.attribute_editors[attribute.name] = combo
        self.show_span(self.span)

    def show_span(self, span: Annotation | None) -> None:
        self.span = span
        enabled = span is not None
        for widget in (self.note, *self.attribute_editors.values()):
            widget.setEnabled(enabled)
            widget.blockSignals(True)
        try:
            self.label_text.setText(span.label if span else "— select a span (Tab) —")
            covered = span.text or "" if span else ""
            self.covered_text.setText(covered if len(covered) < 300 else covered[:300] + "…")
            self.note.setText(span.note if span else "")
            for name, combo in self.attribute_editors.items():
                value = span.attributes.get(name, "") if span else ""
                combo.setCurrentText(str(value) if value is not None else "")
        finally:
            for widget in (self.note, *self.attribute_editors.values()):
                widget.blockSignals(False)

    def _on_attribute_edited(self) -> None:
        if self.span is None:
            return
        attributes: dict[str, Any] = dict(self.span.attributes)  # keep attributes the codebook lacks
        for name, combo in self.attribute_editors.items():
            value = combo.currentText().strip()
            if value:
                attributes[name] = value
            else:
                attributes.pop(name, None)
        if attributes != self.span.attributes:
            self.sig_attributes_edited.emit(self.span.uuid or "", attributes)

    def _on_note_edited(self) -> None:
        if self.span is not None and self.note.text() != self.span.note:
            self.sig_note_edited.emit(self.span.uuid or "", self.note.text())
