"""Export: file, format and the filters every exporter shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

FORMATS = {"jsonl": "Native JSONL (*.jsonl)"}


@dataclass
class ExportOptions:
    path: str
    format: str = "jsonl"
    annotators: list[str] | None = None
    labels: list[str] | None = None
    done_only: bool = False
    gold: bool = False

    def as_filters(self) -> dict:
        return {"annotators": self.annotators, "labels": self.labels, "done_only": self.done_only,
                "gold": self.gold}


class ExportDialog(QDialog):
    def __init__(self, annotators: list[str], labels: list[str], me: str, parent: QWidget | None = None):
        super().__init__(parent)
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
        self.annotators = self._checklist(annotators, checked={me} if me in annotators else set(annotators))
        layout.addRow("Annotators", self.annotators)
        self.labels = self._checklist(labels, checked=set(labels))
        layout.addRow("Labels", self.labels)
        self.done_only = QCheckBox("Only articles marked done")
        layout.addRow("", self.done_only)
        self.gold = QCheckBox("Gold layer only (adjudicated spans)")
        self.gold.toggled.connect(lambda on: self.annotators.setEnabled(not on))
        layout.addRow("", self.gold)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    @staticmethod
    def _checklist(names: list[str], checked: set[str]) -> QListWidget:
        widget = QListWidget()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
            widget.addItem(item)
        widget.setMaximumHeight(120)
        return widget

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMATS[self.format.currentData()])
        if path:
            self.path.setText(path if Path(path).suffix else path + ".jsonl")

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return [widget.item(i).text() for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked]

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
        )
