"""The review table under the text in review mode: one row per span group, keys to adjudicate."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.review.compare import SpanGroup
from annotator.ui.models.review_groups import ReviewGroupModel
from annotator.ui.plain import plain_label, plain_tooltip
from annotator.ui.widgets.document_view import LANE_COLORS, LANE_PEN_WIDTH, LANE_STYLES

LANE_STYLE_NAMES = ("solid", "dashed", "dotted", "dash-dot", "dash-dot-dot")
LANE_COLOR_NAMES = ("blue", "vermillion", "green", "purple", "orange", "sky blue", "black")


def lane_swatch(lane: int) -> QPixmap:
    """A short sample of lane ``lane``'s line, as drawn under the text."""
    pixmap = QPixmap(36, 10)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    pen = QPen(LANE_COLORS[lane % len(LANE_COLORS)])
    pen.setWidth(LANE_PEN_WIDTH)
    pen.setStyle(LANE_STYLES[lane % len(LANE_STYLES)])
    painter.setPen(pen)
    painter.drawLine(1, 5, 35, 5)
    painter.end()
    return pixmap


class ReviewPanel(QWidget):
    """Shows the session's span groups; emits what the reviewer wants done with them."""

    sig_group_selected = Signal(object)
    """A group became current; carries the ``SpanGroup``."""
    sig_accept_requested = Signal()
    """Enter or Space in the table: accept the current group into gold."""
    sig_reject_requested = Signal()
    """Delete or Backspace in the table: reject the current group."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ReviewGroupModel(self)
        self.table = QTableView()
        self.table.setObjectName("reviewTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _: self._on_row(current.row()))
        self.table.installEventFilter(self)
        self.header = plain_label("")
        self.header.setObjectName("reviewHeader")
        self.header.setWordWrap(True)
        self.legend = QWidget()
        self.legend.setObjectName("reviewLegend")
        self.legend_layout = QHBoxLayout(self.legend)
        self.legend_layout.setContentsMargins(0, 0, 0, 0)
        self.legend_entries: list[tuple[str, str]] = []  # (name, "colour pattern") as shown
        # The panel must not widen the text column when it appears (a long legend or header
        # would push the splitter and the window): it takes its width from the text's.
        for widget in (self, self.header, self.legend, self.table):
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
            widget.setMinimumWidth(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self.header)
        layout.addWidget(self.table)

    def set_annotators(self, names: tuple[str, ...]) -> None:
        """The legend: one swatch (the lane's colour and dash) and plain-text name each."""
        while (item := self.legend_layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.legend_entries = []
        for lane, name in enumerate(names):
            swatch = QLabel()
            swatch.setPixmap(lane_swatch(lane))
            pattern = (f"{LANE_COLOR_NAMES[lane % len(LANE_COLOR_NAMES)]}, "
                       f"{LANE_STYLE_NAMES[lane % len(LANE_STYLE_NAMES)]}")
            swatch.setToolTip(plain_tooltip(f"{name}: {pattern} line"))
            self.legend_layout.addWidget(swatch)
            self.legend_layout.addWidget(plain_label(name))
            self.legend_entries.append((name, pattern))
        self.legend_layout.addStretch(1)
        self.header.setText("Gold spans are shaded. Enter accepts, Delete rejects (in the table or the "
                            "text), F8 jumps to the next disagreement, Ctrl+Enter marks adjudicated.")

    def set_groups(self, groups: list[SpanGroup], rejected: set[tuple[int, int, str]] | None = None) -> None:
        """Show new groups (and the keys of those rejected this session), keeping the current
        one selected if it is still there."""
        selected = self.selected_group()
        self.model.set_groups(groups, rejected)
        if selected is not None:
            self.select_matching(selected.start, selected.end, selected.label)

    def groups(self) -> list[SpanGroup]:
        return self.model.groups()

    def selected_group(self) -> SpanGroup | None:
        row = self.table.currentIndex().row()
        groups = self.model.groups()
        return groups[row] if 0 <= row < len(groups) else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def select_matching(self, start: int, end: int, label: str) -> None:
        """Select the group of this extent and label (a "labels differ" group matches any of
        its annotators' labels)."""
        groups = self.model.groups()
        for row, group in enumerate(groups):
            if (group.start, group.end, group.label) == (start, end, label):
                self.table.selectRow(row)
                return
        for row, group in enumerate(groups):
            if (group.start, group.end) == (start, end) and label in {given for _, given in group.labels}:
                self.table.selectRow(row)
                return

    def next_disagreement_row(self, step: int, *, from_edge: bool = False, undecided: bool = True,
                              wrap: bool = False) -> int | None:
        """The row of the next (``step`` 1) or previous disagreement after the current row (or
        from the first/last row when ``from_edge``), or None. ``undecided``: only groups not
        accepted nor rejected yet; ``wrap``: going on round the table to the current row."""
        groups = self.model.groups()
        current = self.table.currentIndex().row()
        row = -1 if from_edge and step > 0 else len(groups) if from_edge else current
        rows = list(range(row + 1, len(groups)) if step > 0 else range(min(row, len(groups)) - 1, -1, -1))
        if wrap and not from_edge:
            rows += [r for r in (range(0, current) if step > 0 else range(len(groups) - 1, current, -1))]
        return next((r for r in rows if groups[r].disagreement and not (undecided and self.model.decided(groups[r]))),
                    None)

    def _on_row(self, row: int) -> None:
        groups = self.model.groups()
        if 0 <= row < len(groups):
            self.sig_group_selected.emit(groups[row])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.table and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not event.modifiers():
                self.sig_accept_requested.emit()
                return True
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.sig_reject_requested.emit()
                return True
        return super().eventFilter(watched, event)
