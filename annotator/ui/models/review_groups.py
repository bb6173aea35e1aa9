"""Review table: the compared annotators' spans of one article, grouped for adjudication."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from annotator.review.compare import SpanGroup
from annotator.ui.models.rows import RowsTableModel
from annotator.ui.plain import plain_tooltip

GroupRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Agreement", "Label", "Text", "Annotators", "Gold")
STATUS_TEXT = {"all": "all agree", "partial": "partial", "single": "single", "labels": "labels differ"}
STATUS_COLOR = {"all": "#DDF2E3", "partial": "#FFF1C7", "single": "#FBD9D3", "labels": "#E8DDF5"}


class ReviewGroupModel(RowsTableModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[SpanGroup] = []
        self.rejected: set[tuple[int, int, str]] = set()
        """(start, end, label) of the groups rejected this session: marked ✗, and passed over
        by the next-disagreement steps (a rejection leaves nothing in the file to show)."""

    def set_groups(self, groups: list[SpanGroup], rejected: set[tuple[int, int, str]] | None = None) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        if rejected is not None:
            self.rejected = rejected
        self.endResetModel()

    def decided(self, group: SpanGroup) -> bool:
        """Accepted into gold, or rejected this session."""
        return bool(group.gold_uuid) or (group.start, group.end, group.label) in self.rejected

    def groups(self) -> list[SpanGroup]:
        return list(self._groups)

    def rows(self) -> list[Any]:
        return self._groups

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._groups):
            return None
        group = self._groups[index.row()]
        if role == GroupRole:
            return group
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(STATUS_COLOR[group.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            # Labels, covered text and annotator names are user data; tooltips guess HTML.
            return plain_tooltip(self._text(group, index.column(), full=True))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._text(group, index.column(), full=False)

    def _text(self, group: SpanGroup, column: int, *, full: bool) -> str:
        """A cell as plain text; ``full`` keeps the whole covered text (for the tooltip)."""
        if column == 0:
            return STATUS_TEXT[group.status]
        if column == 1:
            if group.labels:  # labels differ: each annotator's label; Enter accepts group.label
                return "; ".join(f"{name}: {label}" for name, label in group.labels)
            return group.label
        if column == 2:
            return group.text if len(group.text) <= 80 or full else group.text[:80] + "…"
        if column == 3:
            return ", ".join(group.annotators) or "(reviewer)"
        if group.gold_uuid:
            return "✓"
        return "✗ kept out" if (group.start, group.end, group.label) in self.rejected else ""
