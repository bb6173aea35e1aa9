"""The main window: article list, document view, label palette and span details.

Testing contract (README "GUI testing contract"): ``MainWindow(project_path, annotator)``
builds without any dialog; ``open_article(id)`` returns with text and highlights in place;
object names ``articleList``, ``documentView``, ``labelPalette``, ``spanDetails``; label
hotkeys act on ``documentView``'s selection.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QProgressDialog,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.io.exporting import ExportSummary
from annotator.model.commands import Changes, Command, EditCodebook
from annotator.model.errors import AnnotatorError
from annotator.model.types import GOLD, Annotation, Codebook, check_person_name
from annotator.project import ImportReport, Project
from annotator.review.compare import SpanGroup
from annotator.session import EditRefused, Session
from annotator.ui.controller import ProjectController
from annotator.ui.dialogs.ask import Dialogs
from annotator.ui.dialogs.codebook_dialog import CodebookDialog, CodebookEdit
from annotator.ui.dialogs.dashboard import AgreementDashboard
from annotator.ui.dialogs.export_dialog import ExportOptions
from annotator.ui.models.article_table import ArticleIdRole, ArticleTableModel
from annotator.ui.models.label_list import LabelListModel, LabelNameRole
from annotator.ui.models.review_groups import ReviewGroupModel
from annotator.ui.operations import Operations, agreement_work, export_work, import_work, merge_work
from annotator.ui.plain import plain_label, plain_tooltip
from annotator.ui.widgets.doc_labels import DocLabelBar
from annotator.ui.widgets.document_view import DocumentView
from annotator.ui.widgets.span_details import SpanDetailsWidget
from annotator.ui.workers import Job

APP_NAME = "Stance Annotator"
MAX_RECENT = 8


def app_settings() -> QSettings:
    return QSettings("StanceAnnotator", "Stance Annotator")


class MainWindow(QMainWindow):
    sig_article_opened = Signal(int)
    """An article is shown (carries its id)."""
    sig_import_finished = Signal(object)
    """A background import ended; carries the ``ImportReport``."""
    sig_export_finished = Signal(str)
    """A background export ended; carries a summary or an error message."""
    sig_dashboard_ready = Signal(object)
    """The agreement dashboard is shown; carries it."""
    sig_operation_finished = Signal(str, object)
    """Emitted exactly once when a background operation ("import", "export", "merge",
    "agreement") ends, done, failed or cancelled: its result, or the error message (a str)."""

    def __init__(self, project_path: str, annotator: str, *, dialogs: Dialogs | None = None,
                 settings: QSettings | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.dialogs = dialogs or Dialogs()
        self.settings = settings or app_settings()
        self.undo_group = QUndoGroup(self)
        self.project: Project | None = None
        self.controller: ProjectController | None = None
        self.session: Session
        self.current_article_id: int | None = None
        self.codebook = Codebook()
        self.colors: dict[str, str] = {}
        self.hotkeys: dict[str, tuple[str, str]] = {}  # key -> (scope, label)
        self.last_message = ""
        self.operations = Operations(self)
        self.operations.sig_finished.connect(self.sig_operation_finished)
        self.codebook_dialog: CodebookDialog | None = None
        self.last_refusal = ""
        self.dashboard: AgreementDashboard | None = None
        self._build_widgets()
        self._build_actions()
        self.load_project(project_path, annotator)
        self.resize(1400, 820)
        self.splitter.setSizes([430, 680, 290])
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter_state = self.settings.value("window/splitter")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)

    # -- construction --------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("articleSearch")
        self.search.setPlaceholderText("Search text (Enter)")
        self.search.returnPressed.connect(self._on_filters_changed)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for text, value in (("All", None), ("Not started", "not_started"),
                            ("In progress", "in_progress"), ("Done", "done")):
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(lambda _=0: self._on_filters_changed())
        self.label_filter = QComboBox()
        self.label_filter.setObjectName("labelFilter")
        self.label_filter.currentIndexChanged.connect(lambda _=0: self._on_filters_changed())
        self.article_list = QTableView()
        self.article_list.setObjectName("articleList")
        self.article_list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.article_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.article_list.setSortingEnabled(True)
        self.article_list.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.article_list.verticalHeader().setVisible(False)
        self.article_list.verticalHeader().setDefaultSectionSize(22)
        self.article_list.setWordWrap(False)
        self.article_list.activated.connect(self._on_article_activated)
        self.article_list.clicked.connect(self._on_article_activated)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.label_filter)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.article_list)

        self.doc_labels = DocLabelBar()
        self.doc_labels.sig_toggled.connect(self._on_doc_label_toggled)
        self.document_view = DocumentView()
        self.document_view.sig_label_key.connect(self._on_label_key)
        self.document_view.sig_delete_requested.connect(self.delete_current_span)
        self.document_view.sig_span_step.connect(self.step_span)
        self.document_view.sig_span_clicked.connect(self._on_span_clicked)
        self.document_view.sig_selection_made.connect(lambda: self.span_details.show_span(None))
        self.article_title = plain_label("")
        self.article_title.setObjectName("articleTitle")
        self.article_title.setWordWrap(True)
        self.article_title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.review_model = ReviewGroupModel(self)
        self.review_table = QTableView()
        self.review_table.setObjectName("reviewTable")
        self.review_table.setModel(self.review_model)
        self.review_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.review_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.review_table.verticalHeader().setVisible(False)
        self.review_table.horizontalHeader().setStretchLastSection(False)
        self.review_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.review_table.selectionModel().currentRowChanged.connect(lambda current, _: self._on_group_selected(current.row()))
        self.review_table.installEventFilter(self)
        self.review_label = plain_label("")
        self.review_label.setObjectName("reviewHeader")
        review_panel = QWidget()
        review_layout = QVBoxLayout(review_panel)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addWidget(self.review_label)
        review_layout.addWidget(self.review_table)
        self.review_panel = review_panel
        review_panel.hide()
        document_split = QSplitter(Qt.Orientation.Vertical)
        document_split.addWidget(self.document_view)
        document_split.addWidget(review_panel)
        document_split.setStretchFactor(0, 3)
        document_split.setStretchFactor(1, 1)
        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        center_layout.addWidget(self.article_title)
        center_layout.addWidget(self.doc_labels)
        center_layout.addWidget(document_split, 1)

        self.label_model = LabelListModel()
        self.palette = QListView()
        self.palette.setObjectName("labelPalette")
        self.palette.setModel(self.label_model)
        self.palette.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # clicking keeps the text selection
        self.palette.clicked.connect(self._on_palette_clicked)
        self.span_details = SpanDetailsWidget()
        self.span_details.sig_attributes_edited.connect(
            lambda uuid, attributes: self._edit_span(lambda: self.session.set_attributes(uuid, attributes)))
        self.span_details.sig_note_edited.connect(
            lambda uuid, note: self._edit_span(lambda: self.session.set_note(uuid, note)))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("Labels (press the key, or click)"))
        right_layout.addWidget(self.palette, 1)
        right_layout.addWidget(self.span_details)

        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(center)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 2)
        self.setCentralWidget(self.splitter)
        self.status_text = plain_label("")
        self.statusBar().addPermanentWidget(self.status_text)

    def _action(self, text: str, slot, shortcuts=(), name: str = "") -> QAction:
        action = QAction(text, self)
        if name:
            action.setObjectName(name)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self._action("&New project…", self.new_project, [QKeySequence.StandardKey.New], "actionNew"))
        file_menu.addAction(self._action("&Open project…", self.open_project, [QKeySequence.StandardKey.Open], "actionOpen"))
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Import files…", self.import_files, ["Ctrl+I"], "actionImport"))
        file_menu.addAction(self._action("Import &folder…", self.import_folder, [], "actionImportFolder"))
        file_menu.addAction(self._action("&Merge colleagues' work…", self.merge_files, [], "actionMerge"))
        file_menu.addAction(self._action("&Export…", self.export, ["Ctrl+E"], "actionExport"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, [QKeySequence.StandardKey.Quit], "actionQuit"))

        edit_menu = menu.addMenu("&Edit")
        # Undo and redo go through the controller, which moves the stack only once the project
        # has taken the step (QUndoGroup's own actions would move it first).
        self.undo_action = self._action("&Undo", lambda: self.controller and self.controller.undo(),
                                        ["Ctrl+Z"], "actionUndo")
        self.redo_action = self._action("&Redo", lambda: self.controller and self.controller.redo(),
                                        ["Ctrl+Shift+Z", "Ctrl+Y"], "actionRedo")
        for action, can, text, verb in (
                (self.undo_action, self.undo_group.canUndoChanged, self.undo_group.undoTextChanged, "&Undo"),
                (self.redo_action, self.undo_group.canRedoChanged, self.undo_group.redoTextChanged, "&Redo")):
            action.setEnabled(False)
            can.connect(action.setEnabled)
            text.connect(lambda step, action=action, verb=verb: action.setText(f"{verb} {step}".strip()))
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("&Delete span", self.delete_current_span, [], "actionDeleteSpan"))
        self.snap_action = QAction("&Snap selections to words", self)
        self.snap_action.setObjectName("actionSnap")
        self.snap_action.setCheckable(True)
        self.snap_action.setChecked(self.settings.value("snap_to_words", True, type=bool))
        self.snap_action.toggled.connect(lambda on: self.settings.setValue("snap_to_words", on))
        edit_menu.addAction(self.snap_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("Edit &codebook…", self.edit_codebook, ["Ctrl+K"], "actionCodebook"))
        edit_menu.addAction(self._action("Change &annotator…", self.change_annotator, [], "actionAnnotator"))

        go_menu = menu.addMenu("&Go")
        go_menu.addAction(self._action("Mark done and open &next unfinished", self.mark_done_and_next,
                                       ["Ctrl+Return", "Ctrl+Enter"], "actionDoneNext"))
        go_menu.addAction(self._action("Next &article", lambda: self.step_article(1), ["Alt+Right"], "actionNextArticle"))
        go_menu.addAction(self._action("&Previous article", lambda: self.step_article(-1), ["Alt+Left"], "actionPreviousArticle"))
        go_menu.addAction(self._action("Next &unfinished article", self.open_next_unfinished, ["Ctrl+U"], "actionNextUnfinished"))
        go_menu.addAction(self._action("Mark &in progress", lambda: self._set_status("in_progress"), [], "actionInProgress"))
        go_menu.addAction(self._action("&Search articles", self.search.setFocus, [QKeySequence.StandardKey.Find], "actionFind"))
        go_menu.addAction(self._action("&Refresh (other programs' changes)", self.refresh,
                                       [QKeySequence.StandardKey.Refresh], "actionRefresh"))
        go_menu.addAction(self._action("&Text", self.document_view.setFocus, ["Ctrl+T"], "actionFocusText"))

        review_menu = menu.addMenu("&Review")
        review_menu.addAction(self._action("&Review mode: compare annotators…", self.toggle_review, ["Ctrl+R"], "actionReview"))
        review_menu.addAction(self._action("&Next disagreement", lambda: self.next_disagreement(1), ["F8"], "actionNextDisagreement"))
        review_menu.addAction(self._action("&Previous disagreement", lambda: self.next_disagreement(-1), ["Shift+F8"], "actionPreviousDisagreement"))
        review_menu.addAction(self._action("&Accept into gold (Enter in the table)", self.accept_group, ["Ctrl+Shift+A"], "actionAccept"))
        review_menu.addAction(self._action("Re&ject (Delete in the table)", self.reject_group, ["Ctrl+Shift+X"], "actionReject"))
        review_menu.addSeparator()
        review_menu.addAction(self._action("Agreement &dashboard…", self.open_dashboard, ["Ctrl+Shift+D"], "actionDashboard"))

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, [QKeySequence.StandardKey.HelpContents], "actionShortcuts"))

    # -- project -------------------------------------------------------------------------

    def load_project(self, project_path: str, annotator: str) -> None:
        """Open a project in this window (closing the one shown).

        Everything for the new project is built before the old one is let go, so a project
        that cannot be opened leaves the window on the old one, working.
        """
        check_person_name(annotator)  # before anything is opened
        project = Project.open(project_path)
        try:
            controller = ProjectController(project, annotator, self)
        except BaseException:
            project.close()
            raise
        old_project, old_controller, old_model = self.project, self.controller, getattr(self, "article_model", None)
        self.project, self.controller = project, controller
        self.session = Session(project, annotator)
        if old_controller is not None:
            self.undo_group.removeStack(old_controller.undo_stack)
            old_controller.deleteLater()
        if old_project is not None:
            old_project.close()
        self.review_panel.hide()
        controller.sig_changed.connect(self._on_changes)
        controller.sig_error.connect(self._on_edit_refused)
        self.undo_group.addStack(controller.undo_stack)
        self.undo_group.setActiveStack(controller.undo_stack)
        self._set_article_model(controller.annotator.id or 0)
        if old_model is not None:
            old_model.deleteLater()
        header = self.article_list.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 200)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.current_article_id = None
        self._reload_codebook()
        self.article_model.refresh()
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
        """A new article list model for whose statuses it shows; the old one is deleted."""
        old = getattr(self, "article_model", None)
        self.article_model = ArticleTableModel(self.project, annotator_id, self)
        self.article_list.setModel(self.article_model)
        if old is not None and old.parent() is self:
            old.setParent(None)
            old.deleteLater()

    @property
    def annotator(self) -> str:
        return self.controller.annotator_name if self.controller else ""

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
        return [str(v) for v in (value or [])]

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
        self.hotkeys.update({label.hotkey: ("document", label.name) for label in self.codebook.doc_labels if label.hotkey})
        self.document_view.hotkeys = set(self.hotkeys)
        self.label_model.set_labels(self.codebook.labels)
        self.span_details.set_attributes(self.codebook.attributes)
        self.doc_labels.set_labels(self.codebook.doc_labels)
        current = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem("Any label", None)
        for label in self.codebook.labels:
            self.label_filter.addItem(label.name, label.name)
        self.label_filter.setCurrentIndex(max(self.label_filter.findData(current), 0))
        self.label_filter.blockSignals(False)

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
        if self._execute(EditCodebook(edit.codebook, edit.renames)):
            dialog.accept()
            self.codebook_dialog = None

    # -- articles ------------------------------------------------------------------------

    def open_article(self, article_id: int) -> None:
        """Show an article; returns with its text and highlights in place."""
        assert self.project is not None and self.controller is not None
        self.session.open_article(article_id)
        article = self.project.article(article_id)
        self.current_article_id = article_id
        self.document_view.set_article(article.text, self.session.spans, self.colors, self._lanes())
        self.article_title.setText(article.title or f"Article {article_id}")
        self.article_title.setToolTip(plain_tooltip(" · ".join(filter(None, [article.source, article.published,
                                                                              article.url]))))
        self._refresh_doc_labels()
        self.span_details.show_span(None)
        row = self.article_model.row_of(article_id)
        if row is not None:
            index = self.article_model.index(row, 0)
            self.article_list.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.article_list.scrollTo(index)
        self._refresh_review_groups()
        self._update_status()
        self.sig_article_opened.emit(article_id)

    @property
    def edit_layer(self) -> str:
        """Whose spans edits change: your own, or the gold layer in review mode."""
        return self.session.edit_layer

    @property
    def review_annotators(self) -> list[str] | None:
        """The compared annotators in review mode, else None."""
        return list(self.session.mode.compared) if self.session.reviewing else None

    def _lanes(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.session.mode.compared)}

    def _refresh_doc_labels(self) -> None:
        self.doc_labels.set_present(self.session.doc_labels_present())

    def _on_article_activated(self, index: QModelIndex) -> None:
        article_id = index.data(ArticleIdRole)
        if article_id is not None and article_id != self.current_article_id:
            self.open_article(article_id)

    def _on_filters_changed(self) -> None:
        self.article_model.set_filters(
            status=self.status_filter.currentData(),
            label=self.label_filter.currentData(),
            query=self.search.text().strip() or None,
        )
        if self.article_model.last_error:
            self.show_message(self.article_model.last_error)
        if self.current_article_id is not None:
            row = self.article_model.row_of(self.current_article_id)
            if row is not None:
                self.article_list.selectRow(row)
        self._update_status()

    def step_article(self, step: int) -> None:
        ids = self.article_model.ids()
        if not ids:
            return
        if self.current_article_id in ids:
            position = ids.index(self.current_article_id) + step
        else:
            position = 0 if step > 0 else len(ids) - 1
        if 0 <= position < len(ids):
            self.open_article(ids[position])
        else:
            self.show_message("No more articles in the list")

    def _next_unfinished_after(self, article_id: int | None) -> int | None:
        ids = self.article_model.ids()
        start = ids.index(article_id) + 1 if article_id in ids else 0
        for candidate in ids[start:] + ids[:start]:
            if candidate != article_id and self.article_model.status_of(candidate) != "done":
                return candidate
        return None

    def open_next_unfinished(self) -> None:
        following = self._next_unfinished_after(self.current_article_id)
        if following is None:
            self.show_message("Every article in the list is done")
        else:
            self.open_article(following)

    def mark_done_and_next(self) -> None:
        if self.current_article_id is None:
            return
        if self._set_status("done"):
            if self.review_annotators is not None:
                self.next_disagreement(1, other_article=True)
            else:
                self.open_next_unfinished()

    def _set_status(self, status: str) -> bool:
        if self.current_article_id is None:
            return False
        return self._execute(self.session.set_status(status))

    # -- labelling -----------------------------------------------------------------------

    def _execute(self, command: Command | None) -> bool:
        """Run an edit through the controller (and its undo stack); False if refused."""
        assert self.controller is not None
        if command is None:
            return False
        return self.controller.execute(command)

    def _on_edit_refused(self, message: str) -> None:
        """An edit the project refused is never silent: status bar at once, and a note in the
        window's log of refusals (``last_refusal``) for scripts and tests."""
        self.last_refusal = message
        self.show_message(f"Not saved: {message}")

    def _on_label_key(self, key: str) -> None:
        scope, label = self.hotkeys[key]
        if scope == "document":
            present = self.doc_labels.buttons[label].isChecked() if label in self.doc_labels.buttons else False
            self._on_doc_label_toggled(label, not present)
        else:
            self.apply_label(label)

    def _on_palette_clicked(self, index: QModelIndex) -> None:
        self.apply_label(index.data(LabelNameRole))
        self.document_view.setFocus()

    def apply_label(self, label: str) -> None:
        """Label the selected text, or relabel the selected span."""
        if self.current_article_id is None:
            return
        try:
            selection = self.document_view.selection_codepoints()
            if selection is not None:
                command = self.session.label_selection(*selection, label, snap=self.snap_action.isChecked())
                if self._execute(command):
                    self.document_view.select_span(command.uuid)
                    self._show_span_details()
                return
            current = self.document_view.current_span
            if current:
                self._execute(self.session.relabel(current, label))
                return
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        self.show_message("Select some text first (mouse, or Shift+arrows), then press a label key")

    def delete_current_span(self) -> None:
        try:
            command, following = self.session.delete(self.document_view.current_span or "")
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        if self._execute(command):
            self.document_view.select_span(following)
            self._show_span_details()

    def step_span(self, step: int) -> None:
        cursor = self.document_view.offsets.to_codepoint(self.document_view.textCursor().position())
        target = self.session.step_span(self.document_view.current_span, cursor, step)
        if target is None:
            self.show_message("No spans in this article yet")
            return
        self.document_view.select_span(target)
        self._show_span_details()

    def _span(self, uuid: str) -> Annotation | None:
        return self.session.span(uuid)

    def _on_span_clicked(self, uuid: str) -> None:
        self.document_view.select_span(uuid or None)
        self._show_span_details()
        span = self._span(uuid) if uuid else None
        if span is not None and self.review_annotators is not None:
            for row, group in enumerate(self.review_model.groups()):
                if (group.start, group.end, group.label) == (span.start, span.end, span.label):
                    self.review_table.selectRow(row)
                    break

    def _show_span_details(self) -> None:
        current = self.document_view.current_span
        self.span_details.show_span(self._span(current) if current else None)

    def _on_doc_label_toggled(self, label: str, present: bool) -> None:
        if self.current_article_id is not None:
            self._execute(self.session.set_doc_label(label, present))
        self._refresh_doc_labels()

    def _edit_span(self, make: Callable[[], Command]) -> None:
        """Run an attribute or note edit built by the session; a refusal is shown."""
        try:
            self._execute(make())
        except EditRefused as refusal:
            self.show_message(str(refusal))

    # -- review ------------------------------------------------------------------------

    def toggle_review(self) -> None:
        """Enter review mode (asking whom to compare) or leave it."""
        assert self.project is not None
        if self.session.reviewing:
            self.set_review(None)
            return
        names = [a.name for a in self.project.annotators() if a.name != GOLD]
        chosen = self.dialogs.choose_annotators(self, names, [n for n in names if n != self.annotator] or names)
        if chosen:
            self.set_review(chosen)

    def set_review(self, annotators: list[str] | None) -> None:
        """Review mode compares ``annotators`` and edits the gold layer; None returns to labelling."""
        assert self.project is not None and self.controller is not None
        if annotators:
            self.project.annotator(GOLD)  # created on first review
        self.session.set_review(annotators)
        layer = self.project.annotator_named(self.edit_layer)
        self._set_article_model(layer.id if layer else 0)
        self.article_model.refresh()
        reviewing = self.session.reviewing
        self.review_panel.setVisible(reviewing)
        if reviewing:
            styles = ["solid", "dashed", "dotted", "dash-dot", "dash-dot-dot"]
            legend = ", ".join(f"{name} ({styles[i % len(styles)]} line)"
                               for i, name in enumerate(self.session.mode.compared))
            self.review_label.setText(f"Reviewing {legend}; gold spans are shaded. Enter accepts, Delete "
                                      "rejects, F8 jumps to the next disagreement, Ctrl+Enter marks adjudicated.")
        self._update_title()
        if self.current_article_id is not None:
            self.open_article(self.current_article_id)

    def _refresh_review_groups(self) -> None:
        selected = self._selected_group()
        self.review_model.set_groups(self.session.groups())
        if selected is not None:
            for row, group in enumerate(self.review_model.groups()):
                if (group.start, group.end, group.label) == (selected.start, selected.end, selected.label):
                    self.review_table.selectRow(row)
                    break

    def _selected_group(self) -> SpanGroup | None:
        row = self.review_table.currentIndex().row()
        groups = self.review_model.groups()
        return groups[row] if 0 <= row < len(groups) else None

    def _on_group_selected(self, row: int) -> None:
        groups = self.review_model.groups()
        if 0 <= row < len(groups):
            group = groups[row]
            self.document_view.select_codepoints(group.start, group.end)
            self.document_view.ensureCursorVisible()
            if group.gold_uuid:
                self.document_view.select_span(group.gold_uuid)
                self._show_span_details()

    def accept_group(self) -> None:
        """Copy the selected group's span into the gold layer (reviewer and time recorded)."""
        group = self._selected_group()
        if group is None:
            self.show_message("Select a span group in the review table first")
            return
        try:
            self._execute(self.session.accept(group))
        except EditRefused as refusal:
            self.show_message(str(refusal))

    def reject_group(self) -> None:
        """Keep the selected group out of gold (removing its gold copy if it was accepted)."""
        group = self._selected_group()
        if group is None:
            self.show_message("Select a span group in the review table first")
            return
        try:
            self._execute(self.session.reject(group))
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        self.next_disagreement(1)

    def next_disagreement(self, step: int = 1, *, other_article: bool = False) -> None:
        """Select the next group the compared annotators disagree on, moving across articles."""
        if not self.session.reviewing:
            self.show_message("Review mode is off (Ctrl+R)")
            return
        groups = self.review_model.groups() if not other_article else []
        row = self.review_table.currentIndex().row()
        rows = range(row + 1, len(groups)) if step > 0 else range(min(row, len(groups)) - 1, -1, -1)
        for candidate in rows:
            if groups[candidate].disagreement:
                self.review_table.selectRow(candidate)
                return
        following = self.session.next_disagreement_article(self.article_model.ids(), step)
        if following is None:
            self.show_message("No more disagreements in the list")
            return
        self.open_article(following)
        disagreements = [i for i, g in enumerate(self.review_model.groups()) if g.disagreement]
        if disagreements:
            self.review_table.selectRow(disagreements[0] if step > 0 else disagreements[-1])

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.review_table and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not event.modifiers():
                self.accept_group()
                return True
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.reject_group()
                return True
        return super().eventFilter(watched, event)

    def open_dashboard(self) -> Job | None:
        """Compute agreement in the background and show the dashboard."""
        assert self.project is not None and self.project.path
        project_path = self.project.path
        chosen = self.review_annotators

        self.show_message("Computing agreement…")
        return self.operations.start(
            "agreement", agreement_work(project_path, chosen),
            on_done=lambda result: self._show_dashboard(*result),
            on_failed=lambda message: self._on_job_failed(f"Agreement failed: {message}"))

    def _show_dashboard(self, result: dict, distribution: dict) -> None:
        if self.dashboard is not None:
            self.dashboard.close()
        self.dashboard = AgreementDashboard(result, distribution, self.dialogs, self)
        self.dashboard.show()
        self.show_message("Agreement computed")
        self.sig_dashboard_ready.emit(self.dashboard)

    def _on_job_failed(self, message: str, *, title: str = "Failed") -> None:
        self.show_message(message)
        self.dialogs.info(self, title, message)

    # -- refresh -------------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        if changes.codebook:
            self._reload_codebook()
        self.article_model.on_changes(changes)
        if self.current_article_id is not None and changes.codebook:
            self.session.reload_spans()
            self.document_view.set_spans(self.session.spans, self.colors)
            self._refresh_doc_labels()
            self._show_span_details()
        elif self.current_article_id in changes.article_ids:
            if changes.span_uuids:
                self._update_changed_spans(changes)
            if changes.doc_labels:
                self._refresh_doc_labels()
            self._show_span_details()
        self._update_status()

    def refresh(self) -> None:
        """Re-read the list, the codebook and the shown article (after a CLI import, say)."""
        self._reload_codebook()
        self.article_model.refresh()
        if self.current_article_id is not None:
            try:
                self.open_article(self.current_article_id)
            except AnnotatorError:
                self.current_article_id = None
        self._update_status()

    def _update_changed_spans(self, changes: Changes) -> None:
        """Redraw only the spans an edit touched (the session re-reads just those)."""
        changed, removed = self.session.apply_changes(changes)
        self.document_view.update_spans(changed, removed, self.colors)
        self._refresh_review_groups()

    def _update_status(self) -> None:
        if self.current_article_id is None:
            self.status_text.setText(f"{self.article_model.rowCount()} articles")
            return
        status = self.article_model.status_of(self.current_article_id).replace("_", " ")
        spans = self.document_view.span_count
        self.status_text.setText(
            f"{self.annotator} · {status} · {spans} span{'s' if spans != 1 else ''} · "
            f"{self.article_model.rowCount()} articles listed")

    def show_message(self, message: str) -> None:
        self.last_message = message
        self.statusBar().showMessage(message, 8000)

    def show_shortcuts(self) -> None:
        keys = "\n".join(f"{key}  {label}" for key, (_, label) in sorted(self.hotkeys.items()))
        self.dialogs.info(self, "Keyboard shortcuts", (
            "Select text (mouse or Shift+arrows), then press a label key.\n"
            "Tab / Shift+Tab: next / previous span · a label key relabels the selected span · "
            "Delete removes it · Esc clears the selection.\n"
            "Ctrl+Enter: mark done and open the next unfinished article · Alt+Right / Alt+Left: "
            "next / previous article.\nCtrl+Z undo · Ctrl+Shift+Z or Ctrl+Y redo.\n\n" + keys))

    # -- import / export -----------------------------------------------------------------

    def import_files(self) -> None:
        paths = self.dialogs.import_files(self)
        if paths:
            self.import_paths(paths)

    def import_folder(self) -> None:
        folder = self.dialogs.import_folder(self)
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]) -> Job:
        """Import in the background with a progress dialog that can cancel."""
        assert self.project is not None and self.project.path
        project_path, annotator = self.project.path, self.annotator

        progress = QProgressDialog("Importing…", "Cancel", 0, 100, self)
        progress.setObjectName("importProgress")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)
        job = self.operations.start(
            "import", import_work(project_path, paths, annotator),
            on_done=lambda report: self._on_import_finished(progress, report),
            on_failed=lambda message: self._on_import_failed(progress, message),
            on_progress=lambda done, total: progress.setValue(int(100 * done / total) if total else 0))
        progress.canceled.connect(job.cancel)
        return job

    def _on_import_finished(self, progress: QProgressDialog, report: ImportReport) -> None:
        progress.reset()
        progress.deleteLater()
        self._reload_codebook()
        self.article_model.refresh()
        if self.current_article_id is None and self.article_model.rowCount():
            self.open_article(self.article_model.article_id(0) or 0)
        elif self.current_article_id is not None:
            self.session.reload_spans()
            self.document_view.set_spans(self.session.spans, self.colors)
        summary = (f"Imported {report.imported}, skipped {report.skipped} (already in the project), "
                   f"failed {len(report.failed)}; {report.annotations_added} annotations added.")
        if report.cancelled:
            summary = "Import cancelled. " + summary
        details = "\n".join([*(str(f) for f in report.failed), *report.notes,
                             *(f"label added: {name}" for name in report.labels_added)])
        self.show_message(summary)
        if report.failed or report.cancelled or report.labels_added:
            self.dialogs.info(self, "Import", summary, details)
        self._update_status()
        self.sig_import_finished.emit(report)

    def _on_import_failed(self, progress: QProgressDialog, message: str) -> None:
        progress.reset()
        progress.deleteLater()
        self._on_job_failed(f"Import failed: {message}", title="Import failed")
        self.sig_import_finished.emit(None)

    def merge_files(self) -> None:
        paths = self.dialogs.merge_sources(self)
        if paths:
            self.merge_paths(paths)

    def merge_paths(self, paths: list[str], renames: dict[str, str] | None = None) -> Job:
        """Merge project files or JSONL exports in the background; a name clash is resolved by
        asking for another name and merging that source again."""
        assert self.project is not None and self.project.path
        project_path = self.project.path

        self.show_message("Merging…")
        return self.operations.start(
            "merge", merge_work(project_path, paths, renames),
            on_done=lambda report: self._on_merge_finished(report, renames or {}),
            on_failed=lambda message: self._on_job_failed(f"Merge failed: {message}"))

    def _on_merge_finished(self, report: ImportReport, renames: dict[str, str]) -> None:
        self.refresh()
        summary = (f"Merged {len(report.files_imported)} source(s): {report.imported} new articles, "
                   f"{report.annotations_added} annotations added, failed {len(report.failed)}.")
        self.show_message(summary)
        clashes = [f for f in report.failed if f.clash]
        retry: dict[str, str] = dict(renames)
        for failure in clashes:
            new_name = self.dialogs.rename_clash(self, failure.clash or "", failure.path)
            if new_name:
                retry[failure.clash or ""] = new_name
        others = [f for f in report.failed if not f.clash]
        if others or (clashes and len(retry) == len(renames)):
            self.dialogs.info(self, "Merge", summary, "\n".join(str(f) for f in report.failed))
        self.sig_import_finished.emit(report)
        if clashes and len(retry) > len(renames):
            self.merge_paths([f.path for f in clashes], retry)

    def export(self) -> None:
        assert self.project is not None
        project = self.project
        options = self.dialogs.export_options(
            self, [a.name for a in project.annotators()],
            [label.name for label in self.codebook.labels], self.annotator,
            preview=lambda chosen: project.count_export(chosen.filter))
        if options and options.path:
            self.export_to(options)

    def export_to(self, options: ExportOptions) -> Job:
        assert self.project is not None and self.project.path
        project_path = self.project.path

        work = export_work(project_path, options.format, options.path, offset_unit=options.offset_unit,
                           excel=options.excel, filters={"filter": options.filter})

        def done(summary: ExportSummary) -> None:
            notes = "".join(f"\n{note}" for note in summary.notes)
            self._on_export_done(f"Exported {summary.articles} articles, {summary.spans} spans ({options.format}) "
                                 f"to {', '.join(summary.files)}{notes}")

        return self.operations.start("export", work, on_done=done,
                                     on_failed=lambda message: self._on_export_done(f"Export failed: {message}"))

    def _on_export_done(self, message: str) -> None:
        self.show_message(message)
        self.sig_export_finished.emit(message)

    # -- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        # Running operations stop at their next check (an import rolls its file back); the
        # window does not wait for them, so closing never freezes.
        self.operations.shut_down()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)
