"""doccano sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``.

doccano counts offsets in UTF-16 code units (JavaScript string positions, doccano issue
#2290), so that is the default unit both ways; ``--offset-unit codepoint`` overrides it.
Export writes one line per article and annotator, with ``annotator`` and ``annotator_id`` as
extra fields (doccano keeps unknown fields as metadata). Import also reads the relation
project shape (``entities`` with ``start_offset`` / ``end_offset``); relations are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.io.exporting import ExportSummary, offsets_from, offsets_in
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span
from annotator.model.types import Annotation, Article

DEFAULT_UNIT = "utf16"


def write(records: Iterable[ArticleRecord], output: Path, *, offset_unit: str = DEFAULT_UNIT,
          **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    with open(output, "w", encoding="utf-8", newline="\n") as out:
        for record in records:
            article = record.article
            convert = offsets_in(article.text, offset_unit)
            by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
            ids: dict[str, str | None] = {}
            for span in record.annotations:
                by_annotator.setdefault(span.annotator or "", []).append(span)
                ids[span.annotator or ""] = span.annotator_uuid
            summary.add_article(len(record.annotations), written=bool(by_annotator))
            for name, spans in by_annotator.items():
                line = {
                    "id": article.id, "text": article.text,
                    "label": [[*convert(s.start, s.end), s.label] for s in spans],
                    "annotator": name, "annotator_id": ids.get(name), "article_id": article.id,
                    "external_id": article.external_id, "title": article.title, "Comments": [],
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                summary.spans += len(spans)
    summary.files.append(str(output))
    return summary


def read(path: Path, fields: FieldMap, notes: list[str], *, offset_unit: str | None = None) -> Iterator[ArticleRecord]:
    unit = offset_unit or DEFAULT_UNIT
    relations = 0
    with open(path, "rb") as f:
        content = f.read()
    if content.lstrip()[:1] == b"[":  # a JSON list of the same objects
        try:
            items = [(number, item) for number, item in enumerate(json.loads(content), start=1)]
        except json.JSONDecodeError as error:
            raise ImportFormatError(f"invalid JSON ({error.msg})", line=error.lineno) from None
    else:
        items = []
        for number, raw in enumerate(content.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                items.append((number, json.loads(raw)))
            except json.JSONDecodeError as error:
                raise ImportFormatError(f"invalid JSON ({error.msg})", line=number) from None
    for number, item in items:
        if not isinstance(item, dict):
            raise ImportFormatError("expected a JSON object", line=number)
        original = item.get(fields.text if fields.generic else "text")
        if not isinstance(original, str) or not original:
            raise ImportFormatError("no 'text' field", line=number)
        shift = LineEndingShift(original)
        convert = offsets_from(original, unit)
        meta = {k: v for k, v in item.items() if k not in ("text", "label", "labels", "entities", "relations",
                                                           "annotator", "annotator_id", "title", "external_id",
                                                           "article_id", "id", "Comments")}
        article = Article(text=shift.text, title=str(item.get("title") or ""),
                          external_id=str(item.get("external_id") or item.get("id") or "") or None, meta=meta)
        record = ArticleRecord(article, line=number)
        annotator = item.get("annotator") or item.get("user")
        for start, end, label in _spans(item, number):
            try:
                cp_start, cp_end = convert(start, end)
                cp_start, cp_end = shift.map(cp_start), shift.map(cp_end)
                check_span(shift.text, cp_start, cp_end)
            except InvalidSpan as error:
                raise ImportFormatError(f"span {[start, end, label]} ({unit} offsets): {error}", line=number) from None
            record.annotations.append(Annotation(cp_start, cp_end, label, shift.text[cp_start:cp_end],
                                                 annotator=str(annotator) if annotator else None,
                                                 annotator_uuid=item.get("annotator_id")))
        relations += len(item.get("relations") or [])
        yield record
    if relations:
        notes.append(f"{path.name}: skipped {relations} relations (not supported)")


def _spans(item: dict[str, Any], number: int) -> Iterator[tuple[int, int, str]]:
    labels = item.get("label", item.get("labels"))
    if labels is not None:
        if not isinstance(labels, list):
            raise ImportFormatError("'label' must be a list of [start, end, label]", line=number)
        for entry in labels:
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str)):
                raise ImportFormatError(f"{entry!r} is not [start, end, label]", line=number)
            start, end = _offsets(entry[0], entry[1], number)
            yield start, end, entry[2]
    for entity in item.get("entities") or []:
        if not isinstance(entity, dict):
            raise ImportFormatError("each entity must be an object", line=number)
        start, end = _offsets(entity.get("start_offset"), entity.get("end_offset"), number)
        yield start, end, str(entity.get("label"))


def _offsets(start: Any, end: Any, number: int) -> tuple[int, int]:
    if type(start) is not int or type(end) is not int:
        raise ImportFormatError(f"offsets must be whole numbers, got {start!r}, {end!r}", line=number)
    return start, end
