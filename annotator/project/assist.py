"""Assisted labelling: suggestions for an article, accepting and rejecting them, and "annotate all
matches" of a text or a label's rules across the project.

To use it::

    shown = project.suggestions(article_id, annotator="ana")           # quotations and rules
    project.execute(project.accept_command("ana", article_id, shown[:3]))  # one undo step
    project.execute(project.reject_command("ana", article_id, shown[3:4]))

    hits = project.match_hits(label="Euphemism / loaded term", text="operasi militer khusus",
                              annotator="ana", limit=50)                # the first page, in context
    total = project.count_matches(label="Euphemism / loaded term", text="operasi militer khusus")
    project.execute(project.accept_hits_command("ana", hits))           # one transaction

Guards the rules of issue 12: a suggestion is never an annotation until accepted; an accepted one
is a span of its annotator with origin ``suggestion`` and its ``source`` (detector or rule, and
version) stored, its attributes checked against the codebook like any span's; a rejected one
stays rejected for that annotator and article, so it is never offered again, and neither is one
the annotator has labelled already (same offsets and label). Every change is a command for
``execute`` (``model/commands.py``) whose inverse undoes it exactly, and accepting many
suggestions, in one article or across the project, is one transaction.

Hits of "annotate all matches" are found in the articles the full-text index matches
(``articles_fts``; a rule with a regex reads every article), then exactly, ignoring case and
diacritics, as whole words (``assist/text.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass

from annotator.assist import Suggestion
from annotator.assist.rules import LabelRules, find_rule_matches, fts_query, label_rules
from annotator.assist.text import LiteralMatcher, TextView
from annotator.model.commands import (
    AcceptSuggestions,
    AddSpan,
    AddSpans,
    Changes,
    Command,
    ForgetRejections,
    RejectSuggestions,
    RemoveSpans,
    SuggestedSpan,
)
from annotator.model.errors import InvalidQuery, InvalidSpan, NotFound
from annotator.model.offsets import check_span
from annotator.model.types import Codebook, Label
from annotator.project.edits import EditsMixin
from annotator.store.base import dumps, now
from annotator.store.spans import SpanRow, identity_clash

QUOTE_LABEL = "Quotation"
"""The label quotations get unless another is named (the default codebook's)."""
MATCH_SOURCE = "match/1"
"""The ``source`` of a span accepted from the hits of a text searched with "annotate all matches"
(a rule's hits keep the rule's source, ``rule/1:<label>``)."""
CONTEXT_CHARS = 60
"""Characters of context each side of a hit (``MatchHit.left`` / ``right``)."""


@dataclass(frozen=True)
class ArticleSuggestions:
    """The suggestions still open for one article (``Project.suggest_articles``)."""

    article_id: int
    external_id: str | None
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class MatchHit:
    """One hit of "annotate all matches", with its context (keyword in context)."""

    article_id: int
    external_id: str | None
    title: str
    start: int
    end: int
    text: str
    left: str
    right: str
    label: str
    source: str

    def placed(self) -> SuggestedSpan:
        """The hit as a suggestion to accept or reject."""
        return SuggestedSpan(self.article_id, self.start, self.end, self.label, self.source)


@dataclass(frozen=True)
class MatchCount:
    hits: int
    articles: int


def place(article_id: int, suggestion: Suggestion) -> SuggestedSpan:
    """A suggestion of an article as commands carry it."""
    return SuggestedSpan(article_id, suggestion.start, suggestion.end, suggestion.label, suggestion.source,
                         dict(suggestion.attributes))


def _find_quotations(text: str, language: str | None, label: str) -> list[Suggestion]:
    """The quotation detector (``assist/quotes.py``), imported when first asked for."""
    from annotator.assist.quotes import find_quotations

    return find_quotations(text, language, label=label)


@dataclass(frozen=True)
class _Query:
    """What "annotate all matches" looks for: how to find hits in a text and count them, and
    which articles can have any (an FTS5 query, or None for all)."""

    spans: Callable[[str], list[tuple[int, int]]]
    count: Callable[[str], int]
    fts: str | None
    label: str
    source: str


class AssistMixin(EditsMixin):
    """Suggestions (quotations, codebook rules), their acceptance and rejection, annotate-all-matches."""

    # -- suggestions ----------------------------------------------------------------------

    def suggestions(self, article_id: int, *, annotator: str, quotes: bool = True, rules: bool = True,
                    quote_label: str = QUOTE_LABEL) -> list[Suggestion]:
        """The suggestions for one article still open to ``annotator``, by start, end and label.

        Rejected ones and those the annotator has labelled (same offsets and label) are left
        out. Nothing is written (a read-only project works too).

        Raises:
            NotFound: no such article, or (with ``quotes``) no span label ``quote_label``.
        """
        [found] = self.suggest_articles([article_id], annotator=annotator, quotes=quotes, rules=rules,
                                        quote_label=quote_label)
        return found.suggestions

    def suggest_articles(self, article_ids: Sequence[int] | None = None, *, annotator: str, quotes: bool = True,
                         rules: bool = True, quote_label: str = QUOTE_LABEL) -> Iterator[ArticleSuggestions]:
        """``suggestions`` for many articles (all of them by id when ``article_ids`` is None),
        streamed one article at a time; the codebook is read once.

        Raises:
            NotFound: an id names no article (before any is read), or as ``suggestions``.
        """
        store = self._store
        if article_ids is not None:
            missing = sorted(set(article_ids) - store.existing_article_ids(article_ids))
            if missing:
                raise NotFound(f"no article with id {', '.join(map(str, missing))}")
        codebook = store.codebook()
        if quotes:
            self._span_label(codebook, quote_label, "for quotations")
        labels = codebook.labels if rules else []
        me = store.annotator_by_name(annotator)
        for article_id, external_id, language, text in store.suggestion_texts(article_ids):
            found = find_rule_matches(text, labels) if labels else []
            if quotes:
                found += _find_quotations(text, language, quote_label)
            if found and me is not None:
                taken = (store.rejected_keys(annotator_id=me.id or 0, article_id=article_id)
                         | store.span_keys(annotator_id=me.id or 0, article_id=article_id))
                found = [s for s in found if s.key not in taken]
            found.sort(key=lambda s: (s.start, s.end, s.label))
            yield ArticleSuggestions(article_id, external_id, found)

    @staticmethod
    def _span_label(codebook: Codebook, name: str, purpose: str = "") -> Label:
        for label in codebook.labels:
            if label.name == name:
                return label
        raise NotFound(f"no span label called {name!r} in the codebook{' ' + purpose if purpose else ''}")

    # -- commands -------------------------------------------------------------------------

    @staticmethod
    def accept_command(annotator: str, article_id: int, suggestions: Iterable[Suggestion]) -> AcceptSuggestions:
        """The command that accepts suggestions of one article as ``annotator``'s spans."""
        return AcceptSuggestions(annotator, tuple(place(article_id, s) for s in suggestions))

    @staticmethod
    def reject_command(annotator: str, article_id: int, suggestions: Iterable[Suggestion]) -> RejectSuggestions:
        """The command that rejects suggestions of one article for ``annotator``."""
        return RejectSuggestions(annotator, tuple(place(article_id, s) for s in suggestions))

    @staticmethod
    def accept_hits_command(annotator: str, hits: Iterable[MatchHit]) -> AcceptSuggestions:
        """The command that accepts hits of "annotate all matches" (any articles) in one step."""
        return AcceptSuggestions(annotator, tuple(hit.placed() for hit in hits))

    @staticmethod
    def reject_hits_command(annotator: str, hits: Iterable[MatchHit]) -> RejectSuggestions:
        return RejectSuggestions(annotator, tuple(hit.placed() for hit in hits))

    def _execute_more(self, command: Command) -> tuple[Changes, Command]:
        if isinstance(command, AcceptSuggestions):
            return self._accept(command)
        if isinstance(command, AddSpans):
            return self._add_spans(command)
        if isinstance(command, RemoveSpans):
            return self._remove_spans(command)
        if isinstance(command, RejectSuggestions | ForgetRejections):
            return self._reject(command)
        return super()._execute_more(command)

    def _accept(self, command: AcceptSuggestions) -> tuple[Changes, Command]:
        annotator = self._annotator_for_edit(command.annotator)
        codebook = self._store.codebook()
        stamp = now()
        rows: list[SpanRow] = []
        for span, covered in zip(command.spans, self._covered(command.spans), strict=True):
            if problems := codebook.check_attributes(span.attributes):
                raise InvalidSpan("; ".join(problems))
            rows.append((span.uuid, span.article_id, annotator.id or 0, self._label_for_edit(span.label),
                         span.start, span.end, covered, dumps(dict(span.attributes)) if span.attributes else "{}",
                         "", "suggestion", stamp, stamp, None))
        stored = self._store_rows(rows, [span.source for span in command.spans])
        if not stored:
            raise InvalidSpan(f"{command.annotator} has labelled {'it' if len(rows) == 1 else 'them all'} already")
        return (Changes(frozenset(row[1] for row in stored), frozenset(row[0] for row in stored)),
                RemoveSpans(tuple(row[0] for row in stored), annotator=command.annotator))

    def _add_spans(self, command: AddSpans) -> tuple[Changes, Command]:
        codebook = self._store.codebook()
        stamp = now()
        rows: list[SpanRow] = []
        for span, covered in zip(command.spans, self._covered(command.spans), strict=True):
            if span.created is None and (problems := codebook.check_attributes(span.attributes)):
                raise InvalidSpan("; ".join(problems))
            reviewer = self._annotator_for_edit(span.reviewer).id if span.reviewer else None
            rows.append((span.uuid, span.article_id, self._annotator_for_edit(span.annotator).id or 0,
                         self._label_for_edit(span.label), span.start, span.end, covered,
                         dumps(span.attributes) if span.attributes else "{}", span.note or "", span.origin,
                         span.created or stamp, span.updated or span.created or stamp, reviewer))
        stored = self._store_rows(rows, [span.source for span in command.spans])
        if len(stored) != len(rows):
            raise InvalidSpan("some of these spans are stored already")
        return (Changes(frozenset(row[1] for row in stored), frozenset(row[0] for row in stored)),
                RemoveSpans(tuple(row[0] for row in stored), annotator=command.annotator))

    def _covered(self, spans: Sequence[SuggestedSpan | AddSpan]) -> list[str]:
        """The text each span covers, each article read once.

        Raises:
            NotFound: an unknown article.
            InvalidSpan: offsets outside an article's text.
        """
        texts: dict[int, str] = {}
        covered = []
        for span in spans:
            text = texts.get(span.article_id)
            if text is None:
                text = texts[span.article_id] = self._store.article_text(span.article_id)
            check_span(text, span.start, span.end)
            covered.append(text[span.start:span.end])
        return covered

    def _store_rows(self, rows: list[SpanRow], sources: list[str | None]) -> list[SpanRow]:
        """Insert spans in one statement and record their sources; the rows stored (those the
        annotator had already are skipped)."""
        outcomes = self._store.add_annotations(rows)
        stored = []
        for row, outcome, source in zip(rows, outcomes, sources, strict=True):
            if outcome is None:
                raise identity_clash(row[0])
            if outcome:
                stored.append((row, source))
        self._store.set_annotation_sources([(source, row[0]) for row, source in stored if source])
        return [row for row, _ in stored]

    def _remove_spans(self, command: RemoveSpans) -> tuple[Changes, Command]:
        store = self._store
        removed = []
        for uuid in command.uuids:
            span = store.annotation(uuid)
            store.delete_annotation(uuid)
            removed.append(AddSpan(article_id=span.article_id or 0, annotator=span.annotator or "",
                                   start=span.start, end=span.end, label=span.label, attributes=span.attributes,
                                   note=span.note, origin=span.origin, uuid=span.uuid or "", created=span.created,
                                   updated=span.updated, reviewer=span.reviewer, source=span.source))
        return (Changes(frozenset(s.article_id for s in removed), frozenset(command.uuids)),
                AddSpans(tuple(removed), annotator=command.annotator))

    def _reject(self, command: RejectSuggestions | ForgetRejections) -> tuple[Changes, Command]:
        store = self._store
        annotator = self._annotator_for_edit(command.annotator)
        self._covered(command.spans)  # the articles and offsets exist
        rows = [(annotator.id or 0, span.article_id, self._label_for_edit(span.label), span.start, span.end,
                 span.source) for span in command.spans]
        if isinstance(command, RejectSuggestions):
            changed = store.add_rejections(rows)
        else:
            changed = store.remove_rejections(rows)
        spans = tuple(span for span, done in zip(command.spans, changed, strict=True) if done)
        inverse_type = ForgetRejections if isinstance(command, RejectSuggestions) else RejectSuggestions
        return (Changes(frozenset(span.article_id for span in command.spans), suggestions=True),
                inverse_type(command.annotator, spans))

    # -- annotate all matches -------------------------------------------------------------

    def iter_match_hits(self, *, label: str, text: str | None = None, article_id: int | None = None,
                        annotator: str | None = None, after: tuple[int, int, int] | None = None
                        ) -> Generator[MatchHit, None, None]:
        """Every hit of ``text`` (or, without it, of ``label``'s patterns) in one article or the
        whole project, in article id and text order, each with its context; streamed, so the
        first ones come at once however large the project.

        Args:
            label: the label hits are to get (and whose patterns are searched without ``text``).
            text: a literal (a selected text): whole words, case and diacritics ignored, any white
                space between its words.
            article_id: only this article.
            annotator: leave out what this annotator has labelled with ``label`` (same offsets)
                or rejected.
            after: ``(article id, start, end)`` of the last hit already shown: the next page.

        Raises:
            NotFound: ``label`` is not a span label of the codebook.
            InvalidQuery: ``text`` holds nothing to search for, or ``label`` has no patterns.
        """
        query = self._match_query(label, text)
        skip = self._skip_for(annotator, label)
        first_id = max(after[0] if after else 0, article_id or 0)
        candidates = self._store.match_candidates(query.fts, first_id=first_id, only=article_id)
        try:
            for found_id, external_id, title, body in candidates:
                for start, end in query.spans(body):
                    if (after and (found_id, start, end) <= after) or (found_id, start, end) in skip:
                        continue
                    yield MatchHit(found_id, external_id, title, start, end, body[start:end],
                                   body[max(0, start - CONTEXT_CHARS):start], body[end:end + CONTEXT_CHARS],
                                   query.label, query.source)
        finally:
            candidates.close()  # a caller that stops early ends the read at once

    def match_hits(self, *, label: str, text: str | None = None, article_id: int | None = None,
                   annotator: str | None = None, after: tuple[int, int, int] | None = None,
                   limit: int = 100) -> list[MatchHit]:
        """One page of ``iter_match_hits`` (at most ``limit`` hits; pass the last one's
        ``(article_id, start, end)`` as ``after`` for the next page)."""
        hits = self.iter_match_hits(label=label, text=text, article_id=article_id, annotator=annotator, after=after)
        try:
            return list(itertools.islice(hits, limit))
        finally:
            hits.close()  # ends the read of the articles now, not when the generator is collected

    def count_matches(self, *, label: str, text: str | None = None, article_id: int | None = None,
                      annotator: str | None = None) -> MatchCount:
        """How many hits ``iter_match_hits`` gives, and in how many articles, without building them.

        Raises:
            As ``iter_match_hits``.
        """
        query = self._match_query(label, text)
        skip = self._skip_for(annotator, label)
        hits = articles = 0
        for found_id, body in self._store.match_candidates(query.fts, first_id=article_id or 0, only=article_id,
                                                           titles=False):
            if skip:
                found = sum(1 for start, end in query.spans(body) if (found_id, start, end) not in skip)
            else:
                found = query.count(body)
            hits += found
            articles += found > 0
        return MatchCount(hits, articles)

    def _match_query(self, label: str, text: str | None) -> _Query:
        chosen = self._span_label(self._store.codebook(), label)
        if text is not None:
            try:
                matcher = LiteralMatcher(text)
            except ValueError:
                raise InvalidQuery(f"{text!r} holds nothing to search for") from None
            return _Query(matcher.spans, matcher.count, fts_query(matcher), label, MATCH_SOURCE)
        if not chosen.patterns:
            raise InvalidQuery(f"label {label!r} has no patterns to search for")
        rules = label_rules(chosen.name, chosen.patterns)
        spans = _rule_spans(rules)
        return _Query(spans, lambda body: len(spans(body)), rules.fts_query, label, rules.source)

    def _skip_for(self, annotator: str | None, label: str) -> set[tuple[int, int, int]]:
        if annotator is None:
            return set()
        me = self._store.annotator_by_name(annotator)
        label_id = self._store.label_id(label)
        if me is None or label_id is None:
            return set()
        return self._store.labelled_or_rejected(annotator_id=me.id or 0, label_id=label_id)


def _rule_spans(rules: LabelRules) -> Callable[[str], list[tuple[int, int]]]:
    def spans(body: str) -> list[tuple[int, int]]:
        return rules.spans(TextView(body))

    return spans

