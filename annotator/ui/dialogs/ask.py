"""Every question the window asks the user, in one replaceable object.

Most of these block in ``exec()``; tests give the window a fake ``Dialogs`` with scripted
answers, so no code path a test reaches ever opens a modal dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.dialogs.export_dialog import ExportDialog, ExportOptions, checked_names, checklist

PROJECT_FILTER = "Stance Annotator projects (*.annotator);;SQLite files (*.sqlite *.db);;All files (*)"
IMPORT_FILTER = "Articles (*.txt *.md *.html *.htm *.jsonl *.ndjson *.json *.csv);;All files (*)"


class Dialogs:
    def new_project(self, parent: QWidget) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, "New project", "", PROJECT_FILTER)
        if not path:
            return None
        return path if Path(path).suffix else path + ".annotator"

    def open_project(self, parent: QWidget) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open project", "", PROJECT_FILTER)
        return path or None

    def import_files(self, parent: QWidget) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(parent, "Import articles", "", IMPORT_FILTER)
        return list(paths)

    def import_folder(self, parent: QWidget) -> str | None:
        return QFileDialog.getExistingDirectory(parent, "Import a folder of articles") or None

    def export_options(self, parent: QWidget, annotators: list[str], labels: list[str],
                       me: str, preview=None) -> ExportOptions | None:
        dialog = ExportDialog(annotators, labels, me, parent, preview=preview)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return None
        return dialog.options()

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def annotator_name(self, parent: QWidget, current: str) -> str | None:
        name, ok = QInputDialog.getText(parent, "Annotator", "Your name as annotator:", text=current)
        return name.strip() if ok and name.strip() else None

    def pick_color(self, parent: QWidget, current: str) -> str | None:
        color = QColorDialog.getColor(QColor(current), parent, "Label colour")
        return color.name() if color.isValid() else None

    def choose_annotators(self, parent: QWidget, names: list[str], preselected: list[str]) -> list[str] | None:
        """Which annotators to compare in review mode (at least one)."""
        dialog = QDialog(parent)
        dialog.setWindowTitle("Review: compare annotators")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("Compare the work of:"))
        names_list = checklist(names, set(preselected))
        layout.addWidget(names_list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return checked_names(names_list) or None

    def merge_sources(self, parent: QWidget) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(
            parent, "Merge colleagues' project files or JSONL exports", "",
            "Projects and exports (*.annotator *.sqlite *.db *.jsonl);;All files (*)")
        return list(paths)

    def rename_clash(self, parent: QWidget, name: str, source: str) -> str | None:
        """A different person called ``name`` arrives from ``source``: under which name to merge."""
        new_name, ok = QInputDialog.getText(
            parent, "Two people, one name",
            f"“{name}” in {source} is not this project's “{name}” (different annotator id).\n"
            "Merge their work under another name:", text=f"{name} (2)")
        return new_name.strip() if ok and new_name.strip() and new_name.strip() != name else None

    def save_file(self, parent: QWidget, title: str, suggested: str, filter_text: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filter_text)
        return path or None

    def info(self, parent: QWidget, title: str, text: str, details: str = "") -> None:
        """A non-blocking message (``open()``, not ``exec()``)."""
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.open()
