"""GUI fixtures. The offscreen platform is set before Qt starts, and QSettings goes to a
temporary folder so tests never touch the user's settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings

from annotator.ui.main_window import MainWindow


class FakeDialogs:
    """Scripted answers for every question the window asks; records what it was told."""

    def __init__(self):
        self.answers: dict[str, object] = {}
        self.told: list[tuple[str, str, str]] = []
        self.confirmations: list[str] = []

    def _answer(self, name, default=None):
        return self.answers.get(name, default)

    def new_project(self, parent):
        return self._answer("new_project")

    def open_project(self, parent):
        return self._answer("open_project")

    def import_files(self, parent):
        return self._answer("import_files", [])

    def import_folder(self, parent):
        return self._answer("import_folder")

    def export_options(self, parent, annotators, labels, me, preview=None, run=None, remembered=None, languages=None):
        """Returns the scripted options without running them (the window then exports them
        itself); keeps ``preview``, ``run``, ``remembered`` and ``languages`` for tests that
        drive a real ``ExportDialog`` with them."""
        self.preview, self.run, self.remembered, self.languages = preview, run, remembered, languages
        return self._answer("export_options")

    def confirm(self, parent, title, text):
        self.confirmations.append(text)
        return self._answer("confirm", True)

    def extend_or_add(self, parent, label, existing_text, selected_text):
        self.confirmations.append(f"extend {existing_text!r} with {selected_text!r} ({label})")
        return self._answer("extend_or_add", "extend")

    def annotate_all(self, parent, labels, selected_text, default_label):
        """Returns the scripted ``(label, text or None, scope)``; keeps what it was offered."""
        self.annotate_all_offered = (list(labels), selected_text, default_label)
        return self._answer("annotate_all")

    def annotator_name(self, parent, current):
        return self._answer("annotator_name")

    def pick_color(self, parent, current):
        return self._answer("pick_color")

    def choose_annotators(self, parent, names, preselected):
        return self._answer("choose_annotators")

    def merge_sources(self, parent):
        return self._answer("merge_sources", [])

    def rename_clash(self, parent, name, source):
        return self._answer("rename_clash")

    def choose_text_field(self, parent, file_name, fields):
        """Returns the scripted ``(text, title)`` columns; keeps what it was asked."""
        self.confirmations.append(f"text field of {file_name} among {', '.join(fields)}")
        return self._answer("choose_text_field")

    def choose_backup(self, parent, project_name, backups):
        """Returns the scripted answer: a ``BackupInfo``, or a callable picking one from ``backups``."""
        self.offered_backups = backups
        answer = self._answer("choose_backup")
        return answer(backups) if callable(answer) else answer

    def save_file(self, parent, title, suggested, filter_text):
        return self._answer("save_file")

    def info(self, parent, title, text, details=""):
        self.told.append((title, text, details))


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs():
    return FakeDialogs()


@pytest.fixture
def make_main_window(qtbot, settings, dialogs):
    """Factory for windows on a project file; closes them (and their project) afterwards."""
    windows = []

    def make(project_path, annotator="ana"):
        window = MainWindow(str(project_path), annotator, dialogs=dialogs, settings=settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        # Window shortcuts (undo, Ctrl+Enter, Alt+arrows) only fire in the active window.
        window.activateWindow()
        qtbot.waitUntil(lambda: window.isActiveWindow())
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


TEXT = "Lavrov mengkritik AS. Choe menyerukan perundingan damai."


@pytest.fixture
def path(tmp_path):
    """A project with two articles, the first one ``TEXT``."""
    from tests.ui.test_main_window import make_project

    path = tmp_path / "p.annotator"
    make_project(path, [TEXT, "Artikel kedua tentang kerja sama."])
    return path


def label_first_word(window, qtbot) -> None:
    window.document_view.select_codepoints(0, 6)
    qtbot.keyClick(window.document_view, "1")
