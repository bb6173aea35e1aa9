"""User data is shown as plain text, never as Qt rich text (``annotator/ui/plain.py``).

An imported article whose title, label, note, attribute and annotator name are HTML with a
local-file ``<img>`` is opened in a real window; every place that shows them must show the
characters, not render them.
"""

from __future__ import annotations

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHelpEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLabel, QMessageBox, QTabWidget, QToolTip

from annotator.model.types import AttributeDef, Codebook, Label
from annotator.project import Project
from annotator.ui.dialogs.ask import Dialogs
from annotator.ui.dialogs.dashboard import AgreementDashboard
from annotator.ui.models.article_table import ArticleIdRole
from annotator.ui.plain import plain_html, plain_label, plain_tooltip, safe_color
from annotator.ui.widgets.doc_labels import DocLabelBar
from tests.conftest import write_jsonl

EVIL = '<b>bold</b><img src="file:///etc/hostname">'
TEXT = "Lavrov mengkritik AS dan NATO."
TITLE = f"Title {EVIL}"
LABEL = f"Label {EVIL}"
NOTE = f"Note {EVIL}\n  indented second line"
DOC_LABEL = f"Doc {EVIL}"
ATTRIBUTE = f"attr {EVIL}"
OTHER = f"budi {EVIL}"  # a second annotator, so the dashboard has names to show


def as_shown(tip: str) -> str:
    """What Qt shows for a rich tooltip string: parse it as Qt does and read the characters."""
    document = QTextDocument()
    document.setHtml(tip)
    return document.toPlainText()


def rich_offenders(window) -> list[QLabel]:
    """Labels whose text looks like HTML and that Qt would render as HTML."""
    return [label for label in window.findChildren(QLabel)
            if "<b>" in label.text() and label.textFormat() != Qt.TextFormat.PlainText]


@pytest.fixture
def evil_project(tmp_path):
    """A project that imported the HTML-laden article (from JSONL) and has an HTML attribute.

    Imported here rather than through the window, so the test does not depend on how the
    window runs background jobs.
    """
    path = tmp_path / "p.annotator"
    source = write_jsonl(tmp_path / "evil.jsonl", [{
        "text": TEXT, "title": TITLE,
        "annotations": [
            {"start": 0, "end": 6, "label": LABEL, "annotator": "ana", "note": NOTE,
             "attributes": {"speaker": EVIL}},
            {"start": 0, "end": 6, "label": LABEL, "annotator": OTHER},
        ],
        "doc_labels": [{"label": DOC_LABEL, "annotator": "ana"}],
    }])
    project = Project.open(path)
    report = project.import_paths([source])
    assert (report.imported, report.failed) == (1, [])
    with project._store.write():
        project._store.merge_codebook(Codebook(attributes=[AttributeDef(ATTRIBUTE)]))
    project.close()
    return path


@pytest.fixture
def evil_window(evil_project, make_main_window, qtbot):
    """A window on ``evil_project`` with the article open and ana's span selected."""
    window = make_main_window(evil_project)
    assert window.current_article_id is not None
    assert window.document_view.toPlainText() == TEXT
    view = window.document_view
    view.setFocus()
    cursor = view.textCursor()
    cursor.setPosition(TEXT.index("mengkritik"))
    view.setTextCursor(cursor)
    qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.span_details.span is not None and window.span_details.span.label == LABEL
    return window


def test_helpers_round_trip(qtbot):  # qtbot: QLabel needs the QApplication
    for raw in (EVIL, NOTE, "  a & b  \n\n<p>", "“quotes” 'single' \"double\""):
        assert as_shown(plain_tooltip(raw)) == raw
        assert QtGui.Qt.mightBeRichText(plain_tooltip(raw))  # so Qt parses (and unescapes) it
    assert plain_tooltip("") == ""  # no tooltip at all
    assert plain_label(EVIL).textFormat() == Qt.TextFormat.PlainText
    assert plain_html("<i>x</i> & y") == "&lt;i&gt;x&lt;/i&gt; &amp; y"
    assert safe_color("#E69F00") == "#E69F00"
    assert safe_color("#fff") == "#fff"
    assert safe_color("red; background: url(x)") == "#999999"


def test_labels_in_widgets_and_dialogs_are_plain(evil_window):
    window = evil_window
    details = window.span_details
    assert details.label_text.text() == LABEL
    assert details.label_text.textFormat() == Qt.TextFormat.PlainText
    [attribute_label] = [label for label in details.findChildren(QLabel) if label.text() == ATTRIBUTE]
    assert attribute_label.textFormat() == Qt.TextFormat.PlainText
    # A refused codebook edit quotes the label name in the dialog's error line.
    window.edit_codebook()
    dialog = window.codebook_dialog
    dialog.span_labels.add()
    dialog.span_labels.name.setText(LABEL)
    dialog.span_labels.name.textEdited.emit(LABEL)
    dialog.try_accept()
    assert LABEL in dialog.error.text()
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText
    # Everything outside main_window.py's own labels (the test below covers those) is plain.
    own = {window.article_title, window.review_label, window.status_text}
    assert [label.objectName() for label in rich_offenders(window) if label not in own] == []


def test_every_label_in_the_window_is_plain(evil_window):
    evil_window.set_review(["ana", OTHER])
    assert [label.objectName() for label in rich_offenders(evil_window)] == []


def test_tooltips_show_the_raw_text(evil_window, qtbot):
    window = evil_window
    model = window.article_model
    row = model.row_of(window.current_article_id)
    index = model.index(row, 0)
    assert model.data(index, ArticleIdRole) == window.current_article_id
    assert as_shown(model.data(index, Qt.ItemDataRole.ToolTipRole)) == TITLE
    [label] = [label for label in window.label_model.labels() if label.name == LABEL]
    tip = window.label_model.data(window.label_model.index(window.label_model.labels().index(label)),
                                  Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tip) == LABEL + (f" (key {label.hotkey})" if label.hotkey else "")
    assert as_shown(window.doc_labels.buttons[DOC_LABEL].toolTip()) == DOC_LABEL

    # Hovering over the span, where a real hover arrives.
    view = window.document_view
    cursor = QTextCursor(view.document())
    cursor.setPosition(2)
    point = view.cursorRect(cursor).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QHelpEvent.Type.ToolTip, point,
                                                       view.viewport().mapToGlobal(point)))
    assert "<b>bold" not in QToolTip.text()
    assert as_shown(QToolTip.text()) == f"{LABEL} — speaker: {EVIL}\n{NOTE}"

    window.set_review(["ana", OTHER])
    groups = window.review_model
    assert groups.rowCount() == 1
    for column, raw in ((1, LABEL), (2, "Lavrov"), (3, f"ana, {OTHER}")):
        tip = groups.data(groups.index(0, column), Qt.ItemDataRole.ToolTipRole)
        assert as_shown(tip) == raw
        assert groups.data(groups.index(0, column), Qt.ItemDataRole.DisplayRole) == raw


def test_dashboard_names_are_plain_in_labels_and_charts(evil_project, qtbot, dialogs):
    project = Project.open(evil_project)
    try:
        dashboard = AgreementDashboard(project.agreement(annotators=["ana", OTHER]), project.label_distribution(),
                                       dialogs)
    finally:
        project.close()
    qtbot.addWidget(dashboard)
    header = dashboard.findChild(QLabel, "agreementSummary")
    assert OTHER in header.text() and header.textFormat() == Qt.TextFormat.PlainText
    assert rich_offenders(dashboard) == []
    # Qt Charts always parses legend and axis labels as HTML: they must come out as typed.
    tabs = dashboard.findChild(QTabWidget)
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Label distribution"))
    dashboard.resize(3000, 900)  # wide enough that Qt does not shorten the axis labels
    dashboard.show()
    qtbot.waitExposed(dashboard)

    def shown() -> list[str]:
        return [item.toGraphicsObject().toPlainText() for item in dashboard.chart.scene().items()
                if item.type() == 8]  # QGraphicsTextItem: legend and axis labels

    qtbot.waitUntil(lambda: OTHER in shown())
    assert LABEL in shown()  # whole, as typed (the bars run sideways, so names are not cut)


def test_info_confirm_and_rename_boxes_are_plain(evil_window, qtbot):
    window = evil_window
    Dialogs().info(window, "Import failed", f"Import failed: {TITLE}.jsonl, line 1", details=NOTE)
    [box] = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == f"Import failed: {TITLE}.jsonl, line 1"
    assert box.findChild(QLabel, "qt_msgbox_label").textFormat() == Qt.TextFormat.PlainText
    box.close()

    seen: list[tuple] = []

    def answer_modal(refuse) -> None:
        modal = QApplication.activeModalWidget()
        texts = [(label.text(), label.textFormat()) for label in modal.findChildren(QLabel)
                 if "<b>" in label.text()]
        seen.append((type(modal), texts))
        refuse(modal)

    QTimer.singleShot(0, lambda: answer_modal(
        lambda box: box.button(QMessageBox.StandardButton.No).click()))
    assert Dialogs().confirm(window, "Delete", f"Delete {LABEL}?") is False
    QTimer.singleShot(0, lambda: answer_modal(QDialog.reject))
    assert Dialogs().rename_clash(window, OTHER, f"/tmp/{TITLE}.annotator") is None
    assert [kind for kind, _ in seen] == [QMessageBox, QInputDialog]
    for _, texts in seen:
        assert texts and all(text_format == Qt.TextFormat.PlainText for _, text_format in texts)


def test_stored_invalid_colour_never_reaches_a_stylesheet(qtbot):
    bar = DocLabelBar()
    qtbot.addWidget(bar)
    bar.set_labels([Label("A&B", "red; background: url(x)", scope="document"),
                    Label("Fine", "#123456", scope="document")])
    assert "url(" not in bar.buttons["A&B"].styleSheet()
    assert "#999999" in bar.buttons["A&B"].styleSheet()
    assert "#123456" in bar.buttons["Fine"].styleSheet()
    assert bar.buttons["A&B"].text() == "A&&B"  # shown as "A&B", not as a mnemonic
