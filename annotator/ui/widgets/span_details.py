"""Details of the selected span: label, text, attributes (from the codebook) and note.

The form must never keep the keyboard: once a field's value is set by Enter or a choice in a
list, and on Esc (which puts the span's value back), the widget emits ``sig_editing_finished``
and the window gives the focus back to the text, so the next label key labels text instead of
typing into a field. Leaving a field with the mouse or Tab also saves it, but then the focus
goes where the user sent it.

An attribute with a list of values is a non-editable chooser (its values and "—", which clears
it), so no typing can produce a value outside the list; ``Project.execute`` refuses one anyway.
A free-text attribute is an editable field that completes from the values already used for it
in the project (``values_of``, asked each time the field takes the focus, so it follows span
and codebook changes without re-reading them for every span shown).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QFormLayout, QGroupBox, QLineEdit, QWidget

from annotator.model.types import Annotation, AttributeDef
from annotator.ui.plain import plain_label, plain_tooltip

CLEAR_CHOICE = "—"
"""The first entry of a chooser: no value (the attribute is removed from the span)."""
NOT_IN_CODEBOOK = " (not in the codebook)"
"""Appended to a stored value that the attribute's list does not have (kept until changed)."""


_BROWSE_KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -2, Qt.Key.Key_Home: -2,
                Qt.Key.Key_PageDown: 2, Qt.Key.Key_End: 2}
"""Keys that browse a closed list of values: a step, or (±2) to its first or last entry."""

SHOWN_TEXT_CHARS = 120
"""The span's text is shown up to this long (on one line, about three in the panel); the
whole of a longer one is its tooltip."""


class SpanDetailsWidget(QGroupBox):
    """The selected span's details.

    Args:
        values_of: the values used so far for a free-text attribute, by name
            (``Project.attribute_values``); None offers no completion.
    """

    sig_attributes_edited = Signal(str, dict)
    """The user changed an attribute: (span uuid, all attributes)."""
    sig_note_edited = Signal(str, str)
    """The user changed the note: (span uuid, note)."""
    sig_editing_finished = Signal()
    """The user is done with a field (Enter, a choice in a list, Esc): give the keyboard back
    to the text."""

    def __init__(self, parent: QWidget | None = None, *, values_of: Callable[[str], list[str]] | None = None):
        super().__init__("Span", parent)
        self._values_of = values_of
        self.setObjectName("spanDetails")
        self._layout = QFormLayout(self)
        # Both wrap, and the text is cut to a few lines: a long label or span once widened
        # the panel (moving and re-wrapping the article text at each Tab) or grew it until the
        # label palette above showed only half its keys.
        self.label_text = plain_label("—")
        self.label_text.setObjectName("spanLabel")
        self.label_text.setWordWrap(True)
        self.covered_text = plain_label("")
        self.covered_text.setObjectName("spanText")
        self.covered_text.setWordWrap(True)
        self.covered_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLineEdit()
        self.note.setObjectName("spanNote")
        self.note.setPlaceholderText("note (Enter to save)")
        self.note.editingFinished.connect(self._on_note_edited)
        self.note.returnPressed.connect(self._on_note_return_pressed)
        self.note.installEventFilter(self)
        self._layout.addRow("Label", self.label_text)
        self._layout.addRow("Text", self.covered_text)
        self._layout.addRow("Note", self.note)
        self.attribute_editors: dict[str, QComboBox] = {}
        self._definitions: dict[str, AttributeDef] = {}
        self.span: Annotation | None = None
        self.show_span(None)

    def set_attributes(self, attributes: list[AttributeDef]) -> None:
        """Rebuild one editor per attribute definition: a chooser for an attribute with a list
        of values, an editable field completing from earlier values for a free-text one."""
        for combo in self.attribute_editors.values():
            self._layout.removeRow(combo)
        self.attribute_editors = {}
        self._definitions = {attribute.name: attribute for attribute in attributes}
        for attribute in attributes:
            combo = QComboBox()
            combo.setObjectName(f"attribute_{attribute.name}")
            # As wide as the panel gives, not as its longest value (which widened the panel).
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.installEventFilter(self)
            if attribute.values:
                combo.addItem(CLEAR_CHOICE, "")
                for value in attribute.values:
                    combo.addItem(value, value)
                combo.activated.connect(lambda _=0: self._commit_attributes(finished=True))
            else:
                self._make_free_text(combo)
            # insertRow(int, str, QWidget) would make an AutoText QLabel of the codebook's name.
            self._layout.insertRow(self._layout.rowCount() - 1, plain_label(attribute.name), combo)
            self.attribute_editors[attribute.name] = combo
        # Tab goes down the panel as it reads, to the note last (the note, made first, was
        # otherwise skipped: Tab after the last attribute went on to the buttons above the text).
        fields: list[QWidget] = [*self.attribute_editors.values(), self.note]
        for before, after in itertools.pairwise(fields):
            QWidget.setTabOrder(before, after)
        self.show_span(self.span)

    def _make_free_text(self, combo: QComboBox) -> None:
        """An editable combo whose items (the dropdown) and completer are the used values."""
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line_edit = combo.lineEdit()
        assert line_edit is not None
        line_edit.installEventFilter(self)
        # The combo's own completer works on its items, so a completion picked from the popup
        # becomes the current item (a second QCompleter model would make the combo look up a
        # row it does not have, and clear the field).
        completer = combo.completer()
        assert completer is not None
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        # A pick from the dropdown or the completer finishes; the same signal also comes when
        # the field loses the focus with an item's text, and then the focus must stay away.
        combo.activated.connect(lambda _=0: self._commit_attributes(finished=self._has_focus(combo)))
        line_edit.editingFinished.connect(self._commit_attributes)
        line_edit.returnPressed.connect(lambda: self._commit_attributes(finished=True))

    def refresh_values(self, name: str) -> None:
        """Re-read the values a free-text attribute completes from (keeps what is typed)."""
        combo = self.attribute_editors.get(name)
        if combo is None or not combo.isEditable() or self._values_of is None:
            return
        values = self._values_of(name)
        if values == [combo.itemText(i) for i in range(combo.count())]:
            return
        text = combo.currentText()
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItems(values)
            combo.setCurrentIndex(combo.findText(text, Qt.MatchFlag.MatchExactly))
            combo.setEditText(text)
        finally:
            combo.blockSignals(False)

    @staticmethod
    def _has_focus(combo: QComboBox) -> bool:
        """The focus is in the combo: its field, or its dropdown list (which keeps the focus
        until the combo takes it back, after ``activated``)."""
        return QApplication.focusWidget() in (combo, combo.lineEdit(), combo.view())

    def show_span(self, span: Annotation | None) -> None:
        self.span = span
        enabled = span is not None
        for widget in (self.note, *self.attribute_editors.values()):
            widget.setEnabled(enabled)
            widget.blockSignals(True)
        try:
            self.label_text.setText(span.label if span else "— select a span (Tab) —")
            covered = " ".join((span.text or "").split()) if span else ""
            self.covered_text.setText(covered if len(covered) <= SHOWN_TEXT_CHARS else covered[:SHOWN_TEXT_CHARS] + "…")
            self.covered_text.setToolTip(plain_tooltip(span.text or "") if span and len(covered) > SHOWN_TEXT_CHARS
                                         else "")
            self.note.setText(span.note if span else "")
            self.note.setCursorPosition(0)  # a long note shows its start, not its last words
            for name, combo in self.attribute_editors.items():
                value = span.attributes.get(name) if span else None
                if combo.isEditable():
                    combo.setCurrentText(str(value) if value is not None else "")
                else:
                    self._choose(combo, len(self._definitions[name].values), value)
        finally:
            for widget in (self.note, *self.attribute_editors.values()):
                widget.blockSignals(False)

    @staticmethod
    def _choose(combo: QComboBox, listed: int, value: Any) -> None:
        """Show ``value`` in a chooser; a stored value outside the list gets an entry of its own
        (so showing a span never changes it), which goes when another span is shown."""
        while combo.count() > listed + 1:
            combo.removeItem(combo.count() - 1)
        if value is None or value == "":
            combo.setCurrentIndex(0)
            return
        index = next((i for i in range(1, combo.count()) if combo.itemData(i) == value), -1)
        if index < 0:
            combo.addItem(f"{value}{NOT_IN_CODEBOOK}", value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _commit_attributes(self, *, finished: bool = False) -> None:
        """Emit the span's attributes if a field changed them; then show what is stored (a
        refused edit must not stay on screen as if saved), and with ``finished`` let go."""
        if self.span is not None:
            attributes: dict[str, Any] = dict(self.span.attributes)  # keep attributes the codebook lacks
            for name, combo in self.attribute_editors.items():
                old = attributes.get(name)
                value: Any
                if combo.isEditable():
                    value = combo.currentText().strip()
                    if old is not None and value == str(old):
                        value = old  # a number imported as 3 is not rewritten as "3"
                else:
                    value = combo.currentData()
                if value is None or value == "":
                    attributes.pop(name, None)
                else:
                    attributes[name] = value
            if attributes != self.span.attributes:
                self.sig_attributes_edited.emit(self.span.uuid or "", attributes)
                self.show_span(self.span)  # the stored span, once the window has shown it
        if finished:
            self.sig_editing_finished.emit()

    def focus_first_field(self) -> None:
        """The keyboard to the first attribute's field, or the note when there is none."""
        fields = [*self.attribute_editors.values(), self.note]
        fields[0].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def commit_pending(self) -> None:
        """Save what is typed in a field and not saved yet (the focus is still there): the
        window calls this before it shows another article or project, or closes, which would
        otherwise drop the typing without a word."""
        self._on_note_edited()
        self._commit_attributes()

    def _on_note_edited(self) -> None:
        if self.span is not None and self.note.text() != self.span.note:
            self.sig_note_edited.emit(self.span.uuid or "", self.note.text())
            self.note.setText(self.span.note)  # the stored note, once the window has shown it
            self.note.setCursorPosition(0)

    def _on_note_return_pressed(self) -> None:
        self._on_note_edited()
        self.sig_editing_finished.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        """Esc in any field puts the span's values back and lets go; Enter on a chooser lets
        go (its value is set as it changes); a free-text field re-reads its values on focus."""
        if event.type() == QEvent.Type.FocusIn and isinstance(event, QFocusEvent) \
                and event.reason() != Qt.FocusReason.PopupFocusReason:  # not back from its own list
            name = next((n for n, c in self.attribute_editors.items() if watched in (c, c.lineEdit())), None)
            if name is not None:
                self.refresh_values(name)
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            # Keys in an open list (the dropdown's, the completer's) go to the list, not here:
            # there Esc only closes the list.
            if key == Qt.Key.Key_Escape:
                self.show_span(self.span)
                self.sig_editing_finished.emit()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(watched, QComboBox) \
                    and not watched.isEditable():
                self._commit_attributes(finished=True)
                return True
            step = _BROWSE_KEYS.get(Qt.Key(key))
            if step is not None and isinstance(watched, QComboBox) and not watched.isEditable() \
                    and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                # Arrows on a closed list browse its values; Enter (or leaving the field) saves
                # the one shown. Qt's own handling saved each step and gave the keyboard back to
                # the text, so the next arrow moved the text cursor.
                last = watched.count() - 1
                index = {-2: 0, 2: last}.get(step, min(max(watched.currentIndex() + step, 0), last))
                watched.setCurrentIndex(index)
                return True
        elif event.type() == QEvent.Type.FocusOut and isinstance(event, QFocusEvent) \
                and isinstance(watched, QComboBox) and not watched.isEditable() \
                and event.reason() != Qt.FocusReason.PopupFocusReason:
            self._commit_attributes()  # a value browsed to with the arrows, then left
        return super().eventFilter(watched, event)
