"""Articles in the project file: adding them, reading them, and the article list's queries.

Guards that a text is stored once (its hash is unique: a duplicate is skipped, and
``add_article`` and ``add_articles_with_ids`` return the stored one's id), and that a malformed
full-text query given to ``list_article_ids``, ``search`` or ``search_hits`` becomes
``InvalidQuery`` while every other failure (busy, damaged) passes through as it is.

Queries come in two kinds. FTS5 syntax (the default here, and the CLI's) is passed to SQLite as
it is. Plain words (``plain=True``, the window's default) never reach SQLite's query parser as
syntax: ``plain_match`` quotes each whitespace-separated word as an FTS5 string and ANDs them,
so ``Kim Jong-un``, ``(AS``, ``"``, ``AND``, ``NEAR(`` or ``*`` are searched for as text. A
plain word of a script written without spaces (Chinese, Japanese, Thai …), or of symbols the
index has no word for (``🔥``), is looked for as text instead (``plain_terms``): the index holds
a whole run of such letters as one word, so ``霸权`` would never match inside ``美国霸权主义``.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from functools import lru_cache
from typing import Any, ClassVar

from annotator.model.errors import InvalidQuery, NotFound, StoreError
from annotator.model.offsets import written_without_spaces
from annotator.model.types import Article, text_hash
from annotator.store.base import StoreBase, dumps, now
from annotator.store.connection import translated

INDEX_TOKENIZER = "unicode61 remove_diacritics 2"
"""The full-text index's tokenizer, as migration m001 created ``articles_fts`` (a test checks
that they agree): words are runs of letters, digits and some symbols (emoji among them), folded
to lower case with Latin diacritics removed; punctuation and spaces separate them."""
_HIT_MARKS = [(chr(c), chr(c + 1)) for c in range(0xFDD0, 0xFDF0, 2)]  # Unicode noncharacters


SNIPPET = "snippet({table}, 1, '[', ']', '…', 12)"
"""The search snippet of a full-text table's text column: hits in ``[ ]``, 12 tokens."""
SNIPPET_WHOLE_CHARS = 65_536
"""Articles up to this long get their search snippet from SQLite over the whole text; longer
ones from the first part of ``SNIPPET_PART_CHARS`` that matches (``_snippet_of_long_text``)."""
SNIPPET_PART_CHARS = 4096


def _snippet_of_long_text(text: str, match: str) -> str:
    """The snippet SQLite makes for ``match`` in the first part of ``text`` (parts of about
    ``SNIPPET_PART_CHARS``, cut at white space) that the query matches on its own, in a scratch
    index with the project's tokenizer: its cost grows with the hits in one part, not in the
    whole text. A query that no single part matches (its words far apart) gets the text's start."""
    parts: list[str] = []
    at = 0
    while at < len(text):
        end = min(len(text), at + SNIPPET_PART_CHARS)
        if end < len(text):
            space = text.rfind(" ", at + SNIPPET_PART_CHARS // 2, end)
            end = space + 1 if space >= 0 else end
        parts.append(text[at:end])
        at = end
    with translated(None), closing(sqlite3.connect(":memory:")) as scratch:
        scratch.execute(f"CREATE VIRTUAL TABLE parts USING fts5(title, text, tokenize='{INDEX_TOKENIZER}')")
        for first in range(0, len(parts), 64):  # a batch at a time: the first hit is usually early
            scratch.executemany("INSERT INTO parts(rowid, title, text) VALUES (?, '', ?)",
                                enumerate(parts[first:first + 64], start=first))
            row = scratch.execute(f"SELECT {SNIPPET.format(table='parts')} FROM parts "
                                  "WHERE parts MATCH ? AND rowid >= ? ORDER BY rowid LIMIT 1",
                                  (match, first)).fetchone()
            if row is not None:
                return str(row[0])
    return _start_of(text)


def _start_of(text: str) -> str:
    """The snippet of an article matched but not in its text: its first 12 words."""
    words = text[:400].split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


@lru_cache(maxsize=256)  # F3 asks once per listed article
def plain_terms(text: str) -> tuple[str | None, tuple[str, ...]]:
    """Plain words split by how they are found: ``(match, literals)``.

    To use it::

        plain_terms("Xi 霸权")   # ('"Xi"', ('霸权',))

    ``match`` is ``plain_match`` of the words the index can hold as words (None when there are
    none); ``literals`` are the words found as they are typed in the title or text (``instr``):

    - a word with a letter of a script written without spaces
      (``model.offsets.written_without_spaces``): the index keeps a run of such letters between
      spaces or punctuation as one word, so a word inside a run could never match it;
    - a word of symbols the index keeps no word for (``🔥``, ``🇮🇩``, ``€``; SQLite's tokenizer
      makes words of some emoji only). Punctuation alone (``-``, ``(``) is still left out.

    Nothing is to be searched for when ``match`` is None and ``literals`` empty.
    """
    words = text.split()
    literals = tuple(dict.fromkeys(
        w for w in words if any(written_without_spaces(c) for c in w)
        or (plain_match(w) is None and any(unicodedata.category(c).startswith("S") for c in w))))
    rest = " ".join(w for w in words if w not in literals)
    return plain_match(rest), literals


def literal_ranges(text: str, literals: Iterable[str]) -> list[tuple[int, int]]:
    """Where the ``literals`` occur in ``text``: ``(start, end)`` code points in text order,
    overlapping occurrences as one range (touching ones stay apart: ``🔥🔥`` is two hits)."""
    found: list[tuple[int, int]] = []
    for literal in literals:
        at = text.find(literal)
        while at >= 0:
            found.append((at, at + len(literal)))
            at = text.find(literal, at + len(literal))
    return _merged(found)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _literal_snippet(text: str, literals: Iterable[str], around: int = 40) -> str:
    """A search snippet for words found as text: the text about ``around`` characters either
    side of the first occurrence, occurrences in ``[ ]`` (as SQLite's snippets mark hits)."""
    ranges = literal_ranges(text, literals)
    if not ranges:  # found in the title only
        return _start_of(text)
    start = max(0, ranges[0][0] - around)
    end = min(len(text), ranges[0][1] + around)
    parts = ["…" if start else ""]
    at = start
    for hit_start, hit_end in ranges:
        if hit_start >= end:
            break
        parts += [text[at:hit_start], "[", text[hit_start:hit_end], "]"]
        at = hit_end
    end = max(end, at)
    parts += [text[at:end], "…" if end < len(text) else ""]
    return " ".join("".join(parts).split())  # line breaks as spaces, as in SQLite's snippets


def _marked_literals(snippet: str, literals: Iterable[str]) -> str:
    """SQLite's snippet with the words it did not look for (found as text) marked too."""
    parts, at = [], 0
    for start, end in literal_ranges(snippet, literals):
        if "[" not in snippet[start:end] and "]" not in snippet[start:end]:
            parts += [snippet[at:start], "[", snippet[start:end], "]"]
            at = end
    return "".join([*parts, snippet[at:]])


def _literal_conditions(literals: Sequence[str]) -> tuple[list[str], dict[str, int | str]]:
    """SQL conditions (on ``articles a``) that every literal occurs in the title or text, with
    their named parameters."""
    conditions: list[str] = []
    params: dict[str, int | str] = {}
    for number, literal in enumerate(literals):
        key = f"literal{number}"
        conditions.append(f"(instr(a.text, :{key}) > 0 OR instr(a.title, :{key}) > 0)")
        params[key] = literal
    return conditions, params


@lru_cache(maxsize=256)  # asking the tokenizer costs about 1 ms
def plain_match(text: str) -> str | None:
    """The FTS5 query that finds ``text`` as plain words, whatever characters it holds.

    To use it::

        plain_match('Kim Jong-un')   # '"Kim" AND "Jong-un"': both words, Jong-un as a phrase

    Each whitespace-separated word is quoted as an FTS5 string (inner quotes doubled), so no
    character is syntax; the words are ANDed. FTS5 splits a quoted word into the index's tokens
    and matches them as a phrase (``Jong-un`` finds "Jong un" and "jong-un"). A word in which
    the index's tokenizer finds no token (``-``, ``(``, ``"``) is left out, since an empty phrase
    would make the whole query match nothing.

    Returns:
        The query, or None when ``text`` holds no word the index could contain (then nothing
        matches).
    """
    words = text.split()
    if not words:
        return None
    # Asked of SQLite's own tokenizer, in a private in-memory table: which characters make
    # tokens differs by script and SQLite version (emoji do, most punctuation does not).
    with closing(sqlite3.connect(":memory:")) as scratch:
        scratch.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize='{INDEX_TOKENIZER}')")
        scratch.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(words, 'instance')")
        scratch.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(words))
        searchable = {row[0] for row in scratch.execute("SELECT DISTINCT doc FROM terms")}
    quoted = ['"' + word.replace('"', '""') + '"' for i, word in enumerate(words) if i in searchable]
    return " AND ".join(quoted) or None


_SHOWN_STATUS = ("CASE WHEN marked IN ('done', 'in_progress') THEN marked "
                 "WHEN span_count > 0 THEN 'in_progress' ELSE 'not_started' END")
"""An article's status as its annotator sees it, in SQL over the columns ``marked`` (their
``article_status``, NULL when unmarked) and ``span_count`` (their spans in it): as marked, or
in progress once it holds their spans. The project's ``stats`` counts by the same rule."""


class ArticlesMixin(StoreBase):
    """Articles: adding, reading and streaming them, the article list, summaries and search."""

    def add_articles(self, articles: Sequence[Article], *, imported_at: str | None = None,
                     hashes: Sequence[str] | None = None, texts: Sequence[str | bytes] | None = None) -> int:
        """Store many articles in one statement, skipping texts already stored.

        ``hashes``: the texts' ``text_hash``, when the caller has them already. ``texts``: the
        articles' texts to store, each as it is or as its UTF-8 bytes when the caller has those
        (stored as text all the same; binding a text makes ``sqlite3`` encode it again, which
        for a few KB of non-Latin text costs more than the insert).
        Returns how many were added (the rest were duplicates).
        """
        stamp = imported_at or now()
        if hashes is None:
            hashes = [text_hash(a.text) for a in articles]
        if texts is None:
            texts = [a.text for a in articles]
        return self.conn.executemany(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, "
            "meta, text_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?) "
            "ON CONFLICT(text_hash) DO NOTHING",
            [
                (a.external_id, a.title or "", a.source, a.url, a.published, a.language, text,
                 dumps(a.meta) if a.meta else "{}", digest, stamp)
                for a, text, digest in zip(articles, texts, hashes, strict=True)
            ],
        ).rowcount

    def add_articles_with_ids(self, articles: Sequence[Article], *, imported_at: str | None = None,
                              hashes: Sequence[str] | None = None,
                              texts: Sequence[str | bytes] | None = None) -> list[tuple[int, bool]]:
        """``add_articles``, then each article's ``(id, created)`` in order: a text stored
        already (or earlier in ``articles``) gives the stored article's id and False.

        At most two statements however many articles: the insert, and a read of the ids by hash
        unless every article was new (then they got the ids after the highest one, in order).
        ``hashes``, ``texts``: as ``add_articles`` takes them.
        """
        if not articles:
            return []
        if hashes is None:
            hashes = [text_hash(a.text) for a in articles]
        before = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]
        if self.add_articles(articles, imported_at=imported_at, hashes=hashes, texts=texts) == len(articles):
            return [(before + number, True) for number in range(1, len(articles) + 1)]
        ids = dict(self.conn.execute(
            "SELECT text_hash, id FROM articles WHERE text_hash IN (SELECT value FROM json_each(?))",
            (json.dumps(hashes),)).fetchall())
        seen: set[str] = set()
        result = []
        for digest in hashes:
            article_id = ids[digest]
            result.append((article_id, article_id > before and digest not in seen))
            seen.add(digest)
        return result

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

    def article_languages(self) -> list[tuple[str, int]]:
        """The distinct languages of the articles (none or empty left out), sorted by code,
        each with its number of articles."""
        return [(row[0], int(row[1])) for row in self.conn.execute(
            "SELECT language, COUNT(*) FROM articles WHERE language IS NOT NULL AND language != '' "
            "GROUP BY language ORDER BY language")]

    def has_articles_without_language(self) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE COALESCE(language, '') = '' LIMIT 1").fetchone() \
            is not None

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
        plain: bool = False,
        language: str | None = None,
    ) -> list[int]:
        """Ids of the articles an annotator sees in the article list, filtered and sorted.

        ``language``: only articles in that language (ISO 639-1 code, as given or detected at
        import).

        ``status`` is as the annotator sees it: ``done`` or ``in_progress`` as marked, and
        ``in_progress`` also for an unmarked article that has their spans. ``query`` keeps the
        articles whose title or text matches it: FTS5 syntax, or with ``plain`` plain words
        (``plain_terms``; words with nothing to search for match nothing).

        Raises:
            InvalidQuery: an FTS5 ``query`` the index cannot run (never for ``plain`` words).
        """
        literals: tuple[str, ...] = ()
        if query and plain:
            match, literals = plain_terms(query)
            if match is None and not literals:
                return []
            query = match
        where, params = _literal_conditions(literals)
        params["me"] = annotator_id
        if label:
            where.append(
                "EXISTS (SELECT 1 FROM annotations x JOIN labels l ON l.id = x.label_id "
                "WHERE x.article_id = a.id AND x.annotator_id = :me AND l.name = :label)"
            )
            params["label"] = label
        if query:
            where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :query)")
            params["query"] = query
        if language:
            where.append("a.language = :language")
            params["language"] = language
        inner = (
            "SELECT a.id, a.title, a.source, a.published, s.status AS marked, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = :me) "
            "AS span_count FROM articles a LEFT JOIN article_status s "
            "ON s.article_id = a.id AND s.annotator_id = :me"
            + (" WHERE " + " AND ".join(where) if where else "")
        )
        ranks = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in self.STATUS_RANKS.items())
        ranked = f"SELECT *, CASE {_SHOWN_STATUS} {ranks} END AS status_rank FROM ({inner})"
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
            # No LENGTH(text): on a 20 MB article it reads every page of the text per keypress.
            f"SELECT *, {_SHOWN_STATUS} FROM (SELECT a.id, a.title, a.source, a.published, s.status AS marked, "
            "(SELECT COUNT(*) FROM annotations x WHERE x.article_id = a.id AND x.annotator_id = ?) AS span_count "
            "FROM articles a LEFT JOIN article_status s ON s.article_id = a.id AND s.annotator_id = ? "
            f"WHERE a.id IN ({marks}))",
            [annotator_id, annotator_id, *article_ids],
        )
        result = {}
        for article_id, title, source, published, _marked, spans, status in rows:
            result[article_id] = {
                "id": article_id, "title": title, "source": source or "", "published": published or "",
                "status": status, "spans": spans,
            }
        return result

    def search(self, query: str, *, limit: int = 50, plain: bool = False,
               snippets: bool = True) -> list[dict[str, Any]]:
        """Full-text search over titles and texts, best match first.

        To use it::

            store.search("perundingan OR negosiasi")      # FTS5 query syntax
            store.search("Kim Jong-un", plain=True)       # plain words, all of them

        Returns:
            ``{"id", "title", "snippet"}`` per article (without ``snippet`` when ``snippets``
            is False, which is quicker); the snippet marks hits with ``[ ]``.

        Raises:
            InvalidQuery: an FTS5 query the index cannot run (SQLite's reason in the message);
                never for ``plain`` words.
        """
        match, literals = plain_terms(query) if plain else (query, ())
        if match is None and not literals:
            return []
        conditions, params = _literal_conditions(literals)
        try:
            if match is None:  # words found as text only: in id order, there is no rank
                rows = self.conn.execute(
                    f"SELECT a.id, a.title, NULL FROM articles a WHERE {' AND '.join(conditions)} "
                    "ORDER BY a.id LIMIT :limit", {**params, "limit": limit}).fetchall()
            else:
                # SQLite's snippet() weighs every hit of the article against every other: a 1 MB
                # article with 31,000 hits took 12.7 s. Long articles get theirs from a part.
                snippet = SNIPPET.format(table="articles_fts")
                shown = f"CASE WHEN length(a.text) <= {SNIPPET_WHOLE_CHARS} THEN {snippet} END" if snippets else "NULL"
                rows = self.conn.execute(
                    f"SELECT a.id, a.title, {shown} FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                    f"WHERE {' AND '.join(['articles_fts MATCH :match', *conditions])} ORDER BY rank LIMIT :limit",
                    {**params, "match": match, "limit": limit},
                ).fetchall()
            if not snippets:
                return [{"id": r[0], "title": r[1]} for r in rows]
            found = {r[0]: self._snippet(r[0], match, literals) if r[2] is None else _marked_literals(r[2], literals)
                     for r in rows}
        except StoreError as error:
            if type(error) is not StoreError:
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error
        return [{"id": r[0], "title": r[1], "snippet": found[r[0]]} for r in rows]

    def _snippet(self, article_id: int, match: str | None, literals: tuple[str, ...]) -> str:
        """The snippet of an article that SQLite did not make: a long one's, or one found by
        words looked for as text only."""
        text = self.article_text(article_id)
        if match is None:
            return _literal_snippet(text, literals)
        return _marked_literals(_snippet_of_long_text(text, match), literals)

    def search_hits(self, article_id: int, query: str, *, plain: bool = False) -> list[tuple[int, int]]:
        """Where ``query`` matches in an article's text, as the index itself matches it.

        To use it::

            store.search_hits(7, "Kim Jong-un", plain=True)   # [(120, 123), (124, 131)]

        The hits are the phrase instances SQLite's ``highlight()`` finds, so they follow the
        index's rule exactly: whole tokens, case and Latin diacritics ignored (``cafe`` finds
        "Café"), a quoted word's tokens as one phrase (``Jong-un`` covers "Jong-un"), prefixes
        only for an FTS5 ``word*``; plain words of scripts written without spaces wherever
        they occur as typed (``plain_terms``). Overlapping matches come as one hit; matches in
        the title are not listed.

        Returns:
            ``(start, end)`` code points, half-open, in text order; empty when the article does
            not match (or does not exist).

        Raises:
            InvalidQuery: as ``search``.
        """
        match, literals = plain_terms(query) if plain else (query, ())
        if match is None and not literals:
            return []
        row = self.conn.execute("SELECT text, title FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return []
        text = str(row[0])
        if literals:
            if not all(literal in text or literal in str(row[1] or "") for literal in literals):
                return []  # the article does not match
            found_as_text = literal_ranges(text, literals)
            if match is None:
                return found_as_text
            indexed = self.search_hits(article_id, match)
            if not indexed and self.conn.execute("SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
                                                 (match, article_id)).fetchone() is None:
                return []  # the other words are not in it
            return _merged([*found_as_text, *indexed])
        marks = next(((o, c) for o, c in _HIT_MARKS if o not in text and c not in text), None)
        if marks is None:  # every noncharacter pair occurs in the text: no safe markers left
            return []
        try:
            found = self.conn.execute(
                "SELECT highlight(articles_fts, 1, ?, ?) FROM articles_fts "
                "WHERE articles_fts MATCH ? AND rowid = ?",
                (*marks, match, article_id),
            ).fetchone()
        except StoreError as error:
            if type(error) is not StoreError:
                raise
            raise InvalidQuery(f"cannot search for {query!r}: {error.__cause__}") from error
        return _marked_ranges(str(found[0]), text, *marks) if found and found[0] is not None else []


def _marked_ranges(marked: str, text: str, open_mark: str, close_mark: str) -> list[tuple[int, int]]:
    """The code-point ranges between ``open_mark`` and ``close_mark`` in ``marked``, which is
    ``text`` with the marks inserted; empty if it is not (an index out of step with its text)."""
    first, *rest = marked.split(open_mark)
    if close_mark in first:
        return []
    ranges: list[tuple[int, int]] = []
    pieces = [first]
    position = len(first)  # code points of ``text`` passed so far
    for piece in rest:
        inside, closed, after = piece.partition(close_mark)
        if not closed or close_mark in after:
            return []
        ranges.append((position, position + len(inside)))
        position += len(inside) + len(after)
        pieces += [inside, after]
    if "".join(pieces) != text:
        return []
    return [(s, e) for s, e in ranges if s < e]


def _article_from_row(row: tuple[Any, ...]) -> Article:
    return Article(
        id=row[0], external_id=row[1], title=row[2], source=row[3], url=row[4],
        published=row[5], language=row[6], text=row[7], meta=json.loads(row[8]),
        imported_at=row[9],
    )

