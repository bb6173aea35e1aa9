"""Reading the whole project at once: counts, the input of agreement, and the integrity check.

Guards that these reads cost a few grouped queries however large the project is (agreement
merges ordered cursors by article id instead of asking once per article), and that they only
read: ``verify`` reports what is wrong and repairs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from annotator.store.base import StoreBase
from annotator.store.check import span_text_problems, sqlite_problems
from annotator.store.connection import translated


class ReportsMixin(StoreBase):
    """Statistics, export counts, agreement input, disagreements and the integrity check."""

    # -- agreement input ----------------------------------------------------------------

    def judged_article_ids(self, annotator_ids: list[int]) -> list[int]:
        """Ids of the articles two or more of the given annotators marked done, in order."""
        if not annotator_ids:
            return []
        marks = ",".join("?" * len(annotator_ids))
        return [row[0] for row in self.conn.execute(
            f"SELECT article_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks}) "
            "GROUP BY article_id HAVING COUNT(*) >= 2 ORDER BY article_id", annotator_ids)]

    def judged_articles(self, annotator_ids: list[int], id_range: tuple[int, int] | None = None) -> Iterator[
            tuple[int, str, list[tuple[int, int, int, str]], dict[int, set[str]], set[int]]]:
        """Articles that two or more of the given annotators marked done (optionally only ids
        in ``id_range``, inclusive), one at a time: ``(id, text, spans, doc labels by annotator,
        finishers)`` with spans as ``(annotator id, start, end, label)``. Four ordered cursors
        are merged by article id, so 10,000 articles cost four queries, not 40,000."""
        if not annotator_ids:
            return
        marks = ",".join("?" * len(annotator_ids))
        low, high = id_range or (-(2**62), 2**62)
        judged = (f"SELECT article_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks}) "
                  f"AND article_id BETWEEN {int(low)} AND {int(high)} GROUP BY article_id HAVING COUNT(*) >= 2")
        reader = self.conn  # separate cursors; each streams
        articles = reader.execute(f"SELECT id, text FROM articles WHERE id IN ({judged}) ORDER BY id", annotator_ids)
        spans = _grouped(reader.execute(
            f"SELECT a.article_id, a.annotator_id, a.start_offset, a.end_offset, l.name FROM annotations a "
            f"JOIN labels l ON l.id = a.label_id WHERE a.annotator_id IN ({marks}) AND a.article_id IN ({judged}) "
            "ORDER BY a.article_id", [*annotator_ids, *annotator_ids]))
        docs = _grouped(reader.execute(
            f"SELECT d.article_id, d.annotator_id, l.name FROM doc_labels d JOIN labels l ON l.id = d.label_id "
            f"WHERE d.annotator_id IN ({marks}) AND d.article_id IN ({judged}) ORDER BY d.article_id",
            [*annotator_ids, *annotator_ids]))
        done = _grouped(reader.execute(
            f"SELECT article_id, annotator_id FROM article_status WHERE status = 'done' "
            f"AND annotator_id IN ({marks}) ORDER BY article_id", annotator_ids))
        with translated(self.path):
            for article_id, text in articles:
                span_rows = spans.take(article_id)
                doc_rows = docs.take(article_id)
                by_annotator: dict[int, set[str]] = {}
                for _, annotator_id, label in doc_rows:
                    by_annotator.setdefault(annotator_id, set()).add(label)
                finishers = {row[1] for row in done.take(article_id)}
                yield article_id, text, [row[1:] for row in span_rows], by_annotator, finishers

    def disagreement_article_ids(self, annotator_ids: list[int], compared: int) -> set[int]:
        """Articles where some span (extent and label) of these annotators is not made by all
        ``compared`` of them: one grouped query over the span index."""
        if not annotator_ids:
            return set()
        marks = ",".join("?" * len(annotator_ids))
        return {row[0] for row in self.conn.execute(
            f"SELECT DISTINCT article_id FROM (SELECT article_id FROM annotations WHERE annotator_id IN ({marks}) "
            "GROUP BY article_id, start_offset, end_offset, label_id HAVING COUNT(DISTINCT annotator_id) < ?)",
            [*annotator_ids, compared])}

    # -- reports ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for ``annotator stats``: articles, spans per label and annotator, status."""

        def one(sql: str) -> int:
            return int(self.conn.execute(sql).fetchone()[0])

        per_label: dict[str, int] = dict(self.conn.execute(
            "SELECT l.name, COUNT(a.id) FROM labels l LEFT JOIN annotations a ON a.label_id = l.id "
            "WHERE l.scope = 'span' GROUP BY l.id ORDER BY l.position, l.id"
        ).fetchall())
        per_annotator: dict[str, dict[str, int]] = {}
        for name, spans in self.conn.execute(
            "SELECT n.name, COUNT(a.id) FROM annotators n LEFT JOIN annotations a "
            "ON a.annotator_id = n.id GROUP BY n.id ORDER BY n.name"
        ):
            per_annotator[name] = {"annotations": spans, "done": 0, "in_progress": 0}
        for name, status, count in self.conn.execute(
            "SELECT n.name, s.status, COUNT(*) FROM article_status s JOIN annotators n "
            "ON n.id = s.annotator_id WHERE s.status != 'not_started' GROUP BY n.id, s.status"
        ):
            per_annotator[name][status] = count
        return {
            "project_uuid": self.project_uuid,
            "schema_version": self.schema_version,
            "articles": one("SELECT COUNT(*) FROM articles"),
            "characters": one("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM articles"),
            "annotations": one("SELECT COUNT(*) FROM annotations"),
            "doc_labels": one("SELECT COUNT(*) FROM doc_labels"),
            "annotators": per_annotator,
            "labels": per_label,
            "languages": dict(self.conn.execute(
                "SELECT COALESCE(NULLIF(language, ''), 'unknown'), COUNT(*) FROM articles GROUP BY 1 ORDER BY 1"
            ).fetchall()),
        }

    def count_spans(self, *, annotator_ids: list[int] | None = None, labels: list[str] | None = None,
                    done_only: bool = False, languages: list[str] | None = None) -> tuple[int, int]:
        """``(spans, articles with such spans)`` an export with these filters would hold."""
        sql = ("SELECT COUNT(*), COUNT(DISTINCT a.article_id) FROM annotations a "
               "JOIN labels l ON l.id = a.label_id WHERE 1")
        params: list[Any] = []
        if annotator_ids is not None:
            sql += f" AND a.annotator_id IN ({','.join('?' * len(annotator_ids))})"
            params += annotator_ids
        if labels is not None:
            sql += f" AND l.name IN ({','.join('?' * len(labels))})"
            params += labels
        if languages is not None:
            sql += (" AND a.article_id IN (SELECT id FROM articles "
                    f"WHERE language IN ({','.join('?' * len(languages))}))")
            params += languages
        if done_only:
            sql += (" AND EXISTS (SELECT 1 FROM article_status s WHERE s.article_id = a.article_id "
                    "AND s.annotator_id = a.annotator_id AND s.status = 'done')")
        spans, articles = self.conn.execute(sql, params).fetchone()
        return int(spans), int(articles)

    def label_distribution(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for annotator, label, count in self.conn.execute(
            "SELECT n.name, l.name, COUNT(*) FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN labels l ON l.id = a.label_id GROUP BY n.id, l.id ORDER BY n.name, l.position"
        ):
            result.setdefault(annotator, {})[label] = count
        return result

    def verify(self) -> list[str]:
        """Problems found by SQLite's integrity check and by re-reading every span's text.

        Returns an empty list for a sound file. Nothing is repaired.
        """
        problems = sqlite_problems(self.conn, self.path)
        if not problems:
            problems += span_text_problems(self.conn, self.path)
        return problems


class _grouped:  # lower case: a small helper, used like a function
    """Rows of a cursor ordered by their first column, taken one key at a time."""

    def __init__(self, cursor: Iterable[tuple[Any, ...]]):
        self._rows = iter(cursor)
        self._next = next(self._rows, None)

    def take(self, key: int) -> list[tuple[Any, ...]]:
        while self._next is not None and self._next[0] < key:
            self._next = next(self._rows, None)
        taken = []
        while self._next is not None and self._next[0] == key:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken

