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
            names: dict[str | None, str] = {}  # annotator and label cells repeat: neutralise once
            rows = []
            for span in record.annotations:
                start, end = convert(span.start, span.end)
                annotator = names.get(span.annotator)
                if annotator is None:
                    annotator = names[span.annotator] = neutralise(span.annotator or "")
                label = names.get(span.label)
                if label is None:
                    label = names[span.label] = neutralise(span.label)
                rows.append((
                    article.id, external_id, title, annotator, span.annotator_uuid or "", label, start, end,
                    neutralise(span.text or ""),
                    json.dumps(span.attributes, ensure_ascii=False, sort_keys=True) if span.attributes else "",
                    neutralise(span.note) if span.note else "", span.origin,
                    neutralise(span.reviewer) if span.reviewer else "",
                ))
            writer.writerows(rows)
            summary.spans += len(rows)
    return summary
