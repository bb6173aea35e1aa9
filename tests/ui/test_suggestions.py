"""Suggestions in the text, used from the keyboard: F9 to the next, Enter to accept, a label
key to accept with another label, Backspace to reject; each one undo step; asserted on the file."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt

from tests.conftest import SAMPLE
from tests.ui.test_main_window import make_project

TEXT = ("Rusia menyebut perang itu operasi militer khusus. Para pengamat menolak istilah operasi militer khusus "
        "dan menuntut perundingan.")
QUOTED = SAMPLE.read_text(encoding="utf-8")


def suggestion_rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT l.name, a.start_offset, a.end_offset, a.origin, a.source, a.attributes FROM annotations a "
        "JOIN labels l ON l.id = a.label_id ORDER BY a.start_offset").fetchall()
    conn.close()
    return rows


def rejections(path) -> int:
    conn = sqlite3.connect(path)
    count = conn.execute("SELECT COUNT(*) FROM suggestion_rejections").fetchone()[0]
    conn.close()
    return count


def outlined(view) -> list[str]:
    return [view.text[s.start:s.end] for s in view.suggestions]


@pytest.fixture
def rules_window(tmp_path, make_main_window):
    path = tmp_path / "rules.annotator"
    make_project(path, [TEXT])
    window = make_main_window(path)
    window.document_view.setFocus()
    return window, path


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.document_view, key, modifier)


def test_hidden_until_asked_for_then_f9_walks_them(rules_window, qtbot):
    window, path = rules_window
    view = window.document_view
    assert view.suggestions == [] and not window.showing_suggestions
    press(qtbot, window, Qt.Key.Key_F9)
    assert window.showing_suggestions and window.actions_by_name["actionShowSuggestions"].isChecked()
    assert outlined(view) == ["operasi militer khusus", "operasi militer khusus", "perundingan"]
    assert view.current_suggestion == 0 and "Euphemism / loaded term" in window.last_message
    press(qtbot, window, Qt.Key.Key_F9)
    press(qtbot, window, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    assert view.current_suggestion == 0
    # Past either end F9 goes round, saying so (it said "no more" with three on the screen).
    press(qtbot, window, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    assert view.current_suggestion == 2 and window.last_message.startswith("Wrapped to the last suggestion · 3 of 3")
    press(qtbot, window, Qt.Key.Key_F9)
    assert view.current_suggestion == 0 and window.last_message.startswith("Wrapped to the first suggestion · 1 of 3")
    press(qtbot, window, Qt.Key.Key_Escape)
    press(qtbot, window, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # the cursor after the last one
    assert view.current_suggestion is None
    press(qtbot, window, Qt.Key.Key_F9)
    assert view.current_suggestion == 0
    assert suggestion_rows(path) == []  # nothing is an annotation until accepted
    # The highlighter never formats a suggestion: it has no background, only an outline.
    assert not view.document().findBlockByNumber(0).layout().formats()


def test_enter_accepts_backspace_rejects_and_each_is_undone(rules_window, qtbot):
    window, path = rules_window
    view = window.document_view
    press(qtbot, window, Qt.Key.Key_F9)
    press(qtbot, window, Qt.Key.Key_Return)
    first = TEXT.index("operasi militer khusus")
    assert suggestion_rows(path) == [("Euphemism / loaded term", first, first + 22, "suggestion",
                                      "rule/1:Euphemism / loaded term", "{}")]
    assert outlined(view) == ["operasi militer khusus", "perundingan"]  # the accepted one is a span now
    assert view.current_suggestion == 0 and view.span_count == 1  # the next one is selected
    press(qtbot, window, Qt.Key.Key_Backspace)
    assert rejections(path) == 1 and outlined(view) == ["perundingan"]
    assert len(suggestion_rows(path)) == 1
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the rejection is taken back
    assert rejections(path) == 0 and outlined(view) == ["operasi militer khusus", "perundingan"]
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # and the accept
    assert suggestion_rows(path) == [] and len(outlined(view)) == 3 and view.span_count == 0


def test_a_label_key_accepts_with_that_label(rules_window, qtbot):
    window, path = rules_window
    press(qtbot, window, Qt.Key.Key_F9)
    press(qtbot, window, Qt.Key.Key_F9)
    press(qtbot, window, Qt.Key.Key_F9)  # "perundingan"
    press(qtbot, window, Qt.Key.Key_2)  # Blame / threat attribution
    [(label, start, end, origin, source, _)] = suggestion_rows(path)
    assert (label, TEXT[start:end], origin) == ("Blame / threat attribution", "perundingan", "suggestion")
    assert source.startswith("rule/1:")


def test_rejected_stays_rejected_when_the_article_comes_back(rules_window, qtbot):
    window, path = rules_window
    press(qtbot, window, Qt.Key.Key_F9)
    press(qtbot, window, Qt.Key.Key_Backspace)
    article = window.current_article_id
    window.refresh()
    window.open_article(article)
    assert outlined(window.document_view) == ["operasi militer khusus", "perundingan"]


def test_accept_all_says_how_many_first_and_is_one_undo_step(rules_window, qtbot, dialogs):
    window, path = rules_window
    window.set_showing_suggestions(True)
    dialogs.answers["confirm"] = False
    window.actions_by_name["actionAcceptAllSuggestions"].trigger()
    assert "Accept 3 suggestions" in dialogs.confirmations[-1] and suggestion_rows(path) == []
    dialogs.answers["confirm"] = True
    window.actions_by_name["actionAcceptAllSuggestions"].trigger()
    assert len(suggestion_rows(path)) == 3 and window.document_view.suggestions == []
    window.actions_by_name["actionUndo"].trigger()
    assert suggestion_rows(path) == [] and len(window.document_view.suggestions) == 3


def test_a_click_on_an_outline_selects_the_suggestion(rules_window, qtbot):
    window, path = rules_window
    window.set_showing_suggestions(True)
    view = window.document_view
    qtbot.waitUntil(lambda: window.windowHandle() is not None and window.windowHandle().isExposed())
    target = view.suggestions[2]
    cursor = view.textCursor()
    cursor.setPosition(target.start16 + 2)
    point = view.cursorRect(cursor).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert view.current_suggestion == 2
    press(qtbot, window, Qt.Key.Key_Return)
    assert [row[0] for row in suggestion_rows(path)] == ["Call for de-escalation / negotiation"]


def test_quotations_come_with_their_speaker(tmp_path, make_main_window, qtbot):
    path = tmp_path / "sample.annotator"
    make_project(path, [QUOTED])
    window = make_main_window(path)
    window.document_view.setFocus()
    press(qtbot, window, Qt.Key.Key_F9)
    view = window.document_view
    quotes = [s for s in window.suggestions if s.label == "Quotation"]
    speakers = {s.attributes.get("speaker") for s in quotes}
    assert "Sergey Lavrov" in speakers and any(name and name.startswith("Choe") for name in speakers)
    lavrov = next(i for i, s in enumerate(window.suggestions)
                  if s.label == "Quotation" and QUOTED[s.start:s.end].startswith('"Kami akan terus'))
    view.select_suggestion(lavrov)
    press(qtbot, window, Qt.Key.Key_Return)
    [(label, start, end, origin, source, attributes)] = suggestion_rows(path)
    assert label == "Quotation" and origin == "suggestion" and source.startswith("quotes/")
    assert '"speaker": "Sergey Lavrov"' in attributes and '"voice": "direct quote"' in attributes
