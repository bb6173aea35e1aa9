"""File › Restore from backup…: the project's backups, newest first, and which one to restore.

The dialog only chooses; the window restores (``Project.restore``) and reloads the project.
File names, paths and problems are shown as plain text (``ui/plain.py``).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.project import BackupInfo
from annotator.ui.plain import plain_label, plain_tooltip

REASONS = {
    "open": "project opened",
    "timer": "while open",
    "manual": "made by hand",
    "upgrade": "before an upgrade",
    "restore": "before a restore",
}
COLUMNS = ("Made", "Why", "Articles", "Spans", "Schema")


def local_time(stamp: str) -> str:
    """A backup's UTC time stamp in this computer's time zone, to the second."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class RestoreDialog(QDialog):
    """The backups of one project in a table; ``chosen()`` is the selected, readable one."""

    def __init__(self, project_name: str, backups: list[BackupInfo], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle("Restore from backup")
        self.backups = backups
        layout = QVBoxLayout(self)
        intro = plain_label(
            f"Restoring replaces all of {project_name} with the chosen backup: every article, span, "
            "status and in-progress mark as it was then. The project as it is now is backed up "
            "first, so a restore can itself be undone by restoring that backup.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(backups), len(COLUMNS))
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, info in enumerate(backups):
            cells = (local_time(info.time), REASONS.get(info.reason, info.reason),
                     "" if info.articles is None else str(info.articles),
                     "" if info.spans is None else str(info.spans),
                     "" if info.schema_version is None else str(info.schema_version))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(info.problem or str(info.path)))
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if info.problem:  # unreadable: shown, but not offered
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.table.setItem(row, column, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        layout.addWidget(self.table, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Restore")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        first = next((row for row, info in enumerate(backups) if not info.problem), None)
        if first is not None:
            self.table.selectRow(first)
        self._on_table_selection_changed()
        self.resize(640, 360)

    def chosen(self) -> BackupInfo | None:
        """The selected backup, if it can be restored."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        info = self.backups[rows.pop()]
        return None if info.problem else info

    def _on_table_double_clicked(self) -> None:
        if self.chosen() is not None:
            self.accept()

    def _on_table_selection_changed(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)
