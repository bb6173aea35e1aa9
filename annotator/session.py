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

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, countOf

from annotator.model.commands import AddSpan, Changes, Command, RemoveSpan, SetDocLabel, SetStatus, UpdateSpan
from annotator.model.errors import AnnotatorError
from annotator.model.offsets import character_step, snap_to_words, word_step
from annotator.model.types import GOLD, Annotation, Article
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


_annotator_of = attrgetter("annotator")


class ShownSpans:
    """The shown spans, indexed so that a keypress costs no pass over all of them (a
    1,000,000-character article may show 20,000): by uuid; the edit layer's in reading order
    (for Tab and Delete) and by label (for the extend question); all of them sorted only when
    someone asks for the whole list."""

    def __init__(self, spans: Iterable[Annotation] = (), edit_layer: str = ""):
        self.edit_layer = edit_layer
        # By uuid: a later span with a uuid already seen replaces the earlier one.
        self._by_uuid: dict[str, Annotation] = {span.uuid or "": span for span in spans}
        # The edit layer's spans in reading order and by label: made when first asked for
        # (Tab, Delete, a label key), not while the article opens.
        self._own_keys_made: list[tuple[int, int, str, str]] | None = None  # (start, -end, label, uuid)
        self._own_by_label_made: dict[str, dict[str, Annotation]] | None = None
        self._own_total: int | None = None  # counted when first asked, then kept up to date
        self._sorted: list[Annotation] | None = None

    @property
    def _own_keys(self) -> list[tuple[int, int, str, str]]:
        if self._own_keys_made is None:
            layer = self.edit_layer
            self._own_keys_made = sorted(self._key(span) for span in self._by_uuid.values()
                                         if span.annotator == layer)
        return self._own_keys_made

    @property
    def _own_by_label(self) -> dict[str, dict[str, Annotation]]:
        if self._own_by_label_made is None:
            by_label: dict[str, dict[str, Annotation]] = {}
            for span in self._by_uuid.values():
                if span.annotator == self.edit_layer:
                    by_label.setdefault(span.label, {})[span.uuid or ""] = span
            self._own_by_label_made = by_label
        return self._own_by_label_made

    def values(self) -> list[Annotation]:
        """Every shown span, in no particular order (cheaper than ``all``)."""
        return list(self._by_uuid.values())

    @staticmethod
    def _key(span: Annotation) -> tuple[int, int, str, str]:
        return (span.start, -span.end, span.label, span.uuid or "")

    def add(self, span: Annotation) -> None:
        uuid = span.uuid or ""
        self.remove(uuid)
        self._by_uuid[uuid] = span
        self._sorted = None
        if span.annotator == self.edit_layer:
            if self._own_total is not None:
                self._own_total += 1
            if self._own_keys_made is not None:
                insort(self._own_keys_made, self._key(span))
            if self._own_by_label_made is not None:
                self._own_by_label_made.setdefault(span.label, {})[uuid] = span

    def remove(self, uuid: str) -> None:
        span = self._by_uuid.pop(uuid, None)
        if span is None:
            return
        self._sorted = None
        if span.annotator == self.edit_layer:
            if self._own_total is not None:
                self._own_total -= 1
            keys = self._own_keys_made
            if keys is not None:
                key = self._key(span)
                index = bisect_left(keys, key)
                if index < len(keys) and keys[index] == key:
                    del keys[index]
            if self._own_by_label_made is not None:
                self._own_by_label_made.get(span.label, {}).pop(uuid, None)

    def get(self, uuid: str | None) -> Annotation | None:
        return self._by_uuid.get(uuid) if uuid else None

    def all(self) -> list[Annotation]:
        """Every shown span, ordered by start, end and label."""
        if self._sorted is None:
            self._sorted = sorted(self._by_uuid.values(), key=lambda s: (s.start, s.end, s.label))
        return self._sorted

    def own_count(self) -> int:
        """The edit layer's spans; counted once, without sorting (the status bar asks on open and
        after every edit, and a pass over 20,000 spans would be a millisecond of each keypress)."""
        if self._own_total is None:
            self._own_total = (len(self._own_keys_made) if self._own_keys_made is not None else
                               countOf(map(_annotator_of, self._by_uuid.values()), self.edit_layer))
        return self._own_total

    def own_with_label(self, label: str) -> Iterable[Annotation]:
        return self._own_by_label.get(label, {}).values()

    def prepare_for_labelling(self) -> None:
        """Make the index a label key asks first (``own_with_label``) now, while the window is
        idle: built by the key itself it doubles that key's time (20,000 spans: ~5 ms)."""
        self._own_by_label  # noqa: B018  # the property builds and keeps it

    def own_index(self, uuid: str) -> int | None:
        span = self._by_uuid.get(uuid)
        if span is None or span.annotator != self.edit_layer:
            return None
        return bisect_left(self._own_keys, self._key(span))

    def own_at(self, index: int) -> str:
        return self._own_keys[index][3]

    def first_own_from(self, offset: int) -> int:
        """Index of the first own span starting at or after ``offset``."""
        return bisect_left(self._own_keys, (offset, -(2**62), "", ""))


class Session:
    """The shown article and its spans (edit layer plus compared layers) for one person."""

    def __init__(self, project: Project, annotator: str):
        self.project = project
        self.annotator = annotator
        self.mode: Mode = LabellingMode(annotator)
        self.article_id: int | None = None
        self.article: Article | None = None
        self.text = ""
        self.shown = ShownSpans()

    @property
    def spans(self) -> list[Annotation]:
        """The shown spans (edit layer and compared layers) by start, end and label."""
        return self.shown.all()

    def spans_any_order(self) -> list[Annotation]:
        """The shown spans in no particular order (what a view that sorts them itself takes)."""
        return self.shown.values()

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
        self.article = article
        self.text = article.text
        self.reload_spans()

    def close_article(self) -> None:
        self.article_id, self.text, self.article = None, "", None
        self.shown = ShownSpans()

    def reload_spans(self) -> None:
        spans = self.project.spans_of(self.article_id, self.layers) if self.article_id is not None else []
        self.shown = ShownSpans(spans, self.edit_layer)

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
        for uuid in removed:
            self.shown.remove(uuid)
        for span in changed:
            self.shown.add(span)
        return changed, removed

    def span(self, uuid: str | None) -> Annotation | None:
        return self.shown.get(uuid)

    def own_count(self) -> int:
        """How many spans the edit layer has in the shown article."""
        return self.shown.own_count()

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

    def extendable(self, start: int, end: int, label: str, *, snap: bool) -> Annotation | None:
        """The edit layer's span with ``label`` that the selection overlaps and reaches past
        (the one it overlaps most), which the window offers to extend instead of adding a
        second, overlapping span with the same label; None if there is none."""
        if snap:
            start, end = snap_to_words(self.text, start, end)
        candidates = [s for s in self.shown.own_with_label(label) if s.start < end and start < s.end
                      and (min(s.start, start), max(s.end, end)) != (s.start, s.end)]
        return max(candidates, key=lambda s: (min(s.end, end) - max(s.start, start), -s.start), default=None)

    def extend(self, uuid: str, start: int, end: int, *, snap: bool) -> UpdateSpan:
        """Grow a span to cover the selection as well (the union of the two)."""
        span = self._editable(uuid)
        if snap:
            start, end = snap_to_words(self.text, start, end)
        return UpdateSpan(uuid, start=min(span.start, start), end=max(span.end, end))

    def move_boundary(self, uuid: str, edge: str, step: int, *, by_word: bool) -> UpdateSpan:
        """Move a span's ``edge`` ("start" or "end") one word or one character later in the
        text (``step`` 1) or earlier (-1): a word step stops where a word starts (for the
        start) or ends (for the end). Raises EditRefused if the span would be empty or the
        edge is at the text's end already."""
        span = self._editable(uuid)
        old = span.start if edge == "start" else span.end
        new = word_step(self.text, old, step, edge) if by_word else character_step(self.text, old, step)
        start, end = (new, span.end) if edge == "start" else (span.start, new)
        if new == old:
            raise EditRefused(f"The span's {edge} is at the {'end' if step > 0 else 'start'} of the text")
        if start >= end:
            raise EditRefused("A span cannot shrink any further (delete it with Delete)")
        return UpdateSpan(uuid, start=start) if edge == "start" else UpdateSpan(uuid, end=end)

    def drag_boundary(self, uuid: str, edge: str, position: int, *, snap: bool) -> UpdateSpan | None:
        """Put a span's ``edge`` ("start" or "end") at code point ``position`` (a handle dragged
        with the mouse), to a word's start or end when ``snap``; None if it stays where it is.
        Raises EditRefused if the span would be empty (an edge dragged past the other)."""
        span = self._editable(uuid)
        start, end = (position, span.end) if edge == "start" else (span.start, position)
        if snap and start < end:
            snapped = snap_to_words(self.text, start, end)
            start, end = (snapped[0], end) if edge == "start" else (start, snapped[1])
        if start >= end:
            raise EditRefused(f"The span's {edge} cannot go past its {'end' if edge == 'start' else 'start'}")
        if (start, end) == (span.start, span.end):
            return None
        return UpdateSpan(uuid, start=start) if edge == "start" else UpdateSpan(uuid, end=end)

    def relabel(self, uuid: str, label: str) -> UpdateSpan | None:
        """Give a shown span another label; None when it has that label already."""
        span = self._editable(uuid)
        return None if span.label == label else UpdateSpan(uuid, label=label)

    def delete(self, uuid: str) -> tuple[RemoveSpan, str | None]:
        """Remove a span; also returns the span to select next (the following one)."""
        self._editable(uuid)
        index = self.shown.own_index(uuid)
        following = None
        if index is not None and index + 1 < self.shown.own_count():
            following = self.shown.own_at(index + 1)
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
        count = self.shown.own_count()
        if not count:
            return None
        index = self.shown.own_index(current) if current else None
        if index is not None:
            return self.shown.own_at((index + step) % count)
        first_after = self.shown.first_own_from(cursor)
        if step > 0:
            return self.shown.own_at(first_after % count)
        return self.shown.own_at((first_after - 1) % count)

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
        """The compared annotators' spans grouped by extent (review mode; ``group_spans``).

        Only the compared annotators who worked on this article count (a span in it, or a
        done mark: done without spans says there is nothing to label): two identical spans
        were "partial" when a third person, compared but never at this article, had none.
        """
        if not self.reviewing or self.article_id is None:
            return []
        gold = [s for s in self.spans if s.annotator == GOLD]
        present = {s.annotator for s in self.spans} | set(self.project.done_by(self.article_id))
        return group_spans(self.spans, [name for name in self.mode.compared if name in present], gold)

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

    def disagreement_jump(self, ordered_ids: Sequence[int], step: int) -> adjudication.Jump | None:
        """Like ``next_disagreement_article`` (one query), but going round the list's end: F8
        on the last disagreement comes back to the first. None when no listed article disagrees."""
        disagreeing = self.project.disagreement_article_ids(list(self.mode.compared))
        return adjudication.next_disagreement_wrapping(ordered_ids, self.article_id, disagreeing, step)
