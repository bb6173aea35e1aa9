"""The window in review mode: compare annotators, adjudicate into gold, jump between
disagreements, and the agreement dashboard. The decisions are the Session's (Qt-free)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

from annotator.model.types import GOLD
from annotator.review.compare import SpanGroup
from annotator.session import EditRefused
from annotator.ui.dialogs.dashboard import AgreementDashboard
from annotator.ui.operations import agreement_work
from annotator.ui.plain import one_line_cut
from annotator.ui.window_base import WindowBase
from annotator.ui.workers import Job


class ReviewParts(WindowBase):
    @property
    def review_annotators(self) -> list[str] | None:
        """The compared annotators in review mode, else None."""
        return list(self.session.mode.compared) if self.session.reviewing else None

    def toggle_review(self) -> None:
        """Enter review mode (asking whom to compare) or leave it."""
        assert self.project is not None
        if self.session.reviewing:
            self.set_review(None)
            return
        names = [a.name for a in self.project.annotators() if a.name != GOLD]
        remembered = [n for n in self.remembered_review() if n in names]
        # Else you first among the preselected: a reviewer usually compares their own work too.
        preselected = remembered or (
            ([self.annotator] if self.annotator in names else []) + [n for n in names if n != self.annotator])
        chosen = self.dialogs.choose_annotators(self, names, preselected)
        if chosen:
            self.set_review(chosen)
        self.actions_by_name["actionReview"].setChecked(self.session.reviewing)  # not ticked by a cancel

    def set_review(self, annotators: list[str] | None) -> None:
        """Review mode compares ``annotators`` and edits the gold layer; None returns to labelling."""
        assert self.project is not None
        if annotators:
            self.project.annotator(GOLD)  # created on first review
            self.settings.setValue(self._review_settings_key(), json.dumps(sorted(annotators)))
        self.session.set_review(annotators)
        self.actions_by_name["actionReview"].setChecked(self.session.reviewing)
        layer = self.project.annotator_named(self.session.edit_layer)
        self._set_article_model(layer.id or 0 if layer else 0)
        # The panel appears under the text and takes its room from the text only: the columns
        # and the window keep their sizes (the panel's size policy lets it shrink to fit).
        sizes, window_size = self.splitter.sizes(), self.size()
        self.review_panel.set_annotators(self.session.mode.compared)
        self.review_panel.setVisible(self.session.reviewing)
        if self.splitter.sizes() != sizes:
            self.splitter.setSizes(sizes)
        if self.size() != window_size and not self.isMaximized():
            self.resize(window_size)
        self._update_title()
        if self.current_article_id is not None:
            self.open_article(self.current_article_id)

    def remembered_review(self) -> list[str]:
        """The annotators this project was last reviewed with (QSettings, one key per project
        file); empty the first time."""
        try:
            names = json.loads(str(self.settings.value(self._review_settings_key(), "") or "[]"))
        except ValueError:
            return []
        return [str(n) for n in names] if isinstance(names, list) else []

    def _review_settings_key(self) -> str:
        return self._project_settings_key("review")

    def _watch_text_keys(self) -> None:
        """Enter in the text accepts the selected review group (Delete goes through
        ``delete_current_span``, which rejects it): after F8 the keyboard is in the text."""
        self._review_keys = _ReviewKeys(self)
        self.document_view.installEventFilter(self._review_keys)

    def _reject_instead_of_delete(self) -> bool:
        """In review mode with a group selected, Delete rejects the group (its gold copy goes, if
        it was accepted); True if it did."""
        if not self.session.reviewing or self.review_panel.selected_group() is None:
            return False
        self.reject_group()
        return True

    def _refresh_review_groups(self) -> None:
        rejected = self._rejected.setdefault(self.current_article_id or 0, set())
        self.review_panel.set_groups(self.session.groups(), rejected)

    def _on_group_selected(self, group: SpanGroup) -> None:
        self.document_view.select_codepoints(group.start, group.end)
        self.document_view.ensureCursorVisible()
        if group.gold_uuid:
            self.document_view.select_span(group.gold_uuid)
            self._show_span_details()

    def accept_group(self) -> None:
        """Copy the selected group's span into the gold layer (reviewer and time recorded)."""
        group = self.review_panel.selected_group()
        if group is None:
            self.show_message("Select a span group in the review table first")
            return
        try:
            accepted = self.execute(self.session.accept(group))
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        if accepted:
            self.show_message(f"“{one_line_cut(group.text, 40)}” accepted into gold")

    def reject_group(self) -> None:
        """Keep the selected group out of gold (removing its gold copy if it was accepted)."""
        group = self.review_panel.selected_group()
        if group is None:
            self.show_message("Select a span group in the review table first")
            return
        try:
            self.execute(self.session.reject(group))
        except EditRefused as refusal:
            self.show_message(str(refusal))
            return
        # On to the next disagreement of this article; never to another article unasked (the
        # next Ctrl+Enter would then mark that one adjudicated).
        self._rejected.setdefault(self.current_article_id or 0, set()).add((group.start, group.end, group.label))
        self._refresh_review_groups()
        shown = one_line_cut(group.text, 40)
        row = self.review_panel.next_disagreement_row(1, wrap=True)
        if row is not None:
            self.review_panel.select_row(row)
            self.show_message(f"“{shown}” kept out of gold")
        else:
            self.show_message(f"“{shown}” kept out of gold; no other disagreement in this article "
                              "(F8: the next article with one)")

    def next_disagreement(self, step: int = 1, *, other_article: bool = False) -> None:
        """Select the next group the compared annotators disagree on, moving across articles."""
        if not self.session.reviewing:
            self.show_message("Review mode is off (Ctrl+R)")
            return
        if not other_article:
            row = self.review_panel.next_disagreement_row(step)  # the next one still to decide
            if row is not None:
                self.review_panel.select_row(row)
                return
        # Round the list's end (one query): F8 on the last disagreement goes back to the first.
        jump = self.session.disagreement_jump(self.article_model.ids(), step)
        if jump is None:
            self.show_message("No disagreements in the list")
            return
        if jump.article_id != self.current_article_id:
            self.open_article(jump.article_id)
        row = self.review_panel.next_disagreement_row(step, from_edge=True)
        if row is None:  # every one decided already: show the first, as the jump found it
            row = self.review_panel.next_disagreement_row(step, from_edge=True, undecided=False)
        if row is not None:
            self.review_panel.select_row(row)
        if jump.wrapped:
            self.show_message(f"Wrapped to the {'first' if step > 0 else 'last'} disagreement")

    def open_dashboard(self) -> Job:
        """Compute agreement in the background and show the dashboard."""
        self.show_message("Computing agreement…")
        return self.operations.start(
            "agreement", agreement_work(self._project_path(), self.review_annotators),
            on_done=lambda result: self._show_dashboard(*result),
            on_failed=lambda message: self._on_job_failed(f"Agreement failed: {message}"))

    def _show_dashboard(self, result: dict[str, Any], distribution: dict[str, Any]) -> None:
        if self.dashboard is not None:
            self.dashboard.close()
        self.dashboard = AgreementDashboard(result, distribution, self.dialogs, self,
                                            lanes=self.session.mode.compared or None)
        self.dashboard.show()
        self.show_message("Agreement computed")
        self.sig_dashboard_ready.emit(self.dashboard)


class _ReviewKeys(QObject):
    """Enter (no modifier) pressed in the text in review mode accepts the selected group."""

    def __init__(self, window: ReviewParts):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                and self.window.session.reviewing):
            self.window.accept_group()
            return True
        return super().eventFilter(watched, event)
