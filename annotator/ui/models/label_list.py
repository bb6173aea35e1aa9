"""The codebook's span labels for the palette: colour swatch, hotkey, name, description."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap

from annotator.model.types import Label
from annotator.ui.plain import plain_tooltip

LabelNameRole = Qt.ItemDataRole.UserRole + 1


class LabelListModel(QAbstractListModel):
    def __init__(self, labels: list[Label] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._labels: list[Label] = list(labels or [])
        self._icons: dict[str, QPixmap] = {}

    def set_labels(self, labels: list[Label]) -> None:
        self.beginResetModel()
        self._labels = list(labels)
        self._icons.clear()
        self.endResetModel()

    def labels(self) -> list[Label]:
        return list(self._labels)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._labels)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._labels):
            return None
        label = self._labels[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            indent = "    " if label.parent else ""
            return f"{indent}{label.hotkey or ' '}  {label.name}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._swatch(label.color)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [label.name]
            if label.hotkey:
                parts[0] += f" (key {label.hotkey})"
            if label.description:
                parts.append(label.description)
            parts += [f"e.g. “{example}”" for example in label.examples]
            return plain_tooltip("\n".join(parts))
        if role == LabelNameRole:
            return label.name
        return None

    def _swatch(self, color: str) -> QPixmap:
        if color not in self._icons:
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(color or "#999999"))
            self._icons[color] = pixmap
        return self._icons[color]
