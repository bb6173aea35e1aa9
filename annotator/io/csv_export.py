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
from collections.abc import Iterable
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


def write(records: Iterable[ArticleRecord], output: Path, *, offset_unit: str = "codepoint",
          excel: bool = False, codebook: Codebook | None = None, **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    attributes_wanted = [attribute.name for attribute in (codebook.attributes if codebook else [])]
    with open(output, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*COLUMNS, *(neutralise(name) for name in attribute_columns(codebook))])
        no_attributes = ("",) * len(attributes_wanted)
        for record in records:
            article = record.article
            convert = offsets_in(article.text, offset_unit)
            article_cells = (article.id, *(neutralise(value or "") for value in (
                article.external_id, article.title, article.source, article.published, article.url)))
            names: dict[str, str] = {}  # annotator, label and reviewer cells repeat: neutralise once
            rows = []
            for start, end, label, text, annotator, annotator_uuid, attributes, note, origin, reviewer in _rows(record):
                start, end = convert(start, end)
                cells = []
                for value in (annotator, label, reviewer):
                    safe = names.get(value)
                    if safe is None:
                        safe = names[value] = neutralise(value)
                    cells.append(safe)
                own = _attribute_cells(attributes, attributes_wanted) if attributes and attributes_wanted \
                    else no_attributes
                rows.append((*article_cells, cells[0], neutralise(annotator_uuid or ""), cells[1], start, end,
                             neutralise(text), neutralise(attributes), neutralise(note) if note else "",
                             neutralise(origin), cells[2], *own))
            writer.writerows(rows)
            summary.spans += len(rows)
            summary.add_article(len(rows), written=bool(rows))
    return summary


def _attribute_cells(attributes: str, wanted: list[str]) -> tuple[str, ...]:
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
