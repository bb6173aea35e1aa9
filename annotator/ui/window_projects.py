"""The window's project and codebook: open, switch, recent files, who is annotating, the codebook."""

from __future__ import annotations

from pathlib import Path

from annotator.model.commands import EditCodebook
from annotator.model.errors import AnnotatorError
from annotator.model.types import check_person_name
from annotator.project import Project
from annotator.session import Session
from annotator.ui.controller import ProjectController
from annotator.ui.dialogs.codebook_dialog import CodebookDialog, CodebookEdit
from annotator.ui.models.article_table import ArticleTableModel
from annotator.ui.window_base import WindowBase

APP_NAME = "Stance Annotator"
MAX_RECENT = 8
WINDOW_BUSY_TIMEOUT = 1.0
"""Seconds a keypress waits for another program's write (imports commit every ~0.15 s); past
that the edit is refused with a message rather than freezing the window."""


class ProjectParts(WindowBase):
    def load_project(self, project_path: str, annotator: str) -> None:
        """Open a project in this window (closing the one shown).

        Everything for the new project is built before the old one is let go, so a project
        that cannot be opened leaves the window on the old one, working.
        """
        check_person_name(annotator)  # before anything is opened
        project = Project.open(project_path, busy_timeout=WINDOW_BUSY_TIMEOUT)
        try:
            controller = ProjectController(project, annotator, self)
        except BaseException:
            project.close()
            raise
        old_project, old_controller = self.project, self.controller
        self.project, self.controller = project, controller
        self.session = Session(project, annotator)
        if old_controller is not None:
            self.undo_group.removeStack(old_controller.undo_stack)
            old_controller.setParent(None)
            old_controller.deleteLater()
        if old_project is not None:
            old_project.close()
        self.review_panel.hide()
        controller.sig_changed.connect(self._on_changes)
        controller.sig_error.connect(self._on_edit_refused)
        self.undo_group.addStack(controller.undo_stack)
        self.undo_group.setActiveStack(controller.undo_stack)
        self._set_article_model(controller.annotator.id or 0)
        self.current_article_id = None
        self._reload_codebook()
        self._remember_recent(project_path)
        self._update_title()
        self.statusBar().clearMessage()
        if project.read_only:
            self.show_message(f"{Path(project_path).name} is read-only here: you can read and export, "
                              "but edits cannot be saved")
        for source in project.recovered_imports:
            self.show_message(f"An import of {source} did not finish last time and was taken back")
        first = self._next_unfinished_after(None)
        if first is None and self.article_model.rowCount():
            first = self.article_model.article_id(0)
        if first is not None:
            self.open_article(first)
        else:
            self.session.close_article()
            self.document_view.set_article("", [], {})
            self.article_title.setText("No articles yet: File → Import files… (Ctrl+I)")

    def _set_article_model(self, annotator_id: int) -> None:
        """Point the article list at the open project and whose statuses it shows.

        One model for the window's life, reset in place: a QTableView's setModel leaves the old
        selection models of the view and its headers behind, three per switch.
        """
        assert self.project is not None
        if getattr(self, "article_model", None) is None:
            self.article_model = ArticleTableModel(self.project, annotator_id, self)
            self.article_model.set_filters(**self.article_panel.filters())
            self.article_panel.set_model(self.article_model)
        else:
            self.article_model.set_source(self.project, annotator_id, **self.article_panel.filters())

    def _update_title(self) -> None:
        name = Path(self.project.path).name if self.project and self.project.path else "(memory)"
        mode = " — review" if self.session.reviewing else ""
        read_only = " (read-only)" if self.project and self.project.read_only else ""
        self.setWindowTitle(f"{self.annotator}{mode} — {name}{read_only} — {APP_NAME}")

    def _remember_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self._recent() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent_projects", recent[:MAX_RECENT])
        self.settings.setValue("last_project", path)
        self._fill_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent_projects", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]  # type: ignore[attr-defined]  # QSettings gives object

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self._switch_project(p))
        self.recent_menu.setEnabled(bool(self._recent()))

    def _switch_project(self, path: str) -> None:
        try:
            self.load_project(path, self.annotator)
        except AnnotatorError as error:
            self.show_message(str(error))
            self.dialogs.info(self, "Cannot open project", str(error))

    def new_project(self) -> None:
        path = self.dialogs.new_project(self)
        if path:
            if Path(path).exists() and Path(path).stat().st_size > 0:
                self.dialogs.info(self, "Cannot create project", f"{path} already exists; use Open instead.")
                return
            self._switch_project(path)

    def open_project(self) -> None:
        path = self.dialogs.open_project(self)
        if path:
            self._switch_project(path)

    def change_annotator(self) -> None:
        name = self.dialogs.annotator_name(self, self.annotator)
        if name and name != self.annotator and self.project and self.project.path:
            self.settings.setValue("annotator", name)
            self.load_project(self.project.path, name)

    # -- codebook ------------------------------------------------------------------------

    def _reload_codebook(self) -> None:
        assert self.project is not None
        self.codebook = self.project.codebook()
        self.colors = {label.name: label.color for label in [*self.codebook.labels, *self.codebook.doc_labels]}
        self.hotkeys = {label.hotkey: ("span", label.name) for label in self.codebook.labels if label.hotkey}
        self.hotkeys.update({label.hotkey: ("document", label.name) for label in self.codebook.doc_labels
                             if label.hotkey})
        self.document_view.hotkeys = set(self.hotkeys)
        self.label_model.set_labels(self.codebook.labels)
        self.span_details.set_attributes(self.codebook.attributes)
        self.doc_labels.set_labels(self.codebook.doc_labels)
        self.article_panel.set_labels(self.codebook.labels)
        self.article_panel.set_languages(self.project.article_languages())

    def edit_codebook(self) -> None:
        assert self.project is not None
        project = self.project
        usage = {("span", label.name): project.label_usage(label.name) for label in self.codebook.labels}
        usage |= {("document", label.name): project.label_usage(label.name, "document")
                  for label in self.codebook.doc_labels}
        dialog = CodebookDialog(self.codebook, usage, self.dialogs.pick_color, self)
        dialog.sig_edit_ready.connect(lambda edit: self._apply_codebook_edit(dialog, edit))
        self.codebook_dialog = dialog
        dialog.open()

    def _apply_codebook_edit(self, dialog: CodebookDialog, edit: CodebookEdit) -> None:
        losses = dialog.deletion_summary(edit)
        if losses and not self.dialogs.confirm(
            self, "Delete labels?", f"Deleting {losses} removes them from every annotator. "
            "Undo (Ctrl+Z) brings them back. Delete?"):
            return
        if self.execute(EditCodebook(edit.codebook, edit.renames)):
            dialog.accept()
            self.codebook_dialog = None
