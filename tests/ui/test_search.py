"""Search in the window, typed as an analyst types: words in the box, Enter, then read what the
list, the panel's message and the text show. Hits are checked at UTF-16 positions computed here
from code points, independently of the app's OffsetMap."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QToolButton

from annotator.model.types import Article
from annotator.project import Project
from annotator.ui.widgets.document_view import HIT_COLOR
from tests.ui.test_main_window import stored_spans

TEXTS = {
    "emoji": "Keluarga 👩\u200d👩\u200d👧 bendera 🇮🇩 dan Lavrov mengkritik AS.\nBaris kedua: lavrov, Kim Jong-un 🙂.",
    "as": "Amerika Serikat (AS) dan Kim Jong-un bertemu; Café résumé.",
    "ar": "كتبت كوري شولمان، المساعدة الخاصة لأوباما: كتابٌ جديدٌ",
    "ko": "한국과 러시아는 협력 강화에 합의했다.",
    "ru": "Переговоры продолжаются, сказал Лавров 🙂.",
}


def utf16(text: str, codepoint: int) -> int:
    return len(text[:codepoint].encode("utf-16-le")) // 2


@pytest.fixture
def search_project(tmp_path):
    """A project file with the texts above, titled by their keys; returns (path, ids by key)."""
    path = tmp_path / "search.annotator"
    project = Project.open(path)
    with project._store.write():
        ids = {key: project._store.add_article(Article(text=text, title=key))[0] for key, text in TEXTS.items()}
    project.close()
    return path, ids


def type_into(qtbot, widget, text: str) -> None:
    """Type ``text`` key by key. QTest only knows ASCII keys; other characters arrive as a key
    event carrying the text, the way a Korean, Arabic or Cyrillic layout (or an emoji picker)
    delivers them."""
    for char in text:
        if char.isascii():
            qtbot.keyClick(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def search_for(qtbot, window, text: str) -> None:
    """Empty the box with Esc, type ``text``, press Enter."""
    box = window.findChild(QLineEdit, "articleSearch")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    type_into(qtbot, box, text)
    assert box.text() == text
    qtbot.keyClick(box, Qt.Key.Key_Return)


def listed_titles(window) -> list[str]:
    """The titles the article list shows (none when it is hidden behind a message)."""
    if not window.article_list.isVisible():
        return []
    model = window.article_list.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def message(window) -> str:
    label = window.findChild(QLabel, "searchMessage")
    return label.text() if label.isVisible() else ""


def marked_hits(view) -> list[tuple[int, int]]:
    """The UTF-16 ranges drawn with the hit colour among the view's ExtraSelections."""
    return [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in view.extraSelections()
            if s.format.background().color() == HIT_COLOR]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("Kim Jong-un", ["emoji", "as"]),
        ("Amerika Serikat (AS", ["as"]),
        ("(AS", ["emoji", "as"]),
        ('"', []),
        ('"Kim', ["emoji", "as"]),
        ("AND", []),
        ("NEAR(", []),
        ("*", []),
        ("-", []),
        ("kim - jong", ["emoji", "as"]),
        ("cafe RESUME", ["as"]),
        ("المساعدة الخاصة", ["ar"]),
        ("كتابٌ", ["ar"]),
        ("협력", ["ko"]),
        ("переговоры ЛАВРОВ", ["ru"]),
        ("🙂", ["emoji", "ru"]),
    ],
)
def test_what_is_typed_is_searched_as_words(search_project, make_main_window, qtbot, query, titles):
    path, _ = search_project
    window = make_main_window(path)
    search_for(qtbot, window, query)
    assert listed_titles(window) == titles
    assert message(window) == ("" if titles else f"No articles match “{query}”")
    assert window.article_model.last_error is None
    assert "cannot" not in window.statusBar().currentMessage()


def test_no_match_is_said_and_the_next_search_lists_again(search_project, make_main_window, qtbot):
    path, _ = search_project
    window = make_main_window(path)
    search_for(qtbot, window, "Kim Лавров")  # both words, never in one article
    assert listed_titles(window) == []
    assert message(window) == "No articles match “Kim Лавров”"
    assert not window.article_list.isVisible()
    search_for(qtbot, window, "Лавров")
    assert listed_titles(window) == ["ru"]
    assert message(window) == ""
    window.status_filter.setCurrentIndex(window.status_filter.findData("done"))
    assert message(window) == "No articles match “Лавров” with these filters"


def test_advanced_takes_fts5_and_its_error_goes_with_the_next_search(
        search_project, make_main_window, qtbot, settings):
    path, _ = search_project
    window = make_main_window(path)
    advanced = window.findChild(QToolButton, "searchAdvanced")
    assert not advanced.isChecked()
    qtbot.mouseClick(advanced, Qt.MouseButton.LeftButton)
    assert advanced.isChecked()
    for query, reason in (("Kim Jong-un", "no such column: un"), ("Amerika Serikat (AS", "fts5: syntax error"),
                          ('"', "unterminated string"), ("*", "unknown special query")):
        search_for(qtbot, window, query)
        assert listed_titles(window) == []
        shown = message(window)
        assert shown.startswith(f"Advanced search: cannot search for {query!r}") and reason in shown
        assert "\n" not in shown
        assert window.statusBar().currentMessage() == ""  # said in the panel, not the status bar
    search_for(qtbot, window, '"Kim Jong-un" OR лавр*')
    assert message(window) == ""
    assert listed_titles(window) == ["emoji", "as", "ru"]
    window.close()
    assert settings.value("search/advanced", type=bool) is True
    again = make_main_window(path)
    assert again.findChild(QToolButton, "searchAdvanced").isChecked()
    qtbot.mouseClick(again.findChild(QToolButton, "searchAdvanced"), Qt.MouseButton.LeftButton)
    search_for(qtbot, again, "Kim Jong-un")
    assert listed_titles(again) == ["emoji", "as"]
    assert settings.value("search/advanced", type=bool) is False


def test_hits_are_marked_at_their_code_points_after_emoji(search_project, make_main_window, qtbot):
    path, ids = search_project
    window = make_main_window(path)
    window.open_article(ids["emoji"])
    text = TEXTS["emoji"]
    view = window.document_view
    assert marked_hits(view) == []
    search_for(qtbot, window, "LAVROV jong-un")
    first = text.index("Lavrov")
    second = text.index("lavrov")
    third = text.index("Jong-un")
    assert view.hits == [(first, first + 6), (second, second + 6), (third, third + 7)]
    assert marked_hits(view) == [(utf16(text, s), utf16(text, e)) for s, e in view.hits]
    assert utf16(text, first) == first + 5  # five UTF-16 units of emoji before it
    # A selected span is outlined over the hits; the hits stay marked.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F3)
    qtbot.keyClick(view, "1")
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert view.current_span is not None
    assert len(marked_hits(view)) == 3 and len(view.extraSelections()) == 4


def test_hits_follow_the_article_and_go_with_the_search(search_project, make_main_window, qtbot):
    path, ids = search_project
    window = make_main_window(path)
    search_for(qtbot, window, "🙂 Лавров")
    assert listed_titles(window) == ["ru"]
    window.open_article(ids["ru"])
    text = TEXTS["ru"]
    assert [text[s:e] for s, e in window.document_view.hits] == ["Лавров", "🙂"]
    assert marked_hits(window.document_view) == [(utf16(text, s), utf16(text, e))
                                                for s, e in window.document_view.hits]
    # Esc in the box empties it: every article listed again, no marks left.
    box = window.findChild(QLineEdit, "articleSearch")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == ""
    assert listed_titles(window) == list(TEXTS)
    assert window.document_view.hits == [] and marked_hits(window.document_view) == []
    # An empty box and Enter does the same.
    search_for(qtbot, window, "Лавров")
    assert window.document_view.hits != []
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert listed_titles(window) == list(TEXTS)
    assert marked_hits(window.document_view) == []


def test_f3_walks_the_hits_then_the_listed_articles(search_project, make_main_window, qtbot, tmp_path):
    path, ids = search_project
    window = make_main_window(path)
    window.snap_action.setChecked(False)
    search_for(qtbot, window, "kim jong-un")
    assert listed_titles(window) == ["emoji", "as"]
    window.open_article(ids["emoji"])
    text = TEXTS["emoji"]
    view = window.document_view
    box = window.findChild(QLineEdit, "articleSearch")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_F3)  # from the box: the text takes the keyboard
    assert view.hasFocus()
    assert view.selection_codepoints() == (text.index("Kim"), text.index("Kim") + 3)
    assert view.textCursor().selectedText() == "Kim"
    assert window.last_message == "Hit 1 of 2 in this article"
    qtbot.keyClick(view, "1")  # a label key labels the hit
    assert [(row[2], row[5]) for row in stored_spans(path)] == [("Anti-imperialist framing", "Kim")]
    qtbot.keyClick(view, Qt.Key.Key_F3)
    assert view.textCursor().selectedText() == "Jong-un"
    qtbot.keyClick(view, Qt.Key.Key_F3)  # past the last hit: the next listed article
    assert window.current_article_id == ids["as"]
    other = TEXTS["as"]
    assert view.selection_codepoints() == (other.index("Kim"), other.index("Kim") + 3)
    qtbot.keyClick(view, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)  # back again
    assert window.current_article_id == ids["emoji"]
    assert view.textCursor().selectedText() == "Jong-un"
    window.findChild(QAction, "actionPreviousHit").trigger()
    assert view.textCursor().selectedText() == "Kim"
    assert window.statusBar().currentMessage() == "Hit 1 of 2 in this article"
    search_for(qtbot, window, "")
    assert window.statusBar().currentMessage() == ""  # the count was the previous search's
    window.findChild(QAction, "actionNextHit").trigger()
    assert window.last_message.startswith("Nothing is searched")


def test_f3_goes_round_one_article(search_project, make_main_window, qtbot):
    path, ids = search_project
    window = make_main_window(path)
    search_for(qtbot, window, "كتابٌ")
    window.open_article(ids["ar"])
    view = window.document_view
    view.setFocus()
    text = TEXTS["ar"]
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_F3)
        start, end = view.selection_codepoints()
        assert text[start:end] == "كتاب"  # the word as the index holds it: the tanween is not a letter
        assert window.current_article_id == ids["ar"]


def test_a_chinese_word_inside_a_run_is_found_marked_and_labelled(tmp_path, make_main_window, qtbot):
    """The index holds a run of Chinese letters as one word; the box finds a word inside it,
    marks it at its UTF-16 place after a character outside the BMP, and F3 and a label key
    label exactly it."""
    text = "𠮷 美国霸权主义是威胁。Xi 说，霸权不行。"
    path = tmp_path / "zh.annotator"
    project = Project.open(path)
    with project._store.write():
        article_id, _ = project._store.add_article(Article(text=text, title="zh"))
        project._store.add_article(Article(text="ประเทศไทยสนับสนุนการเจรจา", title="th"))
    project.close()
    window = make_main_window(path)
    window.snap_action.setChecked(False)
    search_for(qtbot, window, "霸权")
    assert listed_titles(window) == ["zh"] and message(window) == ""
    window.open_article(article_id)
    view = window.document_view
    first, second = text.index("霸权"), text.rindex("霸权")
    assert view.hits == [(first, first + 2), (second, second + 2)]
    assert marked_hits(view) == [(first + 1, first + 3), (second + 1, second + 3)]  # 𠮷: two UTF-16 units
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F3)
    qtbot.keyClick(view, Qt.Key.Key_F3)
    qtbot.keyClick(view, "1")
    assert [(row[3], row[4], row[5]) for row in stored_spans(path)] == [(second, second + 2, "霸权")]
    search_for(qtbot, window, "การเจรจา")
    assert listed_titles(window) == ["th"]
