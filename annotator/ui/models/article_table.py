"""Article list model: ids plus a row cache, so 100,000 articles scroll without loading them.

The model adapts; it never owns the data. ``refresh()`` asks the project for the ids that pass
the filters in the chosen order; ``data()`` fills its cache a page of rows at a time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from annotator.model.commands import Changes
from annotator.project import Project
from annotator.ui.plain import article_name, plain_tooltip

ArticleIdRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2

# Status next to the title: on a narrow window the list shows what matters first.
COLUMNS = (
    ("title", "Title"),
    ("status", "{whose} status"),  # "My", or "Gold" in review mode (``set_whose``)
    ("spans", "{whose} spans"),
    ("source", "Source"),
    ("published", "Date"),
)
STATUS_TEXT = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
PAGE = 200


class ArticleTableModel(QAbstractTableModel):
    def __init__(self, project: Project, annotator_id: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = project
        self._annotator_id = annotator_id
        self._ids: list[int] = []
        self._rows: dict[int, int] = {}
        self._cache: dict[int, dict[str, Any]] = {}
        self.filters: dict[str, Any] = {"status": None, "label": None, "query": None}
        self.sort_key = "id"
        self.descending = False
        self.last_error: str | None = None
        self.whose = "My"  # whose status and spans the columns show: "Gold" in review mode

    # -- Qt overrides -------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section][1].format(whose=self.whose)
        return None

    def set_whose(self, whose: str) -> None:
        """Title the status and span columns with whose figures they show ("My", "Gold")."""
        if whose != self.whose:
            self.whose = whose
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        article_id = self._ids[index.row()]
        if role == ArticleIdRole:
            return article_id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, StatusRole,
                        Qt.ItemDataRole.TextAlignmentRole):
            return None
        row = self._summary(index.row())
        key = COLUMNS[index.column()][0]
        if role == StatusRole:
            return row["status"]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if key == "spans" else None
        if key == "status":
            return STATUS_TEXT[row["status"]]
        if role == Qt.ItemDataRole.ToolTipRole and key != "title":
            return None
        value = article_name(row[key], article_id) if key == "title" else row[key]  # never a blank row
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole title, which may look like HTML
            return plain_tooltip(str(value or ""))
        return value if key == "spans" else str(value or "")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = COLUMNS[column][0] if 0 <= column < len(COLUMNS) else "id"
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    # -- our API ------------------------------------------------------------------------

    def set_source(self, project: Project, annotator_id: int, **filters: Any) -> None:
        """Show another project (or another annotator's statuses) with these filters."""
        self._project = project
        self._annotator_id = annotator_id
        self.filters.update(filters)
        self.refresh()

    @property
    def annotator_id(self) -> int:
        """Whose statuses and span counts the list shows (0: someone not in the project yet)."""
        return self._annotator_id

    def set_annotator_id(self, annotator_id: int) -> None:
        """Show another annotator's statuses (e.g. once a new annotator's first edit is stored)."""
        self._annotator_id = annotator_id
        self.refresh()

    def set_filters(self, **filters: Any) -> None:
        self.filters.update(filters)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the ids that pass the filters; an invalid search leaves the list empty."""
        self.beginResetModel()
        self.last_error = None
        try:
            self._ids = self._project.article_ids(
                annotator_id=self._annotator_id, sort=self.sort_key, descending=self.descending,
                **self.filters,
            )
        except ValueError as error:
            self._ids = []
            self.last_error = str(error)
        self._rows = {article_id: row for row, article_id in enumerate(self._ids)}
        self._cache.clear()
        self.endResetModel()

    def on_changes(self, changes: Changes) -> None:
        """Re-read the rows an edit touched (just those) and tell the view."""
        touched = [a for a in changes.article_ids if a in self._rows]
        for article_id in changes.article_ids:
            self._cache.pop(article_id, None)
        self._cache.update(self._project.article_summaries(touched, annotator_id=self._annotator_id))
        for article_id in touched:
            row = self._rows[article_id]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if changes.codebook:
            self._cache.clear()
            if self._ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def article_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, article_id: int) -> int | None:
        return self._rows.get(article_id)

    def ids(self) -> list[int]:
        return list(self._ids)

    def status_of(self, article_id: int) -> str:
        row = self._rows.get(article_id)
        if row is not None:
            return self._summary(row)["status"]
        summary = self._project.article_summaries([article_id], annotator_id=self._annotator_id)
        return summary[article_id]["status"] if article_id in summary else "not_started"

    def _summary(self, row: int) -> dict[str, Any]:
        article_id = self._ids[row]
        cached = self._cache.get(article_id)
        if cached is None:
            # Fill a page around the row: scrolling asks for neighbours next.
            first = max(0, row - PAGE // 4)
            page = [i for i in self._ids[first:first + PAGE] if i not in self._cache]
            self._cache.update(self._project.article_summaries(page, annotator_id=self._annotator_id))
            if len(self._cache) > 20 * PAGE:  # keep memory flat on very long lists
                for stale in list(self._cache)[: len(self._cache) - 10 * PAGE]:
                    if stale not in page:
                        del self._cache[stale]
            cached = self._cache[article_id]
        return cached
