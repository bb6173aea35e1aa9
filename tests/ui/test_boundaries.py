"""Span boundaries edited in the window: keys move a span's start and end, a selection over a
span with its label extends it, and a press inside a selection starts a new one."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from annotator.model.commands import UpdateSpan
from tests.ui.test_main_window import EMOJI_TEXT, make_project, select

ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
CYRILLIC = "Лавров назвал это «провокацией». Конец."


def rows(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    found = conn.execute(
        "SELECT a.uuid, l.name, a.start_offset, a.end_offset, a.text, a.note FROM annotations a "
        "JOIN labels l ON l.id = a.label_id ORDER BY a.start_offset, a.end_offset").fetchall()
    conn.close()
    return found


@pytest.fixture
def window_on(tmp_path, make_main_window):
    path = tmp_path / "p.annotator"
    ids = make_project(path, [EMOJI_TEXT, CYRILLIC])
    window = make_main_window(path)
    window.open_article(ids[0])
    window.document_view.setFocus()
    return window, path, ids


def shown(window, uuid: str) -> str:
    """The text the view highlights for a span (its UTF-16 range read back from the document)."""
    span = window.document_view.highlighter.index.by_uuid[uuid]
    cursor = QTextCursor(window.document_view.document())
    cursor.setPosition(span.start16)
    cursor.setPosition(span.end16, QTextCursor.MoveMode.KeepAnchor)
    return cursor.selectedText()


def test_keys_move_the_selected_spans_start_and_end_one_undo_step_each(window_on, qtbot):
    window, path, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik")
    qtbot.keyClick(view, "1")
    [(uuid, label, _, _, text, _)] = rows(path)
    window.project.execute(UpdateSpan(uuid, note="cek"))
    steps = [
        (Qt.Key.Key_Right, ALT_SHIFT, "Lavrov mengkritik AS"),
        (Qt.Key.Key_Down, ALT_SHIFT, "Lavrov mengkritik AS."),
        (Qt.Key.Key_Left, CTRL_ALT, "🇮🇩 dan Lavrov mengkritik AS."[3:]),
        (Qt.Key.Key_Left, CTRL_ALT, "🇮🇩 dan Lavrov mengkritik AS."),
        (Qt.Key.Key_Down, CTRL_ALT, " dan Lavrov mengkritik AS."),
        (Qt.Key.Key_Right, CTRL_ALT, "dan Lavrov mengkritik AS."),
        (Qt.Key.Key_Up, ALT_SHIFT, "dan Lavrov mengkritik AS"),
        (Qt.Key.Key_Left, ALT_SHIFT, "dan Lavrov mengkritik"),
        (Qt.Key.Key_Up, CTRL_ALT, " dan Lavrov mengkritik"),
    ]
    for key, modifiers, expected in steps:
        qtbot.keyClick(view, key, modifiers)
        [(stored_uuid, stored_label, start, end, stored_text, note)] = rows(path)
        assert (stored_uuid, stored_label, stored_text, note) == (uuid, label, expected, "cek")
        assert EMOJI_TEXT[start:end] == expected  # code points, though the flag is 4 UTF-16 units
        assert shown(window, uuid) == expected
        assert view.current_span == uuid  # still selected: the next key moves it again
    for _, _, expected in reversed(steps[:-1]):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert rows(path)[0][4] == expected
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(path)[0][4] == "Lavrov mengkritik"
    assert shown(window, uuid) == "Lavrov mengkritik"


def test_a_move_that_would_empty_or_duplicate_a_span_is_refused(window_on, qtbot):
    window, path, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik")
    qtbot.keyClick(view, "1")
    select(view, EMOJI_TEXT, "Lavrov")
    window.dialogs.answers["extend_or_add"] = "add"  # nested inside: no question asked anyway
    qtbot.keyClick(view, "1")
    before = rows(path)
    assert [r[4] for r in before] == ["Lavrov", "Lavrov mengkritik"]
    assert view.current_span == before[0][0]
    qtbot.keyClick(view, Qt.Key.Key_Right, ALT_SHIFT)
    assert rows(path) == before
    assert "already labelled" in window.last_refusal
    qtbot.keyClick(view, Qt.Key.Key_Left, ALT_SHIFT)
    assert rows(path) == before
    assert "shrink" in window.last_message
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.keyClick(view, Qt.Key.Key_Right, ALT_SHIFT)
    assert "Select a span first" in window.last_message
    assert rows(path) == before


def test_keys_are_in_the_help(window_on):
    window, _, _ = window_on
    window.show_shortcuts()
    help_text = window.dialogs.told[-1][1]
    for words in ("Span end one word later", "Span start one character earlier", "Ctrl+Alt+Left"):
        assert words in help_text


@pytest.mark.parametrize(("answer", "expected"), [
    ("extend", ["mengkritik AS"]),
    ("add", ["mengkritik", "mengkritik AS"]),
    (None, ["mengkritik"]),
])
def test_a_longer_selection_over_a_span_with_its_label_asks_to_extend(window_on, qtbot, answer, expected):
    window, path, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "mengkritik")
    qtbot.keyClick(view, "1")
    [(uuid, *_)] = rows(path)
    window.dialogs.answers["extend_or_add"] = answer
    select(view, EMOJI_TEXT, "gkritik AS")
    qtbot.keyClick(view, "1")
    # The question quotes the selection as it would be labelled: snapped to whole words.
    assert window.dialogs.confirmations == ["extend 'mengkritik' with 'mengkritik AS' (Anti-imperialist framing)"]
    assert [r[4] for r in rows(path)] == expected
    assert uuid in [r[0] for r in rows(path)]
    if answer == "extend":
        assert view.current_span == uuid and shown(window, uuid) == "mengkritik AS"
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert [r[4] for r in rows(path)] == ["mengkritik"]
    # another label over it is no duplicate: no question
    select(view, EMOJI_TEXT, "gkritik AS")
    qtbot.keyClick(view, "2")
    assert len(window.dialogs.confirmations) == 1


def test_a_press_inside_the_selection_starts_a_new_selection(window_on, qtbot):
    window, _, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik")

    def point(codepoint: int) -> QPoint:
        cursor = view.textCursor()
        cursor.setPosition(view.offsets.to_utf16(codepoint))
        return view.cursorRect(cursor).center()

    start = EMOJI_TEXT.index("ngkritik")
    end = EMOJI_TEXT.index(".")
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=point(start))
    for codepoint in range(start + 1, end + 1):
        qtbot.mouseMove(view.viewport(), point(codepoint))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=point(end))
    assert view.selection_codepoints() == (start, end)
    assert not view.acceptDrops()


def test_guillemets_snap_together(window_on, qtbot):
    window, path, ids = window_on
    window.open_article(ids[1])
    view = window.document_view
    select(view, CYRILLIC, "«провокацией».")
    qtbot.keyClick(view, "1")
    select(view, CYRILLIC, "Конец.")
    qtbot.keyClick(view, "1")
    select(view, CYRILLIC, "«провокацией")
    qtbot.keyClick(view, "2")
    assert [(r[1][:4], r[4]) for r in rows(path)] == [
        ("Anti", "«провокацией»"), ("Blam", "провокацией"), ("Anti", "Конец")]


def codepoint_point(view, codepoint: int) -> QPoint:
    """Where the text cursor would be drawn at a code-point position (viewport pixels)."""
    cursor = view.textCursor()
    cursor.setPosition(view.offsets.to_utf16(codepoint))
    return view.cursorRect(cursor).center()


def drag(qtbot, view, start: int, end: int) -> None:
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=codepoint_point(view, start))
    step = 1 if end >= start else -1
    for codepoint in range(start + step, end + step, step):
        qtbot.mouseMove(view.viewport(), codepoint_point(view, codepoint))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=codepoint_point(view, end))


def test_dragging_the_end_handle_moves_the_spans_end_in_one_undo_step(window_on, qtbot):
    window, path, _ = window_on
    view = window.document_view
    window.snap_action.setChecked(True)
    select(view, EMOJI_TEXT, "dan Lavrov")
    qtbot.keyClick(view, "1")
    [(uuid, _, start, end, _, _)] = rows(path)
    assert view.current_span == uuid
    assert [edge for edge, _ in view.handles()] == ["start", "end"]
    assert view.handle_at(codepoint_point(view, end)) == "end"
    target = EMOJI_TEXT.index("AS") + 1  # inside "AS": snapped to its end
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=codepoint_point(view, end))
    for codepoint in range(end + 1, target + 1):
        qtbot.mouseMove(view.viewport(), codepoint_point(view, codepoint))
    assert view.selection_codepoints() == (start, target)  # the prospective extent shows
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=codepoint_point(view, target))
    [(stored_uuid, _, new_start, new_end, text, _)] = rows(path)
    assert (stored_uuid, new_start, text) == (uuid, start, "dan Lavrov mengkritik AS")
    assert EMOJI_TEXT[new_start:new_end] == text
    assert shown(window, uuid) == text
    assert view.current_span == uuid and view.selection_codepoints() is None
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(path)[0][2:5] == (start, end, "dan Lavrov")
    assert shown(window, uuid) == "dan Lavrov"


def test_dragging_the_start_past_the_end_is_refused(window_on, qtbot):
    window, path, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov mengkritik")
    qtbot.keyClick(view, "1")
    before = rows(path)
    start = before[0][2]
    drag(qtbot, view, start, EMOJI_TEXT.index("AS") + 2)
    assert rows(path) == before
    assert "past" in window.last_refusal
    assert window.statusBar().currentMessage().startswith("Not saved: ")
    assert view.current_span == before[0][0]


def test_a_press_away_from_the_handles_still_selects_text(window_on, qtbot):
    window, path, _ = window_on
    view = window.document_view
    select(view, EMOJI_TEXT, "Lavrov")
    qtbot.keyClick(view, "1")
    before = rows(path)
    start = EMOJI_TEXT.index("ngkritik")
    drag(qtbot, view, start, start + 4)
    assert view.selection_codepoints() == (start, start + 4)
    assert view.current_span is None and rows(path) == before
