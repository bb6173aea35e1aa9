"""Adjudication as plain functions: accepting a group into the gold layer, rejecting it, and
finding the next article with a disagreement. No Qt and no store: the session (and the CLI or
a test) calls them with what it holds, and runs the commands they return."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

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


class Jump(NamedTuple):
    """Where the next disagreement is: its article, and whether the search went round the end
    of the list (from the last article back to the first, or the other way)."""

    article_id: int
    wrapped: bool


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


def next_disagreement_wrapping(ordered_ids: Sequence[int], current: int | None, disagreeing: Collection[int],
                               step: int) -> Jump | None:
    """Like ``next_disagreement``, but past the end of the list (start, for ``step`` -1) it
    goes round to the first (last) disagreeing article, which may be ``current`` itself.

    Args:
        ordered_ids: the article list's ids, in its order.
        current: the shown article, if any.
        disagreeing: the articles with a disagreement (``Project.disagreement_article_ids``).
        step: 1 for the next article, -1 for the previous one.

    Returns:
        The article and whether the search wrapped, or None when no listed article disagrees.
    """
    following = next_disagreement(ordered_ids, current, disagreeing, step)
    if following is not None:
        return Jump(following, wrapped=False)
    ids = list(ordered_ids) if step > 0 else list(ordered_ids)[::-1]
    first = next((i for i in ids if i in disagreeing), None)
    return None if first is None else Jump(first, wrapped=True)
