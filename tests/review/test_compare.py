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
        (7, "B", "labels", ("ana", "budi", "citra"), "g1"),  # one row: they labelled 7-9 differently
        (20, "A", "single", ("budi",), None),
        (30, "A", "single", (), "g2"),
    ]
    assert [g.disagreement for g in groups] == [False, True, True, True]
    assert groups[1].labels == (("ana", "B"), ("budi", "B"), ("citra", "C"))


def test_only_chosen_annotators_count():
    spans = [span(0, 5, "A", "ana"), span(0, 5, "A", "budi"), span(0, 5, "A", "other")]
    [group] = group_spans(spans, ["ana", "budi"])
    assert (group.status, group.annotators) == ("all", ("ana", "budi"))


def test_same_extent_different_labels_is_one_labels_group():
    spans = [span(0, 5, "A", "ana"), span(0, 5, "B", "budi"), span(0, 5, "B", "citra")]
    [group] = group_spans(spans, ["ana", "budi", "citra"])
    assert (group.status, group.label, group.disagreement) == ("labels", "B", True)  # most gave B
    assert group.source is not None and group.source.label == "B"  # what accepting copies
    [tie] = group_spans(spans[:2], ["ana", "budi"])
    assert (tie.label, tie.labels) == ("A", (("ana", "A"), ("budi", "B")))  # tie: first annotator's
    # Once the reviewer accepted the minority label, the row shows that one as in gold.
    [accepted] = group_spans(spans, ["ana", "budi", "citra"], [span(0, 5, "A", "gold", "g")])
    assert (accepted.status, accepted.label, accepted.gold_uuid) == ("labels", "A", "g")


def test_next_disagreement_wraps_round_the_list():
    from annotator.review.adjudication import Jump, next_disagreement_wrapping

    ids = [10, 11, 12, 13]
    assert next_disagreement_wrapping(ids, 11, {12}, 1) == Jump(12, wrapped=False)
    assert next_disagreement_wrapping(ids, 13, {11, 12}, 1) == Jump(11, wrapped=True)
    assert next_disagreement_wrapping(ids, 11, {11}, 1) == Jump(11, wrapped=True)  # the only one
    assert next_disagreement_wrapping(ids, 10, {11, 12}, -1) == Jump(12, wrapped=True)
    assert next_disagreement_wrapping(ids, 10, set(), 1) is None
