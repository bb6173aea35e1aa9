"""User data is shown as plain text, never as Qt rich text: the one place that says how.

Titles, label names, annotator names, notes, covered text, attribute values, file names and
error messages quoting files all come from files other people wrote. Several Qt widgets guess
whether a string is HTML (``Qt::mightBeRichText``: QLabel and QMessageBox with their default
``AutoText``, every tooltip) or always parse it as HTML (Qt Charts legend and axis labels). A
title such as ``<b>x</b> <img src="file:///etc/hostname">`` would then be rendered, and
``<img>`` makes Qt read a local file. So every such string goes through one of these helpers:

- ``plain_label`` / ``set_plain`` for QLabel and QMessageBox (``Qt.TextFormat.PlainText``);
- ``plain_tooltip`` for tooltips, which have no text-format switch: the text is escaped and
  wrapped in a paragraph that keeps line breaks and runs of spaces, so Qt shows it literally;
- ``plain_html`` for places that always take HTML (Qt Charts labels).

Rejected: stripping tags (loses what the user wrote, e.g. a label called ``<unsure>``) and
``Qt.convertFromPlainText`` (collapses runs of spaces outside ``pre`` and differs by version).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from annotator.io.guards import short
from annotator.model.types import is_valid_color

FALLBACK_COLOR = "#999999"
"""Shown for a colour that is not a valid ``#rgb`` / ``#rrggbb`` (e.g. in an old project file)."""


def article_name(title: str | None, article_id: int) -> str:
    """How the window names an article: its title, or "Article N" when it has none."""
    return title or f"Article {article_id}"


def one_line_cut(text: str, limit: int) -> str:
    """``text`` on one line (runs of white space as one space), cut to ``limit`` characters with
    "…": a span's or selection's text quoted in a status message."""
    return short(" ".join(text.split()), limit)


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML, whatever ``setText`` later receives."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def set_plain(box: QMessageBox) -> QMessageBox:
    """Make a message box show its text literally; returns the box for chaining.

    The detailed text is a QTextEdit filled with ``setPlainText`` already.
    """
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def plain_html(text: str) -> str:
    """``text`` escaped for a widget that always parses HTML, so it shows literally."""
    return html.escape(text, quote=False)


def plain_tooltip(text: str) -> str:
    """A tooltip string that Qt shows as exactly ``text``, line breaks and spaces included.

    An empty ``text`` stays empty, which Qt takes as "no tooltip".
    """
    if not text:
        return ""
    # Tooltips have no PlainText switch and ``mightBeRichText`` would treat "<b>x</b>" as
    # HTML, so we make the string rich ourselves and escape everything inside it.
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


def safe_color(color: str, fallback: str = FALLBACK_COLOR) -> str:
    """``color`` if it is a ``#rgb`` / ``#rrggbb`` colour, else ``fallback``.

    Use it before pasting a colour into a stylesheet: the codebook validates colours, but
    labels stored by older versions were never checked, and ``red; background: url(x)``
    would rewrite the stylesheet.
    """
    return color if is_valid_color(color) and QColor.isValidColorName(color) else fallback
