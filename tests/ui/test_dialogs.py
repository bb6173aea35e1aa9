"""Codebook editor, import and export from the window (dialog answers injected)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from annotator.model.types import Article
from annotator.project import Project
from annotator.ui.dialogs.export_dialog import ExportOptions
from tests.conftest import SAMPLE, write_jsonl


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "p.annotator"
    project = Project.open(path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik AS dan NATO.", title="Satu"))
    project.close()
    return path


def press_ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def label_rows(path):
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT name, color, hotkey, position FROM labels WHERE scope = 'span' ORDER BY position").fetchall()
    conn.close()
    return rows


def test_codebook_rename_recolour_reorder_keeps_spans(project_path, make_main_window, qtbot, dialogs):
    window = make_main_window(project_path)
    window.document_view.select_codepoints(0, 6)
    qtbot.keyClick(window.document_view, "0")  # Quotation
    window.edit_codebook()
    dialog = window.codebook_dialog
    editor = dialog.span_labels
    editor.list.setCurrentRow(9)
    assert editor.name.text() == "Quotation"
    editor.name.clear()
    qtbot.keyClicks(editor.name, "Reported speech")
    dialogs.answers["pick_color"] = "#123456"
    editor.color.click()
    editor.move_selected(-1)
    press_ok(dialog)
    assert not dialog.isVisible()
    rows = label_rows(project_path)
    assert ("Reported speech", "#123456", "0", 8) in rows
    assert [s.label for s in window.document_view.spans] == ["Reported speech"]
    assert window.label_model.labels()[8].name == "Reported speech"
    window.undo_action.trigger()
    assert ("Quotation", "#EE8866", "0", 9) in label_rows(project_path)
    assert [s.label for s in window.document_view.spans] == ["Quotation"]


def test_hotkey_conflict_is_refused_in_the_dialog(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    window.edit_codebook()
    dialog = window.codebook_dialog
    editor = dialog.span_labels
    editor.list.setCurrentRow(1)
    editor.hotkey.clear()
    qtbot.keyClicks(editor.hotkey, "1")
    press_ok(dialog)
    assert dialog.isVisible()
    assert "hotkey '1'" in dialog.error.text()
    editor.hotkey.clear()
    qtbot.keyClicks(editor.hotkey, "b")
    press_ok(dialog)
    assert not dialog.isVisible()
    assert [r[2] for r in label_rows(project_path)][:2] == ["1", "b"]
    assert "b" in window.document_view.hotkeys


def test_deleting_a_label_in_use_asks_first(project_path, make_main_window, qtbot, dialogs):
    window = make_main_window(project_path)
    window.document_view.select_codepoints(0, 6)
    qtbot.keyClick(window.document_view, "2")
    window.edit_codebook()
    dialog = window.codebook_dialog
    dialog.span_labels.list.setCurrentRow(1)
    dialog.span_labels.remove()
    dialogs.answers["confirm"] = False
    press_ok(dialog)
    assert "“Blame / threat attribution” (1 span)" in dialogs.confirmations[-1]
    assert len(window.document_view.spans) == 1  # refused: nothing changed
    dialogs.answers["confirm"] = True
    press_ok(dialog)
    assert window.document_view.spans == []
    assert "Blame / threat attribution" not in [r[0] for r in label_rows(project_path)]
    window.undo_action.trigger()
    assert [s.label for s in window.document_view.spans] == ["Blame / threat attribution"]


def test_add_label_group_and_attribute(project_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    window.edit_codebook()
    dialog = window.codebook_dialog
    editor = dialog.span_labels
    editor.add()
    editor.name.clear()
    qtbot.keyClicks(editor.name, "Sanctions framing")
    qtbot.keyClicks(editor.hotkey, "s")
    editor.description.setPlainText("Frames sanctions as illegitimate pressure.")
    editor.parent_label.setCurrentIndex(editor.parent_label.findData("Blame / threat attribution"))
    editor.parent_label.activated.emit(editor.parent_label.currentIndex())
    dialog.add_attribute("confidence", "low, high")
    press_ok(dialog)
    codebook = window.project.codebook()
    added = codebook.labels[-1]
    assert (added.name, added.hotkey, added.parent) == ("Sanctions framing", "s", "Blame / threat attribution")
    assert ("confidence", ("low", "high")) in [(a.name, a.values) for a in codebook.attributes]
    assert "attribute_confidence" in {c.objectName() for c in window.span_details.attribute_editors.values()}
    window.document_view.select_codepoints(0, 6)
    qtbot.keyClick(window.document_view, "s")
    assert window.document_view.spans[0].label == "Sanctions framing"


def test_import_in_background_reports_broken_files(project_path, tmp_path, make_main_window, qtbot, dialogs):
    window = make_main_window(project_path)
    bad = write_jsonl(tmp_path / "bad.jsonl",
                      [{"text": "abc", "annotations": [{"start": 0, "end": 9, "label": "X", "annotator": "ana"}]}])
    good = write_jsonl(tmp_path / "good.jsonl", [
        {"text": "Choe memuji kerja sama bilateral.", "title": "Dua",
         "annotations": [{"start": 5, "end": 11, "label": "New imported label", "annotator": "ana"}]}])
    broken = tmp_path / "broken.json"
    broken.write_text('[{"text": "abc"},, ]', encoding="utf-8")
    dialogs.answers["import_files"] = [str(bad), str(good), str(SAMPLE), str(broken)]
    with qtbot.waitSignal(window.sig_import_finished, timeout=30_000) as blocker:
        window.import_files()
    report = blocker.args[0]
    assert (report.imported, len(report.failed), len(report.bad_records)) == (2, 1, 1)
    assert window.article_model.rowCount() == 3
    title, summary, details = dialogs.told[-1]
    assert "failed 1" in summary and "bad.jsonl: kept 0 good records, skipped 1 bad record" in summary
    assert "skipped: " in details and "bad.jsonl, line 1: annotation 1 (X)" in details
    assert "broken.json, line 1, column 18: invalid JSON: Expecting value" in details
    assert "label added: New imported label" in details
    assert "New imported label" in [label.name for label in window.label_model.labels()]


def test_import_can_be_cancelled(project_path, tmp_path, make_main_window, qtbot):
    window = make_main_window(project_path)
    big = write_jsonl(tmp_path / "big.jsonl", [{"text": f"artikel {i}"} for i in range(3000)])
    job = window.import_paths([str(big)])
    job.cancel()
    with qtbot.waitSignal(window.sig_operation_finished, timeout=30_000) as blocker:
        pass
    kind, report = blocker.args
    assert kind == "import" and not window.operations.running
    assert report.cancelled or report.imported == 3000  # cancel arrives before or after the end
    count = window.project._store.article_count()
    assert count in (1, 3001)  # whole file or nothing


def test_export_from_the_window(project_path, tmp_path, make_main_window, qtbot, dialogs):
    window = make_main_window(project_path)
    window.document_view.select_codepoints(0, 6)
    qtbot.keyClick(window.document_view, "1")
    out = tmp_path / "out.jsonl"
    dialogs.answers["export_options"] = ExportOptions(path=str(out), annotators=["ana"])
    with qtbot.waitSignal(window.sig_export_finished, timeout=30_000) as blocker:
        window.export()
    assert "Exported 1 spans in 1 articles (jsonl)" in blocker.args[0]
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["annotations"][0]["text"] == "Lavrov"


def test_new_and_open_project_and_recent(project_path, tmp_path, make_main_window, dialogs, settings):
    window = make_main_window(project_path)
    fresh = tmp_path / "fresh.annotator"
    dialogs.answers["new_project"] = str(fresh)
    window.new_project()
    assert window.project.path == str(fresh)
    assert window.article_model.rowCount() == 0
    dialogs.answers["open_project"] = str(project_path)
    window.open_project()
    assert window.article_model.rowCount() == 1
    assert settings.value("recent_projects")[:2] == [str(project_path.resolve()), str(fresh.resolve())]
    broken = tmp_path / "broken.annotator"
    broken.write_text("not a database")
    dialogs.answers["open_project"] = str(broken)
    window.open_project()
    assert "not a project file" in dialogs.told[-1][1]
    assert window.project.path == str(project_path)


def test_export_preview_counts_what_the_export_writes_after_a_burst_of_toggles(tmp_path, qtbot):
    from PySide6.QtCore import Qt

    from annotator.ui.dialogs.export_dialog import ExportDialog

    text = "Lavrov mengkritik AS dan NATO."
    project = Project.open(tmp_path / "e.annotator")
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", [{"text": text, "annotations": [
        {"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"},
        {"start": 7, "end": 17, "label": "Quotation", "annotator": "budi"},
        {"start": 25, "end": 29, "label": "Quotation", "annotator": "budi"}]}])])
    counted = []

    def preview(options):
        counted.append(options.filter)
        return project.count_export(options.filter)

    dialog = ExportDialog(["ana", "budi"], [label.name for label in project.codebook().labels], "ana",
                          preview=preview)
    qtbot.addWidget(dialog)
    assert dialog.preview.text() == "1 spans in 1 articles"  # counted at once on opening

    counted.clear()
    budi, ana = dialog.annotators.item(1), dialog.annotators.item(0)
    for item, state in ((budi, Qt.CheckState.Checked), (budi, Qt.CheckState.Unchecked), (ana, Qt.CheckState.Unchecked)):
        item.setCheckState(state)
    assert counted == []  # a burst of toggles waits for the filters to be still …
    qtbot.waitUntil(lambda: "0 spans" in dialog.preview.text())
    assert len(counted) == 1  # … then costs one count
    assert dialog.preview.text() == "0 spans in 0 articles (no annotator ticked)"
    chosen = dialog.options().filter
    assert chosen.annotators == ()
    summary = project.export("jsonl", tmp_path / "nobody.jsonl", filter=chosen)
    # No article with spans, as the preview said; the article itself is written, without spans.
    assert (summary.articles, summary.spans, summary.written) == (0, 0, 1)

    budi.setCheckState(Qt.CheckState.Checked)
    dialog.flush_preview()
    assert dialog.preview.text() == "2 spans in 1 articles"
    assert project.export("jsonl", tmp_path / "budi.jsonl", filter=dialog.options().filter).spans == 2

    for i in range(dialog.labels.count()):
        dialog.labels.item(i).setCheckState(Qt.CheckState.Unchecked)
    dialog.flush_preview()
    assert dialog.preview.text() == "0 spans in 0 articles (no label ticked)"
    assert project.export("jsonl", tmp_path / "none.jsonl", filter=dialog.options().filter).spans == 0

    dialog.gold.setChecked(True)  # no gold layer in this project: nothing, in the preview and the file
    dialog.flush_preview()
    assert dialog.preview.text().startswith("0 spans in 0 articles")
    assert project.export("jsonl", tmp_path / "gold.jsonl", filter=dialog.options().filter).spans == 0
    calls = len(counted)
    dialog.flush_preview()  # nothing pending: no count
    assert len(counted) == calls
    project.close()


def test_a_long_message_scrolls_in_a_window_that_fits_the_screen(qtbot):
    """The F1 shortcuts (over 60 lines) ran off the bottom of the screen, OK button and all."""
    from PySide6.QtWidgets import QPlainTextEdit, QWidget

    from annotator.ui.dialogs.ask import Dialogs

    parent = QWidget()
    qtbot.addWidget(parent)
    text = "\n".join(f"Ctrl+{n}: <b>not bold</b> line {n}" for n in range(90))
    Dialogs().info(parent, "Keyboard shortcuts", text)
    [window] = parent.findChildren(QWidget, "longMessage")
    qtbot.waitExposed(window)
    assert window.isVisible() and not window.isModal()
    assert window.frameGeometry().height() <= window.screen().availableGeometry().height()
    assert window.findChild(QPlainTextEdit).toPlainText() == text  # plain text, every line
    qtbot.mouseClick(window.findChild(QDialogButtonBox).buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not parent.findChildren(QWidget, "longMessage"))  # closed and gone


def test_a_csv_without_a_text_column_asks_which_column_it_is(project_path, tmp_path, make_main_window, qtbot,
                                                              dialogs):
    """The window said "name the text column with --text-field", which it has no way to do."""
    window = make_main_window(project_path)
    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    first.write_text("headline,body\nJudul satu,Isi berita pertama.\n", encoding="utf-8")
    second.write_text("headline,body\nJudul dua,Isi berita kedua.\n", encoding="utf-8")
    other.write_text("judul;isi\nTiga,Isi ketiga.\n", encoding="utf-8")
    dialogs.answers["choose_text_field"] = ("body", "headline")
    with qtbot.waitSignal(window.sig_import_finished, timeout=30_000):
        window.import_paths([str(first), str(second), str(other)])
    reports = []
    window.sig_import_finished.connect(reports.append)
    qtbot.waitUntil(lambda: len(reports) == 1 and not window.operations.running, timeout=30_000)
    # Asked once per set of columns, then imported again with the answer.
    assert dialogs.confirmations == ["text field of a.csv among headline, body", "text field of c.csv among judul, isi"]
    titles = {r.article.title: r.article.text for r in window.project.records() if r.article.title.startswith("Judul")}
    assert titles == {"Judul satu": "Isi berita pertama.", "Judul dua": "Isi berita kedua."}
    [failure] = reports[0].failed  # c.csv has no "body" either: said, not asked about again
    assert failure.path == str(other) and "no column 'body'" in failure.reason
    assert dialogs.told and "no column 'body'" in dialogs.told[-1][2]


def test_the_text_column_question_offers_the_likely_columns_first(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QComboBox

    from annotator.ui.dialogs.ask import NO_TITLE_FIELD, Dialogs

    seen = {}

    def answer(accept: bool) -> None:
        dialog = QApplication.activeModalWidget()
        seen["offered"] = [(c.objectName(), c.currentText()) for c in dialog.findChildren(QComboBox)]
        dialog.accept() if accept else dialog.reject()

    QTimer.singleShot(0, lambda: answer(True))
    assert Dialogs().choose_text_field(None, "a.csv", ["id", "Headline", "Body text"]) == ("Body text", "Headline")
    assert seen["offered"] == [("textField", "Body text"), ("titleField", "Headline")]
    QTimer.singleShot(0, lambda: answer(True))
    assert Dialogs().choose_text_field(None, "b.csv", ["a", "b"]) == ("a", None)
    assert seen["offered"] == [("textField", "a"), ("titleField", NO_TITLE_FIELD)]
    QTimer.singleShot(0, lambda: answer(False))
    assert Dialogs().choose_text_field(None, "b.csv", ["a", "b"]) is None


def test_the_import_report_comes_after_the_column_question_and_says_what_is_still_wrong(
        project_path, tmp_path, make_main_window, qtbot, dialogs):
    """The report was shown first, counting the CSV as failed and advising --text-field, and
    stayed so after the CSV had been imported with the columns chosen."""
    window = make_main_window(project_path)
    dump, broken = tmp_path / "russian.csv", tmp_path / "broken.json"
    dump.write_text("uid,headline,body\n7,Заголовок,Текст статьи.\n", encoding="utf-8")
    broken.write_text("{not json", encoding="utf-8")
    dialogs.answers["choose_text_field"] = ("body", "headline")
    reports = []
    window.sig_import_finished.connect(reports.append)
    window.import_paths([str(dump), str(broken)])
    qtbot.waitUntil(lambda: len(reports) == 2 and not window.operations.running, timeout=30_000)
    [(title, summary, details)] = dialogs.told  # one report, after the question
    assert title == "Import" and "failed 1;" in summary
    assert "1 file(s) without a “text” column are imported again" in summary
    assert "broken.json" in details and "russian.csv" not in details and "--text-field" not in details
    assert reports[1].ok and reports[1].imported == 1
