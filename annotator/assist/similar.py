"""Similar passages: the project's sentences ranked by likeness to a span or a selection.

Sentences are compared as character n-grams (3 to 5, inside word bounds) weighted by TF-IDF,
after folding case and diacritics: that finds the same statement across inflections, spelling
variants and close languages (Malay and Indonesian) without a model or anything downloaded.
The vectors are hashed, so an index takes new articles without being rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

SOURCE = "similar/1"
N_FEATURES = 2**20
MAX_SENTENCE = 600
"""Code points of a sentence that are compared (a run-on "sentence" of a whole page would weigh
every query the same)."""
MIN_SENTENCE = 12
"""Shorter stretches (datelines, bylines, list bullets) are left out of the index."""

_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*(?=\s)|\n+|\u2029")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Case and diacritics folded ("Imperialís" and "imperialis" compare equal)."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` in code points, without surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _add_trimmed(text, start, match.end(), spans)
        start = match.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


@dataclass(frozen=True)
class Match:
    """A sentence of the index that is like the query: ``score`` is the cosine, 0 to 1."""

    article_id: int
    start: int
    end: int
    score: float


class SimilarityIndex:
    """Sentences of many articles as hashed, sublinear TF-IDF character n-gram vectors.

    ``add`` takes articles (replacing those already in), ``remove`` drops them, ``query``
    ranks. Document frequencies are kept up to date as articles come and go, and the rows'
    lengths are recomputed lazily on the next query.
    """

    def __init__(self) -> None:
        from scipy import sparse

        self._sparse = sparse
        self._vectorizer = _vectorizer()
        self._counts: Any = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)  # sublinear tf
        # Per row: its article, start and end (code points), and whether it is still in.
        self._article: Any = np.zeros(0, dtype=np.int64)
        self._start: Any = np.zeros(0, dtype=np.int64)
        self._end: Any = np.zeros(0, dtype=np.int64)
        self._alive: Any = np.zeros(0, dtype=bool)
        self._rows_of: dict[int, tuple[int, int]] = {}  # article id -> its rows [first, last)
        self._df = np.zeros(N_FEATURES, dtype=np.int64)
        self._pending: list[tuple[int, list[tuple[int, int]], Any]] = []
        self._norms: Any = None  # each row's length under the current idf; None when out of date

    @property
    def sentence_count(self) -> int:
        return int(self._alive.sum()) + sum(len(spans) for _, spans, _ in self._pending)

    @property
    def article_count(self) -> int:
        return len(self._rows_of) + len({article_id for article_id, _, _ in self._pending})

    def __contains__(self, article_id: int) -> bool:
        return article_id in self._rows_of or any(a == article_id for a, _, _ in self._pending)

    def article_ids(self) -> set[int]:
        return set(self._rows_of) | {article_id for article_id, _, _ in self._pending}

    def add(self, articles: Iterable[tuple[int, str]]) -> int:
        """Index the sentences of ``(article id, text)`` pairs; returns how many were added."""
        added = 0
        for article_id, text in articles:
            self.remove([article_id])
            spans = [(s, e) for s, e in split_sentences(text) if e - s >= MIN_SENTENCE]
            if not spans:
                continue
            counts = self._vectorizer.transform([text[s:min(e, s + MAX_SENTENCE)] for s, e in spans])
            counts.data = 1 + np.log(counts.data)
            np.add.at(self._df, counts.indices, 1)  # a row holds each column at most once
            self._pending.append((article_id, spans, counts))
            added += len(spans)
        if added:
            self._norms = None
        return added

    def remove(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            for i, (pending_id, _, counts) in enumerate(self._pending):
                if pending_id == article_id:
                    np.add.at(self._df, counts.indices, -1)
                    del self._pending[i]
                    self._norms = None
                    break
            rows = self._rows_of.pop(article_id, None)
            if rows is not None:
                first, last = rows
                np.add.at(self._df, self._counts[first:last].indices, -1)
                self._alive[first:last] = False
                self._norms = None

    def query(self, text: str, *, limit: int = 20, exclude: tuple[int, int, int] | None = None,
              min_score: float = 0.05) -> list[Match]:
        """The ``limit`` sentences most like ``text``, best first; ``exclude`` is ``(article id,
        start, end)`` of the query's own place, whose sentences are left out."""
        if not text.strip():
            return []
        counts, norms = self._current()
        if counts.shape[0] == 0:
            return []
        query = self._vectorizer.transform([text[:MAX_SENTENCE * 4]])
        idf = self._idf()
        weights = (1 + np.log(query.data)) * idf[query.indices]
        query_norm = float(np.sqrt((weights * weights).sum()))
        if query_norm == 0:
            return []
        # cos(c∘idf, q∘idf) = c · (q∘idf²) / (|c∘idf| |q∘idf|): no weighted copy of the rows.
        vector = np.zeros(N_FEATURES, dtype=np.float32)
        vector[query.indices] = weights * idf[query.indices]
        scores = (counts @ vector) / (norms * query_norm)
        scores[~self._alive] = 0
        if exclude is not None:
            article_id, start, end = exclude
            rows = self._rows_of.get(article_id)
            if rows is not None:
                first, last = rows
                overlapping = (self._start[first:last] < end) & (self._end[first:last] > start)
                scores[first:last][overlapping] = 0
        wanted = min(limit, int((scores >= min_score).sum()))
        if wanted == 0:
            return []
        best = np.argpartition(-scores, wanted - 1)[:wanted]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [Match(int(self._article[i]), int(self._start[i]), int(self._end[i]), round(float(scores[i]), 4))
                for i in best]

    def _idf(self) -> Any:
        rows = max(self.sentence_count, 1)
        return (np.log((1 + rows) / (1 + self._df)) + 1).astype(np.float32)

    def _current(self) -> tuple[Any, Any]:
        """The rows and their lengths under the current idf, folding pending articles in and
        dropping removed ones first."""
        if self._pending or (len(self._alive) and not self._alive.all()):
            self._compact()
        if self._norms is None:
            idf = self._idf()
            norms = np.sqrt(self._counts.multiply(self._counts) @ (idf * idf))
            norms[norms == 0] = 1
            self._norms = norms
        return self._counts, self._norms

    def _compact(self) -> None:
        keep = np.flatnonzero(self._alive)
        blocks = [self._counts[keep]]
        articles, starts, ends = [self._article[keep]], [self._start[keep]], [self._end[keep]]
        for article_id, spans, counts in self._pending:
            blocks.append(counts)
            articles.append(np.full(len(spans), article_id, dtype=np.int64))
            starts.append(np.array([s for s, _ in spans], dtype=np.int64))
            ends.append(np.array([e for _, e in spans], dtype=np.int64))
        self._pending = []
        self._counts = self._sparse.vstack(blocks, format="csr", dtype=np.float32)
        self._article = np.concatenate(articles)
        self._start = np.concatenate(starts)
        self._end = np.concatenate(ends)
        self._alive = np.ones(len(self._article), dtype=bool)
        self._rows_of = {}
        if len(self._article):
            changes = np.flatnonzero(np.diff(self._article)) + 1
            firsts = np.concatenate(([0], changes))
            lasts = np.concatenate((changes, [len(self._article)]))
            for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
                self._rows_of[int(self._article[first])] = (first, last)
        self._norms = None


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=N_FEATURES,
                             alternate_sign=False, norm=None, preprocessor=fold, dtype=np.float32)


@dataclass(frozen=True)
class Passage:
    """A similar sentence as shown to the analyst: where it is, its text and its score."""

    article_id: int
    title: str
    start: int
    end: int
    text: str
    score: float
