"""The main window: article list, document view, label palette and span details.

Testing contract (README "GUI testing contract"): ``MainWindow(project_path, annotator)``
builds without any dialog; ``open_article(id)`` returns with text and highlights in place;
object names ``articleList``, ``documentView``, ``labelPalette``, ``spanDetails``; label
hotkeys act on ``documentView``'s selection; every menu command is a ``QAction`` with a
stable object name (``ui/actions.py``).

The window composes panels and parts; it holds no copy of the data. The shown article and its
spans live in the Qt-free ``Session``; every edit goes intent -> session (command) ->
controller (undo stack) -> ``Project.execute`` -> ``Changes`` -> session and views.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QListView,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.model.commands import Changes, Command
from annotator.model.errors import AnnotatorError
from annotator.model.offsets import snap_to_words
from annotator.model.types import Annotation, Codebook
from annotator.session import EditRefused
from annotator.ui.actions import build_actions, shortcuts_help
from annotator.ui.dialogs.ask import Dialogs
from annotator.ui.fonts import undrawable_scripts
from annotator.ui.models.label_list import LabelListModel, LabelNameRole
from annotator.ui.operations import Operations
from annotator.ui.plain import article_name, plain_label, plain_tooltip
from annotator.ui.widgets.article_panel import ArticlePanel
from annotator.ui.widgets.doc_labels import DocLabelBar
from annotator.ui.widgets.document_view import DocumentView
from annotator.ui.widgets.review_panel import ReviewPanel
from annotator.ui.widgets.span_details import SpanDetailsWidget
from annotator.ui.window_assist import AssistParts
from annotator.ui.window_matches import MatchParts
from annotator.ui.window_operations import OperationParts
from annotator.ui.window_projects import APP_NAME, ProjectParts
from annotator.ui.window_review import ReviewParts
from annotator.ui.window_search import SearchParts
from annotator.ui.window_team import TeamParts

__all__ = ["APP_NAME", "MainWindow", "app_settings"]

REFUSED = "Not saved: "


def app_settings() -> QSettings:
    return QSettings("StanceAnnotator", "Stance Annotator")



_settled = False


def settle_long_lived_objects() -> None:
    """Once per process, when the first window is built: collect, then move every object alive
    (modules, Qt wrappers, the window's widgets) out of the cyclic collector's sight. They live
    as long as the app; without this every full collection walks all of them again, which cost
    ~20 ms of each article opened. Objects made later are collected as usual."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()


_gc_paused_for_paint = False


def pause_cyclic_gc() -> None:
    """No cyclic garbage collection until ``resume_cyclic_gc``: loading 20,000 spans makes
    ~100,000 objects, and the collections that this many allocations trigger cost a third of
    opening the article (nothing made there is cyclic garbage). The window resumes collection
    once the article is painted, so the collection then due runs after the user sees it. Left
    as it is if collection was off already (someone else's choice)."""
    global _gc_paused_for_paint
    if gc.isenabled():
        gc.disable()
        _gc_paused_for_paint = True


def resume_cyclic_gc() -> None:
    """Undo ``pause_cyclic_gc`` (nothing if it did not pause), running the collection then due
    at once. Left to the next allocation, it could run inside a Qt destructor (the old
    article's document, deleted later), and a wrapper it frees would wait for a lock that
    destructor holds: the process hung."""
    global _gc_paused_for_paint
    if _gc_paused_for_paint:
        _gc_paused_for_paint = False
        gc.enable()
        gc.collect(0)


def _resume_cyclic_gc_soon() -> None:
    """``resume_cyclic_gc`` from the event loop: not inside the destructor that calls this."""
    QTimer.singleShot(0, resume_cyclic_gc)


class MainWindow(TeamParts, ProjectParts, OperationParts, ReviewParts, SearchParts, AssistParts, MatchParts):
    """Signals (see ``WindowBase``): ``sig_article_opened(int)``, ``sig_import_finished(object)``,
    ``sig_export_finished(str)``, ``sig_dashboard_ready(object)``,
    ``sig_operation_finished(str, object)``, emitted once when any background operation ends, and
    ``sig_team_synced(object)`` (``window_team.py``)."""

    def __init__(self, project_path: str, annotator: str, *, dialogs: Dialogs | None = None,
                 settings: QSettings | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.dialogs = dialogs or Dialogs()
        self.settings = settings or app_settings()
        self.undo_group = QUndoGroup(self)
        self.project = None
        self.controller = None
        self.current_article_id = None
        self.codebook = Codebook()
        self.colors = {}
        self.hotkeys = {}  # key -> (scope, label)
        self.last_message = ""
        self.last_refusal = ""
        self.codebook_dialog = None
        self.dashboard = None
        self._rejected = {}  # review: per article, the groups rejected this session
        self.operations = Operations(self)
        self.operations.sig_finished.connect(self.sig_operation_finished)
        self._retired: list[object] = []
        self._retire_timer = QTimer(self)
        self._retire_timer.setSingleShot(True)
        self._retire_timer.setInterval(0)
        # A timer, not a queued call: it fires after the paint that a new article asked for.
        self._retire_timer.timeout.connect(self._after_article_painted)
        self.destroyed.connect(_resume_cyclic_gc_soon)  # even if the timer never fires
        self._build_widgets()
        self._build_actions()
        self.load_project(project_path, annotator)
        # Another program's edits to the shown article (an ``annotator import`` of spans for
        # it, a colleague's merge) are drawn within seconds, not only after F5: the list and
        # the status bar then disagreed with the text.
        self._outside_version: int | None = None
        self._outside_signature: tuple[int | None, tuple[Any, ...] | None] = (None, None)
        self._outside_timer = QTimer(self)
        self._outside_timer.setInterval(OUTSIDE_CHANGES_MS)
        self._outside_timer.timeout.connect(self.follow_outside_changes)
        self._outside_timer.start()
        self.resize(1400, 820)
        self.splitter.setSizes([430, 680, 290])
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/splitter", self.splitter.restoreState)):
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        settle_long_lived_objects()

    # -- construction --------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.article_panel = ArticlePanel()
        self.article_panel.sig_article_chosen.connect(self._on_article_chosen)
        self._build_search()  # the panel's search and filters, hits in the text (window_search.py)
        self.document_view = DocumentView()
        self.document_view.sig_label_key.connect(self._on_label_key)
        self.document_view.sig_delete_requested.connect(self.delete_current_span)
        self.document_view.sig_span_step.connect(self.step_span)
        self.document_view.sig_span_clicked.connect(self._on_span_clicked)
        self.document_view.sig_boundary_dragged.connect(self.drag_span_boundary)
        self.document_view.sig_selection_made.connect(lambda: self.span_details.show_span(None))
        self.doc_labels = DocLabelBar()
        self.doc_labels.sig_toggled.connect(self._on_doc_label_toggled)
        self.article_title = plain_label("")
        self.article_title.setObjectName("articleTitle")
        self.article_title.setWordWrap(True)
        self.article_title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        # One line is as tall in every script: an Arabic or Hindi title's font made the heading
        # a few pixels lower, and the buttons and the text jumped between articles.
        self.article_title.ensurePolished()
        self.article_title.setText("Ag")  # a line of Latin letters: the usual height
        self.article_title.setMinimumHeight(self.article_title.heightForWidth(1000))
        self.article_title.setText("")
        self.review_panel = ReviewPanel()
        self.review_panel.sig_group_selected.connect(self._on_group_selected)
        self.review_panel.sig_accept_requested.connect(self.accept_group)
        self.review_panel.sig_reject_requested.connect(self.reject_group)
        self.review_panel.hide()
        self._watch_text_keys()  # Enter in the text accepts in review mode (window_review.py)
        document_split = QSplitter(Qt.Orientation.Vertical)
        document_split.addWidget(self.document_view)
        document_split.addWidget(self.review_panel)
        self._build_assist()  # similar passages (window_assist.py), under the text when asked for
        document_split.addWidget(self.similar_panel)
        self._build_matches()  # the annotate-all-matches queue (window_matches.py), shown by a query
        document_split.addWidget(self.match_panel)
        document_split.setStretchFactor(0, 3)
        document_split.setStretchFactor(1, 1)
        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        center_layout.addWidget(self.article_title)
        center_layout.addWidget(self.doc_labels)
        center_layout.addWidget(document_split, 1)

        self.label_model = LabelListModel()
        self.label_palette = QListView()
        self.label_palette.setObjectName("labelPalette")
        self.label_palette.setModel(self.label_model)
        self.label_palette.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # clicking keeps the text selection
        self.label_palette.clicked.connect(self._on_palette_clicked)
        self.span_details = SpanDetailsWidget(values_of=self._attribute_values)
        self.span_details.sig_attributes_edited.connect(
            lambda uuid, attributes: self._edit_span(lambda: self.session.set_attributes(uuid, attributes)))
        self.span_details.sig_note_edited.connect(
            lambda uuid, note: self._edit_span(lambda: self.session.set_note(uuid, note)))
        self.span_details.sig_editing_finished.connect(self.document_view.setFocus)  # label keys work again
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(plain_label("Labels (press the key, or click)"))
        right_layout.addWidget(self.label_palette, 1)
        right_layout.addWidget(self.span_details)

        self.splitter = QSplitter()
        for widget, stretch in ((self.article_panel, 2), (center, 5), (right, 2)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.setCentralWidget(self.splitter)
        self.status_text = plain_label("")
        self.font_notice = plain_label("")
        self.font_notice.setObjectName("fontNotice")
        self.font_notice.setStyleSheet("color: #a33;")
        self.font_notice.hide()
        self.statusBar().addPermanentWidget(self.font_notice)
        self.statusBar().addPermanentWidget(self.status_text)
        self._build_team()  # the team hub's indicator and automatic sync (window_team.py)
        # Short names tests and scripts have used for the panels' widgets.
        self.search = self.article_panel.search
        self.status_filter = self.article_panel.status_filter
        self.label_filter = self.article_panel.label_filter
        self.article_list = self.article_panel.view
        self.review_table = self.review_panel.table
        self.review_model = self.review_panel.model
        self.review_label = self.review_panel.header

    def _build_actions(self) -> None:
        self.actions_by_name = build_actions(self)
        self.undo_action = self.actions_by_name["actionUndo"]
        self.redo_action = self.actions_by_name["actionRedo"]
        # Undo and redo go through the controller, which moves the stack only once the project
        # has taken the step; the group only tells whether there is a step and its name.
        for action, can, text, verb in (
                (self.undo_action, self.undo_group.canUndoChanged, self.undo_group.undoTextChanged, "&Undo"),
                (self.redo_action, self.undo_group.canRedoChanged, self.undo_group.redoTextChanged, "&Redo")):
            action.setEnabled(False)
            can.connect(action.setEnabled)
            text.connect(lambda step, action=action, verb=verb: action.setText(f"{verb} {step}".strip()))
        # Review mode is a state: its menu item is ticked while it is on (set_review keeps it so).
        self.actions_by_name["actionReview"].setCheckable(True)
        suggestions_action = self.actions_by_name["actionShowSuggestions"]
        suggestions_action.setCheckable(True)
        suggestions_action.setChecked(self.showing_suggestions)
        self.snap_action = self.actions_by_name["actionSnap"]
        self.snap_action.setChecked(bool(self.settings.value("snap_to_words", True, type=bool)))
        self.snap_action.toggled.connect(lambda on: self.settings.setValue("snap_to_words", on))

    # -- articles ------------------------------------------------------------------------

    def open_article(self, article_id: int) -> None:
        """Show an article; returns with its text in place, highlighted as far as the first
        screen reaches (the rest before it is painted)."""
        assert self.project is not None
        self.span_details.commit_pending()  # typing in a field still holding the keyboard
        # The last article's spans (20,000 objects and more) are let go, and the garbage
        # collection that opening makes due runs, after this one is painted, not while it opens.
        self._retired.append((self.session.shown, self.document_view.highlighter.index, self.document_view.offsets))
        self._retire_timer.start()
        pause_cyclic_gc()
        try:
            self.session.open_article(article_id)
            article = self.session.article
            assert article is not None
            self.current_article_id = article_id
            lanes = {name: i for i, name in enumerate(self.session.mode.compared)}
            self.document_view.set_article(article.text, self.session.spans_any_order(), self.colors, lanes)
        except BaseException:
            resume_cyclic_gc()
            raise
        self.article_title.setText(article_name(article.title, article_id))
        self.article_title.setToolTip(plain_tooltip(" · ".join(filter(None, [article.source, article.published,
                                                                              article.url]))))
        self._refresh_doc_labels()
        self.span_details.show_span(None)
        self.article_panel.show_article(article_id)
        self._refresh_review_groups()
        self._update_status()
        self.settings.setValue(self._last_article_key(), article_id)  # where to reopen next time
        self.sig_article_opened.emit(article_id)

    @property
    def edit_layer(self) -> str:
        """Whose spans edits change: your own, or the gold layer in review mode."""
        return self.session.edit_layer

    def _refresh_doc_labels(self) -> None:
        self.doc_labels.set_present(self.session.doc_labels_present())

    def _on_article_chosen(self, article_id: int) -> None:
        """An article clicked or activated (Enter) in the list: open it and give the text the
        keyboard, so label keys label (they went to the list's search-as-you-type)."""
        if article_id != self.current_article_id:
            self.open_article(article_id)
        self.document_view.setFocus()

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
        """The next article in the list not done yet, after ``article_id`` and round again.
        A team member's articles assigned by the hub come first; then any other."""
        ids = self.article_model.ids()
        start = ids.index(article_id) + 1 if article_id in ids else 0
        ordered = ids[start:] + ids[:start]
        assigned = self.project.assigned_article_ids() if self.project is not None else set()
        if assigned:
            ordered = [i for i in ordered if i in assigned] + [i for i in ordered if i not in assigned]
        for candidate in ordered:
            if candidate != article_id and self.article_model.status_of(candidate) != "done":
                return candidate
        return None

    def open_next_unfinished(self) -> None:
        following = self._next_unfinished_after(self.current_article_id)
        if following is None:
            self.show_message("Every article in the list is done")
            return
        self.open_article(following)
        assigned = self.project.assigned_article_ids() if self.project is not None else set()
        if assigned and following not in assigned:
            self.show_message("Every article assigned to you in the list is done; this one is not assigned to you")

    def step_undo(self, back: bool) -> None:
        """Undo (``back``) or redo the last edit through the controller, and say which (the
        status bar went on showing the message of the edit undone)."""
        if self.controller is None:
            return
        stack = self.controller.undo_stack
        text = stack.undoText() if back else stack.redoText()
        if self.controller.undo() if back else self.controller.redo():
            self.show_message(f"{'Undone' if back else 'Redone'}: {text}")

    def mark_done_and_next(self) -> None:
        if self.current_article_id is None:
            return
        if self.set_status("done"):
            self.show_message(f"{article_name(self.session.article.title, self.current_article_id)} marked done"
                              if self.session.article is not None else "Marked done")
            if self.session.reviewing:
                self.next_disagreement(1, other_article=True)
            else:
                self.open_next_unfinished()

    def set_status(self, status: str) -> bool:
        """Mark the shown article for the edit layer (``in_progress``, ``done``)."""
        if self.current_article_id is None:
            return False
        return self.execute(self.session.set_status(status))

    # -- labelling -----------------------------------------------------------------------

    def execute(self, command: Command | None) -> bool:
        """Run an edit through the controller (and its undo stack); False if refused."""
        if self.controller is None or self.project is None or command is None:
            return False  # closed: a field that loses the focus as the window goes has been saved
        stored = self.controller.execute(command)
        if stored and self.statusBar().currentMessage().startswith(REFUSED):
            self.statusBar().clearMessage()  # an earlier refusal no longer describes the file
        return stored

    def _on_edit_refused(self, message: str) -> None:
        """An edit the project refused is never silent: the status bar says so at once, and
        ``last_refusal`` keeps it for scripts and tests."""
        self.last_refusal = message
        self.show_message(f"{REFUSED}{message}")

    def _on_label_key(self, key: str, selection: tuple[int, int] | None) -> None:
        scope, label = self.hotkeys[key]
        if scope == "document":
            present = self.doc_labels.buttons[label].isChecked() if label in self.doc_labels.buttons else False
            self._on_doc_label_toggled(label, not present)
        else:
            self._label(label, selection)

    def _on_palette_clicked(self, index: QModelIndex) -> None:
        self.apply_label(index.data(LabelNameRole))
        self.document_view.setFocus()

    def apply_label(self, label: str) -> None:
        """Label the text view's selection, or relabel the selected span (palette, scripts)."""
        self._label(label, self.document_view.selection_codepoints())

    def _label(self, label: str, selection: tuple[int, int] | None) -> None:
        """Label ``selection`` (code points), or with none, relabel the selected span."""
        if self.current_article_id is None:
            return
        try:
            if selection is not None:
                snap = self.snap_action.isChecked()
                existing = self.session.extendable(*selection, label, snap=snap)
                if existing is not None:
                    # The question quotes what would be labelled: the selection as snapped.
                    start, end = snap_to_words(self.session.text, *selection) if snap else selection
                    choice = self.dialogs.extend_or_add(self, label, existing.text or "",
                                                        self.session.text[start:end].strip())
                    if choice is None:
                        return
                    if choice == "extend":
                        if self.execute(self.session.extend(existing.uuid or "", *selection, snap=snap)):
                            self.document_view.select_span(existing.uuid)
                            self._show_span_details()
                        return
                command = self.session.label_selection(*selection, label, snap=snap)
                if self.execute(command):
                    self.document_view.select_span(command.uuid)
                    self._show_span_details()
                return
            current = self.document_view.current_span
            if current:
                self.execute(self.session.relabel(current, label))
                return
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        self.show_message("Select some text first (mouse, or Shift+arrows), then press a label key")

    def delete_current_span(self) -> None:
        if self._reject_instead_of_delete():  # review mode: Delete rejects the selected group
            return
        try:
            command, following = self.session.delete(self.document_view.current_span or "")
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        if self.execute(command):
            self.document_view.select_span(following)
            self._show_span_details()
            self._say_done(command)

    def move_span_boundary(self, edge: str, step: int, by_word: bool) -> None:
        """Move the selected span's ``edge`` ("start"/"end") one word or character later
        (``step`` 1) or earlier (-1): one undoable edit; the span stays selected."""
        try:
            command = self.session.move_boundary(self.document_view.current_span or "", edge, step, by_word=by_word)
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        self.execute(command)

    def drag_span_boundary(self, uuid: str, edge: str, position: int) -> None:
        """A span's handle was dragged: its ``edge`` goes to code point ``position`` (snapped
        when snapping is on) in one undoable edit; the span stays selected."""
        try:
            command = self.session.drag_boundary(uuid, edge, position, snap=self.snap_action.isChecked())
        except EditRefused as refusal:
            self._on_edit_refused(str(refusal))
            return
        self.execute(command)

    def step_span(self, step: int) -> None:
        cursor = self.document_view.offsets.to_codepoint(self.document_view.textCursor().position())
        target = self.session.step_span(self.document_view.current_span, cursor, step)
        if target is None:
            self.show_message("No spans in this article yet")
            return
        self.document_view.select_span(target)
        self._show_span_details()

    def _on_span_clicked(self, uuid: str) -> None:
        self.document_view.select_span(uuid or None)
        self._show_span_details()
        span = self.session.span(uuid)
        if span is not None and self.session.reviewing:
            self.review_panel.select_matching(span.start, span.end, span.label)

    def _show_span_details(self) -> None:
        self.span_details.show_span(self.session.span(self.document_view.current_span))

    def _on_doc_label_toggled(self, label: str, present: bool) -> None:
        if self.current_article_id is not None:
            command = self.session.set_doc_label(label, present)
            if self.execute(command):
                self._say_done(command)
        self._refresh_doc_labels()

    def _attribute_values(self, name: str) -> list[str]:
        """What a free-text attribute's field completes from: the values used in the project."""
        return self.project.attribute_values(name) if self.project is not None else []

    def _edit_span(self, make: Callable[[], Command]) -> None:
        """Run an attribute or note edit built by the session; a refusal is shown."""
        try:
            command = make()
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        if self.execute(command):
            self._say_done(command)

    def _say_done(self, command: Command) -> None:
        """Confirm an edit that shows little in the text (a removal, a note, an attribute, a
        document label) in the status bar, with the way back."""
        self.show_message(f"{command.description} (Ctrl+Z undoes)")

    # -- refresh -------------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        if changes.codebook:
            self._reload_codebook()
        self._list_my_layer()
        self.article_model.on_changes(changes)
        if self.current_article_id is not None and changes.codebook:
            self.session.reload_spans()
            self.document_view.set_spans(self.session.spans_any_order(), self.colors)
            self._refresh_doc_labels()
            self._show_span_details()
        elif self.current_article_id in changes.article_ids:
            if changes.span_uuids:
                changed, removed = self.session.apply_changes(changes)  # re-reads just those spans
                self.document_view.update_spans(changed, removed, self.colors)
                self._refresh_review_groups()
            if changes.doc_labels:
                self._refresh_doc_labels()
            self._show_span_details()
        self._suggestions_follow(changes)
        self._matches_on_changes(changes)
        self._update_status()

    def _list_my_layer(self) -> None:
        """The list follows the person's own layer once it exists (added by their first edit,
        here or by another program)."""
        if self.article_model.annotator_id == 0 and self.project is not None:
            layer = self.project.annotator_named(self.session.edit_layer)
            if layer is not None and layer.id:
                self.article_model.set_annotator_id(layer.id)

    def follow_outside_changes(self) -> None:
        """Redraw the shown article's spans if another program changed them (see ``__init__``).
        Asked every ``OUTSIDE_CHANGES_MS``: one ``PRAGMA`` while nothing changed elsewhere, one
        indexed count when something did, a reload only when the article's spans differ."""
        if self.project is None or self.operations.running:  # a running job refreshes when it ends
            return
        changed, self._outside_version = self.project.changed_elsewhere(self._outside_version)
        article_id = self.current_article_id
        if not changed or article_id is None:
            return
        signature = self.project.spans_signature(article_id, self.session.layers)
        seen_article, seen = self._outside_signature
        self._outside_signature = (article_id, signature)
        if seen_article == article_id and seen == signature:
            return
        fresh = self.project.spans_of(article_id, self.session.layers)
        if sorted(fresh, key=_uuid) == sorted(self.session.spans_any_order(), key=_uuid):
            return  # our own edits since the last look, nothing from elsewhere
        self.session.reload_spans()
        self.document_view.set_spans(self.session.spans_any_order(), self.colors)
        self._list_my_layer()
        self.article_model.on_changes(Changes(frozenset({article_id})))
        self._refresh_review_groups()
        self._show_span_details()
        self._update_status()
        self.show_message("Another program changed this article's spans: shown as they are now")

    def refresh(self) -> None:
        """Re-read the list, the codebook and the shown article (after a CLI import, say); an
        import another program was killed in is taken back first, and said."""
        if self.project is not None:
            for source in self.project.recover_interrupted_imports():
                self.show_message(f"An import of {source} was interrupted (its program ended) and was taken back")
        self._reload_codebook()
        self.article_model.refresh()
        if self.current_article_id is not None:
            try:
                self.open_article(self.current_article_id)
            except AnnotatorError:
                self.current_article_id = None
                self.session.close_article()
        self._relist_matches()  # the queue of annotate-all-matches, if open
        self._update_status()

    def _update_status(self) -> None:
        if self.current_article_id is None:
            listed = self.article_model.rowCount()
            self.status_text.setText(f"{listed} article{'s' if listed != 1 else ''}")
            return
        status = self.article_model.status_of(self.current_article_id).replace("_", " ")
        spans, listed = self.session.own_count(), self.article_model.rowCount()
        whose = f"{self.annotator} · gold" if self.session.reviewing else self.annotator
        self.status_text.setText(
            f"{whose} · {status} · {spans} span{'s' if spans != 1 else ''} · "
            f"{listed} article{'s' if listed != 1 else ''} listed")

    def focus_span_details(self) -> None:
        """Give the keyboard to the selected span's first attribute (or its note)."""
        if self.span_details.span is None:
            self.show_message("Select a span first (Tab in the text), then F2 for its attributes and note")
            return
        self.span_details.focus_first_field()

    def show_shortcuts(self) -> None:
        self.dialogs.info(self, "Keyboard shortcuts", shortcuts_help(self.hotkeys))

    # -- closing -------------------------------------------------------------------------

    def _after_article_painted(self) -> None:
        """Let the last article's spans go and resume cyclic collection (``open_article``);
        then, in an event loop turn of its own, index the spans for the first label key."""
        self._retired.clear()
        resume_cyclic_gc()
        QTimer.singleShot(0, self, self._prepare_for_labelling)

    def _prepare_for_labelling(self) -> None:
        if self.project is not None:  # not closed meanwhile
            self.session.shown.prepare_for_labelling()
            self._say_missing_fonts()

    def _say_missing_fonts(self) -> None:
        """Name the scripts of the shown article that no installed font draws (they show as
        empty boxes), in the status bar while the article is shown."""
        article = self.session.article
        missing = undrawable_scripts(article.text, self.document_view.font()) if article is not None else []
        self.font_notice.setVisible(bool(missing))
        if missing:
            self.font_notice.setText(f"No font installed for {', '.join(missing)} letters: they show as boxes")
            self.font_notice.setToolTip(plain_tooltip(
                "The text is stored as it is; only this computer cannot draw these letters.\n"
                "Install a font that has them, e.g. on Debian or Ubuntu:\n"
                "  sudo apt install fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji\n"
                "and start the app again."))

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        if self.project is not None:
            self.span_details.commit_pending()
        resume_cyclic_gc()
        # Running operations stop at their next check (an import takes its file back); the
        # window does not wait for them, so closing never freezes.
        self.operations.shut_down()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)


OUTSIDE_CHANGES_MS = 2000
"""How often the window looks for other programs' changes to the shown article."""


def _uuid(span: Annotation) -> str:
    return span.uuid or ""

