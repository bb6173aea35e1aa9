"""The article list with its search box and filters (the window's left panel).

The search box takes plain words by default (every word must occur; nothing the user types is
query syntax); the Advanced switch beside it passes SQLite FTS5 syntax through. What the list
shows is said in words under the box when it is not a list: an empty result ("No articles
match …") or an invalid advanced query, both read from the model after each refresh, so the
next search replaces them. An empty box (Esc, or deleting the text) lists every article again.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.model.types import Label
from annotator.ui.models.article_table import ArticleIdRole, ArticleTableModel
from annotator.ui.plain import plain_label, plain_tooltip

STATUS_CHOICES = (("All", None), ("Not started", "not_started"), ("In progress", "in_progress"), ("Done", "done"))
ANY_LANGUAGE = "Any language"
PLAIN_PLACEHOLDER = "Search words (Enter)"
ADVANCED_PLACEHOLDER = "FTS5 query, e.g. perundingan OR nego* (Enter)"
ADVANCED_HELP = ("Advanced search: the box takes SQLite FTS5 query syntax (AND, OR, NOT, \"phrases\", "
                 "prefix*, NEAR(a b, 5)). Off: the words you type are searched as they are.")


class SearchBox(QLineEdit):
    """A line edit in which Esc empties the box (which lists every article again)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class ArticlePanel(QWidget):
    """Search, status and label filters over a lazy article list. Holds no data: the model
    (``ArticleTableModel``) is set by the window for each project and layer."""

    sig_article_chosen = Signal(int)
    """The user activated or clicked an article; carries its id."""
    sig_filters_changed = Signal()
    """Search text (on Enter, or the box emptied), the advanced switch, status or label filter
    changed."""
    sig_advanced_toggled = Signal(bool)
    """The user switched advanced (FTS5 syntax) search on or off."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = SearchBox()
        self.search.setObjectName("articleSearch")
        self.search.setPlaceholderText(PLAIN_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.sig_filters_changed)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.advanced = QToolButton()
        self.advanced.setObjectName("searchAdvanced")
        self.advanced.setText("Advanced")
        self.advanced.setCheckable(True)
        self.advanced.setToolTip(plain_tooltip(ADVANCED_HELP))
        self.advanced.toggled.connect(self._on_advanced_toggled)
        self.message = plain_label("")
        self.message.setObjectName("searchMessage")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(4, 6, 4, 6)
        self.message.hide()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for text, value in STATUS_CHOICES:
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(lambda _=0: self.sig_filters_changed.emit())
        self.label_filter = QComboBox()
        self.label_filter.setObjectName("labelFilter")
        self.label_filter.currentIndexChanged.connect(lambda _=0: self.sig_filters_changed.emit())
        self.language_filter = QComboBox()
        self.language_filter.setObjectName("languageFilter")
        self.language_filter.addItem(ANY_LANGUAGE, None)
        self.language_filter.currentIndexChanged.connect(lambda _=0: self.sig_filters_changed.emit())
        self.view = QTableView()
        self.view.setObjectName("articleList")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list (it went cell by cell, round and round)
        self.view.activated.connect(self._on_view_activated)
        self.view.clicked.connect(self._on_view_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.advanced)
        layout.addLayout(search_row)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.label_filter)
        filters.addWidget(self.language_filter)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addStretch(0)
        self.model: ArticleTableModel | None = None

    def set_model(self, model: ArticleTableModel) -> None:
        """Show another model (the old one is the caller's to delete)."""
        if self.model is not None:
            self.model.modelReset.disconnect(self._show_outcome)
        self.model = model
        model.modelReset.connect(self._show_outcome)
        self._show_outcome()
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

    def set_languages(self, languages: list[tuple[str, int]]) -> None:
        """Offer the project's article languages (code, count) as a filter, keeping the chosen
        one if it is still present; if it is gone the list shows any language again."""
        current = self.language_filter.currentData()
        self.language_filter.blockSignals(True)
        self.language_filter.clear()
        self.language_filter.addItem(ANY_LANGUAGE, None)
        for code, count in languages:
            self.language_filter.addItem(f"{code} ({count})", code)
        self.language_filter.setCurrentIndex(max(self.language_filter.findData(current), 0))
        self.language_filter.blockSignals(False)
        if self.language_filter.currentData() != current:
            self.sig_filters_changed.emit()

    def filters(self) -> dict[str, str | bool | None]:
        """The filters as ``Project.article_ids`` takes them (``plain``: not advanced;
        ``language``: an ISO 639-1 code, None for any)."""
        return {
            "status": self.status_filter.currentData(),
            "label": self.label_filter.currentData(),
            "language": self.language_filter.currentData(),
            "query": self.search.text().strip() or None,
            "plain": not self.advanced.isChecked(),
        }

    def set_advanced(self, on: bool) -> None:
        """Switch advanced search on or off without searching again (restoring a setting)."""
        self.advanced.blockSignals(True)
        self.advanced.setChecked(on)
        self.advanced.blockSignals(False)
        self.search.setPlaceholderText(ADVANCED_PLACEHOLDER if on else PLAIN_PLACEHOLDER)

    def _on_advanced_toggled(self, on: bool) -> None:
        self.search.setPlaceholderText(ADVANCED_PLACEHOLDER if on else PLAIN_PLACEHOLDER)
        self.sig_advanced_toggled.emit(on)
        if self.search.text().strip():
            self.sig_filters_changed.emit()

    def _on_search_text_changed(self, text: str) -> None:
        # An emptied box (Esc, the clear button, deleting the text) means "no search": list
        # every article at once rather than after an Enter the user has no reason to press.
        if not text.strip() and self.model is not None and self.model.filters.get("query"):
            self.sig_filters_changed.emit()

    def _show_outcome(self) -> None:
        """Say in words what an empty list means: no match, or the query's error (from the
        model's last refresh, so every search replaces the previous message)."""
        model = self.model
        if model is None:
            return
        query = model.filters.get("query")
        narrowed = bool(model.filters.get("status") or model.filters.get("label") or model.filters.get("language"))
        text = ""
        if model.last_error:
            text = model.last_error if model.filters.get("plain", True) else f"Advanced search: {model.last_error}"
        elif model.rowCount() == 0:
            if query:
                text = f"No articles match “{query}”" + (" with these filters" if narrowed else "")
            else:
                text = "No articles match these filters" if narrowed else "No articles in this project yet"
        self.message.setText(text)
        self.message.setToolTip(plain_tooltip(ADVANCED_HELP) if model.last_error else "")
        self.message.setVisible(bool(text))
        self.view.setVisible(not text)

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
