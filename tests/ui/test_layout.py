"""The window on a small screen (1024×700 fits, nothing essential cut off) and the text laid
out for reading: paragraph gaps, right-to-left paragraphs aligned right, a readable line width."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from annotator.model.commands import AddSpan, EditCodebook
from annotator.project import Project
from annotator.ui.widgets.document_view import MAX_LINE_CHARACTERS
from tests.ui.test_main_window import make_project


def test_the_window_fits_a_1024_by_700_screen(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS dan menyerukan perundingan damai."])
    window = make_main_window(path)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 700
    # Every panel keeps a usable width: the list, the text and the labels.
    sizes = dict(zip(("list", "text", "labels"), window.splitter.sizes(), strict=True))
    assert sizes["list"] >= 150 and sizes["text"] >= 350 and sizes["labels"] >= 150
    # The document-label buttons wrap onto more lines instead of widening the window.
    assert window.doc_labels.isVisible() and all(b.isVisible() for b in window.doc_labels.buttons.values())


def test_document_label_buttons_wrap_and_are_shown_whole(tmp_path, make_main_window, qtbot):
    """Three document labels once made the window 1,121 px wide, then hid the third behind a
    scroll bar at 1024 px: they wrap onto as many lines as the width needs, each shown whole,
    above the text."""
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS."])
    window = make_main_window(path)
    bar = window.doc_labels
    buttons = list(bar.buttons.values())
    assert len(buttons) == 3
    lines = {}
    for width in (1600, 1024, 760):
        window.resize(width, 700)
        qtbot.waitUntil(lambda width=width: window.width() == width)
        qtbot.waitUntil(lambda: all(bar.rect().contains(b.geometry()) for b in buttons))
        for button in buttons:
            assert button.isVisible() and button.size() == button.sizeHint()
        for a, b in itertools.combinations(buttons, 2):
            assert not a.geometry().intersects(b.geometry())
        text_top = window.document_view.mapTo(window, QPoint(0, 0)).y()
        assert all(b.mapTo(window, QPoint(0, b.height())).y() <= text_top for b in buttons)
        lines[width] = len({b.geometry().top() for b in buttons})
    assert lines[1600] < lines[760]  # narrower: more lines


def test_the_article_list_shows_my_status_at_1024_px(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS."])
    window = make_main_window(path)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    view = window.article_panel.view
    header = view.horizontalHeader()
    names = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    status = names.index("My status")
    assert header.sectionViewportPosition(status) + header.sectionSize(status) <= view.viewport().width()


ARABIC = "قال لافروف إن الولايات المتحدة AS تهدد الأمن، داعيا إلى المفاوضات."


def test_right_to_left_paragraphs_are_aligned_right(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, [f"{ARABIC}\nLavrov mengkritik AS."])
    window = make_main_window(path)
    view = window.document_view
    qtbot.waitUntil(lambda: view.toPlainText().startswith(ARABIC))
    width = view.viewport().width()
    arabic_start = view.cursorRect(cursor_at(view, 0)).x()
    latin_start = view.cursorRect(cursor_at(view, len(ARABIC) + 1)).x()
    assert arabic_start > width * 0.8  # the start of a right-to-left line is on the right
    assert latin_start < width * 0.2
    # Clicking a right-to-left word still selects by the stored text.
    view.select_codepoints(4, 11)
    assert view.textCursor().selectedText() == ARABIC[4:11]


def test_paragraphs_are_spaced_apart_and_blank_lines_are_kept_as_they_are(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, ["Satu.\nDua.\n\nTiga."])
    window = make_main_window(path)
    view = window.document_view
    qtbot.waitUntil(lambda: view.toPlainText().startswith("Satu."))
    document = view.document()
    line = view.fontMetrics().lineSpacing()

    def top(number: int) -> float:
        return view.blockBoundingGeometry(document.findBlockByNumber(number)).top()

    assert top(1) - top(0) >= line * 1.4  # a paragraph gap after "Satu."
    # "Dua." is followed by a blank line: no extra gap on top of the one the text has.
    assert top(2) - top(1) == pytest.approx(line, abs=2)
    assert top(3) - top(2) == pytest.approx(line, abs=2)


def test_lines_keep_a_readable_width_on_a_wide_window(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, [" ".join(["perundingan damai tanpa prasyarat"] * 80)])
    window = make_main_window(path)
    view = window.document_view
    window.resize(2400, 900)
    qtbot.waitUntil(lambda: window.width() == 2400)
    limit = view.fontMetrics().averageCharWidth() * MAX_LINE_CHARACTERS
    assert view.width() > limit + 200
    assert view.viewport().width() <= limit + 1
    # Centred: the margins either side are equal.
    margins = view.viewportMargins()
    assert abs(margins.left() - margins.right()) <= 1 and margins.left() > 50
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: view.viewportMargins().left() == 0)


def cursor_at(view, codepoint: int) -> QTextCursor:
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_utf16(codepoint))
    return cursor


def test_a_long_label_or_span_does_not_move_the_text_or_hide_the_palette(tmp_path, make_main_window, qtbot):
    """Tab to a span with a long label widened the right-hand panel, shrinking and re-wrapping
    the text; a long span grew the span panel until the palette showed only keys 1 to 5."""
    path = tmp_path / "p.annotator"
    text = "Lavrov mengkritik AS. " + "Kalimat panjang tentang hegemoni dan kerja sama kawasan. " * 8
    [article] = make_project(path, [text])
    project = Project.open(path)
    long_label = "Anti-imperialist framing of great-power hegemony and colonial domination in the region"
    book = project.codebook()
    old_name = book.labels[0].name
    book.labels[0] = dataclasses.replace(book.labels[0], name=long_label)
    project.execute(EditCodebook(book, ((old_name, long_label),)))
    project.execute(AddSpan(article, "ana", 0, 6, book.labels[1].name))
    project.execute(AddSpan(article, "ana", 22, len(text) - 1, long_label))
    project.close()
    window = make_main_window(path, "ana")
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700)
    window.open_article(article)
    view = window.document_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.span_details.span.label == book.labels[1].name
    QApplication.processEvents()
    before = (view.width(), window.splitter.sizes())
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.span_details.span.label == long_label
    QApplication.processEvents()
    assert (view.width(), window.splitter.sizes()) == before
    # What moved the panels in a real window: the panel's minimum (574 px for that label).
    assert window.span_details.minimumSizeHint().width() <= window.splitter.sizes()[2]
    palette = window.label_palette
    last = palette.visualRect(palette.model().index(palette.model().rowCount() - 1, 0))
    assert last.top() >= 0 and last.bottom() <= palette.viewport().height()  # every key still in view


def test_the_text_stays_put_whatever_the_script_of_the_title(tmp_path, make_main_window, qtbot):
    """An Arabic or Hindi title made the heading a few pixels lower than a Latin one, so the
    document-label buttons and the text jumped between articles."""
    from annotator.model.types import Article

    path = tmp_path / "p.annotator"
    project = Project.open(path)
    titles = ["Choe dan Lavrov memuji kerja sama", "قال لافروف إن الولايات المتحدة", "नई दिल्ली में बैठक"]
    with project._store.write():
        ids = [project._store.add_article(Article(text=f"Teks {n}.", title=title))[0] for n, title in enumerate(titles)]
    project.close()
    window = make_main_window(path)
    tops = []
    for article in ids:
        window.open_article(article)
        QApplication.processEvents()
        tops.append(window.document_view.mapTo(window, QPoint(0, 0)).y())
    assert len(set(tops)) == 1, tops
