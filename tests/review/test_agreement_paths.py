"""Agreement's shortcuts give the textbook answer: span matching against brute force, and
spans given as plain tuples against ``SpanRef``s."""

from __future__ import annotations

from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.review.agreement import ArticleUnits, SpanRef, compute_agreement, max_overlap_matches

spans = st.lists(st.builds(lambda start, length, label: SpanRef(start, start + length, label),
                           st.integers(0, 20), st.integers(0, 6), st.sampled_from("XY")), max_size=4)


def brute_force_matches(a: list[SpanRef], b: list[SpanRef]) -> int:
    """The largest one-to-one pairing of same-label spans sharing a character, by trying all."""
    def overlaps(x: SpanRef, y: SpanRef) -> bool:
        return x.label == y.label and x.start < y.end and y.start < x.end

    if len(a) > len(b):
        a, b = b, a
    return max((sum(overlaps(x, y) for x, y in zip(a, chosen, strict=False)) for chosen in permutations(b, len(a))),
               default=0)


@given(spans, spans)
@settings(max_examples=500, deadline=None)
def test_max_overlap_matches_is_the_largest_matching(a, b):
    assert max_overlap_matches(a, b) == brute_force_matches(a, b)
    assert max_overlap_matches([tuple(x) for x in a], [tuple(y) for y in b]) == brute_force_matches(a, b)


@given(st.lists(st.tuples(spans, spans, spans), min_size=1, max_size=6))
@settings(max_examples=100, deadline=None)
def test_plain_tuples_count_as_span_refs(articles):
    text = "satu dua, tiga! empat lima enam tujuh delapan sembilan sepuluh"
    named = [ArticleUnits(i, text, {"a": a, "b": b, "c": c}, {"a", "b", "c"}) for i, (a, b, c) in enumerate(articles)]
    plain = [ArticleUnits(i, text, {name: [tuple(s) for s in own] for name, own in units.spans.items()},
                          {"a", "b", "c"}) for i, units in enumerate(named)]
    for unit in ("token", "char"):
        assert compute_agreement(plain, ["a", "b", "c"], unit=unit) == \
            compute_agreement(named, ["a", "b", "c"], unit=unit)
