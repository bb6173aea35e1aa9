"""The window's project and codebook: open, switch, recent files, who is annotating, the codebook;
backups and restore, and the one-window-writes-per-person rule (``Project.open(writer=...)``)."""

from __future__ import annotations

from pathlib import Path

from annotator.model.commands import EditCodebook
from annotator.model.errors import AnnotatorError, NotFound
from annotator.model.types import check_person_name
from annotator.project import Project, WriterSession
from annotator.session import Session
from annotator.ui.controller import ProjectController
from annotator.ui.dialogs.codebook_dialog import CodebookDialog, CodebookEdit
from annotator.ui.dialogs.restore_dialog import local_time
from annotator.ui.models.article_table import ArticleTableModel
from annotator.ui.upkeep import ProjectUpkeep
from annotator.ui.window_base import WindowBase

APP_NAME = "Stance Annotator"
MAX_RECENT = 8
WINDOW_BUSY_TIMEOUT = 1.0
"""Seconds a keypress waits for another program's write (imports commit every ~0.15 s); past
that the edit is refused with a message rather than freezing the window."""
WRITING_ACTIONS = ("actionImport", "actionImportFolder", "actionMerge", "actionRestore")
"""Commands that write to the project from outside the undo stack: off while it is read-only."""


class ProjectParts(WindowBase):
    def load_project(self, project_path: str, annotator: str, *, back_up: bool = True) -> None:
        """Open a project in this window (closing the one shown).

        Everything for the new project is built before the old one is let go, so a project
        that cannot be opened leaves the window on the old one, working. ``back_up``: make the
        opening backup (not after a restore: the file just came from a backup).
        """
        check_person_name(annotator)  # before anything is opened
        old = self.project
        if old is not None:
            self.span_details.commit_pending()  # into the project it was typed for
        same_window = (old is not None and old.path is not None and annotator == self.annotator
                       and Path(old.path).resolve() == Path(project_path).resolve())
        project = Project.open(project_path, busy_timeout=WINDOW_BUSY_TIMEOUT, writer=annotator,
                               replacing=old.writer_session if same_window and old is not None else None)
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
        self.actions_by_name["actionReview"].setChecked(False)  # a new session starts labelling
        self._rejected = {}
        self._forget_similarity_index()
        self._forget_matches()
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
        for name in WRITING_ACTIONS:
            self.actions_by_name[name].setEnabled(not project.read_only)
        if project.writer_elsewhere is not None:
            self._tell_open_elsewhere(Path(project_path).name, annotator, project.writer_elsewhere)
        elif project.read_only:
            self.show_message(f"{Path(project_path).name} is read-only here: you can read and export, "
                              "but edits cannot be saved")
        if project.upgrade_backup is not None:
            self.show_message(f"{Path(project_path).name} was upgraded to this version's schema; the file as "
                              f"it was is kept as the backup {project.upgrade_backup}")
        self._project_upkeep().project_loaded(project, back_up=back_up)
        for source in project.recovered_imports:
            self.show_message(f"An import of {source} did not finish last time and was taken back")
        # The keyboard goes to the text, so the next label key labels (after File → Open it was
        # left in the search box, the first widget in the focus chain).
        self.document_view.setFocus()
        if self._reopen_last_article():
            return
        first = self._next_unfinished_after(None)
        if first is None and self.article_model.rowCount():
            first = self.article_model.article_id(0)
        if first is not None:
            self.open_article(first)
        else:
            self.session.close_article()
            self.document_view.set_article("", [], {})
            self.article_title.setText("No articles yet: File → Import files… (Ctrl+I)")

    def _reopen_last_article(self) -> bool:
        """Open the article this person last had open in this project (True), where they left
        off; False the first time, or if it is gone."""
        remembered = self.settings.value(self._last_article_key())
        try:
            article_id = int(str(remembered))
        except ValueError:
            return False
        try:
            self.open_article(article_id)
        except NotFound:
            return False
        return True

    def _last_article_key(self) -> str:
        """The settings key of the last article opened: one per project file and person."""
        return self._project_settings_key("last_article", self.annotator)

    def _tell_open_elsewhere(self, name: str, annotator: str, holder: WriterSession) -> None:
        text = (f"{annotator} already has {name} open for writing in another window ({holder.where()}). "
                "This window shows it read-only, so that two windows never change the same work; "
                "close the other window, then reopen the project here to write.")
        self.show_message(f"{name} is open for writing in another window of yours: read-only here")
        self.dialogs.info(self, "Already open for writing", text)

    def _project_upkeep(self) -> ProjectUpkeep:
        """Rolling backups and the writer claim of whatever project the window shows (ui/upkeep.py)."""
        upkeep = getattr(self, "upkeep", None)
        if upkeep is None:
            upkeep = self.upkeep = ProjectUpkeep(self.settings, lambda: self.project, self)
            upkeep.sig_message.connect(self.show_message)
        return upkeep

    def back_up_now(self) -> None:
        """File › Back up now: a backup in the background; the status bar says where it went."""
        job = self._project_upkeep().back_up(
            reason="manual", on_done=lambda path: self.show_message(f"Backed up to {path}"))
        if job is None:
            self.show_message("A backup is being made already" if self._project_upkeep().job
                              else "Nothing to back up: the project is read-only here")

    def restore_from_backup(self) -> None:
        """File › Restore from backup…: choose one of the project's backups, restore it whole
        (the present state is backed up first) and show the restored project."""
        assert self.project is not None
        path, annotator = self._project_path(), self.annotator
        name = Path(path).name
        try:
            found = self.project.backups()
        except AnnotatorError as error:
            self._on_job_failed(str(error), title="Restore from backup")
            return
        if not found:
            self.dialogs.info(self, "Restore from backup", f"There are no backups of {name} yet.")
            return
        chosen = self.dialogs.choose_backup(self, name, found)
        if chosen is None:
            return
        try:
            before = self.project.restore(chosen.path)
        except AnnotatorError as error:
            self._on_job_failed(f"Not restored: {error}", title="Restore failed")
            return
        try:
            # A new undo stack: the old steps belong to the replaced state.
            self.load_project(path, annotator, back_up=False)
        except AnnotatorError as error:
            self._on_job_failed(f"Restored, but the project cannot be shown: {error}", title="Restore")
            return
        self.show_message(f"Restored the backup of {local_time(chosen.time)}; the project as it was "
                          f"before is kept as the backup {before.name}")

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
        self.article_model.set_whose("Gold" if self.session.reviewing else "My")

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
            try:
                Project.create(path).close()  # only creating may make an empty file a project
            except AnnotatorError as error:
                self.dialogs.info(self, "Cannot create project", str(error))
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
