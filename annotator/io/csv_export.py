"""CSV: one row per span. Cells a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.io.exporting import ExportSummary, offsets_in
from annotator.io.records import ArticleRecord

COLUMNS = ("article_id", "external_id", "title", "annotator", "annotator_id", "label", "start", "end",
           "text", "attributes", "note", "origin", "reviewer")
_FORMULA_START = frozenset("=+-@\t\r")


def neutralise(value: str) -> str:
    """Prefix a cell that would start a formula with an apostrophe (OWASP CSV injection)."""
    return "'" + value if value[:1] in _FORMULA_START else value


def write(records: Iterable[ArticleRecord], output: Path, *, offset_unit: str = "codepoint",
          excel: bool = False, **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    with open(output, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for record in records:
            summary.articles += 1
            article = record.article
            convert = offsets_in(article.text, offset_unit)
            external_id, title = neutralise(article.external_id or ""), neutralise(article.title or "")
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
                rows.append((article.id, external_id, title, cells[0], annotator_uuid or "", cells[1], start, end,
                             neutralise(text), attributes, neutralise(note) if note else "", origin, cells[2]))
            writer.writerows(rows)
            summary.spans += len(rows)
    return summary


def _rows(record: ArticleRecord) -> list[tuple[Any, ...]]:
    """The record's spans as ``Store.span_rows`` tuples, however the record was read."""
    if record.span_rows is not None:
        return record.span_rows
    return [(s.start, s.end, s.label, s.text or "", s.annotator or "", s.annotator_uuid,
             json.dumps(s.attributes, ensure_ascii=False, sort_keys=True) if s.attributes else "",
             s.note, s.origin, s.reviewer or "") for s in record.annotations]
