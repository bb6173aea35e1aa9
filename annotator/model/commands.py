"""Edits as plain data. ``Project.execute(command)`` applies one in a single transaction and
returns ``(Changes, inverse)``; applying the inverse undoes it exactly.

Every edit the GUI makes takes this one path: widget intent -> undo command -> execute.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.model.types import Annotation, Codebook


def _new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class AddSpan:
    """Label ``[start, end)`` of an article (code points). The uuid is fixed at creation, so
    redo after undo restores the same span."""

    article_id: int
    annotator: str
    start: int
    end: int
    label: str
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    origin: str = "manual"
    uuid: str = field(default_factory=_new_uuid)
    created: str | None = None
    updated: str | None = None
    reviewer: str | None = None  # set on gold-layer spans: who adjudicated
    source: str | None = None  # an accepted suggestion's detector and version ("quotes/1")

    @property
    def description(self) -> str:
        return f"Label “{self.label}”" if self.reviewer is None else f"Gold “{self.label}”"


@dataclass(frozen=True)
class RemoveSpan:
    uuid: str

    @property
    def description(self) -> str:
        return "Remove span"


@dataclass(frozen=True)
class UpdateSpan:
    """Change a span's label, attributes, note or extent (``start``/``end``, code points);
    ``None`` leaves a field as it is. The span keeps its uuid, attributes and note when its
    boundaries move."""

    uuid: str
    label: str | None = None
    attributes: dict[str, Any] | None = None
    note: str | None = None
    start: int | None = None
    end: int | None = None

    @property
    def description(self) -> str:
        if self.start is not None or self.end is not None:
            return "Move span boundary"
        if self.label is not None:
            return f"Relabel as “{self.label}”"
        return "Edit note" if self.note is not None else "Edit attributes"


@dataclass(frozen=True)
class SetStatus:
    article_id: int
    annotator: str
    status: str

    @property
    def description(self) -> str:
        return {"done": "Mark done", "in_progress": "Mark in progress"}.get(self.status, "Reset status")


@dataclass(frozen=True)
class SetDocLabel:
    article_id: int
    annotator: str
    label: str
    present: bool

    @property
    def description(self) -> str:
        return f"{'Add' if self.present else 'Remove'} document label “{self.label}”"


@dataclass(frozen=True)
class EditCodebook:
    """Replace the codebook. ``renames`` maps old label names to new ones (their spans keep
    their label); labels missing from ``codebook`` are deleted with their spans. ``restore``
    holds spans and document labels to put back (used by the inverse of a deletion)."""

    codebook: Codebook
    renames: tuple[tuple[str, ...], ...] = ()  # (old, new) or (old, new, scope); scope "span" if left out
    restore: tuple[Annotation, ...] = ()
    restore_doc_labels: tuple[tuple[int, str, str], ...] = ()  # (article id, annotator, label)

    @property
    def description(self) -> str:
        return "Edit codebook"


@dataclass(frozen=True)
class SuggestedSpan:
    """A suggestion placed in an article: ``[start, end)`` (code points) with its label, the
    detector or rule that proposed it (``source``) and its attributes (a quotation's speaker
    and voice). The uuid is the span's once accepted, fixed at creation like ``AddSpan``'s."""

    article_id: int
    start: int
    end: int
    label: str
    source: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    uuid: str = field(default_factory=_new_uuid)


@dataclass(frozen=True)
class AcceptSuggestions:
    """Store suggestions as spans of ``annotator`` (origin ``suggestion``, source and attributes
    kept), all in one transaction: however many, one undo step. One that ``annotator`` has
    labelled already (same article, offsets and label) is skipped; none left to store is an
    error. The inverse removes exactly the spans stored (``RemoveSpans``)."""

    annotator: str
    spans: tuple[SuggestedSpan, ...]

    @property
    def description(self) -> str:
        if len(self.spans) == 1:
            return f"Accept suggestion “{self.spans[0].label}”"
        return f"Accept {len(self.spans)} suggestions"


@dataclass(frozen=True)
class RemoveSpans:
    """Remove several spans in one transaction (the inverse of ``AcceptSuggestions`` and of
    ``AddSpans``); its inverse, ``AddSpans``, puts them back as they were."""

    uuids: tuple[str, ...]
    annotator: str | None = None  # who the event log names

    @property
    def description(self) -> str:
        return "Remove span" if len(self.uuids) == 1 else f"Remove {len(self.uuids)} spans"


@dataclass(frozen=True)
class AddSpans:
    """Add several spans in one transaction, each as ``AddSpan`` would (the redo of an accept:
    the spans come back with their uuids, times and sources); the inverse is ``RemoveSpans``."""

    spans: tuple[AddSpan, ...]
    annotator: str | None = None  # who the event log names

    @property
    def description(self) -> str:
        if self.spans and all(span.origin == "suggestion" for span in self.spans):
            return "Accept suggestion" if len(self.spans) == 1 else f"Accept {len(self.spans)} suggestions"
        return "Add span" if len(self.spans) == 1 else f"Add {len(self.spans)} spans"


@dataclass(frozen=True)
class RejectSuggestions:
    """Remember that ``annotator`` rejected these suggestions: running the detectors again
    does not bring them back for that annotator and article. The inverse forgets the ones this
    command newly rejected (``ForgetRejections``)."""

    annotator: str
    spans: tuple[SuggestedSpan, ...]

    @property
    def description(self) -> str:
        if len(self.spans) == 1:
            return f"Reject suggestion “{self.spans[0].label}”"
        return f"Reject {len(self.spans)} suggestions"


@dataclass(frozen=True)
class ForgetRejections:
    """Forget rejections of ``annotator`` (the undo of ``RejectSuggestions``); its inverse
    rejects again the ones it forgot."""

    annotator: str
    spans: tuple[SuggestedSpan, ...]

    @property
    def description(self) -> str:
        return "Forget rejection" if len(self.spans) == 1 else f"Forget {len(self.spans)} rejections"


Command = (AddSpan | RemoveSpan | UpdateSpan | SetStatus | SetDocLabel | EditCodebook | AcceptSuggestions
           | RemoveSpans | AddSpans | RejectSuggestions | ForgetRejections)


@dataclass(frozen=True)
class Changes:
    """What an executed command touched, so that views refresh only that."""

    article_ids: frozenset[int] = frozenset()
    span_uuids: frozenset[str] = frozenset()
    codebook: bool = False
    status: bool = False
    doc_labels: bool = False
    suggestions: bool = False
    """Rejections changed: the suggestions shown for these articles are to be asked for again."""
