"""The window driven as an analyst drives it: select, press keys, click; then read the file."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QComboBox, QLineEdit, QListView, QPlainTextEdit, QTableView, QWidget

from annotator.model.types import Article
from annotator.project import Project
from annotator.ui import MainWindow
from tests.conftest import SAMPLE

EMOJI_TEXT = "Keluarga 👩\u200d👩\u200d👧 bendera 🇮🇩 dan Lavrov mengkritik AS.\nBaris kedua: perundingan damai."
ARABIC_TEXT = "كتبت كوري شولمان، المساعدة الخاصة لأوباما: \"الانتقال السلمي للسلطة\" ليس جديدا."


def make_project(path, texts) -> list[int]:
    project = Project.open(path)
    with project._store.write():
        ids = [project._store.add_article(Article(text=t, title=f"Article {i}"))[0] for i, t in enumerate(texts)]
    project.close()
    return ids


def stored_spans(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT a.article_id, n.name, l.name, a.start_offset, a.end_offset, a.text, a.attributes, a.note "
        "FROM annotations a JOIN labels l ON l.id = a.label_id JOIN annotators n ON n.id = a.annotator_id "
        "ORDER BY a.article_id, a.start_offset").fetchall()
    conn.close()
    return rows


def select(view, text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    view.select_codepoints(start, start + len(needle))
    return start, start + len(needle)


@pytest.fixture
def emoji_project(tmp_path):
    path = tmp_path / "p.annotator"
    ids = make_project(path, [EMOJI_TEXT, ARABIC_TEXT, "Artikel ketiga tentang kerja sama."])
    return path, ids


def test_contract_object_names_and_open_article(emoji_project, make_main_window):
    path, ids = emoji_project
    window = make_main_window(path)
    assert isinstance(window, MainWindow)
    assert isinstance(window.findChild(QTableView, "articleList"), QTableView)
    assert isinstance(window.findChild(QPlainTextEdit, "documentView"), QPlainTextEdit)
    assert isinstance(window.findChild(QListView, "labelPalette"), QListView)
    assert isinstance(window.findChild(QWidget, "spanDetails"), QWidget)
    assert "ana" in window.windowTitle()
    assert window.focusWidget() is window.document_view  # label keys work from the start
    window.open_article(ids[1])
    assert window.document_view.toPlainText() == ARABIC_TEXT
    assert window.document_view.document().characterCount() - 1 == len(ARABIC_TEXT.encode("utf-16-le")) // 2


def test_garbage_collection_pauses_while_an_article_opens_and_resumes_after_its_paint(
        emoji_project, make_main_window, qtbot, monkeypatch):
    import gc

    from annotator.model.errors import NotFound
    from annotator.ui import main_window

    path, ids = emoji_project
    window = make_main_window(path)
    assert gc.isenabled()
    # The collection made due runs as collection resumes, not at whichever allocation comes
    # next: that may be inside a Qt destructor, where freeing a wrapper hung the process.
    # Collections are counted from the pause on (one may come due before it, as anywhere), and
    # "inside" is read from the stack: a window of an earlier test may resume from a timer
    # started before this test, with the function as it was then.
    paused = []
    collections = []
    pause_cyclic_gc, resuming = main_window.pause_cyclic_gc, main_window.resume_cyclic_gc.__code__

    def pause() -> None:
        pause_cyclic_gc()
        paused.append(True)

    def collected(phase: str, info: dict) -> None:
        if phase == "start" and paused:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code is not resuming:
                frame = frame.f_back
            collections.append(frame is not None)

    monkeypatch.setattr(main_window, "pause_cyclic_gc", pause)
    gc.callbacks.append(collected)
    try:
        window.open_article(ids[1])
        assert not gc.isenabled()  # its collection runs once the article is on the screen
        qtbot.waitUntil(gc.isenabled)
    finally:
        gc.callbacks.remove(collected)
    assert collections[:1] == [True]
    with pytest.raises(NotFound):
        window.open_article(10_000)
    assert gc.isenabled()  # a failed open resumes it at once
    gc.disable()  # someone else's choice stays
    try:
        window.open_article(ids[0])
        qtbot.waitUntil(lambda: not window._retire_timer.isActive())
        assert not gc.isenabled()
    finally:
        gc.enable()
    window.open_article(ids[2])
    window.close()  # closing before the paint resumes it too
    assert gc.isenabled()


def test_garbage_collection_resumes_when_a_window_goes_without_closing(emoji_project, settings, dialogs, qtbot):
    import gc

    from shiboken6 import delete

    path, ids = emoji_project
    window = MainWindow(str(path), "ana", dialogs=dialogs, settings=settings)
    window.open_article(ids[0])
    assert not gc.isenabled()
    project = window.project
    delete(window)  # destroyed without a close event, before its timer could fire
    project.close()
    qtbot.waitUntil(gc.isenabled)  # from the event loop, not inside the destructor


def test_the_label_index_is_made_while_the_window_waits_not_by_the_first_key(emoji_project, make_main_window, qtbot):
    """A label key asks which of your spans have its label (to offer extending one): on an
    article of 20,000 spans, making that index doubled the first key's time. The window makes
    it once the article is painted; the key then only adds to it."""
    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[0])
    assert window.session.shown._own_by_label_made is None  # not while the article opens
    qtbot.waitUntil(lambda: window.session.shown._own_by_label_made is not None)
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik")
    qtbot_key(view, "1")
    [(_, _, label, *_)] = stored_spans(path)
    assert [s.label for s in window.session.shown.own_with_label(label)] == [label]
    assert window.session.shown.own_count() == 1


def test_label_after_emoji_with_hotkey_stores_code_points(emoji_project, make_main_window):
    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[0])
    view = window.findChild(QPlainTextEdit, "documentView")
    start, end = select(view, EMOJI_TEXT, "Lavrov mengkritik")
    qtbot_key(view, "1")
    [(article_id, annotator, label, s, e, text, _, _)] = stored_spans(path)
    assert (article_id, annotator, label) == (ids[0], "ana", "Anti-imperialist framing")
    assert (s, e, text) == (start, end, "Lavrov mengkritik")
    assert EMOJI_TEXT[s:e] == text
    # Highlighted in place: the block holds a format over the span's UTF-16 range.
    block = view.document().findBlockByNumber(0)
    formats = block.layout().formats()
    start16 = len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2
    assert any(f.start == start16 and f.length == end - start for f in formats)


def qtbot_key(widget, key: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    from pytestqt.qtbot import QtBot

    QtBot.keyClick(widget, key, modifier)


def test_snap_to_words_and_toggle(emoji_project, make_main_window):
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    start = EMOJI_TEXT.index("avrov")
    view.select_codepoints(start, start + 8)  # "avrov me"
    qtbot_key(view, "2")
    assert stored_spans(path)[0][5] == "Lavrov mengkritik"
    window.snap_action.setChecked(False)
    view.select_codepoints(start, start + 3)
    qtbot_key(view, "3")
    assert [row[5] for row in stored_spans(path)] == ["Lavrov mengkritik", "avr"]


def test_keyboard_only_selection_in_arabic(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[1])
    view = window.document_view
    view.setFocus()
    cursor = view.textCursor()
    cursor.setPosition(ARABIC_TEXT.index("كوري"))
    view.setTextCursor(cursor)
    for _ in range(4):
        # Right-to-left paragraph: the left arrow moves forward in the text.
        qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, "0")
    [row] = stored_spans(path)
    assert (row[2], row[5]) == ("Quotation", "كوري")


def test_undo_redo_with_keys(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    view.setFocus()
    select(view, EMOJI_TEXT, "perundingan damai")
    qtbot.keyClick(view, "4")
    assert len(stored_spans(path)) == 1
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(path) == []
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(stored_spans(path)) == 1
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert [row[5] for row in stored_spans(path)] == ["perundingan damai"]
    assert view.spans[0].text == "perundingan damai"


def test_tab_walks_spans_relabel_delete_and_undo(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    view.setFocus()
    for needle, key in (("Lavrov", "1"), ("perundingan", "4"), ("bendera", "5")):
        select(view, EMOJI_TEXT, needle)
        qtbot.keyClick(view, key)
    view.select_span(None)
    cursor = view.textCursor()
    cursor.setPosition(0)
    view.setTextCursor(cursor)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.span_details.span.text == "bendera"
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.span_details.span.text == "Lavrov"
    qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.span_details.span.text == "bendera"
    qtbot.keyClick(view, "2")  # relabel the selected span
    assert {row[5]: row[2] for row in stored_spans(path)}["bendera"] == "Blame / threat attribution"
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert "bendera" not in [row[5] for row in stored_spans(path)]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {row[5]: row[2] for row in stored_spans(path)}["bendera"] == "Blame / threat attribution"
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {row[5]: row[2] for row in stored_spans(path)}["bendera"] == "Cooperation praise"


def test_attributes_and_note_through_span_details(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik AS")
    qtbot.keyClick(view, "0")
    details = window.findChild(QWidget, "spanDetails")
    voice = details.findChild(QComboBox, "attribute_voice")
    voice.setCurrentIndex(voice.findText("reported speech"))
    voice.activated.emit(voice.currentIndex())
    speaker = details.findChild(QComboBox, "attribute_speaker")
    speaker.lineEdit().setFocus()
    qtbot.keyClicks(speaker.lineEdit(), "Lavrov")
    qtbot.keyClick(speaker.lineEdit(), Qt.Key.Key_Return)
    note = details.findChild(QLineEdit, "spanNote")
    note.setFocus()
    qtbot.keyClicks(note, "dikutip dari NK News")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    [row] = stored_spans(path)
    assert row[6] == '{"speaker": "Lavrov", "voice": "reported speech"}'
    assert row[7] == "dikutip dari NK News"
    window.undo_action.trigger()
    assert stored_spans(path)[0][7] == ""
    window.undo_action.trigger()
    assert stored_spans(path)[0][6] == '{"voice": "reported speech"}'


def test_ctrl_enter_marks_done_and_alt_arrows_move(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    assert window.current_article_id == ids[0]
    view = window.document_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.current_article_id == ids[1]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT article_id, status FROM article_status").fetchall() == [(ids[0], "done")]
    conn.close()
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current_article_id == ids[2]
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_article_id == ids[0]
    # The next unfinished skips done articles; undo reopens nothing but clears the mark.
    window.open_article(ids[2])
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.current_article_id == ids[1]
    window.undo_action.trigger()
    window.undo_action.trigger()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT status FROM article_status WHERE status = 'done'").fetchall() == []
    conn.close()


def test_document_labels_toggle_and_undo(emoji_project, make_main_window):
    path, ids = emoji_project
    window = make_main_window(path)
    button = window.doc_labels.buttons["Overall: neutral report"]
    button.click()
    conn = sqlite3.connect(path)
    query = "SELECT l.name FROM doc_labels d JOIN labels l ON l.id = d.label_id"
    assert conn.execute(query).fetchall() == [("Overall: neutral report",)]
    window.undo_action.trigger()
    assert conn.execute(query).fetchall() == []
    assert not button.isChecked()
    conn.close()


def test_clicking_a_document_label_leaves_the_keyboard_in_the_text(emoji_project, make_main_window, qtbot):
    """The click took the keyboard (into the buttons' row), so the next selection and label key
    did nothing at all."""
    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[0])
    view = window.document_view
    view.setFocus()
    button = window.doc_labels.buttons["Overall: neutral report"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked()
    assert window.focusWidget() is view
    view.moveCursor(QTextCursor.MoveOperation.End)
    for _ in range(2):  # "damai" and "."
        qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, "1")
    assert [row[5] for row in stored_spans(path)] == ["damai"]  # snapped to the word


def test_everything_survives_closing_and_reopening(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    select(window.document_view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(window.document_view, "1")
    window.close()
    again = make_main_window(path)
    again.open_article(ids[0])
    assert [s.text for s in again.document_view.spans] == ["Lavrov"]
    assert again.article_model.status_of(ids[0]) == "in_progress"


def test_palette_click_labels_the_selection(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    select(window.document_view, EMOJI_TEXT, "kedua")
    palette = window.findChild(QListView, "labelPalette")
    index = palette.model().index(4, 0)
    rect = palette.visualRect(index)
    qtbot.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert stored_spans(path)[0][2:6] == ("Cooperation praise", EMOJI_TEXT.index("kedua"),
                                           EMOJI_TEXT.index("kedua") + 5, "kedua")


def test_mouse_selection_then_hotkey(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    start = EMOJI_TEXT.index("Lavrov")
    cursor = QTextCursor(view.document())
    cursor.setPosition(len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2)
    start_rect = view.cursorRect(cursor)
    cursor.setPosition(len(EMOJI_TEXT[:start + 6].encode("utf-16-le")) // 2)
    end_rect = view.cursorRect(cursor)
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start_rect.center())
    qtbot.mouseMove(viewport, end_rect.center())
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end_rect.center())
    assert view.selection_codepoints() == (start, start + 6)
    qtbot.keyClick(view, "1")
    assert stored_spans(path)[0][5] == "Lavrov"
    # A plain click on the span selects it for editing.
    middle = start_rect.center() + (end_rect.center() - start_rect.center()) / 2
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=middle)
    assert window.span_details.span is not None and window.span_details.span.text == "Lavrov"


def test_typing_in_a_span_field_is_saved_when_the_article_or_the_window_goes(
        emoji_project, make_main_window, qtbot):
    """Typed into a field that still has the keyboard (no Enter, no Tab), then the next
    article by its key, or the window closed: the typing was dropped without a word, and the
    focus leaving the field as the window went raised on the closed project."""
    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[0])
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik AS")
    qtbot.keyClick(view, "0")
    details = window.findChild(QWidget, "spanDetails")
    note = details.findChild(QLineEdit, "spanNote")
    note.setFocus()
    qtbot.keyClicks(note, "dikutip")
    qtbot.keyClick(note, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # the next article
    assert window.current_article_id == ids[1]
    assert stored_spans(path)[0][7] == "dikutip"

    window.open_article(ids[0])
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # the span again
    speaker = details.findChild(QComboBox, "attribute_speaker")
    speaker.lineEdit().setFocus()
    qtbot.keyClicks(speaker.lineEdit(), "Lavrov")
    note.setFocus()  # leaving the speaker saved it, as ever
    note.selectAll()
    qtbot.keyClicks(note, "dari NK News")
    window.close()
    [row] = stored_spans(path)
    assert (row[6], row[7]) == ('{"speaker": "Lavrov"}', "dari NK News")


def test_the_window_reopens_where_you_left_off(emoji_project, make_main_window, settings):
    path, ids = emoji_project
    window = make_main_window(path)
    assert window.current_article_id == ids[0]  # the first time: the first unfinished article
    window.open_article(ids[2])
    window.close()
    assert make_main_window(path).current_article_id == ids[2]
    assert make_main_window(path, "budi").current_article_id == ids[0]  # per person
    key = make_main_window(path)._last_article_key()
    settings.setValue(key, 10_000)  # an article no longer there
    assert make_main_window(path).current_article_id == ids[0]


def test_filters_and_search(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    select(window.document_view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(window.document_view, "1")
    window.status_filter.setCurrentIndex(window.status_filter.findData("in_progress"))
    assert window.article_model.ids() == [ids[0]]
    window.status_filter.setCurrentIndex(window.status_filter.findData("not_started"))
    assert window.article_model.ids() == [ids[1], ids[2]]
    window.status_filter.setCurrentIndex(0)
    window.label_filter.setCurrentIndex(window.label_filter.findData("Anti-imperialist framing"))
    assert window.article_model.ids() == [ids[0]]
    window.label_filter.setCurrentIndex(0)
    window.search.setText("kerja")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.article_model.ids() == [ids[2]]
    window.article_panel.advanced.setChecked(True)  # FTS5 syntax; plain words never fail (tests/ui/test_search.py)
    window.search.setText('"broken')
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.article_model.ids() == []
    assert "cannot search" in window.article_panel.message.text()


def test_overlapping_spans_get_layers_and_tooltips(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    window.snap_action.setChecked(False)
    view = window.document_view
    for needle, key in (("Lavrov mengkritik AS", "0"), ("mengkritik", "2"), ("mengkritik AS", "3")):
        select(view, EMOJI_TEXT, needle)
        qtbot.keyClick(view, key)
    shown = sorted(view.highlighter.index.by_uuid.values(), key=lambda s: s.start16)
    assert sorted(s.layer for s in shown) == [0, 1, 2]
    position16 = len(EMOJI_TEXT[:EMOJI_TEXT.index("kritik")].encode("utf-16-le")) // 2
    assert [s.label for s in view.spans_at(position16)] == [
        "Blame / threat attribution", "Bloc / NATO criticism", "Quotation"]
    view.viewport().repaint()  # paints the per-layer underlines without error


def test_refused_edit_is_explained(emoji_project, make_main_window, qtbot):
    path, ids = emoji_project
    window = make_main_window(path)
    select(window.document_view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(window.document_view, "1")
    select(window.document_view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(window.document_view, "1")
    assert "already labelled" in window.last_message
    window.document_view.select_span(None)
    cursor = window.document_view.textCursor()
    cursor.clearSelection()
    window.document_view.setTextCursor(cursor)
    qtbot.keyClick(window.document_view, "1")
    assert "Select some text" in window.last_message
    assert len(stored_spans(path)) == 1


def test_empty_project_opens(tmp_path, make_main_window):
    window = make_main_window(tmp_path / "empty.annotator")
    assert window.current_article_id is None
    assert "Import" in window.article_title.text()


def test_sample_article_labelled_end_to_end(tmp_path, make_main_window, qtbot):
    path = tmp_path / "sample.annotator"
    project = Project.open(path)
    project.import_paths([SAMPLE])
    project.close()
    window = make_main_window(path)
    text = SAMPLE.read_text(encoding="utf-8")
    view = window.document_view
    view.setFocus()
    for label in window.codebook.labels:
        example = label.examples[0]
        select(view, text, example)
        qtbot.keyClick(view, label.hotkey)
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    spans = stored_spans(path)
    assert len(spans) == len(window.codebook.labels)
    for _, _, _label, start, end, covered, _, _ in spans:
        assert text[start:end] == covered
    assert window.article_model.status_of(1) == "done"


def test_hover_shows_label_attributes_and_note(emoji_project, make_main_window, qtbot):
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(view, "0")
    window.span_details.note.setText("kutipan")
    window.span_details.note.editingFinished.emit()
    cursor = QTextCursor(view.document())
    cursor.setPosition(len(EMOJI_TEXT[:EMOJI_TEXT.index("Lavrov") + 2].encode("utf-16-le")) // 2)
    point = view.cursorRect(cursor).center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.viewport(), event)  # where a real hover arrives
    assert "Quotation" in QToolTip.text() and "kutipan" in QToolTip.text()


def test_refresh_sees_another_programs_import(emoji_project, make_main_window, tmp_path):
    path, ids = emoji_project
    window = make_main_window(path)
    other = Project.open(path)  # e.g. `annotator import` while the window is open
    other.import_paths([SAMPLE])
    other.close()
    assert window.article_model.rowCount() == 3
    window.refresh()
    assert window.article_model.rowCount() == 4


def test_the_keyboard_goes_to_the_text_after_choosing_an_article_or_opening_a_project(
        emoji_project, make_main_window, qtbot, tmp_path):
    """A label key after clicking an article in the list went to the list (and was lost), and
    after File → Open to the search box; Tab went round the list's cells for ever."""
    path, ids = emoji_project
    window = make_main_window(path)
    view, table = window.document_view, window.article_list
    table.setFocus()
    rect = table.visualRect(table.model().index(2, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_article_id == ids[2]
    assert window.focusWidget() is view
    view.select_codepoints(0, 7)
    qtbot.keyClick(view, "1")
    assert [(row[0], row[5]) for row in stored_spans(path)] == [(ids[2], "Artikel")]
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert window.focusWidget() is not table
    other = tmp_path / "other.annotator"
    make_project(other, ["Seruan perundingan damai."])
    window.findChild(QLineEdit, "articleSearch").setFocus()
    window.load_project(str(other), window.annotator)
    assert window.focusWidget() is view


def test_edits_that_show_little_in_the_text_are_confirmed_with_the_way_back(emoji_project, make_main_window, qtbot):
    """Removing a span, saving a note or setting a document label said nothing anywhere."""
    path, ids = emoji_project
    window = make_main_window(path)
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(view, "1")
    note = window.findChild(QLineEdit, "spanNote")
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(note, "menlu")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert window.last_message == "Edit note (Ctrl+Z undoes)"
    qtbot.mouseClick(window.doc_labels.buttons["Overall: neutral report"], Qt.MouseButton.LeftButton)
    assert window.last_message == "Add document label “Overall: neutral report” (Ctrl+Z undoes)"
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert window.last_message == "Remove span (Ctrl+Z undoes)"
    assert stored_spans(path) == []
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.last_message == "Undone: Remove span" and len(stored_spans(path)) == 1
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.last_message == "Redone: Remove span" and stored_spans(path) == []


def test_the_list_keeps_the_shown_article_highlighted_after_an_import(emoji_project, make_main_window, qtbot,
                                                                       tmp_path):
    from tests.conftest import write_jsonl

    path, ids = emoji_project
    window = make_main_window(path)
    window.open_article(ids[1])
    source = write_jsonl(tmp_path / "more.jsonl", [{"text": "Artikel baru tentang perundingan."}])
    with qtbot.waitSignal(window.sig_import_finished, timeout=30_000):
        window.import_paths([str(source)])
    row = window.article_list.currentIndex().row()
    assert window.article_model.article_id(row) == ids[1] == window.current_article_id
