"""What one person is doing in an open project: the one copy of the shown article's spans.

The window draws what a ``Session`` holds and hands it the user's intents; the session turns
them into commands (``model.commands``) for ``Project.execute``, and takes the resulting
``Changes`` back in. It has no Qt, so the CLI and tests drive it exactly as the window does::

    session = Session(project, "ana")
    session.open_article(1)
    command = session.label_selection(0, 6, "Blame", snap=True)
    changes, _ = project.execute(command)
    session.apply_changes(changes)

Labelling and adjudication differ only in their mode (``LabellingMode``, ``ReviewMode``): whose
spans are shown, whose are edited, and what a new span records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.model.commands import AddSpan, Changes, Command, RemoveSpan, SetDocLabel, SetStatus, UpdateSpan
from annotator.model.errors import AnnotatorError
from annotator.model.offsets import snap_to_words
from annotator.model.types import GOLD, Annotation
from annotator.project import Project
from annotator.review import adjudication
from annotator.review.compare import SpanGroup, group_spans


class EditRefused(AnnotatorError):
    """The intent cannot become an edit (nothing selected, another person's span ...)."""


@dataclass(frozen=True)
class LabellingMode:
    """Everyone labels their own layer and sees only it."""

    annotator: str

    @property
    def edit_layer(self) -> str:
        return self.annotator

    @property
    def compared(self) -> tuple[str, ...]:
        return ()

    def new_span(self, article_id: int, start: int, end: int, label: str, source: Annotation | None) -> AddSpan:
        return AddSpan(article_id, self.annotator, start, end, label)


@dataclass(frozen=True)
class ReviewMode:
    """A reviewer compares annotators and edits the gold layer; new gold spans record who
    adjudicated them and copy the attributes and note of the span they came from."""

    reviewer: str
    annotators: tuple[str, ...] = field(default=())

    @property
    def edit_layer(self) -> str:
        return GOLD

    @property
    def compared(self) -> tuple[str, ...]:
        return self.annotators

    def new_span(self, article_id: int, start: int, end: int, label: str, source: Annotation | None) -> AddSpan:
        return adjudication.gold_span(article_id, start, end, label, reviewer=self.reviewer, source=source)


Mode = LabellingMode | ReviewMode


class Session:
    """The shown article and its spans (edit layer plus compared layers) for one person."""

    def __init__(self, project: Project, annotator: str):
        self.project = project
        self.annotator = annotator
        self.mode: Mode = LabellingMode(annotator)
        self.article_id: int | None = None
        self.text = ""
        self.spans: list[Annotation] = []

    # -- mode ----------------------------------------------------------------------------

    @property
    def reviewing(self) -> bool:
        return isinstance(self.mode, ReviewMode)

    @property
    def edit_layer(self) -> str:
        return self.mode.edit_layer

    @property
    def layers(self) -> list[str]:
        """Whose spans are shown: the edit layer first, then the compared annotators."""
        return [self.edit_layer, *self.mode.compared]

    def set_review(self, annotators: Sequence[str] | None) -> None:
        """Compare ``annotators`` and edit gold; None (or empty) goes back to labelling."""
        if annotators:
            self.mode = ReviewMode(self.annotator, tuple(sorted(annotators)))
        else:
            self.mode = LabellingMode(self.annotator)
        if self.article_id is not None:
            self.reload_spans()

    # -- the shown article ---------------------------------------------------------------

    def open_article(self, article_id: int) -> None:
        """Load an article and its shown spans. Raises NotFound for an unknown id."""
        article = self.project.article(article_id)
        self.article_id = article_id
        self.text = article.text
        self.reload_spans()

    def close_article(self) -> None:
        self.article_id, self.text, self.spans = None, "", []

    def reload_spans(self) -> None:
        if self.article_id is None:
            self.spans = []
            return
        self.spans = self.project.spans_of(self.article_id, self.layers)

    def apply_changes(self, changes: Changes) -> tuple[list[Annotation], list[str]]:
        """Take an executed edit's changes in; returns the shown spans that changed and the
        uuids that left, for the view to redraw only those."""
        if self.article_id is None or self.article_id not in changes.article_ids or not changes.span_uuids:
            return [], []
        fresh = {span.uuid: span for span in self.project.spans_by_uuid(changes.span_uuids)}
        changed = [span for span in fresh.values()
                   if span.article_id == self.article_id and span.annotator in self.layers]
        keep = {span.uuid for span in changed}
        removed = [uuid for uuid in changes.span_uuids if uuid not in keep]
        self.spans = [span for span in self.spans if span.uuid not in changes.span_uuids] + changed
        self.spans.sort(key=lambda s: (s.start, s.end, s.label))
        return changed, removed

    def span(self, uuid: str | None) -> Annotation | None:
        return next((s for s in self.spans if s.uuid == uuid), None) if uuid else None

    def own_spans(self) -> list[Annotation]:
        """The edit layer's spans in reading order."""
        own = (s for s in self.spans if s.annotator == self.edit_layer)
        return sorted(own, key=lambda s: (s.start, -s.end, s.label))

    def doc_labels_present(self) -> set[str]:
        if self.article_id is None:
            return set()
        return {label for label, name, _ in self.project.doc_labels(self.article_id) if name == self.edit_layer}

    # -- intents -> commands --------------------------------------------------------------

    def _article(self) -> int:
        if self.article_id is None:
            raise EditRefused("Open an article first")
        return self.article_id

    def label_selection(self, start: int, end: int, label: str, *, snap: bool,
                        source: Annotation | None = None) -> AddSpan:
        """A new span over the selection (snapped to whole words when ``snap``)."""
        article_id = self._article()
        if snap:
            start, end = snap_to_words(self.text, start, end)
        if start >= end:
            raise EditRefused("The selection holds no text to label")
        return self.mode.new_span(article_id, start, end, label, source)

    def relabel(self, uuid: str, label: str) -> UpdateSpan | None:
        """Give a shown span another label; None when it has that label already."""
        span = self._editable(uuid)
        return None if span.label == label else UpdateSpan(uuid, label=label)

    def delete(self, uuid: str) -> tuple[RemoveSpan, str | None]:
        """Remove a span; also returns the span to select next (the following one)."""
        span = self._editable(uuid)
        following = next((s.uuid for s in sorted(self.own_spans(), key=lambda s: (s.start, s.end))
                          if (s.start, s.end) > (span.start, span.end) and s.uuid != uuid), None)
        return RemoveSpan(uuid), following

    def set_attributes(self, uuid: str, attributes: dict[str, str]) -> UpdateSpan:
        self._editable(uuid)
        return UpdateSpan(uuid, attributes=attributes)

    def set_note(self, uuid: str, note: str) -> UpdateSpan:
        self._editable(uuid)
        return UpdateSpan(uuid, note=note)

    def set_status(self, status: str) -> SetStatus:
        return SetStatus(self._article(), self.edit_layer, status)

    def set_doc_label(self, label: str, present: bool) -> SetDocLabel:
        return SetDocLabel(self._article(), self.edit_layer, label, present)

    def step_span(self, current: str | None, cursor: int, step: int) -> str | None:
        """The own span after (``step`` 1) or before (-1) the current one, or the cursor."""
        spans = self.own_spans()
        if not spans:
            return None
        uuids = [s.uuid for s in spans]
        if current in uuids:
            return uuids[(uuids.index(current) + step) % len(uuids)]
        after = [i for i, s in enumerate(spans) if s.start >= cursor]
        if step > 0:
            return uuids[after[0] if after else 0]
        return uuids[(after[0] - 1) if after else len(spans) - 1]

    def _editable(self, uuid: str) -> Annotation:
        span = self.span(uuid)
        if span is None:
            raise EditRefused("Select a span first (Tab, or click it)")
        if span.annotator != self.edit_layer:
            raise EditRefused(f"{span.annotator}'s spans are read-only in review mode: accept one into gold "
                              "(Enter in the review table) or label the text yourself")
        return span

    # -- review ----------------------------------------------------------------------------

    def groups(self) -> list[SpanGroup]:
        """The compared annotators' spans grouped by extent and label (review mode)."""
        if not self.reviewing:
            return []
        gold = [s for s in self.spans if s.annotator == GOLD]
        return group_spans(self.spans, list(self.mode.compared), gold)

    def accept(self, group: SpanGroup) -> Command:
        """Copy a group's span into gold (reviewer and time recorded)."""
        if not isinstance(self.mode, ReviewMode):
            raise EditRefused("Review mode is off (Ctrl+R)")
        command = adjudication.accept(group, self._article(), self.mode.reviewer)
        if command is None:
            raise EditRefused("Already in gold")
        return command

    def reject(self, group: SpanGroup) -> Command | None:
        """Keep a group out of gold: removes its gold copy if it was accepted, else nothing."""
        if not self.reviewing:
            raise EditRefused("Review mode is off (Ctrl+R)")
        return adjudication.reject(group)

    def next_disagreement_article(self, ordered_ids: Sequence[int], step: int) -> int | None:
        """The next (``step`` 1) or previous (-1) article of ``ordered_ids`` after the shown one
        on which the compared annotators disagree (one query, whatever the list's length)."""
        disagreeing = self.project.disagreement_article_ids(list(self.mode.compared))
        return adjudication.next_disagreement(ordered_ids, self.article_id, disagreeing, step)
