"""Annotate all matches in the window: select a phrase, Ctrl+Shift+M, decide the hits one by one
or the filtered set at once, undo; then read the project file."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QTableView, QWidget

from annotator.model.types import Article
from annotator.project import Project
from annotator.ui import window_matches
from annotator.ui.dialogs.matches_dialog import MatchesDialog
from tests.conftest import SAMPLE
from tests.ui.test_main_window import select

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SECOND = "Rusia menyebut perang itu operasi militer khusus. Operasi Militer Khusus dimulai pada 2022."
THIRD = "Artikel ketiga tanpa frasa itu."
FOURTH = "Kremlin: operasi militer khusus berlanjut, dan operasi\nmiliter khusus akan diperluas."
TITLE = "<b>Dua</b> hit"  # shown as typed, never as rich text
LABEL = "Euphemism / loaded term"
PHRASE = "operasi militer khusus"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def corpus(tmp_path):
    """The sample article (one hit of PHRASE) and three more: two hits, none, two hits."""
    path = tmp_path / "matches.annotator"
    project = Project.open(path)
    with project._store.write():
        ids = [project._store.add_article(Article(text=text, title=title))[0]
               for text, title in ((SAMPLE_TEXT, "Sampel"), (SECOND, TITLE), (THIRD, "Tiga"), (FOURTH, "Empat"))]
    project.close()
    return path, ids


class Finished:
    """Records ``sig_operation_finished``; ``run`` triggers something and waits for the jobs
    of the given kinds that end after it."""

    def __init__(self, window, qtbot):
        self.ended: list[tuple[str, object]] = []
        self.qtbot = qtbot
        window.sig_operation_finished.connect(lambda kind, result: self.ended.append((kind, result)))

    def run(self, trigger, *kinds: str) -> dict[str, object]:
        """Waits until as many jobs of each kind as ``kinds`` names have ended; returns the
        last result of each kind."""
        before = len(self.ended)
        trigger()
        wanted = Counter(kinds)
        self.qtbot.waitUntil(lambda: not wanted - Counter(kind for kind, _ in self.ended[before:]), timeout=20_000)
        return {kind: result for kind, result in self.ended[before:]}


def stored(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT a.article_id, l.name, a.start_offset, a.end_offset, a.text, a.origin, a.source "
        "FROM annotations a JOIN labels l ON l.id = a.label_id ORDER BY a.article_id, a.start_offset").fetchall()
    conn.close()
    return rows


def rejected(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT article_id, start_offset, end_offset, source FROM suggestion_rejections "
                        "ORDER BY article_id, start_offset").fetchall()
    conn.close()
    return rows


def listed(window) -> list[tuple[int, int, int]]:
    return [(hit.article_id, hit.start, hit.end) for hit in window.match_panel.model.hits]


def offsets(text: str, needle: str = PHRASE) -> list[tuple[int, int]]:
    folded, found, start = " ".join(text.lower().split()), [], 0
    assert len(folded) == len(text)  # single white space only, so offsets carry over
    while (start := folded.find(needle, start)) >= 0:
        found.append((start, start + len(needle)))
        start += 1
    return found


def open_queue(window, qtbot, finished, answer, *, keys_on=None):
    """Ctrl+Shift+M with the dialog answering ``answer``; returns when listed and counted."""
    window.dialogs.answers["annotate_all"] = answer
    target = keys_on or window.document_view
    return finished.run(lambda: qtbot.keyClick(target, Qt.Key.Key_M, CTRL_SHIFT), "matches", "matches-count")


def all_hits(ids):
    first, second, _, fourth = ids
    return ([(first, *span) for span in offsets(SAMPLE_TEXT)] + [(second, *span) for span in offsets(SECOND)]
            + [(fourth, *span) for span in offsets(FOURTH)])


def test_accept_reject_and_undo_one_by_one(corpus, make_main_window, qtbot, dialogs):
    path, ids = corpus
    first, second, _, fourth = ids
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    window.open_article(first)
    view = window.document_view
    select(view, SAMPLE_TEXT, PHRASE)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    labels, selected_text, _ = dialogs.annotate_all_offered
    assert selected_text == PHRASE and LABEL in [label.name for label in labels]
    panel = window.findChild(QWidget, "matchQueue")
    table = window.findChild(QTableView, "matchTable")
    count = window.findChild(QLabel, "matchCount")
    assert panel.isVisible() and table is panel.table
    assert listed(window) == all_hits(ids)
    assert count.text() == "5 hits in 3 articles (5 listed)"
    spans_shown = view.span_count

    qtbot.keyClick(table, Qt.Key.Key_Return)  # accepts the first hit, in the shown article
    (start, end), = offsets(SAMPLE_TEXT)
    assert stored(path) == [(first, LABEL, start, end, PHRASE, "suggestion", "match/1")]
    assert view.span_count == spans_shown + 1  # in the text at once
    assert count.text() == "4 hits in 2 articles (4 listed)"
    assert panel.current_hit().article_id == second

    qtbot.keyClick(table, Qt.Key.Key_Backspace)  # rejects the next one
    second_hits = offsets(SECOND)
    assert rejected(path) == [(second, *second_hits[0], "match/1")]
    assert count.text() == "3 hits in 2 articles (3 listed)"
    assert (second, *second_hits[0]) not in listed(window)
    assert (panel.current_hit().article_id, panel.current_hit().start) == (second, second_hits[1][0])

    finished.run(lambda: qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier), "matches")
    assert rejected(path) == []
    assert (second, *second_hits[0]) in listed(window)  # back in the queue
    assert len(stored(path)) == 1
    finished.run(lambda: qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier), "matches")
    assert stored(path) == []
    assert listed(window) == all_hits(ids)
    assert view.span_count == spans_shown
    qtbot.waitUntil(lambda: count.text() == "5 hits in 3 articles (5 listed)", timeout=20_000)


def test_accept_the_filtered_set_in_one_step(corpus, make_main_window, qtbot, dialogs):
    path, ids = corpus
    fourth = ids[3]
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    panel = window.match_panel
    qtbot.keyClicks(window.findChild(QLineEdit, "matchFilter"), "KREMLIN")  # any case, in the context
    assert panel.model.rowCount() == 2
    button = panel.accept_filtered_button
    assert button.text() == "Accept filtered (2)"
    steps = window.controller.undo_stack.count()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "Accept 2 hits in 1 article" in dialogs.confirmations[-1]
    assert [(row[0], row[2], row[3], row[5]) for row in stored(path)] == [
        (fourth, start, end, "suggestion") for start, end in offsets(FOURTH)]
    assert window.controller.undo_stack.count() == steps + 1  # one undo step
    assert button.text() == "Accept filtered (0)" and not button.isEnabled()
    assert panel.count_label.text() == "3 hits in 2 articles (3 listed)"
    finished.run(lambda: window.undo_action.trigger(), "matches")  # one undo takes both back
    assert stored(path) == []
    assert panel.model.rowCount() == 2  # the filter is kept
    assert len(listed(window)) == 5


def test_a_refused_confirmation_changes_nothing(corpus, make_main_window, qtbot, dialogs):
    path, _ = corpus
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    dialogs.answers["confirm"] = False
    qtbot.mouseClick(window.match_panel.reject_filtered_button, Qt.MouseButton.LeftButton)
    assert "Reject 5 hits in 3 articles" in dialogs.confirmations[-1]
    assert rejected(path) == [] and len(listed(window)) == 5


def test_hits_not_listed_yet_are_listed_before_the_filtered_set_is_accepted(corpus, make_main_window, qtbot,
                                                                            dialogs, monkeypatch):
    monkeypatch.setattr(window_matches, "PAGE", 2)
    path, ids = corpus
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    panel = window.match_panel
    assert listed(window) == all_hits(ids)[:2]
    assert panel.count_label.text() == "5 hits in 3 articles (2 listed)"
    assert not panel.load_more_button.isHidden()
    finished.run(lambda: qtbot.mouseClick(panel.load_more_button, Qt.MouseButton.LeftButton), "matches")
    assert listed(window) == all_hits(ids)[:4]
    assert panel.accept_filtered_button.text() == "Accept filtered (4+)"
    steps = window.controller.undo_stack.count()
    finished.run(lambda: qtbot.mouseClick(panel.accept_filtered_button, Qt.MouseButton.LeftButton), "matches")
    assert "Accept 5 hits in 3 articles" in dialogs.confirmations[-1]
    assert [(row[0], row[2], row[3]) for row in stored(path)] == all_hits(ids)
    assert window.controller.undo_stack.count() == steps + 1
    assert panel.load_more_button.isHidden() and listed(window) == []
    assert panel.count_label.text() == "0 hits in 0 articles (0 listed)"
    finished.run(lambda: window.undo_action.trigger(), "matches")
    assert stored(path) == []
    qtbot.waitUntil(lambda: panel.count_label.text() == "5 hits in 3 articles (5 listed)", timeout=20_000)


def test_past_the_cap_the_panel_says_so_and_the_rest_stay_for_later(corpus, make_main_window, qtbot, dialogs,
                                                                     monkeypatch):
    monkeypatch.setattr(window_matches, "PAGE", 2)
    monkeypatch.setattr(window_matches, "LOAD_ALL_CAP", 3)
    path, ids = corpus
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    panel = window.match_panel
    dialogs.answers["confirm"] = False
    finished.run(lambda: qtbot.mouseClick(panel.accept_filtered_button, Qt.MouseButton.LeftButton), "matches")
    assert "Accept 3 hits in 2 articles" in dialogs.confirmations[-1]
    assert "Only the first 3 hits are listed" in dialogs.confirmations[-1]
    assert "Only the first 3 hits are listed" in panel.status.text()
    assert stored(path) == [] and panel.accept_filtered_button.text() == "Accept filtered (3+)"
    dialogs.answers["confirm"] = True
    qtbot.mouseClick(panel.accept_filtered_button, Qt.MouseButton.LeftButton)  # all it may list is listed
    assert "Accept 3 hits in 2 articles" in dialogs.confirmations[-1]
    assert [(row[0], row[2], row[3]) for row in stored(path)] == all_hits(ids)[:3]
    # Every listed hit decided: the next page comes by itself.
    qtbot.waitUntil(lambda: listed(window) == all_hits(ids)[3:], timeout=20_000)
    qtbot.waitUntil(lambda: panel.count_label.text() == "2 hits in 1 article (2 listed)", timeout=20_000)


def test_rules_of_a_label_with_the_a_and_r_keys(corpus, make_main_window, qtbot, dialogs):
    path, ids = corpus
    first = ids[0]
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    window.open_article(first)
    assert any(label.name == LABEL and label.patterns for label in window.codebook.labels)
    open_queue(window, qtbot, finished, (LABEL, None, "project"))
    assert dialogs.annotate_all_offered[1] == ""  # nothing selected
    assert listed(window) == all_hits(ids)
    table = window.match_panel.table
    qtbot.keyClick(table, Qt.Key.Key_A)
    [(article_id, label, *_, origin, source)] = stored(path)
    assert (article_id, label, origin) == (first, LABEL, "suggestion")
    assert source.startswith("rule/") and LABEL in source
    qtbot.keyClick(table, Qt.Key.Key_R)
    assert [row[0] for row in rejected(path)] == [ids[1]]


def test_one_article_and_labelling_in_the_text_takes_the_hit_out(corpus, make_main_window, qtbot):
    path, ids = corpus
    second = ids[1]
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    window.open_article(second)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "article"))
    assert listed(window) == [(second, *span) for span in offsets(SECOND)]
    assert "in the whole project" not in window.match_panel.query_label.text()
    view = window.document_view
    view.setFocus()
    start, end = offsets(SECOND)[1]
    view.select_codepoints(start, end)
    label_key = next(label.hotkey for label in window.codebook.labels if label.name == LABEL)
    finished.run(lambda: qtbot.keyClick(view, label_key), "matches")  # labelled by hand: listed again
    assert listed(window) == [(second, *offsets(SECOND)[0])]
    qtbot.waitUntil(lambda: window.match_panel.count_label.text() == "1 hit in 1 article (1 listed)",
                    timeout=20_000)


def test_a_new_query_replaces_the_one_still_running(corpus, make_main_window, qtbot):
    path, ids = corpus
    window = make_main_window(path)
    finished = Finished(window, qtbot)

    def ask_twice():
        window.find_matches(LABEL, PHRASE)
        window.find_matches(LABEL, "perang")

    finished.run(ask_twice, "matches", "matches", "matches-count", "matches-count")
    start = SECOND.index("perang")
    assert listed(window) == [(ids[1], start, start + len("perang"))]
    assert window.match_panel.count_label.text() == "1 hit in 1 article (1 listed)"
    assert "perang" in window.match_panel.query_label.text()


def test_titles_are_plain_text_and_a_double_click_shows_the_hit(corpus, make_main_window, qtbot, qtmodeltester):
    path, ids = corpus
    first, second, _, fourth = ids
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    window.open_article(first)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    model = window.match_panel.model
    qtmodeltester.check(model)
    titles = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert titles.count(TITLE) == 2
    row = titles.index(TITLE)
    assert "&lt;b&gt;Dua&lt;/b&gt;" in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(row, 1).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert window.match_panel.query_label.textFormat() == Qt.TextFormat.PlainText
    # The second hit of FOURTH spans a line break: one line in the table, exact in the text.
    last = model.rowCount() - 1
    assert model.index(last, 2).data() == "operasi militer khusus"
    table = window.match_panel.table
    table.scrollTo(model.index(last, 0))
    where = table.visualRect(model.index(last, 2)).center()
    assert table.viewport().rect().contains(where)
    # Qt's views take a double click only on the row pressed first, as a real double click does.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    start, end = offsets(FOURTH)[1]
    assert window.current_article_id == fourth
    assert window.document_view.selection_codepoints() == (start, end)
    assert FOURTH[start:end] == "operasi\nmiliter khusus"


def test_nothing_to_search_for_is_a_message_not_a_traceback(corpus, make_main_window, qtbot, capfd):
    path, _ = corpus
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    results = open_queue(window, qtbot, finished, (LABEL, "  ", "project"))
    assert isinstance(results["matches"], str) and "nothing to search for" in results["matches"]
    panel = window.match_panel
    assert "nothing to search for" in panel.status.text()
    assert "nothing to search for" in window.last_message
    assert panel.count_label.text() == "Not counted (0 listed)"
    open_queue(window, qtbot, finished, ("Quotation", None, "project"))
    assert "no patterns" in panel.status.text()
    assert "Traceback" not in capfd.readouterr().err


def test_a_new_project_resets_the_queue_and_ignores_the_old_jobs(corpus, make_main_window, qtbot, tmp_path):
    path, _ = corpus
    other = tmp_path / "other.annotator"
    project = Project.open(other)
    with project._store.write():
        project._store.add_article(Article(text="Operasi militer khusus sekali saja.", title="Lain"))
    project.close()
    window = make_main_window(path)
    finished = Finished(window, qtbot)
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    assert len(listed(window)) == 5

    def ask_then_switch():
        window.find_matches(LABEL, PHRASE)
        window.load_project(str(other), "ana")

    finished.run(ask_then_switch, "matches", "matches-count")  # the old project's answers
    panel = window.match_panel
    assert window.match_query is None and panel.isHidden()
    assert listed(window) == [] and panel.count_label.text() == "Counting… (0 listed)"
    open_queue(window, qtbot, finished, (LABEL, PHRASE, "project"))
    assert [hit.title for hit in panel.model.hits] == ["Lain"]
    assert panel.count_label.text() == "1 hit in 1 article (1 listed)"


def test_the_dialog_offers_the_selection_or_the_rules(qtbot, tmp_path):
    codebook = Project.open(tmp_path / "c.annotator").codebook()
    labels = codebook.labels
    with_rules = next(label.name for label in labels if label.patterns)
    dialog = MatchesDialog(labels, "operasi  militer\nkhusus", LABEL)
    qtbot.addWidget(dialog)
    assert dialog.text_choice.isChecked() and dialog.text_edit.text() == PHRASE
    assert dialog.answer() == (LABEL, PHRASE, "project")
    dialog.rules_choice.setChecked(True)
    dialog.article_choice.setChecked(True)
    assert dialog.answer() == (LABEL, None, "article")
    dialog.label_combo.setCurrentText("Quotation")  # no patterns: its rules cannot be chosen
    assert not dialog.rules_choice.isEnabled() and dialog.text_choice.isChecked()
    dialog.text_edit.clear()
    assert dialog.answer() is None
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()

    empty = MatchesDialog(labels, "", None)
    qtbot.addWidget(empty)
    assert empty.rules_choice.isChecked() and empty.label_combo.currentText() == with_rules
    assert empty.answer() == (with_rules, None, "project")
