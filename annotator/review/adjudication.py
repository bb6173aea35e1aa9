"""Adjudication as plain functions: accepting a group into the gold layer, rejecting it, and
finding the next article with a disagreement. No Qt and no store: the session (and the CLI or
a test) calls them with what it holds, and runs the commands they return."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from annotator.model.commands import AddSpan, RemoveSpan
from annotator.model.types import GOLD, Annotation
from annotator.review.compare import SpanGroup


def gold_span(article_id: int, start: int, end: int, label: str, *, reviewer: str,
              source: Annotation | None = None) -> AddSpan:
    """A new gold-layer span: it records who adjudicated it and copies the attributes and note
    of the annotator's span it came from (if any)."""
    return AddSpan(article_id, GOLD, start, end, label,
                   attributes=dict(source.attributes) if source else {}, note=source.note if source else "",
                   origin="adjudicated", reviewer=reviewer)


def accept(group: SpanGroup, article_id: int, reviewer: str) -> AddSpan | None:
    """Copy a group's span into gold; None when it is there already."""
    if group.gold_uuid:
        return None
    return gold_span(article_id, group.start, group.end, group.label, reviewer=reviewer, source=group.source)


def reject(group: SpanGroup) -> RemoveSpan | None:
    """Keep a group out of gold: remove its gold copy if it was accepted, else nothing to do."""
    return RemoveSpan(group.gold_uuid) if group.gold_uuid else None


def next_disagreement(ordered_ids: Sequence[int], current: int | None, disagreeing: Collection[int],
                      step: int) -> int | None:
    """The article after (``step`` 1) or before (-1) ``current`` in ``ordered_ids`` that is in
    ``disagreeing`` (from ``Project.disagreement_article_ids``: one query), or None."""
    if not disagreeing:
        return None
    ids = list(ordered_ids)
    position = ids.index(current) if current in ids else (-1 if step > 0 else len(ids))
    following = ids[position + 1:] if step > 0 else ids[:max(position, 0)][::-1]
    return next((i for i in following if i in disagreeing), None)
