"""Label Studio JSON: a list of tasks ``{"data": {"text"}, "annotations": [{"result": [...]}]}``.

Export writes the tasks file (``-o``) and, beside it, ``<name>.labeling-config.xml`` whose tag
names match the results: ``<Labels name="label" toName="text">`` for spans, one per-region
``<TextArea>`` per attribute and for the note, ``<Choices name="doc_label">`` for document
labels. One annotation block per annotator; offsets are code points, as current Label Studio
counts (``--offset-unit utf16`` for versions before its 2022 emoji fix).

Import takes ``labels`` results from annotations (not predictions), checks ``value.text``
against the text, and falls back to UTF-16 offsets when only they make the text match (older
exports), saying so in a note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from annotator.io.encoding import decode_bytes
from annotator.io.exporting import ExportSummary, offsets_in
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, OffsetMap, check_span
from annotator.model.types import Annotation, Article, Codebook, DocLabel

SPAN_TAG, TEXT_TAG, NOTE_TAG, DOC_TAG = "label", "text", "note", "doc_label"


def config_xml(codebook: Codebook) -> str:
    lines = ["<View>", f'  <Labels name="{SPAN_TAG}" toName="{TEXT_TAG}">']
    for label in codebook.labels:
        hotkey = f" hotkey={quoteattr(label.hotkey)}" if label.hotkey else ""
        background = quoteattr(label.color or "#999999")
        lines.append(f"    <Label value={quoteattr(label.name)} background={background}{hotkey}/>")
    lines += ["  </Labels>", f'  <Text name="{TEXT_TAG}" value="$text"/>']
    for attribute in codebook.attributes:
        lines.append(f"  <TextArea name={quoteattr('attr_' + attribute.name)} toName=\"{TEXT_TAG}\" perRegion=\"true\" "
                     f"editable=\"true\" maxSubmissions=\"1\" placeholder={quoteattr(attribute.name)}/>")
    lines.append(f'  <TextArea name="{NOTE_TAG}" toName="{TEXT_TAG}" perRegion="true" editable="true" '
                 'maxSubmissions="1"/>')
    if codebook.doc_labels:
        lines.append(f'  <Choices name="{DOC_TAG}" toName="{TEXT_TAG}" choice="multiple">')
        lines += [f"    <Choice value={quoteattr(label.name)}/>" for label in codebook.doc_labels]
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def write(records: Iterable[ArticleRecord], output: Path, *, codebook: Codebook,
          offset_unit: str = "codepoint", **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit=offset_unit)
    config = output.with_name(output.stem + ".labeling-config.xml")
    config.write_text(config_xml(codebook), encoding="utf-8")
    user_numbers: dict[str, int] = {}
    with open(output, "w", encoding="utf-8") as out:
        out.write("[")
        first = True
        for record in records:
            task = _task(record, offset_unit, user_numbers)
            summary.add_article(len(record.annotations))
            summary.spans += len(record.annotations)
            out.write(("\n" if first else ",\n") + json.dumps(task, ensure_ascii=False))
            first = False
        out.write("\n]\n")
    summary.files += [str(output), str(config)]
    return summary


def _task(record: ArticleRecord, offset_unit: str, user_numbers: dict[str, int]) -> dict[str, Any]:
    article = record.article
    convert = offsets_in(article.text, offset_unit)
    by_annotator: dict[str, dict[str, Any]] = {}

    def block(name: str | None, uuid: str | None) -> dict[str, Any]:
        key = name or ""
        if key not in by_annotator:
            number = user_numbers.setdefault(key, len(user_numbers) + 1)
            by_annotator[key] = {"id": len(by_annotator) + 1, "completed_by": number, "annotator": name,
                                 "annotator_id": uuid, "result": [], "was_cancelled": False}
        return by_annotator[key]

    for span in record.annotations:
        start, end = convert(span.start, span.end)
        region = {"start": start, "end": end, "text": span.text}
        results = block(span.annotator, span.annotator_uuid)["result"]
        region_id = span.uuid or f"r{len(results)}"
        results.append({"id": region_id, "from_name": SPAN_TAG, "to_name": TEXT_TAG, "type": "labels",
                        "origin": "manual", "value": {**region, "labels": [span.label]}})
        for attribute, value in sorted(span.attributes.items()):
            results.append({"id": region_id, "from_name": f"attr_{attribute}", "to_name": TEXT_TAG,
                            "type": "textarea", "value": {**region, "text": [value if isinstance(value, str)
                                                                               else json.dumps(value)]}})
        if span.note:
            results.append({"id": region_id, "from_name": NOTE_TAG, "to_name": TEXT_TAG, "type": "textarea",
                            "value": {**region, "text": [span.note]}})
    doc_labels: dict[str, list[str]] = {}
    for doc_label in record.doc_labels:
        block(doc_label.annotator, doc_label.annotator_uuid)
        doc_labels.setdefault(doc_label.annotator or "", []).append(doc_label.label)
    for name, labels in doc_labels.items():
        by_annotator[name]["result"].append({"id": f"doc-{name}", "from_name": DOC_TAG, "to_name": TEXT_TAG,
                                             "type": "choices", "value": {"choices": labels}})
    return {
        "id": article.id,
        "data": {"text": article.text, "title": article.title, "article_id": article.id,
                 "external_id": article.external_id, "url": article.url, "source": article.source,
                 "published": article.published, "language": article.language},
        "annotations": list(by_annotator.values()),
        "predictions": [],
        "meta": {"done_by": record.done_by},
    }


# -- import ----------------------------------------------------------------------------------


def read(path: Path, fields: FieldMap, notes: list[str], *, offset_unit: str | None = None) -> Iterator[ArticleRecord]:
    try:
        data = json.loads(decode_bytes(path.read_bytes()).text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"invalid JSON ({error.msg})", line=error.lineno) from None
    tasks = data if isinstance(data, list) else [data]
    for number, task in enumerate(tasks, start=1):
        try:
            yield _record(task, fields, notes, offset_unit, path.name, number)
        except ImportFormatError as error:
            raise ImportFormatError(f"task {number}: {error.message}") from None


def _record(task: Any, fields: FieldMap, notes: list[str], offset_unit: str | None, source: str,
            number: int) -> ArticleRecord:
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise ImportFormatError("a task needs a 'data' object")
    data = task["data"]
    original = data.get(fields.text) if fields.generic else data.get("text")
    if original is None:  # Label Studio names the field after the config's $variable
        original = next((v for v in data.values() if isinstance(v, str) and v.strip()), None)
    if not isinstance(original, str) or not original:
        raise ImportFormatError("no text in 'data'")
    shift = LineEndingShift(original)
    text = shift.text
    meta = {k: v for k, v in data.items() if k not in ("text", "title", "external_id", "url", "source",
                                                        "published", "language", "article_id")}
    article = Article(text=text, title=str(data.get("title") or ""),
                      external_id=str(data.get("external_id") or task.get("id") or "") or None,
                      url=data.get("url"), source=data.get("source"), published=data.get("published"),
                      language=data.get("language"), meta=meta)
    record = ArticleRecord(article)
    utf16 = OffsetMap(original)
    used_utf16 = False
    for annotation in task.get("annotations") or []:
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        annotator = annotation.get("annotator") or _user(annotation.get("completed_by"))
        annotator_id = annotation.get("annotator_id")
        regions: dict[str, Annotation] = {}
        for result in annotation.get("result") or []:
            if not isinstance(result, dict):
                continue
            value = result.get("value") or {}
            if result.get("type") == "labels" and "start" in value:
                start, end, was_utf16 = _locate(original, utf16, value, offset_unit)
                used_utf16 |= was_utf16
                for label in value.get("labels") or []:
                    span = Annotation(shift.map(start), shift.map(end), str(label), annotator=annotator,
                                      annotator_uuid=annotator_id, uuid=None, origin="imported")
                    span.text = text[span.start:span.end]
                    record.annotations.append(span)
                    regions.setdefault(str(result.get("id")), span)
            elif result.get("type") == "choices" and result.get("from_name") == DOC_TAG:
                for choice in value.get("choices") or []:
                    record.doc_labels.append(DocLabel(str(choice), annotator, annotator_id))
        for result in annotation.get("result") or []:  # per-region attributes and notes
            if isinstance(result, dict) and result.get("type") == "textarea" and str(result.get("id")) in regions:
                span = regions[str(result["id"])]
                texts = (result.get("value") or {}).get("text") or []
                joined = "\n".join(str(t) for t in texts)
                if result.get("from_name") == NOTE_TAG:
                    span.note = joined
                elif str(result.get("from_name", "")).startswith("attr_"):
                    span.attributes[str(result["from_name"])[5:]] = joined
    if task.get("predictions"):
        notes.append(f"{source}: task {number}: {len(task['predictions'])} prediction(s) skipped "
                     "(only annotations are imported)")
    done_by = (task.get("meta") or {}).get("done_by")
    if isinstance(done_by, list):
        record.done_by = [str(name) for name in done_by]
    if used_utf16:
        notes.append(f"{source}: task {number} counts offsets in UTF-16 units (an older Label Studio); converted")
    return record


def _locate(text: str, utf16: OffsetMap, value: dict[str, Any], unit: str | None) -> tuple[int, int, bool]:
    start, end, given = value.get("start"), value.get("end"), value.get("text")
    if type(start) is not int or type(end) is not int:
        raise ImportFormatError(f"region offsets must be whole numbers, got {start!r}, {end!r}")
    if unit in (None, "codepoint") and 0 <= start < end <= len(text) and (given is None or text[start:end] == given):
        return start, end, False
    if unit in (None, "utf16"):
        try:
            cp_start, cp_end = utf16.span_to_codepoint(start, end)
            if given is None or text[cp_start:cp_end] == given:
                return cp_start, cp_end, unit is None
        except InvalidSpan:
            pass
    if given is None:
        try:
            check_span(text, start, end)
        except InvalidSpan as error:
            raise ImportFormatError(str(error)) from None
    units = {None: "code points nor in UTF-16 units", "codepoint": "code points", "utf16": "UTF-16 units"}[unit]
    raise ImportFormatError(f"region [{start}, {end}) with text {given!r} matches the article neither in {units}"
                            if unit is None else f"region [{start}, {end}) with text {given!r} does not match the "
                            f"article in {units}")


def _user(completed_by: Any) -> str | None:
    if isinstance(completed_by, dict):
        return completed_by.get("email") or (f"labelstudio-user-{completed_by['id']}" if "id" in completed_by else None)
    if completed_by is None:
        return None
    return f"labelstudio-user-{completed_by}"
