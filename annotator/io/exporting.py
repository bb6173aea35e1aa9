"""What every exporter shares: the filter it applies, the summary it returns, the offset
unit it writes and the span rows it reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from annotator.model.errors import InvalidSpan
from annotator.model.offsets import OffsetMap, Utf16Counter
from annotator.model.types import GOLD

if TYPE_CHECKING:
    from annotator.io.records import ArticleRecord

OFFSET_UNITS = ("codepoint", "utf16")


@dataclass(frozen=True)
class ExportFilter:
    """Which spans an export holds; the preview count and the export read the same one.

    ``annotators``: ``None`` keeps everyone's work; a tuple keeps only those annotators' spans,
    doc labels and done marks, so ``()`` keeps nobody's (the articles are still written, with
    no spans). ``labels``: ``None`` keeps every label; a tuple keeps only spans and doc labels
    with those labels, so ``()`` keeps none. ``done_only``: only articles marked done by at
    least one kept annotator, with the work of the kept annotators who marked them done.
    ``gold``: add the gold layer (adjudicated spans) to ``annotators``; with ``annotators``
    ``None`` or ``()`` that is the gold layer alone. ``languages``: ``None`` keeps every
    article; a tuple of ISO 639-1 codes keeps only articles in those languages.

    ``ExportFilter()`` is everything. Build one from loose keywords with ``of``.
    """

    annotators: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None
    done_only: bool = False
    gold: bool = False
    languages: tuple[str, ...] | None = None

    @classmethod
    def of(cls, *, annotators: Iterable[str] | None = None, labels: Iterable[str] | None = None,
           done_only: bool = False, gold: bool = False, languages: Iterable[str] | None = None) -> ExportFilter:
        """The filter of these keywords, any iterables of names (``None`` = no restriction)."""
        return cls(annotators=None if annotators is None else tuple(annotators),
                   labels=None if labels is None else tuple(labels), done_only=done_only, gold=gold,
                   languages=None if languages is None else tuple(languages))

    def annotator_names(self) -> tuple[str, ...] | None:
        """The annotators whose work is kept, the gold layer included; ``None`` = everyone."""
        if self.gold:
            return (*(name for name in self.annotators or () if name != GOLD), GOLD)
        return self.annotators


def export_filter(given: ExportFilter | None, keywords: dict[str, Any]) -> ExportFilter:
    """``given``, or the filter of loose keywords (``annotators=[…]``, as the CLI passes them).

    Raises:
        TypeError: both, or a keyword that is no field of ``ExportFilter``.
    """
    if given is not None and keywords:
        raise TypeError(f"give an ExportFilter or keywords, not both (got {', '.join(keywords)})")
    return given if given is not None else ExportFilter.of(**keywords)


@dataclass
class ExportSummary:
    """What an export wrote, counted the way ``Project.count_export`` and the preview count.

    ``articles``: articles with at least one span the filter keeps, in every format (the
    second figure of ``count_export``). ``spans``: the kept spans the output holds;
    ``left_out``: kept spans the format cannot hold (CoNLL overlaps, spaCy spans over no token),
    so ``spans + left_out`` is the first figure of ``count_export``. ``written``: articles that
    appear in the output at all; formats that also write articles without spans (native JSONL
    and Label Studio every article the filter keeps, CoNLL, doccano and spaCy those with a kept
    done mark) make it larger than ``articles``.
    """

    articles: int = 0
    spans: int = 0
    offset_unit: str = "codepoint"
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    written: int = 0
    left_out: int = 0

    def add_article(self, spans: int, *, written: bool = True) -> None:
        """Count one article of the stream with ``spans`` kept spans; ``written``: it is in the
        output (with or without spans). The spans themselves are added to ``spans`` by the
        exporter, which knows how many of them it could hold."""
        self.articles += spans > 0
        self.written += written

    def describe(self, format: str) -> str:
        """One line for a status bar or a terminal: spans and articles as the preview counts
        them, then what differs (articles without spans, spans left out) and the files."""
        text = f"Exported {self.spans:,} spans in {self.articles:,} articles ({format})"
        extra = []
        if self.left_out:
            extra.append(f"{self.left_out:,} spans left out")
        if self.written > self.articles:
            extra.append(f"{self.written - self.articles:,} articles without spans written too")
        if extra:
            text += "; " + ", ".join(extra)
        return text + (f" to {', '.join(self.files)}" if self.files else "")


def offsets_in(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of code-point spans into ``unit`` for one text."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        to_utf16 = Utf16Counter(text)  # counts only what is asked: a few spans per text
        return lambda start, end: (to_utf16(start), to_utf16(end))
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")


def offsets_from(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of spans in ``unit`` into code points (raises InvalidSpan mid-pair)."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        offsets = OffsetMap(text)
        return offsets.span_to_codepoint
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")


# -- span rows ---------------------------------------------------------------------------

SpanRow = tuple[Any, ...]
"""A span as the exporters read it: ``(start, end, label, text, annotator, annotator uuid,
attributes JSON or "", note, origin, reviewer, id)``, the rows of ``Store.span_rows`` with the
span's id last, as ``records(raw="id_rows")`` reads them (plain tuples: a million spans cost a
million tuples, not a million objects)."""

START, END, LABEL, TEXT, ANNOTATOR, ANNOTATOR_UUID, ATTRIBUTES, NOTE = range(8)
SPAN_ID = -1  # last, whatever is added before it


def span_rows(record: ArticleRecord) -> list[SpanRow]:
    """The record's spans as ``SpanRow`` tuples: ``record.span_rows`` when it was read as rows,
    else its ``Annotation`` objects (an importer's records, tests) turned into them."""
    if record.span_rows is not None:
        return record.span_rows
    return [(s.start, s.end, s.label, s.text, s.annotator, s.annotator_uuid,
             json.dumps(s.attributes, ensure_ascii=False, sort_keys=True) if s.attributes else "", s.note, s.origin,
             s.reviewer or "", s.uuid) for s in record.annotations]


@lru_cache(maxsize=4096)  # spans share attributes ({"speaker": "Lavrov"}): parsed once
def attribute_items(attributes: str) -> tuple[tuple[str, Any], ...]:
    """``sorted(attributes.items())`` of a span row's attributes (its JSON text; "" is none).
    Shared between calls: do not change the values."""
    return tuple(sorted(json.loads(attributes).items())) if attributes else ()


def layers(record: ArticleRecord | list[str], rows: list[SpanRow]) -> dict[str, list[SpanRow]]:
    """The rows by annotator (``""`` for none), in the order of the exporters' per-annotator
    output: those who marked the article done (the record's ``done_by``, or that list) first,
    even without spans, then the others by their first span."""
    done_by = record if isinstance(record, list) else record.done_by
    by_annotator: dict[str, list[SpanRow]] = {name: [] for name in done_by}
    if rows and all(row[ANNOTATOR] == rows[0][ANNOTATOR] for row in rows):
        by_annotator[rows[0][ANNOTATOR] or ""] = rows  # one annotator's spans, the usual case
        return by_annotator
    for row in rows:
        name = row[ANNOTATOR] or ""
        layer = by_annotator.get(name)
        if layer is None:
            layer = by_annotator[name] = []
        layer.append(row)
    return by_annotator


ArticleRow = tuple[Any, ...]
"""An article as ``Store.export_batches`` reads it in the ``utf8`` shape: ``(id, external_id,
title, text, url, source, published, language, meta)``, the text columns as UTF-8 bytes (or
None), ``meta`` its JSON text."""

ExportItem = tuple[ArticleRow, list[SpanRow], list[tuple[str, str | None, str | None]], list[str]]
"""One article as the JSON writers read it (``ExportsMixin._kept`` with ``utf8`` articles and
``id_rows`` spans): the article row, its span rows, doc labels as ``(label, annotator, annotator
uuid)`` and the names of who marked it done. The text goes from SQLite to the file as bytes."""

_ARTICLE_TEXTS = ("external_id", "title", "text", "url", "source", "published", "language")


def export_items(records: Iterable[ArticleRecord | ExportItem]) -> Iterator[ExportItem]:
    """``records`` as ``ExportItem`` tuples: as they are when they are, records (an importer's,
    a test's) turned into them."""
    for record in records:
        if isinstance(record, tuple):
            yield record
            continue
        article = record.article
        texts = (getattr(article, name) for name in _ARTICLE_TEXTS)
        yield ((article.id, *(None if value is None else value.encode() for value in texts),
                json.dumps(article.meta, ensure_ascii=False, default=str)), span_rows(record),
               [(d.label, d.annotator, d.annotator_uuid) for d in record.doc_labels], record.done_by)


_ASTRAL_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def has_astral_utf8(data: bytes) -> bool:
    """``data`` (UTF-8) holds a character outside the Basic Multilingual Plane (an emoji, a
    rare CJK ideograph): only those make UTF-16 offsets differ from code points. Their lead
    bytes are looked for with ``in`` (a fast byte search: 2 µs for a 3.6 KB text here, where a
    regular expression takes 25 µs and decoding to count 21 µs)."""
    return any(lead in data for lead in _ASTRAL_LEADS)


def utf16_positions(text: str, positions: Iterable[int]) -> dict[int, int]:
    """The UTF-16 position of each code-point position in ``text``: what ``OffsetMap.to_utf16``
    answers, for all the positions of one article at once (the text between two of them,
    sorted, is encoded in C; a text without astral characters costs nothing).

    Raises:
        InvalidSpan: a position outside the text.
    """
    wanted = sorted(set(positions))
    if wanted and not 0 <= wanted[0] <= wanted[-1] <= len(text):
        bad = next(p for p in wanted if not 0 <= p <= len(text))
        raise InvalidSpan(f"position {bad} is outside the text (length {len(text)})")
    if text.isascii():
        return {position: position for position in wanted}
    result = {}
    previous = units = 0
    for position in wanted:
        between = text[previous:position]
        units += len(between) if between.isascii() else len(between.encode("utf-16-le")) // 2
        result[position] = units
        previous = position
    return result


# -- JSON written from parts ---------------------------------------------------------------

quote_json: Callable[[str], str] = encode_basestring
"""``json.dumps(text, ensure_ascii=False)`` of a ``str``: the C function the json module calls."""

_dumps = json.JSONEncoder(ensure_ascii=False).encode


class QuotedJson(dict[Any, str]):
    """``quoted[value]``: ``json.dumps(value, ensure_ascii=False)``, each value encoded once:
    for the values that repeat on every line of an export (label and annotator names, their
    ids). Keep to one type of key (``str`` or None: ``1`` and ``True`` would be one key). Kept
    small: the few values that do not repeat are forgotten when it fills."""

    def __missing__(self, value: Any) -> str:
        if len(self) > 4096:
            self.clear()
        quoted = self[value] = _dumps(value)
        return quoted
