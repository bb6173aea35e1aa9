"""Articles in the project file: adding them, reading them, and the article list's queries.

Guards that a text is stored once (its hash is unique: a duplicate is skipped, and
``add_article`` returns the stored one's id), and that a malformed full-text query given to
``list_article_ids`` or ``search`` becomes ``InvalidQuery`` while every other failure (busy,
damaged) passes through as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from annotator.model.errors import InvalidQuery, NotFound, StoreError
from annotator.model.types import Article, text_hash
from annotator.store.base import StoreBase, dumps, now
from annotator.store.connection import translated


class ArticlesMixin(StoreBase):
    """Articles: adding, reading and streaming them, the article list, summaries and search."""

    def add_articles(self, articles: list[Article], *, imported_at: str | None = None) -> int:
        """Store many articles in one statement, skipping texts already stored.

        Returns how many were added (the rest were duplicates).
        """
        before = self.conn.total_changes
        stamp = imported_at or now()
        self.conn.executemany(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, "
            "meta, text_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(text_hash) DO NOTHING",
            [
                (a.external_id, a.title or "", a.source, a.url, a.published, a.language, a.text,
                 dumps(a.meta), text_hash(a.text), stamp)
                for a in articles
            ],
        )
        return self.conn.total_changes - before

    def add_article(self, article: Article, *, imported_at: str | None = None) -> tuple[int, bool]:
        """Store an article unless one with the same text exists.

        Returns ``(id, created)``: the existing article's id and False for a duplicate.
        """
        digest = text_hash(article.text)
        row = self.conn.execute(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, "
            "meta, text_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(text_hash) DO NOTHING RETURNING id",
            (article.external_id, article.title or "", article.source, article.url,
             article.published, article.language, article.text, dumps(article.meta),
             digest, imported_at or now()),
        ).fetchone()
        if row:
            return int(row[0]), True
        existing = self.conn.execute(
            "SELECT id FROM articles WHERE text_hash = ?", (digest,)
        ).fetchone()
        return int(existing[0]), False

    def article(self, article_id: int) -> Article:
        row = self.conn.execute(
            "SELECT id, external_id, title, source, url, published, language, text, meta, "
            "imported_at FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if not row:
            raise NotFound(f"no article with id {article_id}")
        return _article_from_row(row)

    def article_text(self, article_id: int) -> str:
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if not row:
            raise NotFound(f"no article with id {article_id}")
        return str(row[0])

    def iter_articles(self, article_ids: Iterable[int] | None = None) -> Iterator[Article]:
        """Articles in id order, streamed (one row at a time, constant memory)."""
        sql = (
            "SELECT id, external_id, title, source, url, published, language, text, meta, "
            "imported_at FROM articles"
        )
        if article_ids is None:
            with translated(self.path):
                for row in self.conn.execute(sql + " ORDER BY id"):
                    yield _article_from_row(row)
        else:
            for article_id in article_ids:
                yield self.article(article_id)

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    SORT_COLUMNS: ClassVar[dict[str, str]] = {
        "id": "id",
        "title": "title COLLATE NOCASE",
        "source": "source COLLATE NOCASE",
        "published": "published",
        "status": "status_rank",
        "spans": "span_count",
    }
    STATUS_RANKS: ClassVar[dict[str, int]] = {"not_started": 0, "in_progress": 1, "done": 2}

    def list_article_ids(
        self,
        *,
        annotator_id: int,
        status: str | None = None,
        label: str | None = None,
        query: str | None = None,
        sort: str = "id",
        descending: bool = False,
    ) -> list[int]:
        """Ids of the articles an annotator sees in the article list, filtered and sorted.

        ``status`` is as the annotator sees it: ``done`` or ``in_progress`` as marked, and
        ``in_progress`` also for an unmarked article that has their spans.

        Raises:
            ValueError: an invalid full-text ``query``.
        """
        where: list[str] = []
        params: dict[str, int | str] = {"me": annotator_id}
        if label:
            where.append(
                "EXISTS (SELECT 1 FROM annotations x JOIN labels l ON l.id = x.label_id "
                "WHERE x.article_id = a.id AND x.annotator_id = :me AND l.name = :label)"
            )
            params["label"] = label
        if query:
            where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :query)")
            params["query"] = query
        inner = (
            "SELECT a.id, a.title, a.source, a.published, s.status AS marked, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = :me) "
            "AS span_count FROM articles a LEFT JOIN article_status s "
            "ON s.article_id = a.id AND s.annotator_id = :me"
            + (" WHERE " + " AND ".join(where) if where else "")
        )
        ranked = (
            "SELECT *, CASE WHEN marked = 'done' THEN 2 "
            "WHEN marked = 'in_progress' OR span_count > 0 THEN 1 ELSE 0 END AS status_rank "
            f"FROM ({inner})"
        )
        sql = f"SELECT id FROM ({ranked})"
        if status:
            sql += " WHERE status_rank = :rank"
            params["rank"] = self.STATUS_RANKS[status]
        direction = "DESC" if descending else "ASC"
        sql += f" ORDER BY {self.SORT_COLUMNS.get(sort, 'id')} {direction}, id {direction}"
        try:
            return [row[0] for row in self.conn.execute(sql, params)]
        except StoreError as error:
            if type(error) is not StoreError:  # busy, damaged ...: not the query's fault
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error

    def article_summaries(self, article_ids: list[int], *, annotator_id: int) -> dict[int, dict[str, Any]]:
        """Title, source, date, the annotator's status and span count for some articles."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.source, a.published, LENGTH(a.text), s.status, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = ?) "
            "FROM articles a LEFT JOIN article_status s ON s.article_id = a.id AND s.annotator_id = ? "
            f"WHERE a.id IN ({marks})",
            [annotator_id, annotator_id, *article_ids],
        )
        result = {}
        for article_id, title, source, published, length, status, spans in rows:
            if status not in ("done", "in_progress"):
                status = "in_progress" if spans else "not_started"
            result[article_id] = {
                "id": article_id, "title": title, "source": source or "", "published": published or "",
                "length": length, "status": status, "spans": spans,
            }
        return result

    def search(self, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search (FTS5 query syntax) over titles and texts, best match first.

        Raises:
            InvalidQuery: a query the full-text index cannot run (SQLite's reason in the message).
        """
        try:
            rows = self.conn.execute(
                "SELECT a.id, a.title, snippet(articles_fts, 1, '[', ']', '…', 12) "
                "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
                (query, limit),
            ).fetchall()
        except StoreError as error:
            if type(error) is not StoreError:
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error
        return [{"id": r[0], "title": r[1], "snippet": r[2]} for r in rows]


def _article_from_row(row: tuple[Any, ...]) -> Article:
    return Article(
        id=row[0], external_id=row[1], title=row[2], source=row[3], url=row[4],
        published=row[5], language=row[6], text=row[7], meta=json.loads(row[8]),
        imported_at=row[9],
    )

