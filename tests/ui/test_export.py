"""File → Export as the analyst sees it: the dialog stays up while the export runs, shows a
failure inside it with every setting kept, closes on success; the status bar says what was
written, in the preview's terms; the settings are remembered per project."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import QSettings, Qt

from annotator.project import Project
from annotator.ui.dialogs.ask import Dialogs
from annotator.ui.dialogs.export_dialog import ExportDialog, ExportOptions, suggested_path, with_format
from tests.conftest import write_jsonl

QUOTE = "Quotation"


@pytest.fixture
def project_path(tmp_path):
    """Three articles: one with ana's and budi's spans, one with budi's only, one without any."""
    path = tmp_path / "news.annotator"
    one, two = "Lavrov mengkritik AS dan NATO.", "Seruan perundingan damai."
    project = Project.open(path)
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a1", "text": one, "source": "Kompas", "url": "https://e.org/1", "published": "2024-01-17",
         "annotations": [
             {"start": 0, "end": 6, "label": QUOTE, "annotator": "ana", "attributes": {"speaker": "Lavrov"}},
             {"start": 25, "end": 29, "label": QUOTE, "annotator": "budi"}]},
        {"id": "a2", "text": two, "annotations": [{"start": 7, "end": 18, "label": QUOTE, "annotator": "budi"}]},
        {"id": "a3", "text": "Artikel tanpa anotasi."},
    ])])
    project.close()
    return path


def open_dialog(window, qtbot, dialogs) -> ExportDialog:
    """File → Export with a real dialog on the window's own preview, runner and memory."""
    dialogs.answers["export_options"] = None
    window.export()  # the fake records what the window hands to the dialog
    assert dialogs.run is not None and dialogs.remembered is not None
    names, labels = [a.name for a in window.project.annotators()], [label.name for label in window.codebook.labels]
    dialog = ExportDialog(names, labels, window.annotator, window, preview=dialogs.preview, run=dialogs.run,
                          remembered=dialogs.remembered)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_failed_export_stays_in_the_dialog_and_a_retry_succeeds(project_path, tmp_path, make_main_window, qtbot,
                                                                 dialogs):
    window = make_main_window(project_path, "ana")
    ended = []
    window.sig_operation_finished.connect(lambda kind, result: ended.append((kind, result)))
    dialog = open_dialog(window, qtbot, dialogs)
    assert dialog.ok_button.text() == "Export"
    assert dialog.path.text() == str(tmp_path / "news.jsonl")  # a file in the project's folder
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.path.text() == str(tmp_path / "news.csv")  # the extension follows the format
    dialog.annotators.item(1).setCheckState(Qt.CheckState.Checked)  # ana and budi
    dialog.flush_preview()
    assert dialog.preview.text() == "3 spans in 2 articles"
    bad = tmp_path / "<b>nowhere</b>" / "out.csv"
    dialog.path.setText(str(bad))
    assert "does not exist" in dialog.path_note.text()
    dialog.ok_button.click()
    assert dialog.running and not dialog.ok_button.isEnabled() and not dialog.format.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert dialog.isVisible()  # still open, with the reason inside it, as plain text
    assert dialog.error.isVisible() and "does not exist" in dialog.error.text()
    assert "<b>nowhere</b>" in dialog.error.text() and dialog.error.textFormat() == Qt.TextFormat.PlainText
    assert window.statusBar().currentMessage().startswith("Export failed:")
    assert [kind for kind, _ in ended] == ["export"]
    # Every setting is kept: fix the path and try again.
    assert dialog.format.currentData() == "csv" and dialog.format.isEnabled()
    assert dialog.options().annotators is None
    good = tmp_path / "out.csv"
    dialog.path.setText(str(good))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert dialog.exported is not None and dialog.exported.path == str(good)
    assert [kind for kind, _ in ended] == ["export", "export"]  # once per attempt
    message = window.statusBar().currentMessage()
    assert message.startswith("Exported 3 spans in 2 articles (csv) to ")  # the preview's figures
    rows = list(csv.DictReader(good.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3 and len({row["article_id"] for row in rows}) == 2
    assert rows[0]["source"] == "Kompas" and rows[0]["attr_speaker"] == "Lavrov"


def test_status_bar_preview_and_file_agree_when_articles_without_spans_are_written(project_path, tmp_path,
                                                                                   make_main_window, qtbot, dialogs):
    window = make_main_window(project_path, "ana")
    dialog = open_dialog(window, qtbot, dialogs)
    assert dialog.options().annotators == ["ana"]  # your own work first
    assert dialog.preview.text() == "1 spans in 1 articles"
    assert "without spans" in dialog.preview_note.text()  # jsonl writes them too
    with qtbot.waitSignal(window.sig_export_finished, timeout=30_000) as blocker:
        dialog.ok_button.click()
    assert blocker.args[0].startswith("Exported 1 spans in 1 articles (jsonl); 2 articles without spans written too")
    lines = [json.loads(line) for line in (tmp_path / "news.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and sum(1 for line in lines if line["annotations"]) == 1
    assert not dialog.isVisible()


def test_cancel_and_close_while_running_stop_the_export_and_keep_the_dialog(qtbot, tmp_path):
    cancelled = []
    listeners = []

    def run(options, listener):
        listeners.append(listener)
        return lambda: cancelled.append(options.path)

    dialog = ExportDialog(["ana"], [QUOTE], "ana", preview=lambda options: (1, 1), run=run)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()  # no path yet: said in the dialog, nothing started
    assert not listeners and "Choose where to export" in dialog.error.text() and dialog.isVisible()
    dialog.path.setText(str(tmp_path / "out.jsonl"))
    dialog.ok_button.click()
    assert dialog.running and dialog.progress.isVisible() and not dialog.error.isVisible()
    listeners[0].export_progress(50, 100)
    assert dialog.progress.value() == 50
    dialog.close()  # closing asks the export to stop; the dialog waits for it
    dialog.reject()  # so do Esc and Cancel
    assert cancelled and dialog.isVisible() and dialog.running
    listeners[0].export_failed("export cancelled; no file was written")
    assert dialog.isVisible() and not dialog.running and "cancelled" in dialog.error.text()
    assert dialog.path.isEnabled() and dialog.cancel_button.text() == "Cancel"
    listeners[0].export_succeeded("late")  # a report after the end changes nothing
    assert dialog.isVisible() and dialog.exported is None
    dialog.reject()  # not running: closes
    assert not dialog.isVisible()


def test_settings_are_remembered_per_project(project_path, tmp_path, make_main_window, qtbot, dialogs, settings):
    window = make_main_window(project_path, "ana")
    folder = tmp_path / "exports"
    folder.mkdir()
    chosen = ExportOptions(path=str(folder / "mine.csv"), format="csv", annotators=["budi"], labels=[QUOTE],
                           done_only=False, offset_unit="utf16", excel=True)
    dialogs.answers["export_options"] = chosen
    with qtbot.waitSignal(window.sig_export_finished, timeout=30_000):
        window.export()  # an older-style answer: the window runs it, and remembers it
    assert (folder / "mine.csv").exists()
    dialogs.answers["export_options"] = None
    window.export()
    remembered = dialogs.remembered
    assert remembered == ExportOptions(path=str(folder / "news.csv"), format="csv", annotators=["budi"],
                                       labels=[QUOTE], offset_unit="utf16", excel=True)
    dialog = ExportDialog(["ana", "budi"], [label.name for label in window.codebook.labels], "ana",
                          remembered=remembered)
    qtbot.addWidget(dialog)
    assert dialog.options() == remembered  # the dialog shows them all
    dialog.format.setCurrentIndex(dialog.format.findData("jsonl"))  # its offsets are code points only
    assert not dialog.offset_unit.isEnabled() and dialog.options().offset_unit is None
    # Kept in the settings file, not only in memory.
    settings.sync()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert any(ExportOptions.from_json(str(again.value(key))) == chosen for key in again.allKeys())
    # Another project has its own (none yet: the defaults, in its own folder).
    other = tmp_path / "other" / "second.annotator"
    other.parent.mkdir()
    Project.open(other).close()
    second = make_main_window(other, "ana")
    second.export()
    assert dialogs.remembered == ExportOptions(path=str(other.parent / "second.jsonl"))
    window.export()
    assert dialogs.remembered.format == "csv"


def test_a_broken_remembered_setting_is_ignored(project_path, tmp_path, make_main_window, dialogs, settings):
    window = make_main_window(project_path, "ana")
    settings.setValue(window._export_settings_key(), '{"format": "pdf", "path": 3}')
    dialogs.answers["export_options"] = None
    window.export()
    assert dialogs.remembered.format == "jsonl"
    assert ExportOptions.from_json("not json") is None
    assert ExportOptions.from_json('{"path": "x", "annotators": [1]}') is None


def test_an_older_dialogs_object_without_run_still_exports(project_path, tmp_path, make_main_window, qtbot):
    out = tmp_path / "old.jsonl"

    class OldDialogs:
        def export_options(self, parent, annotators, labels, me, preview=None):
            self.preview = preview
            return ExportOptions(path=str(out))

    window = make_main_window(project_path, "ana")
    window.dialogs = OldDialogs()
    with qtbot.waitSignal(window.sig_export_finished, timeout=30_000) as blocker:
        window.export()
    assert blocker.args[0].startswith("Exported 3 spans in 2 articles (jsonl)") and out.exists()


def test_the_real_dialogs_run_the_export_once_and_return_what_was_exported(project_path, tmp_path, make_main_window,
                                                                         qtbot, monkeypatch):
    def exec_(dialog):  # what a user does in the modal dialog: OK, then wait for the export
        dialog.show()
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
        return dialog.result()

    monkeypatch.setattr(ExportDialog, "exec", exec_)
    window = make_main_window(project_path, "ana")
    window.dialogs = Dialogs()
    ended = []
    window.sig_operation_finished.connect(lambda kind, result: ended.append(kind))
    window.export()
    assert ended == ["export"]  # run by the dialog, not again by the window
    assert (tmp_path / "news.jsonl").exists()
    assert window.statusBar().currentMessage().startswith("Exported 1 spans in 1 articles (jsonl)")


def test_suggested_names_follow_the_format(tmp_path):
    assert suggested_path(tmp_path, "news", "doccano") == str(tmp_path / "news.jsonl")
    (tmp_path / "news.jsonl").write_text("{}\n")
    (tmp_path / "news-2.jsonl").write_text("{}\n")
    assert suggested_path(tmp_path, "news", "jsonl") == str(tmp_path / "news-3.jsonl")  # never the last export
    assert suggested_path(tmp_path, "news", "csv") == str(tmp_path / "news.csv")
    assert suggested_path(tmp_path, "news", "brat") == str(tmp_path / "news-brat")
    (tmp_path / "news-brat").mkdir()
    assert suggested_path(tmp_path, "news", "brat") == str(tmp_path / "news-brat-2")  # brat needs a new folder
    assert with_format(str(tmp_path / "x.csv"), "csv", "brat") == str(tmp_path / "x-brat")
    assert with_format(str(tmp_path / "x-brat"), "brat", "spacy") == str(tmp_path / "x.spacy")
    assert with_format(str(tmp_path / "my name"), "csv", "jsonl") == str(tmp_path / "my name")  # the user's own
    # A suggested name follows a format change, with a number again where that name is taken:
    # "demo-brat-2" became a CSV file without an extension, "demo.jsonl" an existing file.
    assert with_format(str(tmp_path / "news-brat-2"), "brat", "csv") == str(tmp_path / "news.csv")
    assert with_format(str(tmp_path / "news.csv"), "csv", "jsonl") == str(tmp_path / "news-3.jsonl")
    assert with_format(str(tmp_path / "report-2024.csv"), "csv", "jsonl") == str(tmp_path / "report-2024.jsonl")


def test_the_language_filter_narrows_preview_and_file(tmp_path, make_main_window, qtbot, dialogs):
    path = tmp_path / "langs.annotator"
    project = Project.open(path)
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", [
        {"id": "i1", "text": "Lavrov mengkritik AS.", "language": "id",
         "annotations": [{"start": 0, "end": 6, "label": QUOTE, "annotator": "ana"}]},
        {"id": "r1", "text": "Лавров раскритиковал США.", "language": "ru",
         "annotations": [{"start": 0, "end": 6, "label": QUOTE, "annotator": "ana"}]}])])
    project.close()
    window = make_main_window(path, "ana")
    dialogs.answers["export_options"] = None
    window.export()
    assert dialogs.languages == [("id", 1), ("ru", 1)]
    dialog = ExportDialog(["ana"], [QUOTE], "ana", window, preview=dialogs.preview, run=dialogs.run,
                          remembered=dialogs.remembered, languages=dialogs.languages)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.flush_preview()
    assert dialog.preview.text() == "2 spans in 2 articles"
    dialog.language.setCurrentIndex(dialog.language.findData("ru"))
    dialog.flush_preview()
    assert dialog.preview.text() == "1 spans in 1 articles"
    with qtbot.waitSignal(window.sig_export_finished, timeout=30_000):
        dialog.ok_button.click()
    lines = (tmp_path / "langs.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["r1"]
    # Remembered for the next export from this project.
    assert window._remembered_export().languages == ["ru"]


def test_a_project_in_a_hidden_folder_suggests_exporting_where_people_look(project_path, tmp_path, make_main_window,
                                                                          dialogs):
    """The demo project lives in ~/.local/share/StanceAnnotator: its first export was suggested
    there, a folder file managers hide."""
    from pathlib import Path

    hidden = tmp_path / ".local" / "share"
    hidden.mkdir(parents=True)
    moved = hidden / "demo.annotator"
    project_path.rename(moved)
    window = make_main_window(moved)
    dialogs.answers["export_options"] = None
    window.export()
    folder = Path(dialogs.remembered.path).parent
    assert not any(part.startswith(".") for part in folder.parts) and folder.is_dir()
    visible = make_main_window(project_path.parent / "other.annotator")  # a folder in plain sight: itself
    window.close()
    dialogs.answers["export_options"] = None
    visible.export()
    assert Path(dialogs.remembered.path).parent == project_path.parent


def test_spacy_is_offered_only_where_it_can_run_and_brat_asks_for_a_folder(monkeypatch, qtbot, tmp_path):
    """Without spaCy (``make run`` does not install it) the spaCy export failed only after
    everything was chosen, and was remembered as the format for next time."""
    from annotator.ui.dialogs import export_dialog

    monkeypatch.setattr(export_dialog, "spacy_installed", lambda: False)
    remembered = ExportOptions(path=str(tmp_path / "news.spacy"), format="spacy")
    dialog = ExportDialog(["ana"], [QUOTE], "ana", remembered=remembered)
    qtbot.addWidget(dialog)
    index = dialog.format.findData("spacy")
    item = dialog.format.model().item(index)
    assert not item.isEnabled() and "needs spaCy" in item.text()
    assert dialog.format.currentData() == "jsonl"  # not the remembered one it cannot run
    assert dialog.path_label.text() == "File"
    dialog.format.setCurrentIndex(dialog.format.findData("brat"))
    assert dialog.path_label.text() == "Folder"

