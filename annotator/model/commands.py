"""Edits as plain data. ``Project.execute(command)`` applies one in a single transaction and
returns ``(Changes, inverse)``; applying the inverse undoes it exactly.

Every edit the GUI makes takes this one path: widget intent -> undo command -> execute.
"""

from __future__ import annotations

import uuid
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


Command = AddSpan | RemoveSpan | UpdateSpan | SetStatus | SetDocLabel | EditCodebook


@dataclass(frozen=True)
class Changes:
    """What an executed command touched, so that views refresh only that."""

    article_ids: frozenset[int] = frozenset()
    span_uuids: frozenset[str] = frozenset()
    codebook: bool = False
    status: bool = False
    doc_labels: bool = False
