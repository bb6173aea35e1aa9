"""Inter-annotator agreement, exactly as the textbooks define it.

Units are tokens (default) or characters (``model.tokens``). A unit's category for an
annotator is the label of the span(s) overlapping it: several labels are joined sorted with
``+``; none is ``O``.

Which articles count (the design's rule): pairwise figures (Cohen's kappa, span F1) use the
articles both annotators marked done; Fleiss' kappa the articles all chosen annotators marked
done; Krippendorff's alpha every article, with the units of an annotator who did not finish it
as missing values (so only articles finished by two or more add pairable values).

Every figure is ``None`` with a reason in ``notes`` when it is undefined — never NaN.

To use::

    result = compute_agreement(articles, ["ana", "budi"], unit="token")

where ``articles`` yields ``ArticleUnits`` one article at a time (constant memory).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, NamedTuple

from annotator.model.tokens import unit_intervals

OUTSIDE = "O"
_NONE: frozenset[str] = frozenset()

# Krippendorff's coincidence matrix: (category, category) -> pairable values, a fraction.
Coincidences = defaultdict[tuple[str, str], float]


class SpanRef(NamedTuple):
    """A span as agreement sees it. Agreement reads spans by position, so a plain
    ``(start, end, label)`` tuple (``Span``) does as well and is cheaper to make by the
    hundred thousand."""

    start: int
    end: int
    label: str


Span = tuple[int, int, str]


@dataclass
class ArticleUnits:
    """One article as agreement sees it: text, spans and document labels per annotator, and who
    marked it done."""

    id: int
    text: str
    spans: Mapping[str, Sequence[Span]] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    doc_labels: dict[str, set[str]] = field(default_factory=dict)


def category(labels: Iterable[str] | None) -> str:
    names = sorted(set(labels or ()))
    return "+".join(names) if names else OUTSIDE


# -- the measures, from sufficient statistics -------------------------------------------------


def cohen_kappa(confusion: Counter[tuple[str, str]]) -> tuple[float | None, str | None]:
    """Cohen's kappa from a confusion table of (category by a, category by b) counts."""
    n = sum(confusion.values())
    if n == 0:
        return None, "no unit that both annotators coded"
    observed = sum(count for (x, y), count in confusion.items() if x == y) / n
    rows: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for (x, y), count in confusion.items():
        rows[x] += count
        columns[y] += count
    expected = sum(rows[c] * columns[c] for c in rows) / (n * n)
    if expected >= 1.0:
        return None, f"undefined: both annotators used only one category ({next(iter(rows))})"
    return (observed - expected) / (1 - expected), None


def krippendorff_alpha(coincidences: Mapping[tuple[str, str], float]) -> tuple[float | None, str | None]:
    """Nominal alpha from a coincidence matrix (Krippendorff 2011, section C)."""
    totals: defaultdict[str, float] = defaultdict(float)
    for (c, _), value in coincidences.items():
        totals[c] += value
    n = sum(totals.values())
    if n <= 1:
        return None, "no unit coded by two or more annotators"
    disagreement_observed = sum(v for (c, k), v in coincidences.items() if c != k)
    pairs_expected = n * n - sum(t * t for t in totals.values())
    if pairs_expected <= 0:
        return None, "undefined: only one category was used"
    return 1 - (n - 1) * disagreement_observed / pairs_expected, None


@dataclass
class FleissCounts:
    raters: int
    units: int = 0
    sum_squares: float = 0.0  # sum over units and categories of n_ij ** 2
    totals: Counter[str] = field(default_factory=Counter)

    def add_unit(self, counts: Iterable[int], categories: Iterable[str], weight: int = 1) -> None:
        """Add ``weight`` units rated ``counts`` times into ``categories``."""
        self.units += weight
        for c, n in zip(categories, counts, strict=True):
            self.sum_squares += weight * n * n
            self.totals[c] += weight * n

    def add_uniform(self, category_name: str, units: int) -> None:
        """``units`` units that every rater put in the same category."""
        self.units += units
        self.sum_squares += units * self.raters * self.raters
        self.totals[category_name] += units * self.raters


def fleiss_kappa(counts: FleissCounts) -> tuple[float | None, str | None]:
    n, units = counts.raters, counts.units
    if n < 2:
        return None, "needs at least two annotators"
    if units == 0:
        return None, "no article that every chosen annotator marked done"
    agreement = (counts.sum_squares - units * n) / (units * n * (n - 1))
    expected = sum((t / (units * n)) ** 2 for t in counts.totals.values())
    if expected >= 1.0:
        return None, "undefined: only one category was used"
    return (agreement - expected) / (1 - expected), None


def _add_coincidences_counts(coincidences: Coincidences, counts: dict[str, int], m: int,
                             weight: int = 1) -> None:
    """Add ``weight`` units whose ``m`` pairable values hold ``counts[c]`` times category ``c``."""
    for c, n_c in counts.items():
        for k, n_k in counts.items():
            pairs = n_c * (n_c - 1) if c == k else n_c * n_k
            if pairs:
                coincidences[(c, k)] += weight * pairs / (m - 1)


def max_overlap_matches(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Size of a maximum one-to-one matching between same-label spans sharing a character."""
    # Index access, not field names: about half the time per pair, and agreement asks for
    # this a few hundred thousand times on 10,000 articles.
    if len(a) == 1 or len(b) == 1:  # the common case: one span each side of a label
        return int(any(x[2] == y[2] and x[0] < y[1] and y[0] < x[1] for x in a for y in b))
    if len(a) == 2 and len(b) == 2:  # the next most common: two a side, two ways to pair them
        (a0, a1), (b0, b1) = a, b
        o00 = a0[2] == b0[2] and a0[0] < b0[1] and b0[0] < a0[1]
        o01 = a0[2] == b1[2] and a0[0] < b1[1] and b1[0] < a0[1]
        o10 = a1[2] == b0[2] and a1[0] < b0[1] and b0[0] < a1[1]
        o11 = a1[2] == b1[2] and a1[0] < b1[1] and b1[0] < a1[1]
        return 2 if (o00 and o11) or (o01 and o10) else int(o00 or o01 or o10 or o11)
    neighbours = [[j for j, y in enumerate(b) if x[2] == y[2] and x[0] < y[1] and y[0] < x[1]] for x in a]
    match_of_b: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in neighbours[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match_of_b or augment(match_of_b[j], seen):
                match_of_b[j] = i
                return True
        return False

    return sum(1 for i in range(len(a)) if neighbours[i] and augment(i, set()))


# -- accumulation over articles -------------------------------------------------------------


@dataclass
class _PairStats:
    articles: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    spans_a: Counter[str] = field(default_factory=Counter)  # per label
    spans_b: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    overlap: Counter[str] = field(default_factory=Counter)
    label_confusion: defaultdict[str, Counter[tuple[bool, bool]]] = field(default_factory=lambda: defaultdict(Counter))
    doc_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    doc_label_confusion: dict[str, Counter[tuple[bool, bool]]] = field(default_factory=dict)


def compute_agreement(
    articles: Iterable[ArticleUnits],
    annotators: list[str],
    *,
    unit: str = "token",
    labels: Iterable[str] = (),
    doc_labels: Iterable[str] = (),
) -> dict[str, Any]:
    """Every agreement figure for the chosen annotators, as the ``--json`` shape (README).

    Args:
        articles: the articles, streamed; only those at least two chosen annotators marked
            done contribute (others add no pairable values to any measure).
        annotators: the chosen annotators (names).
        unit: ``token`` or ``char``.
        labels: span labels to report per label (labels found in spans are added).
        doc_labels: document labels to report per label.
    """
    counts = AgreementCounts(annotators, unit, labels, doc_labels)
    for article in articles:
        counts.add(article)
    return counts.result()


class AgreementCounts:
    """Sufficient statistics of agreement, gathered one article at a time.

    Counts from separate runs (e.g. worker processes over parts of a project) ``merge`` into
    one; ``result()`` turns them into the figures. Picklable.
    """

    def __init__(self, annotators: Iterable[str], unit: str = "token", labels: Iterable[str] = (),
                 doc_labels: Iterable[str] = ()):
        self.chosen = sorted(set(annotators))
        self.unit = unit
        self.pairs = {pair: _PairStats() for pair in combinations(self.chosen, 2)}
        self.label_names = set(labels)
        self.doc_label_names = set(doc_labels)
        self.contributing = 0
        self.units_total = 0
        # Units with the same labels from the same finishers are interchangeable: each
        # distinct (finishers, label set per finisher) is counted once, with a weight.
        self.signatures: Counter[tuple[tuple[int, ...], tuple[frozenset[str], ...]]] = Counter()
        self.uncovered: Counter[tuple[int, ...]] = Counter()  # units no finisher labelled
        self._index_of = {name: i for i, name in enumerate(self.chosen)}

    def merge(self, other: AgreementCounts) -> None:
        self.label_names |= other.label_names
        self.doc_label_names |= other.doc_label_names
        self.contributing += other.contributing
        self.units_total += other.units_total
        self.signatures.update(other.signatures)
        self.uncovered.update(other.uncovered)
        for pair, theirs in other.pairs.items():
            ours = self.pairs[pair]
            ours.articles += theirs.articles
            for name in ("spans_a", "spans_b", "exact", "overlap", "doc_confusion"):
                getattr(ours, name).update(getattr(theirs, name))
            for label, table in theirs.doc_label_confusion.items():
                ours.doc_label_confusion.setdefault(label, Counter()).update(table)

    def add(self, article: ArticleUnits) -> None:
        finished = [name for name in self.chosen if name in article.done]
        if len(finished) < 2:
            return
        self.contributing += 1
        key = tuple(self._index_of[name] for name in finished)
        # Each finisher's spans by label (for the pairs below), and every span's finisher,
        # label and extent in one list each (for the units).
        by_label: dict[str, dict[str, list[Span]]] = {}
        owners: list[int] = []
        labels: list[str] = []
        bounds: list[tuple[int, int]] = []
        for position, name in enumerate(finished):
            grouped: dict[str, list[Span]] = {}
            for span in article.spans.get(name, ()):
                grouped.setdefault(span[2], []).append(span)
                owners.append(position)
                labels.append(span[2])
                bounds.append((span[0], span[1]))
            by_label[name] = grouped
            self.label_names.update(grouped)
        intervals, n_units = unit_intervals(article.text, bounds, self.unit)
        self.units_total += n_units
        marks: list[tuple[int, int, str, int]] = []
        for position, label, (first, last) in zip(owners, labels, intervals, strict=True):
            if first < last:
                marks += ((first, position, label, 1), (last, position, label, -1))
        marks.sort()
        # Sweep over the unit edges in order, keeping each finisher's open spans per label and
        # the label set they make; each stretch between two edges is one signature.
        open_spans: list[dict[str, int]] = [{} for _ in finished]
        state: list[frozenset[str]] = [_NONE] * len(finished)
        labelled = 0  # finishers with a non-empty label set
        covered = 0
        signatures = self.signatures
        edge = -1
        for here, position, label, step in marks:
            if here != edge:
                if labelled:  # the stretch [edge, here)
                    signatures[(key, tuple(state))] += here - edge
                    covered += here - edge
                edge = here
            counts = open_spans[position]
            left = counts.get(label, 0) + step
            if left:
                counts[label] = left
            else:
                del counts[label]
            if left == 0 or (left == 1 and step == 1):  # the label set changed
                now = frozenset(counts)
                labelled += bool(now) - bool(state[position])
                state[position] = now
        self.uncovered[key] += n_units - covered

        # Spans and document labels, per pair.
        for a, b in combinations(finished, 2):
            stats = self.pairs[(a, b)]
            stats.articles += 1
            groups_a, groups_b = by_label[a], by_label[b]
            for label, group in groups_a.items():
                stats.spans_a[label] += len(group)
            for label, group in groups_b.items():
                stats.spans_b[label] += len(group)
            for label in groups_a.keys() & groups_b.keys():
                group_a, group_b = groups_a[label], groups_b[label]
                distinct = set(group_a)
                stats.exact[label] += len(distinct & set(group_b))
                if group_a == group_b and len(distinct) == len(group_a) and all(s[0] < s[1] for s in group_a):
                    stats.overlap[label] += len(group_a)  # the same spans: each matches itself
                else:
                    stats.overlap[label] += max_overlap_matches(group_a, group_b)
            da, db = article.doc_labels.get(a, set()), article.doc_labels.get(b, set())
            if da or db:
                self.doc_label_names.update(da | db)
                for label in da | db:
                    stats.doc_label_confusion.setdefault(label, Counter())[(label in da, label in db)] += 1
            stats.doc_confusion[(category(da), category(db))] += 1

    def result(self) -> dict[str, Any]:
        chosen, pairs = self.chosen, self.pairs
        for stats in pairs.values():  # derived below from the signatures; start clean
            stats.confusion = Counter()
            stats.label_confusion = defaultdict(Counter)
        fleiss = FleissCounts(len(chosen))
        label_fleiss: defaultdict[str, FleissCounts] = defaultdict(lambda: FleissCounts(len(chosen)))
        coincidences: Coincidences = defaultdict(float)
        label_coincidences: defaultdict[str, Coincidences] = defaultdict(lambda: defaultdict(float))
        label_marked_mass: Counter[str] = Counter()  # values in units a label marked, per label
        _tally(self.signatures, self.uncovered, chosen, pairs, fleiss, label_fleiss, coincidences,
               label_coincidences, label_marked_mass)

        # Fill in the units a label never touched: (no, no) for every pair, "0" from every rater.
        total_mass = sum(coincidences.values())
        for label in self.label_names:
            for stats in pairs.values():
                table = stats.label_confusion[label]
                table[(False, False)] += sum(stats.confusion.values()) - sum(table.values())
            counts = label_fleiss[label]
            counts.add_uniform("0", fleiss.units - counts.units)
            label_coincidences[label][("0", "0")] += total_mass - label_marked_mass[label]
        return _report(chosen, self.unit, self.contributing, self.units_total, pairs, fleiss, label_fleiss,
                       coincidences, label_coincidences, sorted(self.label_names), sorted(self.doc_label_names))


def _tally(signatures: Counter[tuple[tuple[int, ...], tuple[frozenset[str], ...]]],
           uncovered: Counter[tuple[int, ...]], chosen: list[str], pairs: dict[tuple[str, str], _PairStats],
           fleiss: FleissCounts, label_fleiss: defaultdict[str, FleissCounts], coincidences: Coincidences,
           label_coincidences: defaultdict[str, Coincidences], label_marked_mass: Counter[str]) -> None:
    """Turn weighted unit signatures into confusion tables, Fleiss counts and coincidences."""
    categories: dict[frozenset[str], str] = {}
    for (key, sets), weight in signatures.items():
        names = [chosen[i] for i in key]
        m = len(key)
        everyone = m == len(chosen)
        cats = []
        for labels_here in sets:
            if labels_here not in categories:
                categories[labels_here] = category(labels_here)
            cats.append(categories[labels_here])
        for i, j in combinations(range(m), 2):
            pairs[(names[i], names[j])].confusion[(cats[i], cats[j])] += weight
        counts = Counter(cats)
        if everyone:
            fleiss.add_unit(counts.values(), counts.keys(), weight)
        _add_coincidences_counts(coincidences, counts, m, weight)
        for label in frozenset().union(*sets):
            marks = [label in labels_here for labels_here in sets]
            for i, j in combinations(range(m), 2):
                if marks[i] or marks[j]:
                    pairs[(names[i], names[j])].label_confusion[label][(marks[i], marks[j])] += weight
            yes = sum(marks)
            if everyone:
                label_fleiss[label].add_unit((yes, m - yes), ("1", "0"), weight)
            _add_coincidences_counts(label_coincidences[label], {"1": yes, "0": m - yes}, m, weight)
            label_marked_mass[label] += m * weight
    for key, count in uncovered.items():
        names = [chosen[i] for i in key]
        for a, b in combinations(names, 2):
            pairs[(a, b)].confusion[(OUTSIDE, OUTSIDE)] += count
        if len(key) == len(chosen):
            fleiss.add_uniform(OUTSIDE, count)
        coincidences[(OUTSIDE, OUTSIDE)] += count * len(key)


def _f1(matched: int, in_a: int, in_b: int) -> dict[str, float | None]:
    return {
        "precision": matched / in_b if in_b else None,
        "recall": matched / in_a if in_a else None,
        "f1": 2 * matched / (in_a + in_b) if in_a + in_b else None,
    }


def _binary_kappa(table: Counter[tuple[bool, bool]]) -> tuple[float | None, str | None]:
    return cohen_kappa(Counter({(str(x), str(y)): n for (x, y), n in table.items()}))


def _report(chosen: list[str], unit: str, contributing: int, units_total: int,
            pairs: dict[tuple[str, str], _PairStats], fleiss: FleissCounts,
            label_fleiss: defaultdict[str, FleissCounts], coincidences: Coincidences,
            label_coincidences: defaultdict[str, Coincidences], label_names: list[str],
            doc_label_names: list[str]) -> dict[str, Any]:
    notes: list[str] = []
    if len(chosen) < 2:
        notes.append("fewer than two annotators chosen: no agreement can be computed")
    pair_rows = []
    label_rows: dict[str, dict[str, Any]] = {label: {"pairs": [], "notes": []} for label in label_names}
    doc_pairs = []
    doc_label_rows: dict[str, dict[str, Any]] = {label: {"pairs": []} for label in doc_label_names}
    for (a, b), stats in pairs.items():
        row_notes: list[str] = []
        kappa, why = cohen_kappa(stats.confusion)
        if stats.articles == 0:
            why = f"no article that both {a} and {b} marked done"
        if why:
            row_notes.append(f"cohen_kappa: {why}")
        n_a, n_b = sum(stats.spans_a.values()), sum(stats.spans_b.values())
        exact = _f1(sum(stats.exact.values()), n_a, n_b)
        overlap = _f1(sum(stats.overlap.values()), n_a, n_b)
        if exact["f1"] is None:
            row_notes.append("span F1: neither annotator has spans in the articles both marked done")
        units = sum(stats.confusion.values())
        pair_rows.append({
            "a": a, "b": b, "articles": stats.articles, "units": units,
            "observed_agreement": (
                sum(n for (x, y), n in stats.confusion.items() if x == y) / units if units else None),
            "cohen_kappa": kappa,
            "spans_a": n_a, "spans_b": n_b,
            "span_precision_exact": exact["precision"], "span_recall_exact": exact["recall"],
            "span_f1_exact": exact["f1"],
            "span_precision_overlap": overlap["precision"], "span_recall_overlap": overlap["recall"],
            "span_f1_overlap": overlap["f1"],
            "notes": row_notes,
        })
        for label in label_names:
            label_kappa, label_why = _binary_kappa(stats.label_confusion[label])
            entry: dict[str, Any] = {
                "a": a, "b": b,
                "cohen_kappa": label_kappa,
                "span_f1_exact": _f1(stats.exact[label], stats.spans_a[label], stats.spans_b[label])["f1"],
                "span_f1_overlap": _f1(stats.overlap[label], stats.spans_a[label], stats.spans_b[label])["f1"],
            }
            if label_why:
                entry["notes"] = [f"cohen_kappa: {label_why}"]
            label_rows[label]["pairs"].append(entry)
        doc_kappa, doc_why = cohen_kappa(stats.doc_confusion)
        doc_pairs.append({"a": a, "b": b, "articles": stats.articles, "cohen_kappa": doc_kappa,
                          "notes": [f"cohen_kappa: {doc_why}"] if doc_why else []})
        for label in doc_label_names:
            table = stats.doc_label_confusion.get(label, Counter())
            missing = stats.articles - sum(table.values())
            if missing:
                table = table + Counter({(False, False): missing})
            value, why_label = _binary_kappa(table)
            doc_entry: dict[str, Any] = {"a": a, "b": b, "cohen_kappa": value}
            if why_label:
                doc_entry["notes"] = [f"cohen_kappa: {why_label}"]
            doc_label_rows[label]["pairs"].append(doc_entry)

    fleiss_value, fleiss_why = fleiss_kappa(fleiss)
    if fleiss_why:
        notes.append(f"fleiss_kappa: {fleiss_why}")
    alpha, alpha_why = krippendorff_alpha(coincidences) if len(chosen) >= 2 else (None, "fewer than two annotators")
    if alpha_why:
        notes.append(f"krippendorff_alpha: {alpha_why}")
    for label in label_names:
        row = label_rows[label]
        value, why = fleiss_kappa(label_fleiss[label])
        row["fleiss_kappa"] = value
        if why:
            row["notes"].append(f"fleiss_kappa: {why}")
        label_table = label_coincidences[label]
        value, why = krippendorff_alpha(label_table) if len(chosen) >= 2 else (None, "fewer than two annotators")
        row["krippendorff_alpha"] = value
        if why:
            row["notes"].append(f"krippendorff_alpha: {why}")
    return {
        "unit": unit,
        "annotators": chosen,
        "articles": contributing,
        "units": units_total,
        "pairs": pair_rows,
        "fleiss_kappa": fleiss_value,
        "fleiss_articles_units": fleiss.units,
        "krippendorff_alpha": alpha,
        "labels": label_rows,
        "doc_labels": {"pairs": doc_pairs, "labels": doc_label_rows},
        "notes": notes,
    }

