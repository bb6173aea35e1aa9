"""Backups from the window (on opening, on the timer, by hand), File › Restore from backup…, and
one window writing per person."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

from annotator.project import BackupInfo, Project
from annotator.ui.dialogs.restore_dialog import RestoreDialog
from tests.conftest import DATA
from tests.ui.conftest import label_first_word
from tests.ui.test_main_window import stored_spans


def backup_idle(window, qtbot) -> None:
    """Wait until the window's background backup (if any) has reported back."""
    qtbot.waitUntil(lambda: window.upkeep.job is None, timeout=30_000)


def claims(path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT annotator, pid FROM writer_sessions ORDER BY annotator").fetchall()
    finally:
        conn.close()


def test_opening_backs_up_then_the_timer_only_when_something_changed(path, make_main_window, qtbot, settings):
    settings.setValue("backups/keep", 1)
    window = make_main_window(path)
    backup_idle(window, qtbot)
    [opened] = Project.backups_of(path)
    assert opened.reason == "open" and opened.path == window.upkeep.last_backup and opened.articles == 2
    assert window.upkeep.back_up(reason="timer") is None  # nothing changed since
    label_first_word(window, qtbot)
    with qtbot.waitSignal(window.upkeep.sig_backup_made, timeout=30_000) as made:
        window.upkeep._backup_timer.timeout.emit()
    [latest] = Project.backups_of(path)  # keep = 1: the older rolling backup is gone
    assert latest.path == made.args[0] and latest.reason == "timer" and latest.spans == 1


def test_back_up_now(path, make_main_window, qtbot):
    window = make_main_window(path)
    backup_idle(window, qtbot)
    window.findChild(type(window.undo_action), "actionBackup").trigger()
    backup_idle(window, qtbot)
    assert [b.reason for b in Project.backups_of(path)] == ["manual", "open"]
    assert window.last_message.startswith("Backed up to ")


def test_restore_from_backup_brings_back_the_work_and_reloads(path, make_main_window, qtbot, dialogs):
    window = make_main_window(path)
    label_first_word(window, qtbot)  # a span, and the article in progress
    backup_idle(window, qtbot)
    window.back_up_now()
    backup_idle(window, qtbot)
    saved = stored_spans(path)
    window.delete_current_span()
    window.set_status("done")
    assert stored_spans(path) == []

    dialogs.answers["choose_backup"] = lambda backups: next(b for b in backups if b.reason == "manual")
    window.findChild(type(window.undo_action), "actionRestore").trigger()

    assert [b.reason for b in dialogs.offered_backups] == ["manual", "open"]
    assert stored_spans(path) == saved
    assert [s.text for s in window.document_view.spans] == ["Lavrov"]
    assert window.article_model.status_of(window.current_article_id) == "in_progress"
    assert window.controller.undo_stack.count() == 0  # the old steps belonged to the replaced state
    assert window.last_message.startswith("Restored the backup of ")
    assert Project.backups_of(path)[0].reason == "restore"
    assert window._project_upkeep().job is None  # no opening backup of what just came from one
    assert not window.project.read_only and [name for name, _ in claims(path)] == ["ana"]
    window.document_view.select_codepoints(7, 17)
    qtbot.keyClick(window.document_view, "1")  # the window goes on writing
    assert len(stored_spans(path)) == 2


def test_a_refused_or_cancelled_restore_changes_nothing(path, make_main_window, qtbot, dialogs):
    window = make_main_window(path)
    backup_idle(window, qtbot)
    label_first_word(window, qtbot)
    dialogs.answers["choose_backup"] = None
    window.restore_from_backup()
    assert len(stored_spans(path)) == 1

    def vanished(backups: list[BackupInfo]) -> BackupInfo:
        backups[0].path.unlink()
        return backups[0]

    dialogs.answers["choose_backup"] = vanished
    window.restore_from_backup()
    assert dialogs.told[-1][0] == "Restore failed" and "no such backup" in dialogs.told[-1][1]
    assert len(stored_spans(path)) == 1 and window.controller.undo_stack.count() == 1


def test_restore_dialog_offers_only_readable_backups(qtbot, tmp_path):
    good = BackupInfo(tmp_path / "20240117T101502123456Z-manual.annotator", "2024-01-17T10:15:02.123Z", "manual",
                      4, 12, 345)
    broken = BackupInfo(tmp_path / "20240116T090000000000Z-timer.annotator", "2024-01-16T09:00:00.000Z", "timer",
                        problem="<b>damaged</b> file")
    dialog = RestoreDialog("p.annotator", [broken, good])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(1, c).text() for c in (1, 2, 3, 4)] == ["made by hand", "12", "345", "4"]
    assert dialog.chosen() == good  # the first readable one is selected
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.table.selectRow(0)  # the unreadable one cannot be chosen
    assert dialog.chosen() is None and not ok.isEnabled()
    assert dialog.table.item(0, 0).toolTip() != "<b>damaged</b> file"  # shown as plain text, not HTML
    dialog.table.selectRow(1)
    ok.click()
    assert dialog.result() == RestoreDialog.DialogCode.Accepted and dialog.chosen() == good


def test_a_second_window_of_the_same_person_opens_read_only(path, make_main_window, qtbot, dialogs):
    first = make_main_window(path)
    second = make_main_window(path)
    assert not first.project.read_only and second.project.read_only
    assert "read-only" in second.windowTitle()
    title, text, _ = dialogs.told[-1]
    assert title == "Already open for writing" and "ana already has p.annotator open" in text
    for name in ("actionImport", "actionImportFolder", "actionMerge", "actionRestore"):
        assert not second.actions_by_name[name].isEnabled() and first.actions_by_name[name].isEnabled()
    assert second.upkeep.job is None and second.upkeep.last_backup is None  # no backups from a reader
    label_first_word(second, qtbot)
    assert "read-only" in second.last_refusal and stored_spans(path) == []
    label_first_word(first, qtbot)
    assert len(stored_spans(path)) == 1
    budi = make_main_window(path, "budi")  # someone else on the same file writes too
    assert not budi.project.read_only
    assert [name for name, _ in claims(path)] == ["ana", "budi"]
    first.close()
    assert [name for name, _ in claims(path)] == ["budi"]
    second.load_project(str(path), "ana")  # reopened once the other window is gone: writable
    assert not second.project.read_only and second.actions_by_name["actionImport"].isEnabled()


def test_a_claim_left_by_a_killed_window_does_not_block(path, make_main_window, dialogs):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO writer_sessions VALUES ('gone', 'ana', ?, ?, '2024-01-17T10:00:00.000Z', "
                 "'2024-01-17T10:00:00.000Z')", (child.pid, socket.gethostname()))
    conn.commit()
    conn.close()
    window = make_main_window(path)
    assert not window.project.read_only
    assert not any(title == "Already open for writing" for title, _, _ in dialogs.told)
    assert [pid for _, pid in claims(path)] != [child.pid]


def test_closing_the_window_gives_up_its_claim(path, make_main_window):
    window = make_main_window(path)
    assert len(claims(path)) == 1
    window.close()
    assert claims(path) == []
    assert Path(path).exists()


def test_an_old_file_opened_in_the_window_is_backed_up_before_it_is_upgraded(tmp_path, make_main_window, qtbot):
    old = tmp_path / "old.annotator"
    shutil.copy(DATA / "schema-v1.annotator", old)
    window = make_main_window(old)
    backup_idle(window, qtbot)
    reasons = {b.reason: b for b in Project.backups_of(old)}
    assert reasons["upgrade"].schema_version == 1 and reasons["open"].schema_version > 1
    assert "was upgraded" in window.last_message and str(reasons["upgrade"].path) in window.last_message


def test_new_project_may_be_an_empty_file(tmp_path, path, make_main_window, dialogs):
    window = make_main_window(path)
    empty = tmp_path / "empty.annotator"
    empty.write_bytes(b"")
    dialogs.answers["new_project"] = str(empty)
    window.new_project()
    assert window.project.path == str(empty) and not window.project.read_only
    assert window.project.codebook().labels


def test_an_empty_file_is_refused_by_file_open(tmp_path, path, make_main_window, dialogs):
    window = make_main_window(path)
    empty = tmp_path / "empty.annotator"
    empty.write_bytes(b"")
    dialogs.answers["open_project"] = str(empty)
    window.open_project()
    assert "empty file" in dialogs.told[-1][1] and window.project.path == str(path)
    assert empty.stat().st_size == 0
