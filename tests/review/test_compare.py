from __future__ import annotations

from annotator.model.types import Annotation
from annotator.review.compare import group_spans


def span(start, end, label, who, uuid=None):
    return Annotation(start, end, label, "x" * (end - start), who, uuid=uuid or f"{who}-{start}-{label}")


def test_groups_by_extent_and_label_with_status_and_gold():
    spans = [span(0, 5, "A", "ana"), span(0, 5, "A", "budi"), span(0, 5, "A", "citra"),
             span(7, 9, "B", "ana"), span(7, 9, "B", "budi"),
             span(7, 9, "C", "citra"), span(20, 25, "A", "budi")]
    gold = [span(7, 9, "B", "gold", "g1"), span(30, 32, "A", "gold", "g2")]
    groups = group_spans(spans, ["ana", "budi", "citra"], gold)
    assert [(g.start, g.label, g.status, g.annotators, g.gold_uuid) for g in groups] == [
        (0, "A", "all", ("ana", "budi", "citra"), None),
        (7, "B", "partial", ("ana", "budi"), "g1"),
        (7, "C", "single", ("citra",), None),
        (20, "A", "single", ("budi",), None),
        (30, "A", "single", (), "g2"),
    ]
    assert [g.disagreement for g in groups] == [False, True, True, True, True]


def test_only_chosen_annotators_count():
    spans = [span(0, 5, "A", "ana"), span(0, 5, "A", "budi"), span(0, 5, "A", "other")]
    [group] = group_spans(spans, ["ana", "budi"])
    assert (group.status, group.annotators) == ("all", ("ana", "budi"))
