"""Every agreement figure equals an independent reference implementation to 1e-9.

References (test-only dependencies): scikit-learn ``cohen_kappa_score``, the ``krippendorff``
package, statsmodels ``fleiss_kappa``; and Krippendorff (2011)'s published worked example.
"""

from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.model.tokens import all_units, pattern_for, units_overlapping
from annotator.review.agreement import (
    ArticleUnits,
    SpanRef,
    category,
    compute_agreement,
    krippendorff_alpha,
    max_overlap_matches,
)

LABELS = ["Anti-imperialist framing", "Blame", "Quotation", "Call for negotiation"]
ANNOTATORS = ["ana", "budi", "citra"]


def unit_bounds(text: str, unit: str) -> list[tuple[int, int]]:
    if unit == "char":
        return [(i, i + 1) for i in range(len(text))]
    return [(m.start(), m.end()) for m in pattern_for(text).finditer(text)]


def naive_categories(text: str, spans: list[SpanRef], unit: str, label: str | None = None) -> list[str]:
    """Per unit, the category computed the slow, obvious way."""
    result = []
    for start, end in unit_bounds(text, unit):
        labels = {s.label for s in spans if s.start < end and start < s.end}
        if label is None:
            result.append(category(labels))
        else:
            result.append("1" if label in labels else "0")
    return result


def generated_articles(multilingual_texts, seed: int) -> list[ArticleUnits]:
    rng = random.Random(seed)
    articles = []
    for i, (_, _, text) in enumerate(multilingual_texts):
        spans: dict[str, list[SpanRef]] = {}
        base = []
        for _ in range(rng.randint(0, 5)):
            start = rng.randrange(len(text))
            base.append(SpanRef(start, min(len(text), start + rng.randint(1, 40)), rng.choice(LABELS)))
        for name in ANNOTATORS:
            own = []
            for span in base:  # mostly the same spans, shifted or relabelled now and then
                roll = rng.random()
                if roll < 0.6:
                    own.append(span)
                elif roll < 0.75:
                    start = max(0, span.start + rng.randint(-3, 3))
                    end = max(start + 1, min(len(text), span.end + rng.randint(-3, 3)))
                    own.append(SpanRef(start, end, span.label))
                elif roll < 0.9:
                    own.append(SpanRef(span.start, span.end, rng.choice(LABELS)))
            if rng.random() < 0.3:  # extra, possibly nested span
                start = rng.randrange(len(text))
                own.append(SpanRef(start, min(len(text), start + rng.randint(1, 15)), rng.choice(LABELS)))
            spans[name] = sorted(set(own), key=lambda s: (s.start, s.end, s.label))
        done = {name for name in ANNOTATORS if rng.random() < 0.8}
        doc = {name: set(rng.sample(["Aligned", "Critical", "Neutral"], rng.randint(0, 1))) for name in ANNOTATORS}
        articles.append(ArticleUnits(i, text, spans, done, doc))
    return articles


def reference_kappa(articles, a, b, unit, label=None):
    seq_a, seq_b = [], []
    for art in articles:
        if a in art.done and b in art.done:
            seq_a += naive_categories(art.text, art.spans.get(a, []), unit, label)
            seq_b += naive_categories(art.text, art.spans.get(b, []), unit, label)
    if len(set(seq_a) | set(seq_b)) < 2:
        return None
    return cohen_kappa_score(seq_a, seq_b)


def reference_alpha(articles, chosen, unit, label=None):
    columns = []
    for art in articles:
        per_annotator = {
            name: naive_categories(art.text, art.spans.get(name, []), unit, label) if name in art.done else None
            for name in chosen
        }
        for position in range(len(unit_bounds(art.text, unit))):
            columns.append([per_annotator[name][position] if per_annotator[name] is not None else None
                            for name in chosen])
    codes = {c: i for i, c in enumerate(sorted({v for col in columns for v in col if v is not None}))}
    if len(codes) < 2:
        return None
    data = np.array([[codes[v] if v is not None else np.nan for v in col] for col in columns], dtype=float).T
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def reference_fleiss(articles, chosen, unit, label=None):
    rows = []
    for art in articles:
        if all(name in art.done for name in chosen):
            per = [naive_categories(art.text, art.spans.get(name, []), unit, label) for name in chosen]
            rows += list(zip(*per, strict=True))
    if not rows:
        return None
    cats = sorted({v for row in rows for v in row})
    if len(cats) < 2:
        return None
    table = np.array([[row.count(c) for c in cats] for row in rows])
    return sm_fleiss_kappa(table, method="fleiss")


def close(ours, reference):
    if reference is None or (isinstance(reference, float) and math.isnan(reference)):
        return ours is None
    return ours is not None and abs(ours - reference) < 1e-9


@pytest.mark.parametrize("unit", ["token", "char"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_equals_the_reference(multilingual_texts, unit, seed):
    articles = generated_articles(multilingual_texts[:30], seed)
    result = compute_agreement(articles, ANNOTATORS, unit=unit, labels=LABELS)
    for row in result["pairs"]:
        assert close(row["cohen_kappa"], reference_kappa(articles, row["a"], row["b"], unit)), row
    assert close(result["fleiss_kappa"], reference_fleiss(articles, ANNOTATORS, unit))
    assert close(result["krippendorff_alpha"], reference_alpha(articles, ANNOTATORS, unit))
    for label in LABELS:
        per_label = result["labels"][label]
        for row in per_label["pairs"]:
            assert close(row["cohen_kappa"], reference_kappa(articles, row["a"], row["b"], unit, label)), (label, row)
        assert close(per_label["fleiss_kappa"], reference_fleiss(articles, ANNOTATORS, unit, label)), label
        assert close(per_label["krippendorff_alpha"], reference_alpha(articles, ANNOTATORS, unit, label)), label


def test_two_of_three_annotators(multilingual_texts):
    articles = generated_articles(multilingual_texts[:20], 9)
    result = compute_agreement(articles, ["ana", "citra"], unit="token")
    [row] = result["pairs"]
    assert close(row["cohen_kappa"], reference_kappa(articles, "ana", "citra", "token"))
    assert close(result["krippendorff_alpha"], reference_alpha(articles, ["ana", "citra"], "token"))
    assert close(result["fleiss_kappa"], reference_fleiss(articles, ["ana", "citra"], "token"))


def test_krippendorff_2011_worked_example():
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', nominal data:
    4 observers, 12 units, missing values; alpha = 0.743."""
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    coders = ["A", "B", "C", "D"]
    # Each unit becomes a one-character article; a coder without a value did not finish it.
    articles = []
    for unit in range(12):
        values = {coders[c]: data[c][unit] for c in range(4) if data[c][unit] is not None}
        spans = {name: [SpanRef(0, 1, f"v{value}")] for name, value in values.items()}
        articles.append(ArticleUnits(unit, "x", spans, set(values)))
    result = compute_agreement(articles, coders, unit="char")
    assert round(result["krippendorff_alpha"], 3) == 0.743
    reference = krippendorff.alpha(
        reliability_data=np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float),
        level_of_measurement="nominal")
    assert abs(result["krippendorff_alpha"] - reference) < 1e-9


def test_span_f1_exact_and_overlap():
    a = [SpanRef(0, 5, "X"), SpanRef(10, 20, "X"), SpanRef(30, 35, "Y")]
    b = [SpanRef(0, 5, "X"), SpanRef(12, 15, "X"), SpanRef(16, 25, "X"), SpanRef(30, 35, "Z")]
    articles = [ArticleUnits(1, "w " * 30, {"a": a, "b": b}, {"a", "b"})]
    [row] = compute_agreement(articles, ["a", "b"], unit="char")["pairs"]
    assert row["span_f1_exact"] == pytest.approx(2 * 1 / 7)
    # one-to-one: (0,5)-(0,5) and (10,20) with one of the two inside it; Y vs Z never match
    assert row["span_f1_overlap"] == pytest.approx(2 * 2 / 7)
    assert (row["span_precision_overlap"], row["span_recall_overlap"]) == (pytest.approx(2 / 4), pytest.approx(2 / 3))


def test_maximum_matching_is_one_to_one():
    a = [SpanRef(0, 10, "X"), SpanRef(8, 12, "X")]
    b = [SpanRef(9, 11, "X"), SpanRef(0, 3, "X")]
    assert max_overlap_matches(a, b) == 2  # a greedy pass could take (0,10)-(9,11) and stop at 1


def test_undefined_cases_are_null_with_reasons():
    one = [ArticleUnits(1, "satu dua", {"a": [], "b": []}, {"a", "b"})]
    result = compute_agreement(one, ["a", "b"])
    assert result["pairs"][0]["cohen_kappa"] is None
    assert any("one category" in n for n in result["pairs"][0]["notes"])
    assert result["krippendorff_alpha"] is None and result["fleiss_kappa"] is None
    assert result["pairs"][0]["span_f1_exact"] is None
    single = compute_agreement(one, ["a"])
    assert single["pairs"] == [] and single["fleiss_kappa"] is None and single["krippendorff_alpha"] is None
    assert single["notes"]
    nobody_done = [ArticleUnits(1, "satu dua", {"a": [SpanRef(0, 4, "X")]}, {"a"})]
    result = compute_agreement(nobody_done, ["a", "b"])
    assert result["articles"] == 0
    assert "no article that both" in result["pairs"][0]["notes"][0]


def test_kappa_of_identical_annotations_is_one_and_symmetric(multilingual_texts):
    articles = generated_articles(multilingual_texts[:10], 4)
    for article in articles:
        article.spans["copy"] = list(article.spans["ana"])
        if "ana" in article.done:
            article.done.add("copy")
    result = compute_agreement(articles, ["ana", "copy", "budi"])
    by_pair = {(r["a"], r["b"]): r for r in result["pairs"]}
    assert by_pair[("ana", "copy")]["cohen_kappa"] == pytest.approx(1.0)
    assert by_pair[("ana", "copy")]["span_f1_exact"] == pytest.approx(1.0)
    swapped = compute_agreement(articles, ["budi", "ana"])
    assert swapped["pairs"][0]["cohen_kappa"] == pytest.approx(by_pair[("ana", "budi")]["cohen_kappa"])


def test_units_overlapping_matches_naive_units(multilingual_texts):
    rng = random.Random(5)
    for _, _, text in multilingual_texts[:40]:
        for _ in range(20):
            start = rng.randrange(len(text))
            end = min(len(text), start + rng.randint(1, 30))
            for unit in ("token", "char"):
                expected = [s for s, e in unit_bounds(text, unit) if s < end and start < e]
                assert list(units_overlapping(text, start, end, unit)) == expected
                assert all_units(text, unit) == [s for s, _ in unit_bounds(text, unit)]


def test_document_label_kappa():
    articles = []
    for i, (x, y) in enumerate([("A", "A"), ("A", "B"), ("B", "B"), ("", "B"), ("A", "A")]):
        articles.append(ArticleUnits(i, "t", {}, {"a", "b"}, {"a": {x} - {""}, "b": {y} - {""}}))
    result = compute_agreement(articles, ["a", "b"])
    expected = cohen_kappa_score(["A", "A", "B", "O", "A"], ["A", "B", "B", "B", "A"])
    assert abs(result["doc_labels"]["pairs"][0]["cohen_kappa"] - expected) < 1e-9
    label_a = result["doc_labels"]["labels"]["A"]["pairs"][0]["cohen_kappa"]
    assert abs(label_a - cohen_kappa_score([1, 1, 0, 0, 1], [1, 0, 0, 0, 1])) < 1e-9


def test_krippendorff_alpha_from_coincidences_directly():
    from collections import Counter

    assert krippendorff_alpha(Counter()) == (None, "no unit coded by two or more annotators")
    assert krippendorff_alpha(Counter({("O", "O"): 10}))[0] is None


def test_unit_intervals_match_units_overlapping(multilingual_texts):
    from annotator.model.tokens import unit_intervals

    rng = random.Random(8)
    for _, _, text in multilingual_texts[:40]:
        bounds = []
        for _ in range(25):
            start = rng.randrange(len(text))
            bounds.append((start, min(len(text), start + rng.randint(1, 30))))
        for unit in ("token", "char"):
            starts = all_units(text, unit)
            intervals, count = unit_intervals(text, bounds, unit)
            assert count == len(starts)
            for (start, end), (first, last) in zip(bounds, intervals, strict=True):
                assert starts[first:last] == list(units_overlapping(text, start, end, unit)), (text, start, end)
