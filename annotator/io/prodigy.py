"""Prodigy / spaCy JSONL tasks: ``{"text", "spans": [{"start", "end", "label"}], "answer"}``.

Offsets are code points. Only accepted tasks are imported (``answer`` ``accept``, or no
answer); rejected and ignored ones are counted in a note. The annotator is ``_annotator_id``,
else ``_session_id``, else ``--annotator``. ``meta`` is kept; Prodigy's hashes go to ``meta``.
Each line is a record: a bad one is skipped and reported with its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.io.guards import clip
from annotator.io.jsonio import json_lines
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, _optional_str, skip_or_raise
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span
from annotator.model.types import Annotation, Article


def read(path: Path, fields: FieldMap, notes: list[str], *, on_bad_record: BadRecords | None = None,
         **_: object) -> Iterator[ArticleRecord]:
    """One record per accepted task. With ``on_bad_record``, a bad line (not JSON, a wrong
    type, a bad span) is handed to it and skipped; without, it fails the file. A file that is
    not UTF-8, or of which no line is JSON, fails whole."""
    skipped: dict[str, int] = {}
    for number, task, size in json_lines(path, on_bad_record, what="Prodigy JSONL"):
        try:
            record = _record(task, number, skipped)
        except ImportFormatError as error:
            skip_or_raise(ImportFormatError(error.message, line=number), on_bad_record)
            continue
        if record is not None:
            record.source_bytes = size
            yield record
    if skipped:
        said = {"reject": "rejected", "ignore": "ignored"}
        notes.append(f"{path.name}: skipped " + ", ".join(f"{n} {said.get(answer, answer)}"
                                                           for answer, n in skipped.items()) + " task(s)")


def _record(task: Any, number: int, skipped: dict[str, int]) -> ArticleRecord | None:
    """The task's article and spans; None (counted in ``skipped``) when it was not accepted."""
    if not isinstance(task, dict):
        raise ImportFormatError(f"expected a JSON object, got {type(task).__name__}")
    answer = task.get("answer", "accept")
    if answer != "accept":
        key = answer if answer in ("reject", "ignore") else clip(answer)
        skipped[key] = skipped.get(key, 0) + 1
        return None
    original = task.get("text")
    if not isinstance(original, str) or not original:
        raise ImportFormatError("no 'text' field")
    shift = LineEndingShift(original)
    meta = task.get("meta") or {}
    if not isinstance(meta, dict):
        raise ImportFormatError(f"'meta' must be an object, got {clip(meta)}")
    meta = {**meta, **{k: task[k] for k in ("_input_hash", "_task_hash", "_view_id") if k in task}}
    record = ArticleRecord(Article(text=shift.text, meta=meta), line=number)
    annotator = _optional_str(task.get("_annotator_id") or task.get("_session_id"), "_annotator_id", number)
    spans = task.get("spans") or []
    if not isinstance(spans, list):
        raise ImportFormatError(f"'spans' must be a list, got {clip(spans)}")
    for span in spans:
        if not isinstance(span, dict) or not isinstance(span.get("label"), str):
            raise ImportFormatError("each span needs start, end and label")
        start, end = span.get("start"), span.get("end")
        try:
            if type(start) is not int or type(end) is not int:
                raise InvalidSpan(f"offsets must be whole numbers, got {clip(start)}, {clip(end)}")
            start, end = shift.map(start), shift.map(end)
            check_span(shift.text, start, end)
        except InvalidSpan as error:
            raise ImportFormatError(f"span {clip(span['label'])}: {error}") from None
        record.annotations.append(Annotation(start, end, span["label"], shift.text[start:end],
                                             annotator=annotator or None))
    return record
