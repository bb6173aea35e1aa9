"""Prodigy / spaCy JSONL tasks: ``{"text", "spans": [{"start", "end", "label"}], "answer"}``.

Offsets are code points. Only accepted tasks are imported (``answer`` ``accept``, or no
answer); rejected and ignored ones are counted in a note. The annotator is ``_annotator_id``,
else ``_session_id``, else ``--annotator``. ``meta`` is kept; Prodigy's hashes go to ``meta``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span
from annotator.model.types import Annotation, Article


def read(path: Path, fields: FieldMap, notes: list[str], **_: object) -> Iterator[ArticleRecord]:
    skipped: dict[str, int] = {}
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                task = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ImportFormatError(f"invalid JSON ({error.msg})", line=number) from None
            if not isinstance(task, dict):
                raise ImportFormatError("expected a JSON object", line=number)
            answer = task.get("answer", "accept")
            if answer != "accept":
                skipped[str(answer)] = skipped.get(str(answer), 0) + 1
                continue
            original = task.get("text")
            if not isinstance(original, str) or not original:
                raise ImportFormatError("no 'text' field", line=number)
            shift = LineEndingShift(original)
            meta = dict(task.get("meta") or {})
            meta.update({k: task[k] for k in ("_input_hash", "_task_hash", "_view_id") if k in task})
            record = ArticleRecord(Article(text=shift.text, meta=meta), line=number)
            annotator = task.get("_annotator_id") or task.get("_session_id")
            for span in task.get("spans") or []:
                if not isinstance(span, dict) or not isinstance(span.get("label"), str):
                    raise ImportFormatError("each span needs start, end and label", line=number)
                start, end = span.get("start"), span.get("end")
                try:
                    if type(start) is not int or type(end) is not int:
                        raise InvalidSpan(f"offsets must be whole numbers, got {start!r}, {end!r}")
                    start, end = shift.map(start), shift.map(end)
                    check_span(shift.text, start, end)
                except InvalidSpan as error:
                    raise ImportFormatError(f"span {span.get('label')!r}: {error}", line=number) from None
                record.annotations.append(Annotation(start, end, span["label"], shift.text[start:end],
                                                     annotator=str(annotator) if annotator else None))
            yield record
    if skipped:
        notes.append(f"{path.name}: skipped " + ", ".join(f"{n} {answer}ed" if answer in ("reject", "ignore")
                                                           else f"{n} '{answer}'" for answer, n in skipped.items())
                     + " task(s)")
