"""The window shares its project safely: refused edits are never silent, background operations
always report back exactly once, switching projects leaks nothing and never leaves a dead one."""

from __future__ import annotations

import gc
import sqlite3

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from shiboken6 import isValid

from annotator.project import Project
from annotator.ui import ExportOptions, MainWindow
from annotator.ui.controller import ProjectController
from annotator.ui.models.article_table import ArticleTableModel
from tests.conftest import write_jsonl
from tests.ui.conftest import label_first_word
from tests.ui.test_main_window import make_project, stored_spans


def test_an_edit_the_file_refuses_is_shown_and_the_undo_stack_stays(path, make_main_window, qtbot):
    window = make_main_window(path)
    window.project._store.busy_timeout = 0.05  # refuse quickly instead of waiting a second
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    label_first_word(window, qtbot)
    assert "busy" in window.last_refusal and "Not saved" in window.statusBar().currentMessage()
    assert window.controller.undo_stack.count() == 0
    blocker.rollback()
    label_first_word(window, qtbot)
    assert window.controller.undo_stack.count() == 1
    assert "Not saved" not in window.statusBar().currentMessage()  # the retry went through
    blocker.execute("BEGIN IMMEDIATE")
    window.undo_action.trigger()  # refused: the span stays and so does the stack
    assert window.controller.undo_stack.index() == 1
    blocker.rollback()
    blocker.close()
    assert len(stored_spans(path)) == 1
    window.undo_action.trigger()
    assert window.controller.undo_stack.index() == 0 and stored_spans(path) == []
    window.redo_action.trigger()
    assert len(stored_spans(path)) == 1


def test_read_only_project_from_file_open(path, tmp_path, make_main_window, qtbot, dialogs, monkeypatch):
    other = tmp_path / "other.annotator"
    make_project(other, ["Teks proyek lain."])
    window = make_main_window(path)
    real_open = Project.open
    monkeypatch.setattr(Project, "open", classmethod(
        lambda cls, p, **kw: real_open.__func__(cls, p, **{**kw, "read_only": True})))
    dialogs.answers["open_project"] = str(other)
    window.findChild(type(window.undo_action), "actionOpen").trigger()
    assert window.project.path == str(other) and window.project.read_only
    assert "read-only" in window.windowTitle()
    window.document_view.select_codepoints(0, 4)
    qtbot.keyClick(window.document_view, "1")
    assert "read-only" in window.last_refusal
    assert window.controller.undo_stack.count() == 0
    assert stored_spans(other) == []


def test_a_project_that_cannot_be_opened_leaves_the_window_working(path, tmp_path, make_main_window, qtbot,
                                                                   dialogs):
    window = make_main_window(path)
    broken = tmp_path / "broken.annotator"
    broken.write_text("not a database", encoding="utf-8")
    dialogs.answers["open_project"] = str(broken)
    window.findChild(type(window.undo_action), "actionOpen").trigger()
    assert "not a project file" in dialogs.told[-1][1]
    assert window.project.path == str(path)
    label_first_word(window, qtbot)
    assert len(stored_spans(path)) == 1


@pytest.mark.parametrize("kind", ["import", "export", "merge", "agreement"])
def test_every_operation_reports_its_end_exactly_once(kind, path, tmp_path, make_main_window, qtbot):
    window = make_main_window(path)
    label_first_word(window, qtbot)
    ended: list[tuple[str, object]] = []
    window.sig_operation_finished.connect(lambda k, result: ended.append((k, result)))
    source = write_jsonl(tmp_path / "more.jsonl", [{"text": f"artikel {i}"} for i in range(5)])
    start = {
        "import": lambda: window.import_paths([str(source)]),
        "export": lambda: window.export_to(ExportOptions(path=str(tmp_path / "out.jsonl"))),
        "merge": lambda: window.merge_paths([str(source)]),
        "agreement": window.open_dashboard,
    }[kind]
    start()
    qtbot.waitUntil(lambda: not window.operations.running, timeout=30_000)
    start()  # a second run of the same operation reports on its own
    qtbot.waitUntil(lambda: not window.operations.running, timeout=30_000)
    assert [k for k, _ in ended] == [kind, kind]


def test_a_failed_or_cancelled_operation_reports_too(path, tmp_path, make_main_window, qtbot):
    window = make_main_window(path)
    ended: list[tuple[str, object]] = []
    window.sig_operation_finished.connect(lambda k, result: ended.append((k, result)))
    window.export_to(ExportOptions(path=str(tmp_path / "no such folder" / "out.jsonl")))
    qtbot.waitUntil(lambda: len(ended) == 1, timeout=30_000)
    assert ended[0][0] == "export" and "does not exist" in ended[0][1]
    big = write_jsonl(tmp_path / "big.jsonl", [{"text": f"artikel nomor {i}"} for i in range(3000)])
    job = window.import_paths([str(big)])
    job.cancel()
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=30_000)
    kind, report = ended[1]
    assert kind == "import" and (report.cancelled or report.imported == 3000)
    assert window.project.stats()["articles"] in (2, 3002)  # the file whole or not at all


def test_closing_with_a_running_import_does_not_wait(path, tmp_path, make_main_window, qtbot):
    window = make_main_window(path)
    big = write_jsonl(tmp_path / "big.jsonl", [{"text": f"artikel nomor {i}"} for i in range(20000)])
    job = window.import_paths([str(big)])
    window.close()
    assert job.is_cancelled()
    assert job.done.wait(60)  # the worker stops at its next check and takes the file back
    project = Project.open(path)
    assert project.stats()["articles"] in (2, 20002)
    assert project.verify() == []
    project.close()


def test_project_switches_and_review_toggles_leak_nothing(path, tmp_path, make_main_window, qtbot):
    other = tmp_path / "other.annotator"
    make_project(other, ["Teks proyek lain."])
    window = make_main_window(path)

    def alive(kind: type) -> int:
        gc.collect()
        qtbot.wait(1)  # deleteLater runs in the event loop
        return len(window.findChildren(kind)) + sum(
            1 for o in gc.get_objects() if isinstance(o, kind) and isValid(o) and o.parent() is None)

    children = []
    for round_ in range(20):
        window.load_project(str(other if round_ % 2 else path), "ana")
        window.set_review(["ana"])
        window.set_review(None)
        if round_ in (3, 19):  # both after the recent-files menu has both projects
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            children.append(len(window.findChildren(QObject)))
    assert alive(ArticleTableModel) <= 1
    assert alive(ProjectController) <= 1
    assert children[1] <= children[0]  # switching back and forth adds no child objects
    assert isinstance(window, MainWindow)


def test_labelling_goes_on_while_the_windows_own_import_runs(path, tmp_path, make_main_window, qtbot):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from annotator.ui.widgets.operation_progress import OperationProgress

    window = make_main_window(path)
    # What is tested is that keys reach the text and are stored while the import runs, not how
    # fast (bench/concurrency_bench.py measures that): on a loaded machine a chunk may hold the
    # lock past the window's 1 s patience, and a refusal would then be the right answer.
    window.project._store.busy_timeout = 60
    big = write_jsonl(tmp_path / "big.jsonl", [{"text": f"artikel nomor {i} " * 30} for i in range(20000)])
    window.import_paths([str(big)])
    # Progress sits in the status bar: no dialog, modal or not, takes the keyboard from the text.
    assert isinstance(window.findChild(QObject, "importProgress"), OperationProgress)
    qtbot.wait(1)  # let the event loop run once, as a user's next keypress would
    assert QApplication.activeModalWidget() is None  # nothing takes the keyboard from the text
    window.document_view.setFocus()
    window.document_view.select_codepoints(0, 6)
    QTest.keyClick(window.windowHandle(), "1")  # through the window, as a real key arrives
    assert len(stored_spans(path)) == 1
    qtbot.waitUntil(lambda: not window.operations.running, timeout=60_000)
    assert window.findChild(QObject, "importProgress") is None


def test_nobody_is_recorded_before_their_first_edit_and_events_name_who_edited(path, make_main_window, qtbot):
    window = make_main_window(path, "budi")
    assert window.project.annotator_named("budi") is None
    label_first_word(window, qtbot)
    assert window.project.annotator_named("budi") is not None
    assert window.article_model.status_of(window.current_article_id) == "in_progress"
    window.apply_label(window.codebook.labels[1].name)  # relabel the selected span
    window.delete_current_span()
    events = window.project._store.events(3)
    assert [(e["action"], e["annotator"]) for e in events] == [
        ("RemoveSpan", "budi"), ("UpdateSpan", "budi"), ("AddSpan", "budi")]


def test_refresh_takes_back_an_import_another_program_was_killed_in(tmp_path, make_main_window):
    """F5 listed the articles of an ``annotator import`` killed mid-file, without a word, until
    the window's next start."""
    from tests.conftest import write_jsonl
    from tests.store.test_import_runs import kill_an_import_of, records

    path = tmp_path / "p.annotator"
    project = Project.open(path)
    project.import_paths([write_jsonl(tmp_path / "seed.jsonl", [{"text": "Choe bertemu Lavrov."}])])
    project.close()
    window = make_main_window(path)
    assert window.article_model.rowCount() == 1
    source = write_jsonl(tmp_path / "many.jsonl", records(3000))
    kill_an_import_of(path, source)
    window.refresh()
    assert window.article_model.rowCount() == 1
    assert window.last_message == f"An import of {source} was interrupted (its program ended) and was taken back"


def test_another_programs_spans_in_the_shown_article_are_drawn(tmp_path, make_main_window):
    """A span that ``annotator import`` added to the open article was not drawn until F5, and
    after the next edit the list counted it while the status bar did not."""
    import subprocess
    import sys

    text = "Lavrov mengkritik AS dan NATO."
    path = tmp_path / "p.annotator"
    project = Project.open(path)
    project.import_paths([_jsonl(tmp_path / "seed.jsonl", [{"text": text}])])
    project.close()
    window = make_main_window(path, "ana")
    article = window.current_article_id
    window.follow_outside_changes()  # the first look only notes where things stand
    source = _jsonl(tmp_path / "more.jsonl", [{"text": text, "annotations": [
        {"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"}]}])
    result = subprocess.run([sys.executable, "-m", "annotator", "import", str(path), str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    window.follow_outside_changes()
    assert [s.text for s in window.document_view.spans] == ["Lavrov"]
    assert window.article_model.status_of(article) == "in_progress"
    assert window.status_text.text().startswith("ana · in progress · 1 span ·")
    assert window.last_message == "Another program changed this article's spans: shown as they are now"
    window.show_message("")
    window.follow_outside_changes()  # nothing new: nothing redrawn or said
    assert window.last_message == ""


def _jsonl(path, records):
    from tests.conftest import write_jsonl

    return write_jsonl(path, records)
