"""doccano sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``.

doccano counts offsets in UTF-16 code units (JavaScript string positions, doccano issue
#2290), so that is the default unit both ways; ``--offset-unit codepoint`` overrides it.
Export writes one line per article and annotator, with ``annotator`` and ``annotator_id`` as
extra fields (doccano keeps unknown fields as metadata). Import also reads the relation
project shape (``entities`` with ``start_offset`` / ``end_offset``); relations are skipped.
Each line (or list item) is a record: a bad one is skipped and reported with its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.io.exporting import (
    ANNOTATOR_UUID,
    END,
    LABEL,
    OFFSET_UNITS,
    START,
    ExportItem,
    ExportSummary,
    QuotedJson,
    export_items,
    has_astral_utf8,
    layers,
    offsets_from,
    utf16_positions,
)
from annotator.io.guards import clip
from annotator.io.jsonio import json_lines, read_document, starts_a_list
from annotator.io.jsonl import quote_utf8
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, _optional_str, skip_or_raise
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span
from annotator.model.types import Annotation, Article

DEFAULT_UNIT = "utf16"


def write(records: Iterable[ArticleRecord | ExportItem], output: Path, *, offset_unit: str = DEFAULT_UNIT,
          **_: object) -> ExportSummary:
    """One line per article and annotator (see the module's notes); ``records`` may also be
    ``ExportItem`` tuples, as the project's export reads them."""
    summary = ExportSummary(offset_unit=offset_unit)
    if offset_unit not in OFFSET_UNITS:
        raise ValueError(f"unknown offset unit {offset_unit!r}; use one of {', '.join(OFFSET_UNITS)}")
    quoted = QuotedJson()  # label and annotator names, ids: quoted once per export
    with open(output, "wb") as out:
        for article, rows, _doc_labels, done_by in export_items(records):
            by_annotator = layers(done_by, rows)
            summary.add_article(len(rows), written=bool(by_annotator))
            if not by_annotator:
                continue
            article_id, external_id, title, text = article[:4]
            utf16 = utf16_positions(text.decode(), [row[START] for row in rows] + [row[END] for row in rows]) \
                if offset_unit == "utf16" and rows and has_astral_utf8(text) else None
            # Each line is json.dumps of {"id", "text", "label", "annotator", "annotator_id",
            # "article_id", "external_id", "title", "Comments"}: the text, the same on each of the
            # article's lines, is quoted once from its UTF-8 bytes as they were read (much faster
            # than the json module for long texts), and the rest joined to it from parts quoted once.
            number = _encode(article_id).encode()
            head = b'{"id": ' + number + b', "text": ' + quote_utf8(text) + b', "label": ['
            tail = b"".join((b', "article_id": ', number, b', "external_id": ', quote_utf8(external_id),
                             b', "title": ', quote_utf8(title), b', "Comments": []}\n'))
            lines: list[bytes] = []
            for name, spans in by_annotator.items():
                if utf16 is None:
                    labels = ", ".join([f"[{row[START]}, {row[END]}, {quoted[row[LABEL]]}]" for row in spans])
                else:
                    labels = ", ".join([f"[{utf16[row[START]]}, {utf16[row[END]]}, {quoted[row[LABEL]]}]"
                                        for row in spans])
                annotator_id = spans[-1][ANNOTATOR_UUID] if spans else None
                lines += (head, f'{labels}], "annotator": {quoted[name]}, "annotator_id": {quoted[annotator_id]}'
                          .encode(), tail)
                summary.spans += len(spans)
            out.write(b"".join(lines))
    summary.files.append(str(output))
    return summary


_encode = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)`` without building an encoder on every call."""


def read(path: Path, fields: FieldMap, notes: list[str], *, offset_unit: str | None = None,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """One record per JSONL line (or item of a JSON list). With ``on_bad_record``, a bad line
    or item (a wrong type, a bad span) is handed to it and skipped; without, it fails the file.
    A file that is not UTF-8 or not JSON at all fails whole."""
    unit = offset_unit or DEFAULT_UNIT
    relations = 0
    listed = starts_a_list(path)
    if listed:  # a JSON list of the same objects
        items: Iterable[tuple[int | None, int | None, Any, int]] = (
            (line, column, item, 0) for item, line, column in read_document(path, "doccano"))
    else:
        items = ((number, None, item, size) for number, item, size in json_lines(path, on_bad_record, what="doccano"))
    for index, (line, column, item, size) in enumerate(items, start=1):
        try:
            record, item_relations = _record(item, fields, unit, line)
        except ImportFormatError as error:
            reason = f"item {index}: {error.message}" if listed else error.message
            skip_or_raise(ImportFormatError(reason, line=line, column=column), on_bad_record)
            continue
        relations += item_relations
        record.source_bytes = size
        yield record
    if relations:
        notes.append(f"{path.name}: skipped {relations} relations (not supported)")


def _record(item: Any, fields: FieldMap, unit: str, line: int | None) -> tuple[ArticleRecord, int]:
    """One article and its spans, and how many relations it had (skipped)."""
    if not isinstance(item, dict):
        raise ImportFormatError(f"expected a JSON object, got {type(item).__name__}")
    original = item.get(fields.text if fields.generic else "text")
    if not isinstance(original, str) or not original:
        raise ImportFormatError("no 'text' field")
    shift = LineEndingShift(original)
    convert = offsets_from(original, unit)
    meta = {k: v for k, v in item.items() if k not in ("text", "label", "labels", "entities", "relations",
                                                       "annotator", "annotator_id", "title", "external_id",
                                                       "article_id", "id", "Comments")}
    title = _optional_str(item.get("title"), "title", line) or ""
    external_id = _optional_str(item.get("external_id"), "external_id", line) or \
        _optional_str(item.get("id"), "id", line)
    article = Article(text=shift.text, title=title, external_id=external_id or None, meta=meta)
    record = ArticleRecord(article, line=line)
    annotator = _optional_str(item.get("annotator") or item.get("user"), "annotator", line)
    annotator_id = _optional_str(item.get("annotator_id"), "annotator_id", line)
    for start, end, label in _spans(item):
        try:
            cp_start, cp_end = convert(start, end)
            cp_start, cp_end = shift.map(cp_start), shift.map(cp_end)
            check_span(shift.text, cp_start, cp_end)
        except InvalidSpan as error:
            raise ImportFormatError(f"span {clip([start, end, label])} ({unit} offsets): {error}") from None
        record.annotations.append(Annotation(cp_start, cp_end, label, shift.text[cp_start:cp_end],
                                             annotator=annotator or None, annotator_uuid=annotator_id))
    relations = item.get("relations") or []
    if not isinstance(relations, list):
        raise ImportFormatError("'relations' must be a list")
    return record, len(relations)


def _spans(item: dict[str, Any]) -> Iterator[tuple[int, int, str]]:
    labels = item.get("label", item.get("labels"))
    if labels is not None:
        if not isinstance(labels, list):
            raise ImportFormatError("'label' must be a list of [start, end, label]")
        for entry in labels:
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str)):
                raise ImportFormatError(f"{clip(entry)} is not [start, end, label]")
            start, end = _offsets(entry[0], entry[1])
            yield start, end, entry[2]
    entities = item.get("entities") or []
    if not isinstance(entities, list):
        raise ImportFormatError("'entities' must be a list of objects")
    for entity in entities:
        if not isinstance(entity, dict):
            raise ImportFormatError("each entity must be an object")
        label = entity.get("label")
        if isinstance(label, int) and not isinstance(label, bool):
            label = str(label)
        if not isinstance(label, str):
            raise ImportFormatError(f"an entity's label must be a string, got {clip(label)}")
        start, end = _offsets(entity.get("start_offset"), entity.get("end_offset"))
        yield start, end, label


def _offsets(start: Any, end: Any) -> tuple[int, int]:
    if type(start) is not int or type(end) is not int:
        raise ImportFormatError(f"offsets must be whole numbers, got {clip(start)}, {clip(end)}")
    return start, end
