"""What the parts of the main window share: its signals, its state and the few methods every
part calls. ``MainWindow`` (main_window.py) is composed of the parts in ``window_*.py``, each
one concern (projects and codebook, background operations, review), over this base."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction, QUndoGroup
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter

from annotator.model.commands import Changes, Command
from annotator.model.types import Codebook
from annotator.project import Project
from annotator.session import Session

if TYPE_CHECKING:
    from annotator.ui.controller import ProjectController
    from annotator.ui.dialogs.ask import Dialogs
    from annotator.ui.dialogs.codebook_dialog import CodebookDialog
    from annotator.ui.dialogs.dashboard import AgreementDashboard
    from annotator.ui.models.article_table import ArticleTableModel
    from annotator.ui.models.label_list import LabelListModel
    from annotator.ui.operations import Operations
    from annotator.ui.widgets.article_panel import ArticlePanel
    from annotator.ui.widgets.doc_labels import DocLabelBar
    from annotator.ui.widgets.document_view import DocumentView
    from annotator.ui.widgets.review_panel import ReviewPanel
    from annotator.ui.widgets.span_details import SpanDetailsWidget


class WindowBase(QMainWindow):
    sig_article_opened = Signal(int)
    """An article is shown (carries its id)."""
    sig_import_finished = Signal(object)
    """A background import or merge ended; carries the ``ImportReport`` (None if it failed)."""
    sig_export_finished = Signal(str)
    """A background export ended; carries a summary or an error message."""
    sig_dashboard_ready = Signal(object)
    """The agreement dashboard is shown; carries it."""
    sig_operation_finished = Signal(str, object)
    """Emitted exactly once when a background operation ("import", "export", "merge",
    "agreement") ends, done, failed or cancelled: its result, or the error message (a str)."""

    # State, set up by MainWindow.__init__ and load_project.
    dialogs: Dialogs
    settings: QSettings
    undo_group: QUndoGroup
    project: Project | None
    controller: ProjectController | None
    session: Session
    operations: Operations
    current_article_id: int | None
    codebook: Codebook
    colors: dict[str, str]
    hotkeys: dict[str, tuple[str, str]]
    last_message: str
    last_refusal: str
    codebook_dialog: CodebookDialog | None
    dashboard: AgreementDashboard | None
    # Parts of the window, built by MainWindow._build_widgets.
    article_panel: ArticlePanel
    article_model: ArticleTableModel
    document_view: DocumentView
    doc_labels: DocLabelBar
    review_panel: ReviewPanel
    label_model: LabelListModel
    span_details: SpanDetailsWidget
    article_title: QLabel
    status_text: QLabel
    _rejected: dict[int, set[tuple[int, int, str]]]
    splitter: QSplitter
    recent_menu: QMenu
    actions_by_name: dict[str, QAction]

    @property
    def annotator(self) -> str:
        return self.session.annotator if hasattr(self, "session") else ""

    def show_message(self, message: str) -> None:
        self.last_message = message
        self.statusBar().showMessage(message, 8000)

    def _project_path(self) -> str:
        """The open project's file (a window never shows an in-memory project)."""
        assert self.project is not None
        assert self.project.path is not None
        return self.project.path

    def _project_settings_key(self, kind: str, person: str | None = None) -> str:
        """A QSettings key for something remembered per project file (and per ``person``):
        ``kind/`` and a short hash of the file's full path."""
        place = str(Path(self._project_path()).resolve()) + (f"\n{person}" if person is not None else "")
        return f"{kind}/" + hashlib.sha1(place.encode("utf-8")).hexdigest()[:16]

    def _on_job_failed(self, message: str, *, title: str = "Failed") -> None:
        self.show_message(message)
        self.dialogs.info(self, title, message)

    # Implemented by MainWindow or one of the parts; declared here so that every part can call them.
    def open_article(self, article_id: int) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def execute(self, command: Command | None) -> bool:
        raise NotImplementedError

    def _reload_codebook(self) -> None:
        raise NotImplementedError

    def _update_status(self) -> None:
        raise NotImplementedError

    def _forget_similarity_index(self) -> None:
        raise NotImplementedError

    def _forget_matches(self) -> None:
        raise NotImplementedError

    def _suggestions_follow(self, changes: Changes) -> None:
        raise NotImplementedError

    def _show_span_details(self) -> None:
        raise NotImplementedError

    def _on_changes(self, changes: Changes) -> None:
        raise NotImplementedError

    def _on_edit_refused(self, message: str) -> None:
        raise NotImplementedError

    def _next_unfinished_after(self, article_id: int | None) -> int | None:
        raise NotImplementedError

    def _set_article_model(self, annotator_id: int) -> None:
        raise NotImplementedError

    def _update_title(self) -> None:
        raise NotImplementedError

    def _refresh_review_groups(self) -> None:
        raise NotImplementedError
