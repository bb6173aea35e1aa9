"""The article list with its search box and filters (the window's left panel)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.model.types import Label
from annotator.ui.models.article_table import ArticleIdRole, ArticleTableModel

STATUS_CHOICES = (("All", None), ("Not started", "not_started"), ("In progress", "in_progress"), ("Done", "done"))


class ArticlePanel(QWidget):
    """Search, status and label filters over a lazy article list. Holds no data: the model
    (``ArticleTableModel``) is set by the window for each project and layer."""

    sig_article_chosen = Signal(int)
    """The user activated or clicked an article; carries its id."""
    sig_filters_changed = Signal()
    """Search text (on Enter), status or label filter changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("articleSearch")
        self.search.setPlaceholderText("Search text (Enter)")
        self.search.returnPressed.connect(self.sig_filters_changed)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for text, value in STATUS_CHOICES:
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(lambda _=0: self.sig_filters_changed.emit())
        self.label_filter = QComboBox()
        self.label_filter.setObjectName("labelFilter")
        self.label_filter.currentIndexChanged.connect(lambda _=0: self.sig_filters_changed.emit())
        self.view = QTableView()
        self.view.setObjectName("articleList")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setWordWrap(False)
        self.view.activated.connect(self._on_view_activated)
        self.view.clicked.connect(self._on_view_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.label_filter)
        layout.addLayout(filters)
        layout.addWidget(self.view)
        self.model: ArticleTableModel | None = None

    def set_model(self, model: ArticleTableModel) -> None:
        """Show another model (the old one is the caller's to delete)."""
        self.model = model
        self.view.setModel(model)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        # Sized to their contents once, then left alone: a ResizeToContents column re-measures
        # up to 1,000 rows on every dataChanged, i.e. on every label keypress.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(0, 200)

    def set_labels(self, labels: list[Label]) -> None:
        """Offer the codebook's span labels as a filter, keeping the chosen one if it still exists."""
        current = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem("Any label", None)
        for label in labels:
            self.label_filter.addItem(label.name, label.name)
        self.label_filter.setCurrentIndex(max(self.label_filter.findData(current), 0))
        self.label_filter.blockSignals(False)

    def filters(self) -> dict[str, str | None]:
        return {
            "status": self.status_filter.currentData(),
            "label": self.label_filter.currentData(),
            "query": self.search.text().strip() or None,
        }

    def show_article(self, article_id: int) -> None:
        """Select and scroll to an article's row, if the list shows it."""
        row = self.model.row_of(article_id) if self.model is not None else None
        if row is None or self.model is None:
            return
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index)

    def _on_view_activated(self, index: QModelIndex) -> None:
        article_id = index.data(ArticleIdRole)
        if article_id is not None:
            self.sig_article_chosen.emit(int(article_id))
