"""Side-by-side comparison of several annotators' spans in one article, for adjudication.

Spans are grouped by exact extent and label: a group is ``all`` when every compared annotator
has it, ``partial`` when some do, ``single`` when one does. Groups are in document order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotator.model.types import Annotation


@dataclass(frozen=True)
class SpanGroup:
    start: int
    end: int
    label: str
    text: str
    annotators: tuple[str, ...]
    status: str  # "all", "partial" or "single"
    gold_uuid: str | None  # the gold-layer span with this extent and label, if adjudicated
    source: Annotation | None  # one annotator's span (attributes and note to copy into gold)

    @property
    def disagreement(self) -> bool:
        return self.status != "all"


def group_spans(spans: Iterable[Annotation], annotators: list[str], gold: Iterable[Annotation] = ()) -> list[SpanGroup]:
    """Group the compared annotators' spans; gold spans that no annotator made become
    ``single`` groups of their own (the reviewer's additions), with no annotators."""
    chosen = set(annotators)
    by_key: dict[tuple[int, int, str], list[Annotation]] = {}
    for span in spans:
        if span.annotator in chosen:
            by_key.setdefault((span.start, span.end, span.label), []).append(span)
    gold_by_key = {(g.start, g.end, g.label): g for g in gold}
    groups = []
    for key in sorted(set(by_key) | set(gold_by_key)):
        members = by_key.get(key, [])
        who = tuple(sorted({m.annotator or "" for m in members}))
        if len(who) == len(chosen) and chosen:
            status = "all"
        elif len(who) > 1:
            status = "partial"
        else:
            status = "single"
        gold_span = gold_by_key.get(key)
        text = (members[0].text if members else gold_span.text if gold_span else "") or ""
        groups.append(SpanGroup(key[0], key[1], key[2], text, who, status,
                                gold_span.uuid if gold_span else None, members[0] if members else None))
    return groups
