"""Codebook editor: add, rename, recolour, reorder and group labels; hotkeys; descriptions,
examples and (span labels) the patterns that suggest them; attribute definitions. Opened with
``open()`` (never ``exec()``); on OK it hands the result to the window, which turns it into one
undoable ``EditCodebook`` command."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.model.errors import CodebookError
from annotator.model.patterns import line_patterns
from annotator.model.types import PALETTE, AttributeDef, Codebook, Label
from annotator.ui.plain import plain_label


@dataclass
class _Entry:
    name: str
    color: str
    hotkey: str = ""
    description: str = ""
    examples: list[str] = field(default_factory=list)
    parent: str | None = None
    original: str | None = None  # the stored name, to tell renames from new labels
    patterns: str = ""  # one a line, as LabelPattern.to_line writes them


@dataclass
class CodebookEdit:
    codebook: Codebook
    renames: tuple[tuple[str, ...], ...]  # (old, new, scope), applied all at once
    deleted: list[tuple[str, str]]  # (scope, name)


class _LabelEditor(QWidget):
    """A list of labels plus a form for the selected one."""

    def __init__(self, entries: list[_Entry], scope: str, pick_color, parent=None):
        super().__init__(parent)
        self.scope = scope
        self.entries = entries
        self._pick_color = pick_color
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.setObjectName(f"{scope}LabelList")
        self.list.currentRowChanged.connect(self._on_row_changed)
        left.addWidget(self.list)
        buttons = QHBoxLayout()
        for text, slot, name in (("Add", self.add, "add"), ("Remove", self.remove, "remove"),
                                 ("Up", lambda: self.move_selected(-1), "up"),
                                 ("Down", lambda: self.move_selected(1), "down")):
            button = QPushButton(text)
            button.setObjectName(f"{scope}_{name}")
            button.clicked.connect(slot)
            buttons.addWidget(button)
        left.addLayout(buttons)
        layout.addLayout(left, 1)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName(f"{scope}_name")
        self.color = QPushButton()
        self.color.setObjectName(f"{scope}_color")
        self.color.clicked.connect(self._choose_color)
        self.hotkey = QLineEdit()
        self.hotkey.setObjectName(f"{scope}_hotkey")
        self.hotkey.setMaxLength(1)
        self.description = QPlainTextEdit()
        self.description.setObjectName(f"{scope}_description")
        self.examples = QPlainTextEdit()
        self.examples.setObjectName(f"{scope}_examples")
        self.examples.setPlaceholderText("one example per line")
        self.parent_label = QComboBox()
        self.parent_label.setObjectName(f"{scope}_parent")
        self.patterns = QPlainTextEdit()
        self.patterns.setObjectName(f"{scope}_patterns")
        self.patterns.setPlaceholderText("one a line: a keyword (whole words; a final * for a prefix),\n"
                                         "re: a regular expression, not: a keyword to exclude, not re: …")
        self.patterns.setToolTip("Suggest this label where these match (case and accents ignored)")
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color)
        form.addRow("Hotkey", self.hotkey)
        form.addRow("Group under", self.parent_label)
        form.addRow("Description", self.description)
        form.addRow("Examples", self.examples)
        if scope == "span":  # only span labels are suggested
            form.addRow("Patterns", self.patterns)
        layout.addLayout(form, 2)
        for widget in (self.name, self.hotkey):
            widget.textEdited.connect(self._store_form)
        for text_edit in (self.description, self.examples, self.patterns):
            text_edit.textChanged.connect(self._store_form)
        self.parent_label.activated.connect(lambda _=0: self._store_form())
        self._loading = False
        self._fill_list()

    def _fill_list(self, select: int = 0) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for entry in self.entries:
            item = QListWidgetItem(("    " if entry.parent else "") + f"{entry.hotkey or ' '}  {entry.name}")
            pixmap = QPixmap(12, 12)
            pixmap.fill(QColor(entry.color))
            item.setIcon(pixmap)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.entries:
            self.list.setCurrentRow(min(max(select, 0), len(self.entries) - 1))
        self._on_row_changed(self.list.currentRow())

    def current(self) -> _Entry | None:
        row = self.list.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _on_row_changed(self, row: int) -> None:
        entry = self.current()
        self._loading = True
        for widget in (self.name, self.color, self.hotkey, self.description, self.examples, self.parent_label,
                       self.patterns):
            widget.setEnabled(entry is not None)
        self.name.setText(entry.name if entry else "")
        self.hotkey.setText(entry.hotkey if entry else "")
        self.description.setPlainText(entry.description if entry else "")
        self.examples.setPlainText("\n".join(entry.examples) if entry else "")
        self.patterns.setPlainText(entry.patterns if entry else "")
        self._show_color(entry.color if entry else "#ffffff")
        self.parent_label.clear()
        self.parent_label.addItem("(none)", None)
        for other in self.entries:
            if entry is not None and other is not entry and not other.parent:
                self.parent_label.addItem(other.name, other.name)
        if entry and entry.parent:
            self.parent_label.setCurrentIndex(max(self.parent_label.findData(entry.parent), 0))
        self._loading = False

    def _show_color(self, color: str) -> None:
        pixmap = QPixmap(40, 14)
        pixmap.fill(QColor(color))
        self.color.setIcon(pixmap)
        self.color.setText(color)

    def _store_form(self) -> None:
        entry = self.current()
        if self._loading or entry is None:
            return
        old_name = entry.name
        entry.name = self.name.text().strip()
        entry.hotkey = self.hotkey.text().strip()
        entry.description = self.description.toPlainText().strip()
        entry.examples = [line.strip() for line in self.examples.toPlainText().splitlines() if line.strip()]
        entry.patterns = self.patterns.toPlainText()
        entry.parent = self.parent_label.currentData()
        for other in self.entries:  # children follow a renamed parent
            if other.parent == old_name and old_name != entry.name:
                other.parent = entry.name
        item = self.list.currentItem()
        if item is not None:
            item.setText(("    " if entry.parent else "") + f"{entry.hotkey or ' '}  {entry.name}")

    def set_color(self, color: str) -> None:
        entry = self.current()
        if entry is not None:
            entry.color = color
            self._show_color(color)
            self._fill_list(self.list.currentRow())

    def _choose_color(self) -> None:
        entry = self.current()
        if entry is not None:
            chosen = self._pick_color(entry.color)
            if chosen:
                self.set_color(chosen)

    def add(self) -> None:
        names = {e.name for e in self.entries}
        number = len(self.entries) + 1
        while f"New label {number}" in names:
            number += 1
        self.entries.append(_Entry(f"New label {number}", PALETTE[len(self.entries) % len(PALETTE)]))
        self._fill_list(len(self.entries) - 1)
        self.name.setFocus()
        self.name.selectAll()

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.entries):
            removed = self.entries.pop(row)
            for other in self.entries:
                if other.parent == removed.name:
                    other.parent = None
            self._fill_list(row)

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if 0 <= row < len(self.entries) and 0 <= target < len(self.entries):
            self.entries[row], self.entries[target] = self.entries[target], self.entries[row]
            self._fill_list(target)

    def labels(self) -> list[Label]:
        """The edited labels.

        Raises:
            CodebookError: a pattern that cannot be used (an invalid regular expression).
        """
        return [Label(e.name, e.color, e.hotkey, e.description, tuple(e.examples), e.parent, self.scope,
                      line_patterns(e.patterns, e.name))
                for e in self.entries]


class CodebookDialog(QDialog):
    sig_edit_ready = Signal(object)
    """OK pressed and the codebook is valid: carries a ``CodebookEdit``."""

    def __init__(self, codebook: Codebook, usage: dict[tuple[str, str], int], pick_color, parent=None):
        super().__init__(parent)
        self.setObjectName("codebookDialog")
        self.setWindowTitle("Codebook")
        self.resize(760, 520)
        self.usage = usage
        self.original = codebook
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        self.span_labels = _LabelEditor(
            [self._entry(label) for label in codebook.labels], "span", lambda c: pick_color(self, c))
        self.doc_labels = _LabelEditor(
            [self._entry(label) for label in codebook.doc_labels], "document", lambda c: pick_color(self, c))
        self.attributes = QTableWidget(0, 2)
        self.attributes.setObjectName("attributeTable")
        self.attributes.setHorizontalHeaderLabels(["Attribute", "Allowed values (comma-separated; empty = free text)"])
        self.attributes.horizontalHeader().setStretchLastSection(True)
        for attribute in codebook.attributes:
            self.add_attribute(attribute.name, ", ".join(attribute.values))
        attribute_page = QWidget()
        attribute_layout = QVBoxLayout(attribute_page)
        attribute_layout.addWidget(self.attributes)
        row = QHBoxLayout()
        add = QPushButton("Add attribute")
        add.clicked.connect(lambda: self.add_attribute("", ""))
        remove = QPushButton("Remove attribute")
        remove.clicked.connect(lambda: self.attributes.removeRow(self.attributes.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        attribute_layout.addLayout(row)
        tabs.addTab(self.span_labels, "Span labels")
        tabs.addTab(self.doc_labels, "Document labels")
        tabs.addTab(attribute_page, "Attributes")
        layout.addWidget(tabs)
        self.error = plain_label("")  # CodebookError messages quote label names
        self.error.setObjectName("codebookError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _entry(label: Label) -> _Entry:
        return _Entry(label.name, label.color, label.hotkey, label.description, list(label.examples),
                      label.parent, original=label.name,
                      patterns="\n".join(pattern.to_line() for pattern in label.patterns))

    def add_attribute(self, name: str, values: str) -> None:
        row = self.attributes.rowCount()
        self.attributes.insertRow(row)
        self.attributes.setItem(row, 0, QTableWidgetItem(name))
        self.attributes.setItem(row, 1, QTableWidgetItem(values))

    def result_edit(self) -> CodebookEdit:
        """The edited codebook, its renames and deletions.

        Raises:
            CodebookError: an empty name, a duplicate name or hotkey, an invalid pattern.
        """
        attributes = []
        for row in range(self.attributes.rowCount()):
            name_item, values_item = self.attributes.item(row, 0), self.attributes.item(row, 1)
            name = name_item.text().strip() if name_item else ""
            if not name:
                continue
            values = values_item.text() if values_item else ""
            attributes.append(AttributeDef(name, tuple(v.strip() for v in values.split(",") if v.strip())))
        for editor in (self.span_labels, self.doc_labels):
            for entry in editor.entries:
                if not entry.name:
                    raise CodebookError("every label needs a name")
        codebook = Codebook(self.span_labels.labels(), attributes, self.doc_labels.labels())
        codebook.validate()
        renames = tuple(
            (entry.original, entry.name, editor.scope)
            for editor in (self.span_labels, self.doc_labels)
            for entry in editor.entries
            if entry.original and entry.original != entry.name
        )
        kept = {(editor.scope, e.original) for editor in (self.span_labels, self.doc_labels) for e in editor.entries}
        deleted = [("span", label.name) for label in self.original.labels if ("span", label.name) not in kept]
        deleted += [("document", label.name) for label in self.original.doc_labels
                    if ("document", label.name) not in kept]
        return CodebookEdit(codebook, renames, deleted)

    def try_accept(self) -> None:
        try:
            edit = self.result_edit()
        except CodebookError as error:
            self.error.setText(str(error))
            return
        self.error.setText("")
        self.sig_edit_ready.emit(edit)

    def deletion_summary(self, edit: CodebookEdit) -> str:
        parts = []
        for scope, name in edit.deleted:
            count = self.usage.get((scope, name), 0)
            if count:
                what = "span" if scope == "span" else "document label"
                parts.append(f"“{name}” ({count} {what}{'s' if count != 1 else ''})")
        return ", ".join(parts)
