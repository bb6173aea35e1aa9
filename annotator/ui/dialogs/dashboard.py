"""Agreement dashboard: per-label table, annotator x annotator kappa heatmap, label
distribution per annotator (QtCharts); the table exports as CSV, the charts as PNG."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.io.csv_safety import safe_row
from annotator.ui.plain import plain_html, plain_label, plain_tooltip
from annotator.ui.widgets.document_view import LANE_COLORS

TABLE_COLUMNS = ("Label", "Krippendorff α", "Fleiss κ", "Mean Cohen κ", "Mean F1 exact", "Mean F1 overlap")


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def label_rows(result: dict[str, Any]) -> list[list[Any]]:
    """The per-label table as rows (also what the CSV holds)."""
    rows = []
    for label, figures in result["labels"].items():
        pairs = figures["pairs"]
        rows.append([
            label, figures["krippendorff_alpha"], figures["fleiss_kappa"],
            _mean([p["cohen_kappa"] for p in pairs]), _mean([p["span_f1_exact"] for p in pairs]),
            _mean([p["span_f1_overlap"] for p in pairs]),
        ])
    return rows


def _text(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


class KappaHeatmap(QWidget):
    """Annotator x annotator Cohen's kappa, white (≤0) to blue (1); empty cells undefined."""

    def __init__(self, result: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("kappaHeatmap")
        self.names = result["annotators"]
        self.kappa: dict[tuple[str, str], float | None] = {}
        for pair in result["pairs"]:
            self.kappa[(pair["a"], pair["b"])] = self.kappa[(pair["b"], pair["a"])] = pair["cohen_kappa"]
        self.setMinimumSize(120 + 70 * len(self.names), 60 + 40 * len(self.names) + LEGEND_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        n = len(self.names)
        if n == 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No annotators to compare")
            return
        left, top = 110, 40
        cell_w = max(50, (self.width() - left - 10) // n)
        cell_h = max(28, (self.height() - top - 10 - LEGEND_HEIGHT) // n)
        self._paint_legend(painter, left, top + n * cell_h + 12)
        for i, name in enumerate(self.names):
            painter.drawText(QRectF(0, top + i * cell_h, left - 6, cell_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            painter.drawText(QRectF(left + i * cell_w, 0, cell_w, top - 4),
                             Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignBottom, name)
            for j, other in enumerate(self.names):
                value = 1.0 if i == j else self.kappa.get((name, other))
                rect = QRectF(left + j * cell_w, top + i * cell_h, cell_w - 2, cell_h - 2)
                if value is None:
                    painter.fillRect(rect, QColor("#eeeeee"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "—")
                    continue
                painter.fillRect(rect, _kappa_color(value))
                painter.setPen(QColor("#ffffff") if value > 0.6 else QColor("#000000"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{value:.2f}")
                painter.setPen(QColor("#000000"))

    def _paint_legend(self, painter: QPainter, left: float, top: float) -> None:
        _paint_legend_scale(painter, left, top, self.width())


LEGEND_HEIGHT = 60


def _kappa_color(value: float) -> QColor:
    strength = max(0.0, min(1.0, value))
    return QColor.fromRgbF(1 - 0.8 * strength, 1 - 0.55 * strength, 1 - 0.2 * strength)


def _paint_legend_scale(painter: QPainter, left: float, top: float, width: float) -> None:
    """The colour scale under the heatmap: κ ≤ 0 white to 1 blue, and what a grey cell means."""
    steps = 10
    for step in range(steps + 1):
        painter.fillRect(QRectF(left + step * 14, top, 14, 12), _kappa_color(step / steps))
    painter.setPen(QColor("#000000"))
    painter.drawText(QRectF(left - 40, top - 2, 36, 16), Qt.AlignmentFlag.AlignRight, "κ ≤ 0")
    painter.drawText(QRectF(left + (steps + 1) * 14 + 4, top - 2, 30, 16), Qt.AlignmentFlag.AlignLeft, "1")
    painter.fillRect(QRectF(left, top + 20, 14, 12), QColor("#eeeeee"))
    painter.drawText(QRectF(left + 20, top + 18, max(100.0, width - left - 30), 36), Qt.TextFlag.TextWordWrap,
                     "— undefined: the two marked no article done in common, or used one category "
                     "only (see the notes)")


def distribution_chart(distribution: dict[str, dict[str, int]], labels: list[str],
                       lanes: Sequence[str] = ()) -> QChartView:
    """``lanes``: the annotators in the order of the review's lanes, whose colours their bars
    take (the others follow on), so one person has one colour in the text and the chart."""
    chart = QChart()
    chart.setTitle("Spans per label and annotator")
    series = QHorizontalBarSeries()  # categories down the side: whole label names fit
    order = [*lanes, *(name for name in sorted(distribution) if name not in lanes)]
    for annotator, counts in sorted(distribution.items()):
        bar_set = QBarSet(plain_html(annotator))  # Qt Charts renders legend labels as HTML
        bar_set.setColor(LANE_COLORS[order.index(annotator) % len(LANE_COLORS)])
        for label in labels:
            bar_set.append(counts.get(label, 0))
        series.append(bar_set)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([plain_html(label) for label in labels])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    counts_axis = QValueAxis()
    counts_axis.setLabelFormat("%d")
    top, step = count_axis(max([0, *(c for counts in distribution.values() for c in counts.values())]))
    counts_axis.setRange(0, top)
    counts_axis.setTickCount(top // step + 1)  # whole-number ticks only: 0, 1, 2 … never 0, 0, 1
    chart.addAxis(counts_axis, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(counts_axis)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setObjectName("labelDistribution")
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(600, max(360, 28 * len(labels) * max(1, len(distribution))))
    return view


def count_axis(largest: int) -> tuple[int, int]:
    """``(top, step)`` of a count axis: a whole-number step from 1, 2, 5, 10, 20, 50 … giving
    at most about ten ticks, and the first multiple of it at or above ``largest``."""
    step = 1
    while largest / step > 10:
        for factor in (2, 5 / 2, 2):  # 1 -> 2 -> 5 -> 10 -> 20 …
            step = round(step * factor)
            if largest / step <= 10:
                break
    top = max(step, -(-largest // step) * step)
    return top, step


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area: the chart grows with labels x annotators (20 labels and
    three annotators: 1,700 px), and the dashboard must still fit the screen with its buttons."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area


class AgreementDashboard(QDialog):
    """Non-modal window (``show()``); exports go through the window's ``dialogs``."""

    def __init__(self, result: dict[str, Any], distribution: dict[str, dict[str, int]], dialogs, parent=None,
                 lanes: Sequence[str] | None = None):
        """``lanes``: the review's compared annotators in lane order (default: the figures'
        annotators), for the chart's colours."""
        super().__init__(parent)
        self.setObjectName("agreementDashboard")
        self.setWindowTitle("Agreement")
        self.setModal(False)
        self.resize(900, 640)
        self.agreement = result
        self.dialogs = dialogs
        layout = QVBoxLayout(self)
        summary = (f"Annotators: {', '.join(result['annotators']) or 'none'} · unit: {result['unit']} · "
                   f"articles judged by two or more: {result['articles']} · Fleiss κ {_text(result['fleiss_kappa'])}"
                   f" · Krippendorff α {_text(result['krippendorff_alpha'])}")
        header = plain_label(summary)
        header.setObjectName("agreementSummary")
        header.setWordWrap(True)
        layout.addWidget(header)
        if result["notes"]:
            notes = plain_label("Notes: " + "; ".join(result["notes"]))
            notes.setWordWrap(True)
            layout.addWidget(notes)
        tabs = QTabWidget()
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setObjectName("agreementTable")
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)  # row numbers looked like the label keys
        for row in label_rows(result):
            position = self.table.rowCount()
            self.table.insertRow(position)
            for column, value in enumerate(row):
                item = QTableWidgetItem(_text(value))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if value is None:  # say why, not just "—"
                    reasons = [note for note in result["notes"] if str(row[0]) in note] or result["notes"]
                    item.setToolTip(plain_tooltip("undefined: " + ("; ".join(reasons) or "too few judged articles")))
                self.table.setItem(position, column, item)
        self.table.resizeColumnToContents(0)
        self.heatmap = KappaHeatmap(result)
        labels = [row[0] for row in label_rows(result)]
        self.chart = distribution_chart(distribution, labels, result["annotators"] if lanes is None else lanes)
        tabs.addTab(self.table, "Per label")
        tabs.addTab(_scrolling(self.heatmap), "Cohen's κ by pair")
        tabs.addTab(_scrolling(self.chart), "Label distribution")
        layout.addWidget(tabs, 1)
        buttons = QHBoxLayout()
        for text, slot, name in (("Export table as CSV…", self._ask_csv, "exportCsv"),
                                 ("Save charts as PNG…", self._ask_png, "exportPng")):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def export_csv(self, path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(safe_row(TABLE_COLUMNS))
            for row in label_rows(self.agreement):  # label names neutralised; figures stay numbers
                writer.writerow(safe_row("" if v is None else v for v in row))

    def export_png(self, path: str) -> list[str]:
        """Writes the heatmap and the distribution chart next to each other's name."""
        base = Path(path)
        stem = base.with_suffix("")
        heatmap_path, chart_path = f"{stem}-kappa.png", f"{stem}-labels.png"
        self.heatmap.resize(max(self.heatmap.width(), self.heatmap.minimumWidth()),
                            max(self.heatmap.height(), self.heatmap.minimumHeight()))
        self.heatmap.grab().save(heatmap_path)
        self.chart.resize(max(self.chart.width(), 800), max(self.chart.height(), 480))
        self.chart.grab().save(chart_path)
        return [heatmap_path, chart_path]

    def _ask_csv(self) -> None:
        path = self.dialogs.save_file(self, "Export agreement table", "agreement.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _ask_png(self) -> None:
        path = self.dialogs.save_file(self, "Save charts", "agreement.png", "PNG images (*.png)")
        if path:
            self.export_png(path)
