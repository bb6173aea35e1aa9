"""Reading the whole project at once: counts, the input of exports and agreement, and the
integrity check.

Guards that these reads cost a few grouped queries however large the project is (agreement
merges ordered cursors by article id, exports read a batch of articles and then each kind of
row for the whole batch, instead of asking once per article), and that they only read:
``verify`` reports what is wrong and repairs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Literal

from annotator.model.types import Article
from annotator.store.base import StoreBase
from annotator.store.check import span_text_problems, sqlite_problems
from annotator.store.connection import translated
from annotator.store.spans import _ANNOTATION_SELECT, _annotation_from_row

ArticleShape = Literal["objects", "no_text", "utf8"]
SpanShape = Literal["objects", "json", "rows", "id_rows"]

# The native JSONL object of a span, as ``SpansMixin.annotations_json`` builds it (a test keeps
# the two equal byte for byte).
_SPAN_JSON = (
    "json_object('id', a.uuid, 'start', a.start_offset, 'end', a.end_offset, 'label', l.name, "
    "'text', a.text, 'annotator', n.name, 'annotator_id', n.uuid, 'attributes', json(a.attributes), "
    "'note', a.note, 'origin', a.origin, 'created', a.created_at, 'updated', a.updated_at, "
    "'reviewer', r.name)"
)
_ARTICLE_UTF8 = ("external_id", "title", "text", "url", "source", "published", "language")


@dataclass
class ExportBatch:
    """Some articles, in id order, and everything an export writes of them, by article id.

    ``articles``: ``Article`` objects, or for the ``utf8`` shape ``(id, external_id, title,
    text, url, source, published, language, meta)`` with the text columns as UTF-8 bytes (or
    None) and ``meta`` the stored JSON text. ``spans``: ``(annotator id, span)`` in the order
    start, end, label, with each span as ``Store.export_batches`` says. ``doc_labels``:
    ``(annotator id, label, annotator name, annotator uuid)`` by label position and name;
    ``done``: ``(annotator id, name, uuid)`` of who marked the article done, by name.
    """

    articles: list[Any]
    spans: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)
    doc_labels: dict[int, list[tuple[int, str, str, str]]] = field(default_factory=dict)
    done: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)


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
            tuple[int, str, dict[int, list[tuple[int, int, str]]], dict[int, set[str]], set[int]]]:
        """Articles that two or more of the given annotators marked done (optionally only ids
        in ``id_range``, inclusive), one at a time: ``(id, text, spans by annotator, doc labels
        by annotator, finishers)`` with spans as ``(start, end, label)``. Four ordered cursors
        are merged by article id, so 10,000 articles cost four queries, not 40,000; SQLite
        gathers each annotator's spans of an article into one JSON array (one row and one
        ``json.loads`` instead of a row per span)."""
        if not annotator_ids:
            return
        marks = ",".join("?" * len(annotator_ids))
        low, high = id_range or (-(2**62), 2**62)
        judged = (f"SELECT article_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks}) "
                  f"AND article_id BETWEEN {int(low)} AND {int(high)} GROUP BY article_id HAVING COUNT(*) >= 2")
        reader = self.conn  # separate cursors; each streams
        articles = reader.execute(f"SELECT id, text FROM articles WHERE id IN ({judged}) ORDER BY id", annotator_ids)
        spans = _grouped(reader.execute(
            "SELECT a.article_id, a.annotator_id, json_group_array(json_array(a.start_offset, a.end_offset, l.name)) "
            f"FROM annotations a JOIN labels l ON l.id = a.label_id WHERE a.annotator_id IN ({marks}) "
            f"AND a.article_id IN ({judged}) GROUP BY a.article_id, a.annotator_id ORDER BY a.article_id",
            [*annotator_ids, *annotator_ids]))
        docs = _grouped(reader.execute(
            f"SELECT d.article_id, d.annotator_id, l.name FROM doc_labels d JOIN labels l ON l.id = d.label_id "
            f"WHERE d.annotator_id IN ({marks}) AND d.article_id IN ({judged}) ORDER BY d.article_id",
            [*annotator_ids, *annotator_ids]))
        done = _grouped(reader.execute(
            f"SELECT article_id, annotator_id FROM article_status WHERE status = 'done' "
            f"AND annotator_id IN ({marks}) ORDER BY article_id", annotator_ids))
        loads = json.loads
        with translated(self.path):
            for article_id, text in articles:
                by_annotator = {annotator_id: list(map(tuple, loads(group)))
                                for _, annotator_id, group in spans.take(article_id)}
                doc_rows = docs.take(article_id)
                labels: dict[int, set[str]] = {}
                for _, annotator_id, label in doc_rows:
                    labels.setdefault(annotator_id, set()).add(label)
                finishers = {row[1] for row in done.take(article_id)}
                yield article_id, text, by_annotator, labels, finishers

    def disagreement_article_ids(self, annotator_ids: list[int]) -> set[int]:
        """Articles where some span (extent and label) of these annotators is not made by all
        of them who worked on the article (a span in it, or a done mark), as the review table
        groups them: one grouped query over the span index."""
        if not annotator_ids:
            return set()
        marks = ",".join("?" * len(annotator_ids))
        return {row[0] for row in self.conn.execute(
            f"WITH present AS (SELECT article_id, COUNT(*) AS workers FROM ("
            f"SELECT DISTINCT article_id, annotator_id FROM annotations WHERE annotator_id IN ({marks}) UNION "
            f"SELECT article_id, annotator_id FROM article_status WHERE status = 'done' AND annotator_id IN ({marks})"
            f") GROUP BY article_id) "
            f"SELECT DISTINCT g.article_id FROM (SELECT article_id, COUNT(DISTINCT annotator_id) AS made "
            f"FROM annotations WHERE annotator_id IN ({marks}) GROUP BY article_id, start_offset, end_offset, label_id"
            f") g JOIN present p ON p.article_id = g.article_id WHERE g.made < p.workers",
            [*annotator_ids, *annotator_ids, *annotator_ids])}

    # -- export input -------------------------------------------------------------------

    def export_batches(self, *, articles: ArticleShape = "objects", spans: SpanShape = "objects",
                       annotator_ids: Collection[int] | None = None, labels: Collection[str] | None = None,
                       languages: Collection[str] | None = None, size: int = 500) -> Iterator[ExportBatch]:
        """Every article (optionally only those in ``languages``) in id order, ``size`` at a
        time, each batch with its spans (optionally only of ``annotator_ids`` and ``labels``),
        document labels and done marks: four queries per batch, whatever the batch holds.

        To use it::

            for batch in store.export_batches(spans="json", annotator_ids=[1]):
                for article in batch.articles:
                    spans = batch.spans.get(article.id, [])

        Shapes: ``articles`` ``objects`` (``Article``), ``no_text`` (``Article`` with an empty
        text and meta, for formats that write neither) or ``utf8`` (a row of UTF-8 bytes, see
        ``ExportBatch``); ``spans`` ``objects`` (``Annotation``), ``json`` (the native JSONL
        object as UTF-8 bytes, as ``annotations_json`` builds it) or ``rows`` (the tuples of
        ``span_rows``). Memory holds one batch, so a million spans stream in constant memory.
        """
        utf8 = self._utf8()
        if articles == "utf8":
            columns = ", ".join(f"CAST({c} AS BLOB)" if utf8 else c for c in _ARTICLE_UTF8)
            sql = f"SELECT id, {columns}, meta FROM articles"
        else:
            text_column = "text" if articles == "objects" else "''"
            sql = (f"SELECT id, external_id, title, source, url, published, language, {text_column}, meta, "
                   "imported_at FROM articles")
        params: list[Any] = []
        if languages is not None:
            sql += f" WHERE {language_condition(languages)}"
            params += list(languages)
        span_sql, span_params = self._export_span_query(spans, annotator_ids, labels)
        label_names, annotator_names = self._name_maps()
        # An unfinished statement keeps the connection's read snapshot: every batch sees the
        # project as it was at the start, even after the article cursor has run out.
        with translated(self.path), closing(self.conn.execute("SELECT 1 FROM sqlite_schema")):
            cursor = self.conn.execute(sql + " ORDER BY id", params)
            while rows := cursor.fetchmany(size):
                bounds = (rows[0][0], rows[-1][0])
                batch = ExportBatch([])
                if articles == "utf8":
                    batch.articles = rows if utf8 else [(row[0], *_encoded(row[1:8]), row[8]) for row in rows]
                elif articles == "objects":
                    batch.articles = [_article(row) for row in rows]
                else:
                    batch.articles = [Article(text="", title=row[2], external_id=row[1], source=row[3], url=row[4],
                                              published=row[5], language=row[6], id=row[0], imported_at=row[9])
                                      for row in rows]
                if span_sql is not None:
                    grouped = batch.spans
                    found = self.conn.execute(span_sql, [*bounds, *span_params])
                    if spans == "objects":
                        for row in found:
                            grouped.setdefault(row[1], []).append(
                                (row[6], _annotation_from_row(row, label_names, annotator_names)))
                    elif spans == "json":
                        for article_id, annotator_id, value in found:
                            grouped.setdefault(article_id, []).append(
                                (annotator_id, value if utf8 else value.encode()))
                    elif spans == "rows":
                        for article_id, annotator_id, start, end, label_id, covered, attributes, note, origin, \
                                reviewer_id in found:
                            grouped.setdefault(article_id, []).append((annotator_id, (
                                start, end, label_names[label_id], covered, *annotator_names[annotator_id],
                                "" if attributes == "{}" else attributes, note, origin,
                                annotator_names[reviewer_id][0] if reviewer_id else "")))
                    else:
                        for article_id, annotator_id, start, end, label_id, covered, attributes, note, origin, \
                                reviewer_id, span_uuid in found:
                            grouped.setdefault(article_id, []).append((annotator_id, (
                                start, end, label_names[label_id], covered, *annotator_names[annotator_id],
                                "" if attributes == "{}" else attributes, note, origin,
                                annotator_names[reviewer_id][0] if reviewer_id else "", span_uuid)))
                for article_id, annotator_id, label, name, annotator_uuid in self.conn.execute(
                        "SELECT d.article_id, d.annotator_id, l.name, n.name, n.uuid FROM doc_labels d "
                        "JOIN labels l ON l.id = d.label_id JOIN annotators n ON n.id = d.annotator_id "
                        "WHERE d.article_id BETWEEN ? AND ? ORDER BY d.article_id, l.position, n.name", bounds):
                    batch.doc_labels.setdefault(article_id, []).append((annotator_id, label, name, annotator_uuid))
                for article_id, annotator_id, name, annotator_uuid in self.conn.execute(
                        "SELECT s.article_id, s.annotator_id, n.name, n.uuid FROM article_status s "
                        "JOIN annotators n ON n.id = s.annotator_id WHERE s.article_id BETWEEN ? AND ? "
                        "AND s.status = 'done' ORDER BY s.article_id, n.name", bounds):
                    batch.done.setdefault(article_id, []).append((annotator_id, name, annotator_uuid))
                yield batch

    def _export_span_query(self, shape: SpanShape, annotator_ids: Collection[int] | None,
                           labels: Collection[str] | None) -> tuple[str | None, list[Any]]:
        """The span query of ``export_batches`` (article id range first; None when no span can
        be kept) and its further parameters, ordered as ``SpansMixin._span_filter`` orders."""
        where, params = "", []
        if annotator_ids is not None:
            if not annotator_ids:
                return None, []
            where += f" AND a.annotator_id IN ({','.join('?' * len(annotator_ids))})"
            params += list(annotator_ids)
        if labels is not None:
            wanted = set(labels)
            label_ids = [i for i, name in self._name_maps()[0].items() if name in wanted]
            if not label_ids:
                return None, []
            where += f" AND a.label_id IN ({','.join('?' * len(label_ids))})"
            params += label_ids
        if shape == "objects":
            select = _ANNOTATION_SELECT + " a"
        elif shape == "json":
            cast = "CAST({} AS BLOB)" if self._utf8() else "{}"
            select = (f"SELECT a.article_id, a.annotator_id, {cast.format(_SPAN_JSON)} FROM annotations a "
                      "JOIN labels l ON l.id = a.label_id JOIN annotators n ON n.id = a.annotator_id "
                      "LEFT JOIN annotators r ON r.id = a.reviewer_id")
        else:  # the tuples of ``span_rows``, names from the cached maps (fewer objects than a join)
            select = ("SELECT a.article_id, a.annotator_id, a.start_offset, a.end_offset, a.label_id, a.text, "
                      f"a.attributes, a.note, a.origin, a.reviewer_id{', a.uuid' if shape == 'id_rows' else ''} "
                      "FROM annotations a")
        order = " ORDER BY a.article_id, a.start_offset, a.end_offset, a.label_id, a.id"
        return f"{select} WHERE a.article_id BETWEEN ? AND ?{where}{order}", params

    def _utf8(self) -> bool:
        """Whether the file stores text as UTF-8 (as every project file the app creates does),
        so that a text column cast to a BLOB is its UTF-8 bytes."""
        return bool(self.conn.execute("PRAGMA encoding").fetchone()[0] == "UTF-8")

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
        for name, count in self.conn.execute(
            "SELECT n.name, COUNT(*) FROM article_status s JOIN annotators n "
            "ON n.id = s.annotator_id WHERE s.status = 'done' GROUP BY n.id"
        ):
            per_annotator[name]["done"] = count
        # In progress as the window's list has it: marked so, or holding the person's spans
        # without being marked done.
        for name, count in self.conn.execute(
            "SELECT n.name, COUNT(*) FROM ("
            "SELECT annotator_id, article_id FROM article_status WHERE status = 'in_progress' UNION "
            "SELECT a.annotator_id, a.article_id FROM annotations a WHERE NOT EXISTS (SELECT 1 FROM article_status s "
            "WHERE s.article_id = a.article_id AND s.annotator_id = a.annotator_id AND s.status = 'done')"
            ") x JOIN annotators n ON n.id = x.annotator_id GROUP BY n.id"
        ):
            per_annotator[name]["in_progress"] = count
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
                f"SELECT COALESCE(NULLIF(language, ''), '{UNKNOWN_LANGUAGE}'), COUNT(*) FROM articles GROUP BY 1 "
                "ORDER BY 1").fetchall()),
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
            sql += f" AND a.article_id IN (SELECT id FROM articles WHERE {language_condition(languages)})"
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


def _article(row: tuple[Any, ...]) -> Article:
    """``_article_from_row``, without parsing the meta of the many articles that have none."""
    return Article(text=row[7], title=row[2], external_id=row[1], source=row[3], url=row[4], published=row[5],
                   language=row[6], meta={} if row[8] == "{}" else json.loads(row[8]), id=row[0], imported_at=row[9])


def _encoded(values: Iterable[Any]) -> list[Any]:
    """Text values as UTF-8 bytes (others as they are)."""
    return [value.encode() if isinstance(value, str) else value for value in values]


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


UNKNOWN_LANGUAGE = "unknown"
"""How ``stats`` and the language filters name the language of articles that have none."""


def language_condition(languages: Collection[str]) -> str:
    """SQL (on ``articles``) keeping the articles in ``languages``, one ``?`` per code;
    ``UNKNOWN_LANGUAGE`` keeps those with no language (its ``?`` matches no code)."""
    condition = f"language IN ({','.join('?' * len(languages))})"
    return f"({condition} OR COALESCE(language, '') = '')" if UNKNOWN_LANGUAGE in languages else condition
