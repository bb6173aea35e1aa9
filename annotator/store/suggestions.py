"""Suggestions in the project file: rejections, accepted spans' sources, and the texts detectors read.

Guards two rules of assisted labelling. A rejected suggestion stays rejected for its annotator
and article: it is stored once per annotator, article, offsets and label (whatever detector
proposed it), so running the detectors again filters it out (``rejected_keys``). And an
accepted suggestion is an ordinary span that also names its source (``annotations.source``).
Files older than schema 5, which read-only commands open as they are, have neither: they read
as having no rejections and no sources, and are never written here.

The readers for "annotate all matches" stream article texts in id order, optionally only those
the full-text index matches (``articles_fts``), so that a first page of hits is found without
reading the whole project, and a count reads each candidate text once.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

from annotator.model.errors import InvalidQuery, StoreError
from annotator.store.base import StoreBase, now
from annotator.store.connection import translated
from annotator.store.schema import ASSIST_SCHEMA

RejectionRow = tuple[int, int, int, int, int, str]
"""A rejection as ``add_rejections`` stores it: ``(annotator id, article id, label id, start, end,
source)``."""


class SuggestionsMixin(StoreBase):
    """Rejected suggestions, the sources of accepted ones, and the texts suggestions are made from."""

    @property
    def has_assist(self) -> bool:
        """Whether the file has the tables and columns of assisted labelling (schema 5)."""
        return self.schema_version >= ASSIST_SCHEMA

    def rejected_keys(self, *, annotator_id: int, article_id: int) -> set[tuple[int, int, str]]:
        """``(start, end, label name)`` of the suggestions the annotator rejected in the article."""
        if not self.has_assist:
            return set()
        return {
            (start, end, label) for start, end, label in self.conn.execute(
                "SELECT r.start_offset, r.end_offset, l.name FROM suggestion_rejections r "
                "JOIN labels l ON l.id = r.label_id WHERE r.annotator_id = ? AND r.article_id = ?",
                (annotator_id, article_id))
        }

    def span_keys(self, *, annotator_id: int, article_id: int) -> set[tuple[int, int, str]]:
        """``(start, end, label name)`` of the annotator's spans in the article."""
        label_names, _ = self._name_maps()
        return {
            (start, end, label_names[label_id]) for start, end, label_id in self.conn.execute(
                "SELECT start_offset, end_offset, label_id FROM annotations "
                "WHERE article_id = ? AND annotator_id = ?", (article_id, annotator_id))
        }

    def labelled_or_rejected(self, *, annotator_id: int, label_id: int) -> set[tuple[int, int, int]]:
        """``(article id, start, end)`` the annotator has labelled with the label, or rejected as
        a suggestion of it, in the whole project (what a queue of hits leaves out)."""
        sql = "SELECT article_id, start_offset, end_offset FROM annotations WHERE annotator_id = ? AND label_id = ?"
        if self.has_assist:
            sql += (" UNION SELECT article_id, start_offset, end_offset FROM suggestion_rejections "
                    "WHERE annotator_id = ? AND label_id = ?")
            return set(self.conn.execute(sql, (annotator_id, label_id, annotator_id, label_id)))
        return set(self.conn.execute(sql, (annotator_id, label_id)))

    def add_rejections(self, rows: Sequence[RejectionRow], *, stamp: str | None = None) -> list[bool]:
        """Remember rejected suggestions (inside ``write()``); per row, True if it is new,
        False if the same one (annotator, article, offsets, label) was rejected already."""
        stamp = stamp or now()
        return [
            self.conn.execute(
                "INSERT INTO suggestion_rejections(annotator_id, article_id, label_id, start_offset, end_offset, "
                "source, rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (*row, stamp),
            ).rowcount > 0
            for row in rows
        ]

    def remove_rejections(self, rows: Iterable[RejectionRow]) -> list[bool]:
        """Forget rejections (their source is not compared); per row, True if it was there."""
        return [
            self.conn.execute(
                "DELETE FROM suggestion_rejections WHERE annotator_id = ? AND article_id = ? AND label_id = ? "
                "AND start_offset = ? AND end_offset = ?",
                (annotator_id, article_id, label_id, start, end),
            ).rowcount > 0
            for annotator_id, article_id, label_id, start, end, _ in rows
        ]

    def set_annotation_sources(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record ``(source, span uuid)``: which detector or rule an accepted span came from."""
        self.conn.executemany("UPDATE annotations SET source = ? WHERE uuid = ?", list(pairs))

    def existing_article_ids(self, article_ids: Iterable[int]) -> set[int]:
        """Those of ``article_ids`` that name an article."""
        ids = list(article_ids)
        found: set[int] = set()
        for first in range(0, len(ids), 500):
            chunk = ids[first:first + 500]
            found.update(row[0] for row in self.conn.execute(
                f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def suggestion_texts(self, article_ids: Iterable[int] | None = None
                         ) -> Iterator[tuple[int, str | None, str | None, str]]:
        """``(id, external id, language, text)`` of the articles (all of them in id order, or
        those named, in that order), streamed: what the detectors read."""
        sql = "SELECT id, external_id, language, text FROM articles"
        with translated(self.path):
            if article_ids is None:
                yield from self.conn.execute(sql + " ORDER BY id")
                return
            for article_id in article_ids:
                row = self.conn.execute(sql + " WHERE id = ?", (article_id,)).fetchone()
                if row is not None:
                    yield row

    def match_candidates(self, match: str | None, *, first_id: int = 0, only: int | None = None,
                         titles: bool = True) -> Generator[tuple[Any, ...], None, None]:
        """The articles a search for hits must read, in id order from ``first_id``, streamed:
        ``(id, external id, title, text)`` (or ``(id, text)`` without ``titles``).

        ``match`` is an FTS5 query that every article with a hit matches (the index narrows the
        candidates), or None to read every article; ``only`` reads just that article.

        Raises:
            InvalidQuery: the index cannot run ``match``.
        """
        columns = "a.id, a.external_id, a.title, a.text" if titles else "a.id, a.text"
        params: list[Any] = [first_id]
        if match is None:
            sql = f"SELECT {columns} FROM articles a WHERE a.id >= ?"
        else:
            # The index gives its rows in rowid order, with the range applied inside it.
            sql = (f"SELECT {columns} FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                   "WHERE articles_fts MATCH ? AND f.rowid >= ?")
            params.insert(0, match)
        if only is not None:
            sql += " AND a.id = ?"
            params.append(only)
        sql += " ORDER BY a.id" if match is None else " ORDER BY f.rowid"
        try:
            with translated(self.path):
                yield from self.conn.execute(sql, params)
        except StoreError as error:
            if type(error) is not StoreError:  # busy, damaged ...: not the query's fault
                raise
            raise InvalidQuery(f"cannot search for {match!r}: {error.__cause__}") from error
