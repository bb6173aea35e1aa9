"""Every question the window asks the user, in one replaceable object.

Most of these block in ``exec()``; tests give the window a fake ``Dialogs`` with scripted
answers, so no code path a test reaches ever opens a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.model.types import Label
from annotator.project import BackupInfo
from annotator.ui.dialogs.export_dialog import ExportDialog, ExportOptions, ExportRunner, checked_names, checklist
from annotator.ui.dialogs.matches_dialog import MatchAnswer, MatchesDialog
from annotator.ui.dialogs.restore_dialog import RestoreDialog
from annotator.ui.plain import plain_label, set_plain

PROJECT_FILTER = "Stance Annotator projects (*.annotator);;SQLite files (*.sqlite *.db);;All files (*)"
IMPORT_FILTER = "Articles (*.txt *.md *.html *.htm *.jsonl *.ndjson *.json *.csv);;All files (*)"


NO_TITLE_FIELD = "— none —"


def _likely(fields: list[str], names: tuple[str, ...], missing: int = 0) -> int:
    """The index of the first field whose name contains one of ``names`` (in their order of
    preference), or ``missing``."""
    for name in names:
        for index, field in enumerate(fields):
            if name in field.casefold():
                return index
    return missing


LONG_MESSAGE_LINES = 24
"""From this many lines on, ``Dialogs.info`` shows a message as ``long_message``."""


def long_message(parent: QWidget | None, title: str, text: str) -> QDialog:
    """A non-modal window with ``text`` as plain text, scrolling, and an OK button; sized to
    the text but at most four fifths of the screen's height (deleted on closing)."""
    dialog = QDialog(parent)
    dialog.setObjectName("longMessage")
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    layout = QVBoxLayout(dialog)
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setPlainText(text)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    layout.addWidget(view)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    buttons.accepted.connect(dialog.close)
    layout.addWidget(buttons)
    metrics = view.fontMetrics()
    lines = text.splitlines() or [""]
    width = max(metrics.horizontalAdvance(line) for line in lines) + 60
    height = metrics.lineSpacing() * len(lines) + buttons.sizeHint().height() + 60
    screen = (parent.screen() if parent is not None else dialog.screen()).availableGeometry()
    dialog.resize(min(width, screen.width() * 4 // 5), min(height, screen.height() * 4 // 5))
    return dialog


class Dialogs:
    def _folder(self, kind: str) -> str:
        """Where a file dialog of this kind starts: the folder last chosen in one this session,
        else the home folder (it started in the working directory: the app's own checkout,
        when started with ``make run``)."""
        return self.__dict__.get("_folders", {}).get(kind) or str(Path.home())

    def _chose(self, kind: str, path: str, *, is_folder: bool = False) -> str:
        """Remember the folder of the file ``path`` chosen (the folder itself with
        ``is_folder``), if any, for the next dialog of ``kind``."""
        if path:
            self.__dict__.setdefault("_folders", {})[kind] = path if is_folder else str(Path(path).parent)
        return path

    def new_project(self, parent: QWidget) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, "New project", self._folder("project"), PROJECT_FILTER)
        if not self._chose("project", path):
            return None
        return path if Path(path).suffix else path + ".annotator"

    def open_project(self, parent: QWidget) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open project", self._folder("project"), PROJECT_FILTER)
        return self._chose("project", path) or None

    def import_files(self, parent: QWidget) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(parent, "Import articles", self._folder("import"), IMPORT_FILTER)
        if paths:
            self._chose("import", paths[0])
        return list(paths)

    def import_folder(self, parent: QWidget) -> str | None:
        folder = QFileDialog.getExistingDirectory(parent, "Import a folder of articles", self._folder("import"))
        return self._chose("import", folder, is_folder=True) or None

    def export_options(self, parent: QWidget, annotators: list[str], labels: list[str], me: str,
                       preview: Callable[[ExportOptions], tuple[int, int]] | None = None,
                       run: ExportRunner | None = None,
                       remembered: ExportOptions | None = None,
                       languages: list[tuple[str, int]] | None = None) -> ExportOptions | None:
        """The export settings, starting from ``remembered``. With ``run`` the dialog runs the
        export itself and stays open until it succeeds (a failure is shown inside it); it then
        returns the options exported, or ``None`` if the user closed it."""
        dialog = ExportDialog(annotators, labels, me, parent, preview=preview, run=run, remembered=remembered,
                              languages=languages)
        accepted = dialog.exec() == ExportDialog.DialogCode.Accepted
        options = dialog.exported if run is not None else dialog.options()
        dialog.deleteLater()
        return options if accepted else None

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        # Not QMessageBox.question(): its text is AutoText, and ``text`` quotes label names.
        box = set_plain(QMessageBox(
            QMessageBox.Icon.Question, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent))
        answer = box.exec()
        box.deleteLater()
        return answer == QMessageBox.StandardButton.Yes

    def extend_or_add(self, parent: QWidget, label: str, existing_text: str, selected_text: str) -> str | None:
        """The selection overlaps a span with the same label: ``"extend"`` that span to cover
        both, ``"add"`` a second span, or None (cancel)."""
        box = set_plain(QMessageBox(
            QMessageBox.Icon.Question, "Extend the span?",
            f"“{selected_text}” overlaps “{existing_text}”, which is labelled {label} already.\n"
            "Extend that span to cover both, or add a second span?",
            QMessageBox.StandardButton.Cancel, parent))
        extend = box.addButton("&Extend", QMessageBox.ButtonRole.AcceptRole)
        add = box.addButton("&Add another", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(extend)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return "extend" if clicked is extend else "add" if clicked is add else None

    def annotate_all(self, parent: QWidget, labels: Sequence[Label], selected_text: str,
                     default_label: str | None) -> MatchAnswer | None:
        """Assist › Annotate all matches: ``(label, text or None for the label's rules, scope
        "article" or "project")``, or None (cancel)."""
        dialog = MatchesDialog(labels, selected_text, default_label, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        answer = dialog.answer()
        dialog.deleteLater()
        return answer if accepted else None

    def annotator_name(self, parent: QWidget, current: str) -> str | None:
        name, ok = QInputDialog.getText(parent, "Annotator", "Your name as annotator:", text=current)
        return name.strip() if ok and name.strip() else None

    def pick_color(self, parent: QWidget, current: str) -> str | None:
        color = QColorDialog.getColor(QColor(current), parent, "Label colour")
        return color.name() if color.isValid() else None

    def choose_annotators(self, parent: QWidget, names: list[str], preselected: list[str]) -> list[str] | None:
        """Which annotators to compare in review mode (at least one)."""
        dialog = QDialog(parent)
        dialog.setWindowTitle("Review: compare annotators")
        dialog.setMinimumWidth(380)  # the title was cut to "Review: com… annotators"
        layout = QVBoxLayout(dialog)
        layout.addWidget(plain_label("Compare the work of:"))
        names_list = checklist(names, set(preselected))
        layout.addWidget(names_list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return checked_names(names_list) or None

    def merge_sources(self, parent: QWidget) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(
            parent, "Merge colleagues' project files or JSONL exports", self._folder("project"),
            "Projects and exports (*.annotator *.sqlite *.db *.jsonl);;All files (*)")
        if paths:
            self._chose("project", paths[0])
        return list(paths)

    def rename_clash(self, parent: QWidget, name: str, source: str) -> str | None:
        """A different person called ``name`` arrives from ``source``: under which name to merge."""
        dialog = QInputDialog(parent)
        dialog.setWindowTitle("Two people, one name")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setLabelText(
            f"“{name}” in {source} is not this project's “{name}” (different annotator id).\n"
            "Merge their work under another name:")
        # QInputDialog has no text-format switch; its one QLabel quotes a name and a file path.
        for label in dialog.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)
        dialog.setTextValue(f"{name} (2)")
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        new_name = dialog.textValue()
        dialog.deleteLater()
        return new_name.strip() if ok and new_name.strip() and new_name.strip() != name else None

    def choose_text_field(self, parent: QWidget, file_name: str, fields: list[str]) -> tuple[str, str | None] | None:
        """A file of records has no ``text`` column: which of ``fields`` holds the article text,
        and which (if any) the title; None cancels."""
        dialog = QDialog(parent)
        dialog.setObjectName("chooseTextField")
        dialog.setWindowTitle("Which column is the text?")
        layout = QFormLayout(dialog)
        layout.addRow(plain_label(f"{file_name} has no column called “text”. Import it with these columns:"))
        text, title = QComboBox(), QComboBox()
        text.setObjectName("textField")
        title.setObjectName("titleField")
        text.addItems(fields)
        title.addItem(NO_TITLE_FIELD)
        title.addItems(fields)
        # Likely names first: a body or content column for the text, a headline for the title.
        text.setCurrentIndex(_likely(fields, ("body", "content", "article", "isi", "teks", "text")))
        title.setCurrentIndex(_likely(fields, ("title", "headline", "judul"), missing=-1) + 1)
        layout.addRow("Article text", text)
        layout.addRow("Title", title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addRow(buttons)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        chosen = text.currentText(), (title.currentText() if title.currentIndex() > 0 else None)
        dialog.deleteLater()
        return chosen if ok and chosen[0] else None

    def choose_backup(self, parent: QWidget, project_name: str, backups: list[BackupInfo]) -> BackupInfo | None:
        """Which backup to restore (None: cancel)."""
        dialog = RestoreDialog(project_name, backups, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        chosen = dialog.chosen()
        dialog.deleteLater()
        return chosen if accepted else None

    def save_file(self, parent: QWidget, title: str, suggested: str, filter_text: str) -> str | None:
        if suggested and Path(suggested).parent == Path("."):  # a bare name: in the last folder used
            suggested = str(Path(self._folder("save")) / suggested)
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filter_text)
        return self._chose("save", path) or None

    def info(self, parent: QWidget, title: str, text: str, details: str = "") -> None:
        """A non-blocking message (``open()``, not ``exec()``), shown as plain text: messages
        quote file names, file contents and label names. A text of more lines than fit a small
        screen (the F1 shortcuts) scrolls in a window of its own, never taller than the screen."""
        if text.count("\n") >= LONG_MESSAGE_LINES and not details:
            long_message(parent, title, text).show()
            return
        box = set_plain(QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent))
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.open()
