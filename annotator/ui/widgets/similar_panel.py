"""Similar passages under the text: the sentences most like a span or selection, across the
project, best first. Enter or a double click opens one in the text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.models.rows import RowsTableModel
from annotator.ui.plain import article_name, plain_label, plain_tooltip

if TYPE_CHECKING:
    from annotator.assist.similar import Passage

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Score", "Article", "Passage")


class SimilarModel(RowsTableModel):
    """The passages of the last query, as plain text."""

    columns = COLUMNS

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.passages: list[Passage] = []

    def set_passages(self, passages: list[Passage]) -> None:
        self.beginResetModel()
        self.passages = list(passages)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return self.passages

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        passage = self.passages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{passage.score:.2f}", article_name(passage.title, passage.article_id),
                    " ".join(passage.text.split()))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(passage.text)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SimilarPanel(QWidget):
    """The list of similar passages and a line saying what was asked and how it was found."""

    sig_passage_chosen = Signal(int, int, int)
    """Enter or a double click on a passage: its article id, start and end (code points)."""
    sig_rerank_toggled = Signal(bool)
    """The "re-rank by meaning" box was ticked or cleared."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("similarPanel")
        self.model = SimilarModel(self)
        self.table = QTableView()
        self.table.setObjectName("similarTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self._choose(index.row()))
        self.table.installEventFilter(self)
        self.status = plain_label("")
        self.status.setObjectName("similarStatus")
        self.status.setWordWrap(True)
        self.rerank = QCheckBox("Re-rank by meaning")
        self.rerank.setObjectName("similarRerank")
        self.rerank.setToolTip("Order the best matches with a multilingual sentence model (slower; "
                               "finds the same statement in other words)")
        self.rerank.toggled.connect(self.sig_rerank_toggled)
        self.rerank.hide()  # shown when the [embeddings] extra is installed
        # Like the review panel: take the text column's width, never widen it.
        for widget in (self, self.status, self.table):
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
            widget.setMinimumWidth(0)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.status, 1)
        top.addWidget(self.rerank)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def show_passages(self, passages: list[Passage], status: str) -> None:
        self.model.set_passages(passages)
        self.status.setText(status)
        if passages:
            self.table.selectRow(0)
            self.table.resizeColumnToContents(0)
            self.table.setColumnWidth(1, min(self.table.sizeHintForColumn(1), 220))

    def set_status(self, status: str) -> None:
        self.status.setText(status)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.model.passages):
            passage = self.model.passages[row]
            self.sig_passage_chosen.emit(passage.article_id, passage.start, passage.end)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose(self.table.currentIndex().row())
                return True
        return super().eventFilter(watched, event)
