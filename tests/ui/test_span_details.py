"""The span details form driven by keys and clicks: it never keeps the keyboard, its choosers
only offer the codebook's values, and free-text attributes complete from earlier values."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from annotator.model.commands import UpdateSpan
from annotator.model.types import Article
from annotator.project import Project

TEXT = "Sergey Lavrov mengkritik AS. Menlu Lavrov bertemu Choe Son Hui di Moskow."
QUOTATION_KEY = "0"


@pytest.fixture
def project_path(tmp_path):
    """A project file with the default codebook (voice: direct quote / reported speech /
    outlet; speaker free text) and one article."""
    path = tmp_path / "p.annotator"
    project = Project.open(path)
    with project._store.write():
        project._store.add_article(Article(text=TEXT, title="Lavrov"))
    project.close()
    return path


def stored(path) -> list[tuple[str, str, dict]]:
    """``(label, text, attributes)`` of every span in the file, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT l.name, a.text, a.attributes FROM annotations a JOIN labels l ON l.id = a.label_id "
                        "ORDER BY a.start_offset").fetchall()
    conn.close()
    return [(label, text, json.loads(attributes)) for label, text, attributes in rows]


def label_text(window, qtbot, needle: str, key: str = QUOTATION_KEY) -> None:
    """Select ``needle`` in the text and press a label key there, as a user does."""
    view = window.document_view
    start = TEXT.index(needle)
    view.setFocus()
    view.select_codepoints(start, start + len(needle))
    qtbot.keyClick(view, key)


def type_keys(qtbot, keys) -> None:
    """Press keys where a real key goes: an open popup list (a combo's, a completer's), else
    the focus widget."""
    for key in keys:
        popup = QApplication.activePopupWidget()
        focus = (popup.focusWidget() or popup) if popup is not None else QApplication.focusWidget()
        assert focus is not None
        qtbot.keyClick(focus, key)


def editor(window, name: str) -> QComboBox:
    combo = window.span_details.findChild(QComboBox, f"attribute_{name}")
    assert combo is not None
    return combo


def hotkey_label(window, key: str) -> str:
    return next(label.name for label in window.codebook.labels if label.hotkey == key)


def test_a_chooser_offers_only_the_codebook_values_and_a_clear_choice(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    voice = editor(window, "voice")
    assert not voice.isEditable()
    assert [voice.itemText(i) for i in range(voice.count())] == ["—", "direct quote", "reported speech", "outlet"]
    assert editor(window, "speaker").isEditable()  # free text


def test_a_keyboard_choice_then_a_label_key_labels_the_text(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    voice = editor(window, "voice")
    qtbot.mouseClick(voice, Qt.MouseButton.LeftButton)  # opens the list
    qtbot.waitUntil(lambda: voice.view().isVisible())
    type_keys(qtbot, [Qt.Key.Key_Down, Qt.Key.Key_Return])  # "direct quote", in the open list
    assert QApplication.focusWidget() is window.document_view
    assert stored(project_path) == [("Quotation", "Sergey Lavrov", {"voice": "direct quote"})]
    type_keys(qtbot, ["5"])  # the "direct quote5": now it relabels the span
    assert stored(project_path) == [(hotkey_label(window, "5"), "Sergey Lavrov", {"voice": "direct quote"})]
    assert voice.currentText() == "direct quote"


def test_arrow_keys_on_a_closed_chooser_browse_and_enter_saves(project_path, make_main_window, qtbot):
    """Each arrow saved its step and gave the keyboard back to the text, so the second Down
    moved the text cursor and "reported speech" could not be reached by keys."""
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    voice = editor(window, "voice")
    qtbot.keyClick(window.document_view, Qt.Key.Key_F2)  # the span's first attribute: the keyboard there
    assert QApplication.focusWidget() in (editor(window, "speaker"), editor(window, "speaker").lineEdit())
    for _ in window.span_details.attribute_editors:  # Tab down the fields, to the note last
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.span_details.findChild(QLineEdit, "spanNote")
    voice.setFocus()
    type_keys(qtbot, [Qt.Key.Key_Down, Qt.Key.Key_Down])
    assert QApplication.focusWidget() is voice and voice.currentText() == "reported speech"
    assert stored(project_path)[0][2] == {}  # browsing saves nothing yet
    type_keys(qtbot, [Qt.Key.Key_Return])
    assert stored(project_path)[0][2] == {"voice": "reported speech"}
    assert QApplication.focusWidget() is window.document_view
    voice.setFocus()
    type_keys(qtbot, [Qt.Key.Key_Home, Qt.Key.Key_Return])  # "—" clears it
    assert stored(project_path)[0][2] == {}
    assert QApplication.focusWidget() is window.document_view
    voice.setFocus()
    type_keys(qtbot, [Qt.Key.Key_End, Qt.Key.Key_Escape])  # Esc: back to what is stored
    assert stored(project_path)[0][2] == {} and voice.currentText() == "—"
    voice.setFocus()
    type_keys(qtbot, [Qt.Key.Key_Down])
    window.document_view.setFocus()  # leaving the field saves what it shows
    assert stored(project_path)[0][2] == {"voice": "direct quote"}


def test_enter_in_free_text_and_note_saves_and_lets_go(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    speaker = editor(window, "speaker")
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"Sergey Lavrov", Qt.Key.Key_Return])
    assert QApplication.focusWidget() is window.document_view
    note = window.span_details.findChild(QLineEdit, "spanNote")
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"menlu", Qt.Key.Key_Return, "4"])
    assert QApplication.focusWidget() is window.document_view
    assert stored(project_path) == [(hotkey_label(window, "4"), "Sergey Lavrov", {"speaker": "Sergey Lavrov"})]
    assert window.project.spans_of(window.current_article_id, ["ana"])[0].note == "menlu"


def test_leaving_a_field_with_the_mouse_saves_it_and_focus_stays_where_sent(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    speaker = editor(window, "speaker")
    note = window.span_details.findChild(QLineEdit, "spanNote")
    for needle in ("Sergey Lavrov", "Menlu Lavrov"):  # the second time "Lavrov" is a used value
        label_text(window, qtbot, needle)
        qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
        type_keys(qtbot, [*"Lavrov"])
        if needle == "Menlu Lavrov":  # the completer offers "Lavrov": Esc closes its list, nothing else
            assert speaker.completer().popup().isVisible()
            type_keys(qtbot, [Qt.Key.Key_Escape])
            assert not speaker.completer().popup().isVisible()
            assert speaker.lineEdit().hasFocus() and speaker.currentText() == "Lavrov"
        qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
        assert QApplication.focusWidget() is note
    assert [attributes for _, _, attributes in stored(project_path)] == [{"speaker": "Lavrov"}] * 2


def test_escape_puts_the_value_back_and_lets_go(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    speaker = editor(window, "speaker")
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"Lavorv", Qt.Key.Key_Escape])
    assert QApplication.focusWidget() is window.document_view
    assert speaker.currentText() == ""
    assert stored(project_path)[0][2] == {}


def test_free_text_completes_from_values_used_before(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    speaker = editor(window, "speaker")
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"Sergey Lavrov", Qt.Key.Key_Return])
    label_text(window, qtbot, "Menlu Lavrov")
    assert speaker.currentText() == ""  # the new span has no speaker yet
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"lav"])  # any case, anywhere in the value
    completer = speaker.completer()
    qtbot.waitUntil(lambda: completer.popup().isVisible())
    offered = [completer.completionModel().index(row, 0).data() for row in range(completer.completionCount())]
    assert offered == ["Sergey Lavrov"]
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.document_view
    assert [attributes for _, _, attributes in stored(project_path)] == [{"speaker": "Sergey Lavrov"}] * 2


def test_values_follow_span_changes_and_the_dropdown_lists_them(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Choe Son Hui")
    [span] = window.project.spans_of(window.current_article_id, ["ana"])
    # Stored by someone else (a script, the CLI) after the form was built.
    window.project.execute(UpdateSpan(span.uuid, attributes={"speaker": "Choe Son Hui"}))
    label_text(window, qtbot, "Sergey Lavrov")
    speaker = editor(window, "speaker")
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    assert [speaker.itemText(i) for i in range(speaker.count())] == ["Choe Son Hui"]
    assert speaker.currentText() == ""  # the shown span's value, not the first used one
    type_keys(qtbot, [Qt.Key.Key_F4])  # the dropdown
    qtbot.waitUntil(lambda: speaker.view().isVisible())
    type_keys(qtbot, [Qt.Key.Key_Down, Qt.Key.Key_Return])
    assert QApplication.focusWidget() is window.document_view
    assert [attributes for _, _, attributes in stored(project_path)] == [{"speaker": "Choe Son Hui"}] * 2


def test_a_value_outside_the_list_is_refused_and_shown(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    before = stored(project_path)
    uuid = window.document_view.current_span
    assert not window.execute(UpdateSpan(uuid, attributes={"voice": "direct quote5"}))
    assert window.statusBar().currentMessage().startswith("Not saved: ")
    assert "'voice'" in window.last_refusal and "'direct quote5'" in window.last_refusal
    assert stored(project_path) == before


def test_a_stored_value_outside_the_list_is_shown_and_kept(project_path, make_main_window, qtbot):
    """A value from before the check (or from an import) is shown as it is, not replaced by
    "—", and editing another attribute keeps it."""
    window = make_main_window(project_path)
    label_text(window, qtbot, "Sergey Lavrov")
    uuid = window.document_view.current_span
    with window.project._store.write():  # as a file from before the check has it
        window.project._store.update_annotation(uuid, attributes={"voice": "quote"})
    window.refresh()  # rebuilds the form too
    window.document_view.select_span(uuid)
    window._show_span_details()
    voice = editor(window, "voice")
    qtbot.waitUntil(voice.isVisible)
    assert voice.currentText() == "quote (not in the codebook)"
    speaker = editor(window, "speaker")
    qtbot.mouseClick(speaker.lineEdit(), Qt.MouseButton.LeftButton)
    type_keys(qtbot, [*"Lavrov", Qt.Key.Key_Return])
    assert stored(project_path)[0][2] == {"speaker": "Lavrov", "voice": "quote"}
    voice.setFocus()
    type_keys(qtbot, [Qt.Key.Key_Home, Qt.Key.Key_Return])  # "—", saved: the old value goes
    assert stored(project_path)[0][2] == {"speaker": "Lavrov"}
