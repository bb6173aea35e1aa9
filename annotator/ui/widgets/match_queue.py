"""The queue of "annotate all matches" under the text: hits of a text or a label's rules in
context (keyword in context), to accept or reject one by one, or to filter and then accept or
reject the filtered set.

The panel only shows and asks: it holds the hits loaded so far (``MatchTableModel``) and emits
intents; the window (``window_matches.py``) lists and counts in the background, runs the
commands and tells the panel which hits left the queue. Every string it shows is user data and
stays plain text (titles, hit text, contexts: item-model strings and ``plain_*`` helpers).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.models.rows import RowsTableModel
from annotator.ui.plain import article_name, plain_label, plain_tooltip

if TYPE_CHECKING:
    from annotator.project.assist import MatchCount, MatchHit

Index = QModelIndex | QPersistentModelIndex
HitKey = tuple[int, int, int]
COLUMNS = ("Article", "Left context", "Match", "Right context")
LEFT, MATCH = 1, 2
_SPACES = re.compile(r"\s+")


def hit_key(hit: MatchHit) -> HitKey:
    """Where a hit is: ``(article id, start, end)``, the order the project lists hits in."""
    return hit.article_id, hit.start, hit.end


def one_line(text: str) -> str:
    """Line breaks and runs of white space as one space (a context spans paragraphs)."""
    return _SPACES.sub(" ", text)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class MatchTableModel(RowsTableModel):
    """The hits loaded and still in the queue (``hits``, in the project's order), and those the
    filter keeps (``shown``, the rows). Strings only: Qt shows them as plain text."""

    columns = COLUMNS

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.hits: list[MatchHit] = []
        self.shown: list[MatchHit] = []
        self.needle = ""
        self._folded: dict[HitKey, str] = {}

    # -- contents ------------------------------------------------------------------------

    def set_hits(self, hits: list[MatchHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self._folded = {}
        self.shown = [hit for hit in self.hits if self.keeps(hit)]
        self.endResetModel()

    def append_hits(self, hits: list[MatchHit]) -> None:
        self.hits.extend(hits)
        kept = [hit for hit in hits if self.keeps(hit)]
        if kept:
            self.beginInsertRows(QModelIndex(), len(self.shown), len(self.shown) + len(kept) - 1)
            self.shown.extend(kept)
            self.endInsertRows()

    def remove_hits(self, keys: set[HitKey]) -> None:
        self.hits = [hit for hit in self.hits if hit_key(hit) not in keys]
        rows = [row for row, hit in enumerate(self.shown) if hit_key(hit) in keys]
        if len(rows) == 1:
            self.beginRemoveRows(QModelIndex(), rows[0], rows[0])
            del self.shown[rows[0]]
            self.endRemoveRows()
        elif rows:
            self.beginResetModel()
            self.shown = [hit for hit in self.shown if hit_key(hit) not in keys]
            self.endResetModel()
        for key in keys:
            self._folded.pop(key, None)

    def set_filter(self, text: str) -> None:
        """Keep the hits whose left context, match and right context hold ``text`` (any case)."""
        needle = text.casefold()
        if needle == self.needle:
            return
        self.beginResetModel()
        self.needle = needle
        self.shown = [hit for hit in self.hits if self.keeps(hit)]
        self.endResetModel()

    def keeps(self, hit: MatchHit) -> bool:
        if not self.needle:
            return True
        key = hit_key(hit)
        folded = self._folded.get(key)
        if folded is None:
            folded = self._folded[key] = (hit.left + hit.text + hit.right).casefold()
        return self.needle in folded

    def row_of(self, key: HitKey) -> int:
        """The row of the hit at ``key``, or else of the first shown after it; -1 if none."""
        for row, hit in enumerate(self.shown):
            if hit_key(hit) >= key:
                return row
        return -1

    # -- Qt ------------------------------------------------------------------------------

    def rows(self) -> list[Any]:
        return self.shown

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.shown):
            return None
        hit = self.shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return one_line(hit.title) if hit.title.strip() else article_name(None, hit.article_id)
            return one_line((hit.left, hit.text, hit.right)[column - 1])
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return plain_tooltip(article_name(hit.title, hit.article_id))
            return plain_tooltip(f"…{hit.left}{hit.text}{hit.right}…")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == LEFT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == MATCH:
            font = QFont()
            font.setBold(True)
            return font
        return None


class _ElideLeftDelegate(QStyledItemDelegate):
    """The left context is cut at its far (left) end, so the words next to the hit stay."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # Qt override
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class MatchQueuePanel(QWidget):
    """The hits waiting for a decision, what was asked, how many there are, and the buttons.

    Keys in the table: Enter or A accepts the current hit, Backspace, Delete or R rejects it;
    the next one becomes current once the window removes it (``remove_hits``).
    """

    sig_accept_requested = Signal(object)
    """Accept these hits (a ``list[MatchHit]``: the current one)."""
    sig_reject_requested = Signal(object)
    """Reject these hits (a ``list[MatchHit]``: the current one)."""
    sig_accept_filtered_requested = Signal()
    """Accept every hit the filter keeps, loaded or not (the window loads the rest first)."""
    sig_reject_filtered_requested = Signal()
    """Reject every hit the filter keeps, loaded or not."""
    sig_load_more_requested = Signal()
    """List the next page of hits."""
    sig_hit_opened = Signal(object)
    """A double click on a hit: show it (a ``MatchHit``) in the text."""
    sig_close_requested = Signal()
    """Close: the queue is dropped."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("matchQueue")
        self.more = False
        self.busy = False
        self.total: MatchCount | None = None
        self.count_failed = ""
        self.model = MatchTableModel(self)
        self.query_label = plain_label("")
        self.query_label.setObjectName("matchQuery")
        self.count_label = plain_label("")
        self.count_label.setObjectName("matchCount")
        self.status = plain_label("")
        self.status.setObjectName("matchStatus")
        self.status.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("matchFilter")
        self.filter.setPlaceholderText("Filter the listed hits (words in the match or its context)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.table = QTableView()
        self.table.setObjectName("matchTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(LEFT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 160)
        self.table.setColumnWidth(MATCH, 160)
        self.table.setItemDelegateForColumn(LEFT, _ElideLeftDelegate(self.table))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        self.model.modelReset.connect(self._update)
        self.model.rowsInserted.connect(self._update)
        self.model.rowsRemoved.connect(self._update)

        self.accept_button = self._button("Accept", "matchAccept", "Enter or A in the list",
                                          lambda: self._emit_current(self.sig_accept_requested))
        self.reject_button = self._button("Reject", "matchReject", "Backspace, Delete or R in the list",
                                          lambda: self._emit_current(self.sig_reject_requested))
        self.accept_filtered_button = self._button("Accept filtered", "matchAcceptFiltered",
                                                   "Accept every hit the filter keeps, in one step (asks first)",
                                                   self.sig_accept_filtered_requested.emit)
        self.reject_filtered_button = self._button("Reject filtered", "matchRejectFiltered",
                                                   "Reject every hit the filter keeps, in one step (asks first)",
                                                   self.sig_reject_filtered_requested.emit)
        self.load_more_button = self._button("Load more", "matchLoadMore", "List the next hits",
                                             self.sig_load_more_requested.emit)
        self.close_button = self._button("Close", "matchClose", "Close the queue", self.sig_close_requested.emit)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.accept_filtered_button,
                       self.reject_filtered_button, self.load_more_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.count_label)
        top.addWidget(self.query_label, 1)
        # Like the other panels under the text: take the text column's width, never widen it
        # (the short count line excepted: it is the one thing always read).
        for widget in (self, self.query_label, self.status, self.filter, self.table):
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
            widget.setMinimumWidth(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update()

    def _button(self, text: str, name: str, tip: str, clicked: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(plain_tooltip(tip))
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the list
        button.clicked.connect(lambda _=False: clicked())
        return button

    # -- what the window tells it ----------------------------------------------------------

    def start(self, description: str) -> None:
        """A new query: no hits yet, not counted yet."""
        self.clear()
        self.query_label.setText(description)
        self.status.setText("Looking for hits…")

    def clear(self) -> None:
        self.query_label.setText("")
        self.status.setText("")
        self.more = False
        self.busy = False
        self.total = None
        self.count_failed = ""
        self.filter.clear()
        self.model.set_hits([])
        self._update()

    def show_hits(self, hits: list[MatchHit], more: bool, *, replace: bool) -> None:
        """Hits arrived: the first page or the queue listed again (``replace``; the current hit,
        or the next one after it, stays current), or the next page (appended)."""
        self.more = more
        if replace:
            current = self.current_hit()
            self.model.set_hits(hits)
            row = self.model.row_of(hit_key(current)) if current is not None else 0
            self._make_current(row if row >= 0 else self.model.rowCount() - 1)
        else:
            had_current = self.current_hit() is not None
            self.model.append_hits(hits)
            if not had_current:
                self._make_current(0)
        if not self.model.hits and not more:
            self.status.setText("No hits left to decide on." if self.total is not None else "No hits.")
        self._update()

    def remove_hits(self, hits: list[MatchHit]) -> None:
        """These hits were accepted or rejected: out of the queue; the one after the current
        one becomes current."""
        row = self.table.currentIndex().row()
        self.model.remove_hits({hit_key(hit) for hit in hits})
        self._make_current(min(max(row, 0), self.model.rowCount() - 1))
        self._update()

    def set_total(self, total: MatchCount | None) -> None:
        """All hits and their articles (None: still counting)."""
        self.total = total
        self.count_failed = ""
        self._update()

    def set_count_failed(self, message: str) -> None:
        self.total = None
        self.count_failed = message
        self._update()

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_busy(self, busy: bool) -> None:
        """Hits are being listed: loading more and acting on the filtered set wait for them."""
        self.busy = busy
        self._update()

    # -- what the window asks --------------------------------------------------------------

    def current_hit(self) -> MatchHit | None:
        row = self.table.currentIndex().row()
        return self.model.shown[row] if 0 <= row < len(self.model.shown) else None

    def filtered_hits(self) -> list[MatchHit]:
        """The loaded hits the filter keeps, in the project's order."""
        return list(self.model.shown)

    def count_line(self) -> str:
        listed = len(self.model.hits)
        if self.count_failed:
            return f"Not counted ({listed:,} listed)"
        if self.total is None:
            return f"Counting… ({listed:,} listed)"
        return (f"{plural(self.total.hits, 'hit')} in {plural(self.total.articles, 'article')} "
                f"({listed:,} listed)")

    # -- inside ----------------------------------------------------------------------------

    def _make_current(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.scrollTo(self.model.index(row, 0))

    def _update(self) -> None:
        self.count_label.setText(self.count_line())
        has_current = self.current_hit() is not None
        self.accept_button.setEnabled(has_current)
        self.reject_button.setEnabled(has_current)
        shown = len(self.model.shown)
        more = "+" if self.more else ""
        self.accept_filtered_button.setText(f"Accept filtered ({shown:,}{more})")
        self.reject_filtered_button.setText(f"Reject filtered ({shown:,}{more})")
        can_bulk = (shown > 0 or self.more) and not self.busy
        self.accept_filtered_button.setEnabled(can_bulk)
        self.reject_filtered_button.setEnabled(can_bulk)
        self.load_more_button.setVisible(self.more)
        self.load_more_button.setEnabled(self.more and not self.busy)

    def _emit_current(self, signal: Any) -> None:
        hit = self.current_hit()
        if hit is not None:
            signal.emit([hit])

    def _on_filter_text_changed(self, text: str) -> None:
        current = self.current_hit()
        self.model.set_filter(text.strip())
        self._make_current(self.model.row_of(hit_key(current)) if current is not None else 0)
        self._update()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.shown):
            self.sig_hit_opened.emit(self.model.shown[index.row()])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
            key = event.key()
            if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_A):
                self._emit_current(self.sig_accept_requested)
                return True
            if plain and key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_R):
                self._emit_current(self.sig_reject_requested)
                return True
        return super().eventFilter(watched, event)
