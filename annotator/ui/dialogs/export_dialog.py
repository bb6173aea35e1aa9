"""Export: file, format and the filters every exporter shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from annotator.io.exporting import ExportFilter

PREVIEW_DELAY_MS = 150
"""Quiet time after the last filter change before the preview counts again."""

FORMATS = {
    "jsonl": "Native JSONL, lossless (*.jsonl)",
    "csv": "CSV, one row per span (*.csv)",
    "brat": "brat standoff (a new folder)",
    "conll": "CoNLL / BIO tokens (*.conll)",
    "labelstudio": "Label Studio tasks (*.json)",
    "doccano": "doccano JSONL, UTF-16 offsets (*.jsonl)",
    "spacy": "spaCy DocBin (*.spacy)",
}


def checklist(names: list[str], checked: set[str]) -> QListWidget:
    """A list of names with check boxes, ``checked`` ticked."""
    widget = QListWidget()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def checked_names(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


@dataclass
class ExportOptions:
    """What the export dialog asks: where, in which format, and the filter (``filter``).

    ``annotators`` and ``labels`` follow ``ExportFilter``: ``None`` is everyone / every label,
    an empty list nobody / no label.
    """

    path: str
    format: str = "jsonl"
    annotators: list[str] | None = None
    labels: list[str] | None = None
    done_only: bool = False
    gold: bool = False
    offset_unit: str | None = None
    excel: bool = False

    @property
    def filter(self) -> ExportFilter:
        """The one filter both the preview count and the export read."""
        return ExportFilter.of(annotators=self.annotators, labels=self.labels, done_only=self.done_only,
                               gold=self.gold)

    def as_filters(self) -> dict[str, Any]:
        """``filter`` as keywords (``Project.export(**options.as_filters())``)."""
        chosen = self.filter
        return {"annotators": chosen.annotators, "labels": chosen.labels, "done_only": chosen.done_only,
                "gold": chosen.gold}


class ExportDialog(QDialog):
    """Export options with a live count of the spans they select.

    ``preview(options)`` returns ``(spans, articles with spans)`` for ``options.filter``, the
    filter the export then applies, so the count and the file agree. Counting runs on the GUI
    thread, so filter changes are debounced: each change restarts a single-shot timer and one
    count runs ``PREVIEW_DELAY_MS`` after the last of a burst (``flush_preview`` runs it now).
    """

    def __init__(self, annotators: list[str], labels: list[str], me: str, parent: QWidget | None = None,
                 preview: Callable[[ExportOptions], tuple[int, int]] | None = None):
        super().__init__(parent)
        self._preview = preview
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.setWindowTitle("Export")
        layout = QFormLayout(self)
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        layout.addRow("File", row)
        self.format = QComboBox()
        for key, text in FORMATS.items():
            self.format.addItem(text, key)
        layout.addRow("Format", self.format)
        self.offset_unit = QComboBox()
        self.offset_unit.setObjectName("exportOffsetUnit")
        for text, value in (("the format's own", None), ("code points", "codepoint"), ("UTF-16 units", "utf16")):
            self.offset_unit.addItem(text, value)
        layout.addRow("Offsets", self.offset_unit)
        self.excel = QCheckBox("Excel-friendly CSV (UTF-8 with BOM)")
        layout.addRow("", self.excel)
        self.annotators = self._checklist(annotators, checked={me} if me in annotators else set(annotators))
        layout.addRow("Annotators", self.annotators)
        self.labels = self._checklist(labels, checked=set(labels))
        layout.addRow("Labels", self.labels)
        self.done_only = QCheckBox("Only articles marked done")
        layout.addRow("", self.done_only)
        self.gold = QCheckBox("Gold layer only (adjudicated spans)")
        self.gold.toggled.connect(lambda on: self.annotators.setEnabled(not on))
        layout.addRow("", self.gold)
        self.preview = QLabel("")
        self.preview.setObjectName("exportPreview")
        layout.addRow("Will export", self.preview)
        for widget in (self.annotators, self.labels):
            widget.itemChanged.connect(lambda _item: self.schedule_preview())
        for box in (self.done_only, self.gold):
            box.toggled.connect(lambda _on: self.schedule_preview())
        self.format.currentIndexChanged.connect(lambda _i: self._on_format_changed())
        self._on_format_changed()
        self.update_preview()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    @staticmethod
    def _checklist(names: list[str], checked: set[str]) -> QListWidget:
        widget = checklist(names, checked)
        widget.setMaximumHeight(120)
        return widget

    def _on_format_changed(self) -> None:
        fmt = self.format.currentData()
        self.excel.setEnabled(fmt == "csv")
        self.offset_unit.setEnabled(fmt not in ("conll", "spacy"))

    def schedule_preview(self) -> None:
        """Count again once the filters have been still for ``PREVIEW_DELAY_MS``."""
        if self._preview is not None:
            self._preview_timer.start()  # restarts a pending count

    def flush_preview(self) -> None:
        """Run a scheduled count now (tests, and anything that needs the figure at once)."""
        if self._preview_timer.isActive():
            self._preview_timer.stop()
            self.update_preview()

    def update_preview(self) -> None:
        """Count now what ``options()`` would export."""
        self._preview_timer.stop()
        if self._preview is None:
            return
        options = self.options()
        spans, articles = self._preview(options)
        chosen = options.filter
        why = ""
        if chosen.annotators == () and not chosen.gold:
            why = " (no annotator ticked)"
        elif chosen.labels == ():
            why = " (no label ticked)"
        self.preview.setText(f"{spans:,} spans in {articles:,} articles{why}")

    def done(self, result: int) -> None:
        self._preview_timer.stop()  # no count after the dialog has closed
        super().done(result)

    def _browse(self) -> None:
        fmt = self.format.currentData()
        if fmt == "brat":
            path = QFileDialog.getExistingDirectory(self, "Export into a new folder (inside this one)")
            if path:
                self.path.setText(str(Path(path) / "brat-export"))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMATS[fmt])
        if path:
            extension = {"jsonl": ".jsonl", "csv": ".csv", "conll": ".conll", "labelstudio": ".json",
                         "doccano": ".jsonl", "spacy": ".spacy"}[fmt]
            self.path.setText(path if Path(path).suffix else path + extension)

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return checked_names(widget)

    def options(self) -> ExportOptions:
        annotators = [] if self.gold.isChecked() else self._checked(self.annotators)
        labels = self._checked(self.labels)
        return ExportOptions(
            path=self.path.text(),
            format=self.format.currentData(),
            annotators=None if self.gold.isChecked() or len(annotators) == self.annotators.count() else annotators,
            labels=None if len(labels) == self.labels.count() else labels,
            done_only=self.done_only.isChecked(),
            gold=self.gold.isChecked(),
            offset_unit=self.offset_unit.currentData() if self.offset_unit.isEnabled() else None,
            excel=self.excel.isChecked() and self.excel.isEnabled(),
        )
