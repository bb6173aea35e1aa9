"""The window's assistance: suggestions in the text, and similar passages for a span or a
selection.

Suggestions (quotations with their speakers, the codebook's rules: ``Project.suggestions``)
are drawn as dashed outlines, never as annotations. F9 / Shift+F9 select the next / previous
one; Enter accepts it, a label key accepts it with that label, Backspace rejects it; each is one
undoable edit, and the next suggestion is selected. Rejected ones stay away for this annotator
and article. Shown once asked for (Assist menu or F9), then remembered.

Every query runs in the background on its own ``Project`` (``Project.similar_passages``). The
first one is answered through full-text search while the index of the project's sentences is
built in the background; later ones use the index, which each query first brings up to date
with the project (imports, merges, other programs). One similarity job runs at a time and owns
the index meanwhile; a query asked during it waits, and only the newest waiting one runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from annotator.model.commands import Changes
from annotator.model.errors import AnnotatorError
from annotator.project import Cancelled, Project
from annotator.ui.plain import FALLBACK_COLOR, one_line_cut
from annotator.ui.window_base import WindowBase
from annotator.ui.workers import Job

if TYPE_CHECKING:  # numpy and scikit-learn load with the first query, not at start
    from annotator.assist import Suggestion
    from annotator.assist.similar import Passage, SimilarityIndex

SIMILAR_LIMIT = 50
QUOTE_LABEL = "Quotation"
RERANK_KEY = "assist/similar_rerank"
"""QSettings key: whether similar passages are re-ranked by the sentence model."""


def similar_work(project_path: str, text: str, exclude: tuple[int, int, int] | None,
                 index: SimilarityIndex | None, rerank: bool = False) -> Any:
    def work(job: Job) -> tuple[list[Passage], SimilarityIndex | None]:
        project = Project.open(project_path, create=False)
        try:
            if index is not None:
                project.update_similarity_index(index)
            if job.is_cancelled():
                raise Cancelled("cancelled")
            return (project.similar_passages(text, index=index, limit=SIMILAR_LIMIT, exclude=exclude, rerank=rerank),
                    index)
        finally:
            project.close()
    return work


def similarity_index_work(project_path: str) -> Any:
    def work(job: Job) -> SimilarityIndex | None:
        project = Project.open(project_path, create=False)
        try:
            return project.similarity_index(progress=job.sig_progress.emit, is_cancelled=job.is_cancelled)
        finally:
            project.close()
    return work


SUGGEST_NOW_CHARS = 20_000
"""Articles up to this long get their suggestions at once; longer ones in the background."""
SHOW_SUGGESTIONS_KEY = "assist/show_suggestions"
"""QSettings key: whether suggestions are shown (off until first asked for)."""


def suggestions_work(project_path: str, article_id: int, annotator: str, quote_label: str | None) -> Any:
    def work(job: Job) -> list[Suggestion]:
        project = Project.open(project_path, create=False)
        try:
            return project.suggestions(article_id, annotator=annotator, quotes=quote_label is not None,
                                       quote_label=quote_label or "")
        finally:
            project.close()
    return work


def suggestion_tip(suggestion: Suggestion) -> str:
    """What hovering over a suggestion tells (plain text: names come from the article)."""
    details = ", ".join(f"{name}: {value}" for name, value in sorted(suggestion.attributes.items()) if value)
    return (f"Suggested: {suggestion.label}{' — ' + details if details else ''} ({suggestion_origin(suggestion)})\n"
            "Enter accepts · a label key accepts as that label · Backspace rejects · F9 / Shift+F9 next / previous")


def suggestion_origin(suggestion: Suggestion) -> str:
    """Who proposed it, in words (the stored ``source`` stays as it is)."""
    kind, _, version = suggestion.source.partition("/")
    version = version.split(":", 1)[0]
    what = {"quotes": "quotation detector", "rule": "the label's patterns",
            "match": "annotate all matches"}.get(kind, kind)
    return f"{what} {version}".strip() if kind == "quotes" else what


class AssistParts(WindowBase):
    suggestions: list[Suggestion]
    _suggestion_generation: int
    _select_after_change: int | None
    similarity_index: SimilarityIndex | None
    _similar_busy: bool
    _similar_waiting: tuple[str, tuple[int, int, int] | None] | None
    _last_similar: tuple[str, tuple[int, int, int] | None] | None
    _index_state: str  # "none", "building", "ready", "too large", "failed"

    def _build_assist(self) -> None:
        """Called from ``_build_widgets``: the panel starts hidden; ``find_similar`` shows it."""
        from annotator.assist import embeddings
        from annotator.ui.widgets.similar_panel import SimilarPanel

        self.similar_panel = SimilarPanel()
        self.similar_panel.hide()
        self.similar_panel.sig_passage_chosen.connect(self._open_passage)
        if embeddings.available():
            self.similar_panel.rerank.setChecked(bool(self.settings.value(RERANK_KEY, False, type=bool)))
            self.similar_panel.rerank.show()
        self.similar_panel.sig_rerank_toggled.connect(self._on_rerank_toggled)
        self._forget_similarity_index()
        self.suggestions = []
        self._suggestion_generation = 0
        self._select_after_change = None
        view = self.document_view
        view.sig_suggestion_accepted.connect(self.accept_suggestion)
        view.sig_suggestion_rejected.connect(self.reject_suggestion)
        view.sig_suggestion_clicked.connect(lambda _index: self._describe_suggestion())
        self.sig_article_opened.connect(lambda _article_id: self._refresh_suggestions())

    # -- suggestions ----------------------------------------------------------------------

    @property
    def showing_suggestions(self) -> bool:
        return bool(self.settings.value(SHOW_SUGGESTIONS_KEY, False, type=bool))

    def set_showing_suggestions(self, on: bool) -> None:
        self.settings.setValue(SHOW_SUGGESTIONS_KEY, on)
        action = self.actions_by_name.get("actionShowSuggestions")
        if action is not None and action.isChecked() != on:
            action.setChecked(on)
        self._refresh_suggestions()
        if on:
            count = len(self.suggestions)
            self.show_message(f"{count} suggestion{'s' if count != 1 else ''} in this article (F9: next)"
                              if self.current_article_id is not None else "Suggestions are shown")

    def _quote_label(self) -> str | None:
        """The label quotations get: the codebook's "Quotation" span label, if it has one."""
        return QUOTE_LABEL if any(label.name == QUOTE_LABEL for label in self.codebook.labels) else None

    def _refresh_suggestions(self, select_from: int | None = None) -> None:
        """Ask for the shown article's suggestions again (none when hidden or reviewing)."""
        self._suggestion_generation += 1
        generation = self._suggestion_generation
        article_id = self.current_article_id
        if (not self.showing_suggestions or article_id is None or self.project is None
                or self.session.reviewing):
            self._show_suggestions([], None)
            return
        quote_label = self._quote_label()
        if len(self.session.text) <= SUGGEST_NOW_CHARS:
            try:
                found = self.project.suggestions(article_id, annotator=self.annotator,
                                                 quotes=quote_label is not None, quote_label=quote_label or "")
            except AnnotatorError as error:
                self.show_message(f"No suggestions: {error}")
                found = []
            self._show_suggestions(found, select_from)
            return
        project = self.project

        def done(found: list[Suggestion]) -> None:
            if self.project is project and generation == self._suggestion_generation:
                self._show_suggestions(found, select_from)

        def failed(message: str) -> None:
            if self.project is project and generation == self._suggestion_generation:
                self.show_message(f"No suggestions: {message}")

        self.operations.start("suggestions", suggestions_work(self._project_path(), article_id, self.annotator,
                                                              quote_label), on_done=done, on_failed=failed)

    def _show_suggestions(self, found: list[Suggestion], select_from: int | None) -> None:
        self.suggestions = sorted(found, key=lambda s: (s.start, s.end, s.label))
        self.document_view.set_suggestions(
            [(s.start, s.end, self.colors.get(s.label, FALLBACK_COLOR), suggestion_tip(s)) for s in self.suggestions],
            select_from=select_from)
        if select_from is not None:
            self._describe_suggestion()

    def _suggestions_follow(self, changes: Changes) -> None:
        """After an edit: the shown article's suggestions are asked for again when its spans,
        rejections or codebook changed (an undone accept brings its suggestion back)."""
        if self.current_article_id is None or not self.showing_suggestions:
            return
        if changes.codebook or (self.current_article_id in changes.article_ids
                                and (changes.span_uuids or changes.suggestions)):
            select_from, self._select_after_change = self._select_after_change, None
            self._refresh_suggestions(select_from)

    def _current_suggestion(self) -> Suggestion | None:
        index = self.document_view.current_suggestion
        return self.suggestions[index] if index is not None and index < len(self.suggestions) else None

    def _describe_suggestion(self) -> None:
        suggestion = self._current_suggestion()
        index = self.document_view.current_suggestion
        if suggestion is not None and index is not None:
            self.show_message(f"{index + 1} of {len(self.suggestions)}: "
                              + suggestion_tip(suggestion).splitlines()[0])

    def step_suggestion(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) suggestion; shows suggestions first if
        they were hidden."""
        if not self.showing_suggestions:
            self.set_showing_suggestions(True)
        index = self.document_view.suggestion_after_cursor(step)
        wrapped = index is None and bool(self.document_view.suggestions)
        if index is None:
            if not wrapped:
                self.show_message("No suggestions in this article")
                return
            # Past the last one (or before the first): round to the other end, as F8 does.
            index = 0 if step > 0 else len(self.document_view.suggestions) - 1
        self.document_view.select_suggestion(index)
        self.document_view.setFocus()
        self._describe_suggestion()
        if wrapped:
            self.show_message(f"Wrapped to the {'first' if step > 0 else 'last'} suggestion · {self.last_message}")

    def accept_suggestion(self, key: str = "") -> None:
        """Accept the selected suggestion (with the label of ``key``, a label hotkey, if given)."""
        suggestion = self._current_suggestion()
        if suggestion is None or self.project is None or self.current_article_id is None:
            self.show_message("Select a suggestion first (F9)")
            return
        if key:
            scope, label = self.hotkeys.get(key, ("", ""))
            if scope != "span":
                self.show_message(f"{label or key!r} is not a span label")
                return
            suggestion = replace(suggestion, label=label)
        self._select_after_change = suggestion.start
        if not self.execute(self.project.accept_command(self.annotator, self.current_article_id, [suggestion])):
            self._select_after_change = None

    def reject_suggestion(self) -> None:
        suggestion = self._current_suggestion()
        if suggestion is None or self.project is None or self.current_article_id is None:
            self.show_message("Select a suggestion first (F9)")
            return
        self._select_after_change = suggestion.start
        if not self.execute(self.project.reject_command(self.annotator, self.current_article_id, [suggestion])):
            self._select_after_change = None

    def accept_all_suggestions(self) -> None:
        """Accept every suggestion of the shown article as one edit, after saying how many."""
        if self.project is None or self.current_article_id is None or not self.suggestions:
            self.show_message("No suggestions in this article")
            return
        counts: dict[str, int] = {}
        for suggestion in self.suggestions:
            counts[suggestion.label] = counts.get(suggestion.label, 0) + 1
        listed = ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))
        total = len(self.suggestions)
        if not self.dialogs.confirm(self, "Accept all suggestions",
                                    f"Accept {total} suggestion{'s' if total != 1 else ''} in this article "
                                    f"({listed}) as your spans? One undo step takes them all back."):
            return
        self.execute(self.project.accept_command(self.annotator, self.current_article_id, self.suggestions))

    def _forget_similarity_index(self) -> None:
        """A new project: the index and any waiting query belong to the old one."""
        self.similarity_index = None
        self._last_similar = None
        self._similar_busy = False
        self._similar_waiting = None
        self._index_state = "none"

    def _similar_query(self) -> tuple[str, tuple[int, int, int] | None] | None:
        """The selected span's text, or else the selected text, with its place; None if neither."""
        article_id = self.current_article_id
        if article_id is None:
            return None
        span = self.session.span(self.document_view.current_span)
        if span is not None:
            return span.text or self.session.text[span.start:span.end], (article_id, span.start, span.end)
        selection = self.document_view.selection_codepoints()
        if selection is not None and selection[0] < selection[1]:
            start, end = selection
            return self.session.text[start:end], (article_id, start, end)
        return None

    def find_similar(self) -> None:
        """Rank the project's sentences by likeness to the selected span or text."""
        query = self._similar_query()
        if query is None or not query[0].strip():
            self.show_message("Select a span or some text first, then ask for similar passages")
            return
        self.similar_panel.show()
        self._run_similar(*query)

    def _on_rerank_toggled(self, on: bool) -> None:
        self.settings.setValue(RERANK_KEY, on)
        if self._last_similar is not None and self.similar_panel.isVisible():
            self._run_similar(*self._last_similar)

    def _run_similar(self, text: str, exclude: tuple[int, int, int] | None) -> None:
        if self.project is None:
            return
        self._last_similar = (text, exclude)
        if self._similar_busy:
            self._similar_waiting = (text, exclude)
            self.similar_panel.set_status("Waiting for the search before it…")
            return
        self._similar_busy = True
        index = self.similarity_index if self._index_state == "ready" else None
        shown = one_line_cut(text, 80)
        self.similar_panel.set_status(f"Looking for passages like “{shown}”…")
        project = self.project

        def done(result: tuple[list[Passage], SimilarityIndex | None]) -> None:
            if self.project is not project:
                return
            passages, _ = result
            self._similar_busy = False
            how = ("all sentences of the project" if index is not None
                   else "the sentences of articles that share its words")
            if rerank:
                how += ", re-ranked by meaning"
            found = f"{len(passages)} passage{'s' if len(passages) != 1 else ''}" if passages else "No passage"
            self.similar_panel.show_passages(passages, f"{found} like “{shown}”, from {how}.")
            self._after_similar()

        def failed(message: str) -> None:
            if self.project is not project:
                return
            self._similar_busy = False
            self.similar_panel.set_status(f"Similar passages: {message}")
            self._after_similar()

        rerank = self.similar_panel.rerank.isVisibleTo(self.similar_panel) and self.similar_panel.rerank.isChecked()
        self.operations.start("similar", similar_work(self._project_path(), text, exclude, index, rerank),
                              on_done=done, on_failed=failed)

    def _after_similar(self) -> None:
        """Run the query that waited, or else start building the index if there is none."""
        if self._similar_waiting is not None:
            waiting, self._similar_waiting = self._similar_waiting, None
            self._run_similar(*waiting)
        elif self._index_state == "none":
            self._build_similarity_index()

    def _build_similarity_index(self) -> None:
        self._index_state = "building"
        self._similar_busy = True  # the index job owns the index until it ends
        project = self.project

        def progress(done: int, total: int) -> None:
            if self.project is project and total:
                self.similar_panel.setToolTip(f"Indexing sentences: {done * 100 // total}% of the articles")

        def done(index: SimilarityIndex | None) -> None:
            if self.project is not project:
                return
            self._similar_busy = False
            self.similarity_index = index
            self._index_state = "ready" if index is not None else "too large"
            self.similar_panel.setToolTip("")
            self._after_similar()

        def failed(message: str) -> None:
            if self.project is not project:
                return
            self._similar_busy = False
            self._index_state = "failed"  # not tried again for this project: queries use search
            self.similar_panel.setToolTip("")
            if "cancelled" not in message:
                self.show_message(f"The index of similar passages could not be built: {message}")
            self._after_similar()

        self.operations.start("similar-index", similarity_index_work(self._project_path()),
                              on_done=done, on_failed=failed, on_progress=progress)

    def _open_passage(self, article_id: int, start: int, end: int) -> None:
        if article_id != self.current_article_id:
            self.open_article(article_id)
        self.document_view.select_codepoints(start, end)
        self.document_view.ensureCursorVisible()
        self.document_view.setFocus()

