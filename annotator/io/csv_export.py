"""CSV: one row per span. Cells a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from annotator.io.exporting import ExportSummary, offsets_in
from annotator.io.records import ArticleRecord

COLUMNS = ("article_id", "external_id", "title", "annotator", "annotator_id", "label", "start", "end",
           "text", "attributes", "note", "origin", "reviewer")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a cell that would start a formula with an apostrophe (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write(records: Iterable[ArticleRecord], output: Path, *, offset_unit: str = "codepoint",
          excel: bool = False, **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    with open(output, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for record in records:
            summary.articles += 1
            convert = offsets_in(record.article.text, offset_unit)
            for span in record.annotations:
                start, end = convert(span.start, span.end)
                writer.writerow([
                    record.article.id, neutralise(record.article.external_id or ""),
                    neutralise(record.article.title or ""), neutralise(span.annotator or ""),
                    span.annotator_uuid or "", neutralise(span.label), start, end, neutralise(span.text or ""),
                    json.dumps(span.attributes, ensure_ascii=False, sort_keys=True) if span.attributes else "",
                    neutralise(span.note or ""), span.origin, neutralise(span.reviewer or ""),
                ])
                summary.spans += 1
    return summary
