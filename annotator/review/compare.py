"""Side-by-side comparison of several annotators' spans in one article, for adjudication.

Spans are grouped by exact extent. When every span on an extent has the same label, the group
is ``all`` when every compared annotator has it, ``partial`` when some do, ``single`` when one
does. When the annotators gave one extent different labels, it is one ``labels`` group ("labels
differ") listing each annotator's label, rather than unrelated ``partial``/``single`` rows: the
reviewer sees the label clash as one decision. Its ``label`` (what accepting it copies into gold)
is the gold span's label once one of theirs was accepted, else the label most of them gave; on a
tie, the label of the first annotator in alphabetical order. To choose another label, the
reviewer labels the selected text with that label's key instead. Groups are in document order.
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
    status: str  # "all", "partial", "single" or "labels" (same extent, different labels)
    gold_uuid: str | None  # the gold-layer span with this extent and label, if adjudicated
    source: Annotation | None  # one annotator's span (attributes and note to copy into gold)
    labels: tuple[tuple[str, str], ...] = ()  # "labels" groups: (annotator, label) pairs

    @property
    def disagreement(self) -> bool:
        return self.status != "all"


def group_spans(spans: Iterable[Annotation], annotators: list[str], gold: Iterable[Annotation] = ()) -> list[SpanGroup]:
    """Group the compared annotators' spans by extent (see the module docstring for the kinds).

    Args:
        spans: any spans of the article; only the ``annotators``' count.
        annotators: the compared annotators.
        gold: the gold layer's spans. A gold span that no annotator's group accounts for becomes
            a ``single`` group of its own (the reviewer's addition), with no annotators.

    Returns:
        The groups in document order (start, end, label).
    """
    chosen = set(annotators)
    by_extent: dict[tuple[int, int], list[Annotation]] = {}
    for span in spans:
        if span.annotator in chosen:
            by_extent.setdefault((span.start, span.end), []).append(span)
    gold_left = {(g.start, g.end, g.label): g for g in gold}
    groups = []
    for (start, end), members in by_extent.items():
        labels = {m.label for m in members}
        if len(labels) > 1:
            groups.append(_label_clash(start, end, members, gold_left))
            continue
        who = tuple(sorted({m.annotator or "" for m in members}))
        if len(who) == len(chosen) and chosen:
            status = "all"
        elif len(who) > 1:
            status = "partial"
        else:
            status = "single"
        gold_span = gold_left.pop((start, end, members[0].label), None)
        groups.append(SpanGroup(start, end, members[0].label, members[0].text or "", who, status,
                                gold_span.uuid if gold_span else None, members[0]))
    for (start, end, label), gold_span in gold_left.items():
        groups.append(SpanGroup(start, end, label, gold_span.text or "", (), "single", gold_span.uuid, None))
    return sorted(groups, key=lambda g: (g.start, g.end, g.label))


def _label_clash(start: int, end: int, members: list[Annotation],
                 gold_left: dict[tuple[int, int, str], Annotation]) -> SpanGroup:
    """One ``labels`` group for an extent the annotators labelled differently; takes its gold
    span (if one of their labels was accepted) out of ``gold_left``."""
    pairs = tuple(sorted({(m.annotator or "", m.label) for m in members}))
    accepted = next((label for _, label in pairs if (start, end, label) in gold_left), None)
    if accepted is None:
        votes: dict[str, int] = {}
        for _, label in pairs:
            votes[label] = votes.get(label, 0) + 1
        top = max(votes.values())
        accepted = next(label for _, label in pairs if votes[label] == top)  # pairs: by annotator
    gold_span = gold_left.pop((start, end, accepted), None)
    source = next(m for m in members if m.label == accepted)
    who = tuple(sorted({name for name, _ in pairs}))
    return SpanGroup(start, end, accepted, source.text or "", who, "labels",
                     gold_span.uuid if gold_span else None, source, pairs)
