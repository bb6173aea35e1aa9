"""Similar passages across the project (``assist.similar``), for a span or a selection.

The window keeps one ``SimilarityIndex`` of the project's sentences, built in the background
and brought up to date after imports (``update_similarity_index``). Until it is ready, and for
projects too large to hold one in memory, a query ranks the sentences of the articles that
full-text search finds for its words instead: slower to recall paraphrases, never empty-handed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from annotator.model.errors import AnnotatorError
from annotator.project.base import Cancelled, Progress, ProjectBase
from annotator.store.articles import plain_match

if TYPE_CHECKING:  # numpy and scikit-learn load on the first query, not with every Project
    from annotator.assist.similar import Passage, SimilarityIndex

MAX_INDEX_ARTICLES = 5_000
"""Above this the window keeps no index (about 150 MB of vectors at 25 sentences an article);
queries then go through full-text search (``CANDIDATE_ARTICLES``)."""
RERANK_POOL = 60
"""Sentences the n-gram ranking proposes for the sentence model to re-rank (it embeds a few
dozen a second)."""
CANDIDATE_ARTICLES = 300
"""Articles full-text search proposes when there is no index; their sentences are ranked."""
_WORD = re.compile(r"\w{3,}")
_BATCH = 200


class SimilarMixin(ProjectBase):
    def similarity_index(self, *, progress: Progress | None = None,
                         is_cancelled: Callable[[], bool] | None = None) -> SimilarityIndex | None:
        """An index of every article's sentences, or None when the project has more than
        ``MAX_INDEX_ARTICLES`` articles. Raises Cancelled when asked to stop."""
        total = self._store.article_count()
        if total > MAX_INDEX_ARTICLES:
            return None
        from annotator.assist.similar import SimilarityIndex

        index = SimilarityIndex()
        batch: list[tuple[int, str]] = []
        done = 0
        for article in self._store.iter_articles():
            batch.append((article.id or 0, article.text))
            if len(batch) >= _BATCH:
                done += _add_batch(index, batch, is_cancelled)
                if progress:
                    progress(done, total)
        done += _add_batch(index, batch, is_cancelled)
        if progress:
            progress(done, total)
        return index

    def update_similarity_index(self, index: SimilarityIndex) -> int:
        """Add the articles the index lacks and drop those no longer in the project; returns
        how many articles changed."""
        present = {row[0] for row in self._store.conn.execute("SELECT id FROM articles")}
        indexed = index.article_ids()
        gone = indexed - present
        index.remove(gone)
        new = sorted(present - indexed)
        for first in range(0, len(new), _BATCH):
            index.add((a.id or 0, a.text) for a in self._store.iter_articles(new[first:first + _BATCH]))
        return len(gone) + len(new)

    def similar_passages(self, text: str, *, index: SimilarityIndex | None = None, limit: int = 20,
                         exclude: tuple[int, int, int] | None = None, rerank: bool = False) -> list[Passage]:
        """The sentences most like ``text``, best first, from ``index`` or, without one, from
        the articles full-text search finds for its words. ``exclude`` is ``(article id, start,
        end)`` of the query's own place, left out of the result.

        With ``rerank`` (and the ``[embeddings]`` extra installed: ``assist.embeddings``) the
        best ``RERANK_POOL`` by character n-grams are ordered by a multilingual sentence model
        instead, and the score is that model's cosine.

        Raises:
            AnnotatorError: ``rerank`` without the extra installed.
        """
        from annotator.assist.similar import Passage, SimilarityIndex

        if index is None:
            index = SimilarityIndex()
            index.add((a.id or 0, a.text) for a in self._store.iter_articles(self._candidates(text)))
        if rerank:
            from annotator.assist import embeddings

            if not embeddings.available():
                raise AnnotatorError("re-ranking by meaning needs the [embeddings] extra "
                                     "(pip install 'stance-annotator[embeddings]')")
        matches = index.query(text, limit=max(limit, RERANK_POOL) if rerank else limit, exclude=exclude)
        titles: dict[int, str] = {}
        passages = []
        for match in matches:
            article_text = self.article_text(match.article_id)
            if match.article_id not in titles:
                titles[match.article_id] = self._store.article(match.article_id).title
            passages.append(Passage(match.article_id, titles[match.article_id], match.start, match.end,
                                    article_text[match.start:match.end], match.score))
        if rerank and passages:
            from annotator.assist.embeddings import shared_reranker

            scores = shared_reranker().scores(text, [passage.text for passage in passages])
            ranked = sorted(zip(scores, range(len(passages)), strict=True), reverse=True)[:limit]
            passages = [replace(passages[i], score=score) for score, i in ranked]
        return passages

    def _candidates(self, text: str) -> list[int]:
        """Articles sharing words with ``text``, best first (the words' folded forms, so the
        index's diacritic-free tokens match)."""
        from annotator.assist.similar import fold

        words = list(dict.fromkeys(_WORD.findall(fold(text))))[:32]
        terms = [term for term in (plain_match(word) for word in words) if term]
        if not terms:
            return []
        return [row["id"] for row in self._store.search(" OR ".join(terms), limit=CANDIDATE_ARTICLES, snippets=False)]


def _add_batch(index: SimilarityIndex, batch: list[tuple[int, str]],
               is_cancelled: Callable[[], bool] | None) -> int:
    if is_cancelled and is_cancelled():
        raise Cancelled("building the index of similar passages was cancelled")
    index.add(batch)
    count = len(batch)
    batch.clear()
    return count
