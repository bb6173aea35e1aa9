"""The codebook's span labels for the palette: colour swatch, hotkey, name, description."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap

from annotator.model.types import Label

LabelNameRole = Qt.ItemDataRole.UserRole + 1


class LabelListModel(QAbstractListModel):
    def __init__(self, labels: list[Label] | None = None, parent=None):
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

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
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
            parts = [f"<b>{_escape(label.name)}</b>"]
            if label.hotkey:
                parts[0] += f" (key {_escape(label.hotkey)})"
            if label.description:
                parts.append(_escape(label.description))
            parts += [f"e.g. “{_escape(example)}”" for example in label.examples]
            return "<br>".join(parts)
        if role == LabelNameRole:
            return label.name
        return None

    def _swatch(self, color: str) -> QPixmap:
        if color not in self._icons:
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(color or "#999999"))
            self._icons[color] = pixmap
        return self._icons[color]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
