"""CSV: one row per span. Cells a spreadsheet would run as a formula are neutralised
(``csv_safety``), every text cell once: ids, names, labels, texts, attribute values, notes.

Columns: ``COLUMNS`` (the article's ids, title, source, publication date and URL, then the
span), then one ``attr_<name>`` column per attribute of the codebook, in codebook order, holding
that attribute's value (text as is, other values as JSON; empty when the span has none). The
``attributes`` column keeps every attribute as one JSON object, those outside the codebook too.
The ``attr_`` prefix keeps attribute columns apart from the fixed ones, and no header cell can
start a formula.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from annotator.io.csv_safety import neutralise
from annotator.io.exporting import ExportSummary, offsets_in
from annotator.io.records import ArticleRecord
from annotator.model.types import Codebook

COLUMNS = ("article_id", "external_id", "title", "source", "published", "url", "annotator", "annotator_id",
           "label", "start", "end", "text", "attributes", "note", "origin", "reviewer")
ATTRIBUTE_PREFIX = "attr_"


def attribute_columns(codebook: Codebook | None) -> list[str]:
    """The names of the per-attribute columns, ``attr_<name>`` in codebook order."""
    return [ATTRIBUTE_PREFIX + attribute.name for attribute in (codebook.attributes if codebook else [])]


class _Lines:
    """A "file" whose ``write`` hands the line back, so that ``csv.writer(_Lines()).writerow``
    returns the CSV line of a row (``writerow`` returns what ``write`` returns)."""

    write = str


def write(records: Iterable[ArticleRecord], output: Path, *, offset_unit: str = "codepoint",
          excel: bool = False, codebook: Codebook | None = None, **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    attributes_wanted = tuple(attribute.name for attribute in (codebook.attributes if codebook else []))
    line: Callable[[Iterable[object]], str] = csv.writer(_Lines()).writerow

    def cell(value: str) -> str:
        """The csv module's text for one cell: as it is, unless it holds a character that
        makes the module quote it (QUOTE_MINIMAL: the delimiter, the quote, a line break)."""
        if "," in value or '"' in value or "\n" in value or "\r" in value:
            return line((value,))[:-2]
        return value

    # The csv module writes cell by cell, so a row's line is its cells' texts joined by commas.
    # Cells that repeat (the article's on each of its rows; annotator, label, attributes, origin,
    # reviewer and attribute columns) are neutralised and written once; each span writes only
    # its offsets, text and note.
    # (annotator, annotator uuid, label, attributes, origin, reviewer) -> the written cells
    # before the offsets, between text and note, and after the note.
    parts: dict[tuple[str, str | None, str, str, str, str], tuple[str, str, str]] = {}
    with open(output, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        out.write(line([*COLUMNS, *(neutralise(name) for name in attribute_columns(codebook))]))
        no_attributes = ("",) * len(attributes_wanted)
        for record in records:
            rows = _rows(record)
            summary.spans += len(rows)
            summary.add_article(len(rows), written=bool(rows))
            if not rows:
                continue
            article = record.article
            convert = None if offset_unit == "codepoint" else offsets_in(article.text, offset_unit)
            head = line((article.id, *(neutralise(value or "") for value in (
                article.external_id, article.title, article.source, article.published, article.url))))[:-2] + ","
            lines: list[str] = []
            for start, end, label, text, annotator, annotator_uuid, attributes, note, origin, reviewer in rows:
                if convert is not None:
                    start, end = convert(start, end)
                key = (annotator, annotator_uuid, label, attributes, origin, reviewer)
                known = parts.get(key)
                if known is None:
                    own = _attribute_cells(attributes, attributes_wanted) if attributes and attributes_wanted \
                        else no_attributes
                    if len(parts) > 4096:  # attributes vary without end in some projects
                        parts.clear()
                    known = parts[key] = (
                        line((neutralise(annotator), neutralise(annotator_uuid or ""), neutralise(label)))[:-2] + ",",
                        "," + cell(neutralise(attributes) if attributes else "") + ",",
                        "," + line((neutralise(origin), neutralise(reviewer), *own)))
                before, middle, after = known
                lines += (head, before, f"{start},{end},", cell(neutralise(text)), middle,
                          cell(neutralise(note)) if note else "", after)
            out.write("".join(lines))
    return summary


@lru_cache(maxsize=4096)  # spans share attributes ({"speaker": "Lavrov"}): parsed once
def _attribute_cells(attributes: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The cells of the ``attr_`` columns for one span's attributes (a JSON object)."""
    values = json.loads(attributes)
    cells = []
    for name in wanted:
        value = values.get(name)
        if value is None:
            cells.append("")
        else:
            cells.append(neutralise(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return tuple(cells)


def _rows(record: ArticleRecord) -> list[tuple[Any, ...]]:
    """The record's spans as ``Store.span_rows`` tuples, however the record was read."""
    if record.span_rows is not None:
        return record.span_rows
    return [(s.start, s.end, s.label, s.text or "", s.annotator or "", s.annotator_uuid,
             json.dumps(s.attributes, ensure_ascii=False, sort_keys=True) if s.attributes else "",
             s.note, s.origin, s.reviewer or "") for s in record.annotations]
