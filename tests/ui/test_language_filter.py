"""The article list's language filter, used with the keyboard as an analyst would: the combo
lists the languages present in the project, choosing one narrows the list, "Any language" lists
every article again, and an import adds newly present languages while keeping the choice."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from annotator.model.types import Article
from annotator.project import Project
from tests.conftest import write_jsonl
from tests.ui.test_search import listed_titles

ARTICLES = [
    ("Perundingan dagang", "id"),
    ("Kerja sama maritim", "id"),
    ("Переговоры в Москве", "ru"),
    ("No language given", None),
]


@pytest.fixture
def language_project(tmp_path):
    path = tmp_path / "languages.annotator"
    project = Project.open(path)
    with project._store.write():
        for title, language in ARTICLES:
            project._store.add_article(Article(text=f"{title}.", title=title, language=language))
    project.close()
    return path


def combo_items(combo: QComboBox) -> list[tuple[str, str | None]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_choosing_a_language_with_the_keyboard_narrows_the_list(language_project, make_main_window, qtbot):
    window = make_main_window(language_project)
    combo = window.findChild(QComboBox, "languageFilter")
    assert combo_items(combo) == [("Any language", None), ("id (2)", "id"), ("ru (1)", "ru")]
    assert sorted(listed_titles(window)) == sorted(title for title, _ in ARTICLES)

    combo.setFocus()
    qtbot.keyClick(combo, "r")
    assert combo.currentData() == "ru"
    assert window.article_panel.filters()["language"] == "ru"
    assert listed_titles(window) == ["Переговоры в Москве"]

    qtbot.keyClick(combo, Qt.Key.Key_Home)
    assert combo.currentText() == "Any language"
    assert window.article_panel.filters()["language"] is None
    assert sorted(listed_titles(window)) == sorted(title for title, _ in ARTICLES)


def test_refilled_after_an_import_keeping_the_choice(language_project, tmp_path, make_main_window, qtbot):
    window = make_main_window(language_project)
    combo = window.findChild(QComboBox, "languageFilter")
    combo.setFocus()
    qtbot.keyClick(combo, "i")
    assert combo.currentData() == "id"
    assert sorted(listed_titles(window)) == ["Kerja sama maritim", "Perundingan dagang"]

    more = write_jsonl(tmp_path / "more.jsonl", [
        {"text": "한국과 러시아.", "title": "Korean", "language": "ko"},
        {"text": "Lagi.", "title": "Satu lagi", "language": "id"}])
    with qtbot.waitSignal(window.sig_import_finished, timeout=30_000):
        window.import_paths([str(more)])

    assert combo_items(combo) == [("Any language", None), ("id (3)", "id"), ("ko (1)", "ko"), ("ru (1)", "ru")]
    assert combo.currentData() == "id"
    assert sorted(listed_titles(window)) == ["Kerja sama maritim", "Perundingan dagang", "Satu lagi"]


def test_project_languages_are_distinct_sorted_and_counted(tmp_path):
    project = Project.open(tmp_path / "p.annotator")
    with project._store.write():
        for title, language in [*ARTICLES, ("Empty code", "")]:
            project._store.add_article(Article(text=title, title=title, language=language))
    assert project.article_languages() == [("id", 2), ("ru", 1)]
    assert project.article_ids(annotator_id=0, language="ru") == [3]
    project.close()
