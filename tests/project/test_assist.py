"""The facade of assisted labelling: suggestions, accepting and rejecting them through ``execute``
(each undoable, bulk acceptance one transaction), and "annotate all matches"."""

from __future__ import annotations

import pytest

from annotator.assist import Suggestion
from annotator.model.commands import AcceptSuggestions, AddSpans, RemoveSpan, RemoveSpans, SuggestedSpan
from annotator.model.errors import InvalidQuery, InvalidSpan, NotFound, StoreError
from annotator.model.types import Article
from annotator.project import Project
from annotator.project.assist import MATCH_SOURCE, MatchCount

TEXT = ('Lavrov mengkritik kekuatan "imperialis". "Kami menolak eskalasi," ucap Lavrov. '
        "Rusia menyebutnya operasi militer khusus.")
QUOTE = '"Kami menolak eskalasi,"'


def fake_quotations(text: str, language: str | None = None, *, label: str = "Quotation") -> list[Suggestion]:
    """Stands in for ``assist/quotes.py``: every double-quoted stretch with a comma before its
    closing mark is a direct quote by Lavrov."""
    start = text.find(QUOTE)
    if start < 0:
        return []
    return [Suggestion(start, start + len(QUOTE), label, QUOTE, "quotes/1",
                       {"speaker": "Lavrov", "voice": "direct quote"})]


@pytest.fixture
def assisted(monkeypatch) -> Project:
    """A project with the default codebook (its patterns), one article, and the stand-in detector."""
    monkeypatch.setattr("annotator.project.assist._find_quotations",
                        lambda text, language, label: fake_quotations(text, language, label=label))
    project = Project.memory()
    with project._store.write():
        project._store.add_article(Article(text=TEXT, external_id="ext-1", language="id"))
    yield project
    project.close()


def spans(project: Project, annotator: str = "ana") -> list[tuple]:
    return [(s.start, s.end, s.label, s.origin, s.source, s.attributes)
            for s in project.annotations(1, annotator)]


def test_suggestions_come_from_quotes_and_rules_and_write_nothing(assisted):
    found = assisted.suggestions(1, annotator="ana")
    assert [(s.label, s.text, s.source) for s in found] == [
        ("Anti-imperialist framing", "imperialis", "rule/1:Anti-imperialist framing"),
        ("Quotation", QUOTE, "quotes/1"),
        ("Euphemism / loaded term", "operasi militer khusus", "rule/1:Euphemism / loaded term"),
    ]
    assert [s.label for s in assisted.suggestions(1, annotator="ana", rules=False)] == ["Quotation"]
    assert assisted.annotators() == [] and assisted.annotations(1) == []


def test_accepted_suggestions_are_spans_with_origin_and_source_and_undo_exactly(assisted):
    found = assisted.suggestions(1, annotator="ana")
    changes, inverse = assisted.execute(assisted.accept_command("ana", 1, found[:2]))
    assert spans(assisted) == [
        (28, 38, "Anti-imperialist framing", "suggestion", "rule/1:Anti-imperialist framing", {}),
        (TEXT.index(QUOTE), TEXT.index(QUOTE) + len(QUOTE), "Quotation", "suggestion", "quotes/1",
         {"speaker": "Lavrov", "voice": "direct quote"}),
    ]
    assert isinstance(inverse, RemoveSpans) and set(inverse.uuids) == changes.span_uuids
    uuids = {s.uuid for s in assisted.annotations(1)}
    assert [s.text for s in assisted.suggestions(1, annotator="ana")] == ["operasi militer khusus"]
    _, redo = assisted.execute(inverse)  # undo
    assert assisted.annotations(1) == [] and isinstance(redo, AddSpans)
    assert len(assisted.suggestions(1, annotator="ana")) == 3
    assisted.execute(redo)  # redo: the same spans, ids and sources
    assert {s.uuid for s in assisted.annotations(1)} == uuids and len(spans(assisted)) == 2
    assert spans(assisted)[1][4] == "quotes/1"


def test_removing_an_accepted_span_and_undoing_keeps_its_source(assisted):
    [quote] = assisted.suggestions(1, annotator="ana", rules=False)
    changes, _ = assisted.execute(assisted.accept_command("ana", 1, [quote]))
    _, undo = assisted.execute(RemoveSpan(next(iter(changes.span_uuids))))
    assisted.execute(undo)
    assert spans(assisted)[0][3:5] == ("suggestion", "quotes/1")


def test_a_rejected_suggestion_stays_rejected_and_undo_brings_it_back(assisted):
    found = assisted.suggestions(1, annotator="ana")
    changes, undo = assisted.execute(assisted.reject_command("ana", 1, found[1:2]))
    assert changes.suggestions and changes.article_ids == {1}
    assert [s.label for s in assisted.suggestions(1, annotator="ana")] == [
        "Anti-imperialist framing", "Euphemism / loaded term"]
    assert len(assisted.suggestions(1, annotator="budi")) == 3  # only for that annotator
    assert assisted.annotations(1) == []  # a rejection is no annotation
    _, redo = assisted.execute(undo)
    assert len(assisted.suggestions(1, annotator="ana")) == 3
    assisted.execute(redo)
    assert len(assisted.suggestions(1, annotator="ana")) == 2
    # Rejecting again what is rejected already changes nothing, and its undo forgets nothing.
    _, undo_again = assisted.execute(assisted.reject_command("ana", 1, found[1:2]))
    assisted.execute(undo_again)
    assert len(assisted.suggestions(1, annotator="ana")) == 2


def test_bulk_acceptance_is_one_transaction(assisted, monkeypatch):
    found = assisted.suggestions(1, annotator="ana")

    def fail(pairs):
        raise StoreError("disk trouble halfway")

    monkeypatch.setattr(assisted._store, "set_annotation_sources", fail)
    with pytest.raises(StoreError, match="halfway"):
        assisted.execute(assisted.accept_command("ana", 1, found))
    assert assisted.annotations(1) == [] and assisted.annotators() == []
    monkeypatch.undo()
    bad = SuggestedSpan(1, 0, 6, "Quotation", "quotes/1", {"voice": "shouted"})
    good = SuggestedSpan(1, 7, 17, "Quotation", "quotes/1")
    with pytest.raises(InvalidSpan, match="voice"):  # attributes are checked like any span's
        assisted.execute(AcceptSuggestions("ana", (good, bad)))
    with pytest.raises(InvalidSpan, match="outside the text"):
        assisted.execute(AcceptSuggestions("ana", (good, SuggestedSpan(1, 0, 999, "Quotation", "x"))))
    with pytest.raises(NotFound, match="label"):
        assisted.execute(AcceptSuggestions("ana", (good, SuggestedSpan(1, 0, 6, "No such label", "x"))))
    assert assisted.annotations(1) == []


def test_accepting_what_is_labelled_already_skips_it(assisted):
    found = assisted.suggestions(1, annotator="ana")
    assisted.execute(assisted.accept_command("ana", 1, found[:1]))
    changes, inverse = assisted.execute(assisted.accept_command("ana", 1, found))
    assert len(changes.span_uuids) == 2 and len(assisted.annotations(1)) == 3
    assert isinstance(inverse, RemoveSpans) and len(inverse.uuids) == 2
    with pytest.raises(InvalidSpan, match="already"):
        assisted.execute(assisted.accept_command("ana", 1, found))


def test_unknown_article_or_quotation_label_is_a_clear_error(assisted):
    with pytest.raises(NotFound, match="no article with id 7"):
        list(assisted.suggest_articles([1, 7], annotator="ana"))
    with pytest.raises(NotFound, match="'Zitat'"):
        assisted.suggestions(1, annotator="ana", quote_label="Zitat")


@pytest.fixture
def corpus() -> Project:
    """Twelve articles; "operasi militer khusus" in varied case and accents in every third."""
    project = Project.memory()
    with project._store.write():
        for i in range(12):
            phrase = ["Operasi Militer Khusus", "operasi  militér khusus", "OPERASI MILITER\nKHUSUS"][i // 3 % 3]
            text = f"Artikel {i}. " + (f"Rusia: {phrase}. Lagi operasi militer khusus." if i % 3 == 0 else
                                       "Tidak ada apa-apa. operasi militer")
            project._store.add_article(Article(text=text, title=f"Judul {i}", external_id=f"ext-{i}"))
    yield project
    project.close()


def test_annotate_all_matches_counts_and_pages_hits_in_context(corpus):
    label = "Euphemism / loaded term"
    assert corpus.count_matches(label=label, text="operasi militer khusus") == MatchCount(8, 4)
    first = corpus.match_hits(label=label, text="Operasi militer KHUSUS", limit=3)
    assert [(h.article_id, h.text) for h in first] == [(1, "Operasi Militer Khusus"),
                                                      (1, "operasi militer khusus"), (4, "operasi  militér khusus")]
    hit = first[0]
    assert (hit.external_id, hit.title, hit.left, hit.source) == ("ext-0", "Judul 0", "Artikel 0. Rusia: ",
                                                                  MATCH_SOURCE)
    assert hit.right.startswith(". Lagi operasi")
    rest = corpus.match_hits(label=label, text="operasi militer khusus", limit=100,
                             after=(first[-1].article_id, first[-1].start, first[-1].end))
    assert [h.article_id for h in rest] == [4, 7, 7, 10, 10]
    assert [h.article_id for h in corpus.match_hits(label=label, text="operasi militer khusus", article_id=7)] == [7, 7]
    assert corpus.count_matches(label=label, text="operasi militer khusus", article_id=7).hits == 2


def test_annotate_all_matches_of_a_rule_and_accepting_them_all_at_once(corpus):
    label = "Euphemism / loaded term"
    hits = list(corpus.iter_match_hits(label=label))  # the label's patterns
    assert len(hits) == 8 and {h.source for h in hits} == {"rule/1:Euphemism / loaded term"}
    changes, undo = corpus.execute(corpus.accept_hits_command("ana", hits[:5]))
    assert len(changes.span_uuids) == 5 and changes.article_ids == {1, 4, 7}
    assert corpus.count_matches(label=label, annotator="ana").hits == 3  # what ana has labelled is left out
    corpus.execute(corpus.reject_hits_command("ana", hits[5:6]))
    assert [(h.article_id, h.start) for h in corpus.match_hits(label=label, annotator="ana")] == [
        (hits[6].article_id, hits[6].start), (hits[7].article_id, hits[7].start)]
    corpus.execute(undo)
    assert corpus.count_matches(label=label, annotator="ana").hits == 7


def test_annotate_all_matches_refuses_what_it_cannot_search(corpus):
    with pytest.raises(InvalidQuery, match="nothing to search"):
        corpus.count_matches(label="Quotation", text="   ")
    with pytest.raises(InvalidQuery, match="no patterns"):
        corpus.count_matches(label="Quotation")
    with pytest.raises(NotFound, match="no span label"):
        corpus.match_hits(label="Nope", text="operasi")
    assert corpus.count_matches(label="Quotation", text="—").hits == 0  # no word: every article is read
