"""Label Studio JSON: a list of tasks ``{"data": {"text"}, "annotations": [{"result": [...]}]}``.

Export writes the tasks file (``-o``) and, beside it, ``<name>.labeling-config.xml`` whose tag
names match the results: ``<Labels name="label" toName="text">`` for spans, one per-region
``<TextArea>`` per attribute and for the note, ``<Choices name="doc_label">`` for document
labels. One annotation block per annotator; offsets are code points, as current Label Studio
counts (``--offset-unit utf16`` for versions before its 2022 emoji fix).

Import takes ``labels`` results from annotations (not predictions), checks ``value.text``
against the text, and falls back to UTF-16 offsets when only they make the text match (older
exports), saying so in a note. Each task is a record: a bad one is skipped and reported with its
number and the line and column where it starts (``io.records.skip_or_raise``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.io.encoding import decode_bytes
from annotator.io.exporting import (
    ANNOTATOR,
    ANNOTATOR_UUID,
    ATTRIBUTES,
    END,
    LABEL,
    NOTE,
    OFFSET_UNITS,
    SPAN_ID,
    START,
    TEXT,
    ExportItem,
    ExportSummary,
    QuotedJson,
    SpanRow,
    attribute_items,
    export_items,
    has_astral_utf8,
    offsets_in,
    quote_json,
    utf16_positions,
)
from annotator.io.guards import clip
from annotator.io.jsonio import list_items, parse
from annotator.io.jsonl import quote_utf8
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, _optional_str, skip_or_raise
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, OffsetMap, check_span
from annotator.model.types import Annotation, Article, Codebook, DocLabel

SPAN_TAG, TEXT_TAG, NOTE_TAG, DOC_TAG = "label", "text", "note", "doc_label"


def config_xml(codebook: Codebook) -> str:
    # Imported here: xml.sax.saxutils loads urllib.request and http.client, about 20 ms of every
    # start of the window, which never writes a Label Studio config before an export.
    from xml.sax.saxutils import quoteattr

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


def write(records: Iterable[ArticleRecord | ExportItem], output: Path, *, codebook: Codebook,
          offset_unit: str = "codepoint", **_: object) -> ExportSummary:
    """The tasks file and its labeling config (see the module's notes); ``records`` may also
    be ``ExportItem`` tuples, as the project's export reads them."""
    summary = ExportSummary(offset_unit=offset_unit)
    if offset_unit not in OFFSET_UNITS:
        raise ValueError(f"unknown offset unit {offset_unit!r}; use one of {', '.join(OFFSET_UNITS)}")
    config = output.with_name(output.stem + ".labeling-config.xml")
    config.write_text(config_xml(codebook), encoding="utf-8")
    user_numbers: dict[str, int] = {}
    quoted = QuotedJson()
    newline = os.linesep.encode()  # the line breaks of a file opened with open(output, "w")
    with open(output, "wb") as out:
        out.write(b"[")
        separator = newline
        for article, rows, doc_labels, done_by in export_items(records):
            summary.add_article(len(rows))
            summary.spans += len(rows)
            # json.dumps(_task(record)) with the article's texts quoted from their UTF-8 bytes as
            # they were read (the text is the longest value by far: much faster than the json
            # module), the results written from templates (``_annotations``), all joined.
            article_id, external_id, title, text, url, source, published, language = article[:8]
            number = _encode(article_id).encode()
            out.write(b"".join((
                separator, b'{"id": ', number, b', "data": {"text": ', quote_utf8(text), b', "title": ',
                quote_utf8(title), b', "article_id": ', number, b', "external_id": ', quote_utf8(external_id),
                b', "url": ', quote_utf8(url), b', "source": ', quote_utf8(source), b', "published": ',
                quote_utf8(published), b', "language": ', quote_utf8(language), b'}, "annotations": ',
                _annotations(text, rows, doc_labels, offset_unit, user_numbers, quoted).encode(),
                b', "predictions": [], "meta": {"done_by": ', _encode(done_by).encode(), b"}}")))
            separator = b"," + newline
        out.write(newline + b"]" + newline)
    summary.files += [str(output), str(config)]
    return summary


def _annotations(text: bytes, rows: list[SpanRow], doc_labels: list[tuple[str, str | None, str | None]],
                 offset_unit: str, user_numbers: dict[str, int], quoted: QuotedJson) -> str:
    """A task's ``annotations`` (``text``: the article's, as UTF-8): one block per annotator, as
    ``json.dumps`` writes ``_task(record, offset_unit, user_numbers)["annotations"]`` (a test
    compares the two), from templates filled with values quoted once (names, labels) or by the
    json module's C quoting."""
    utf16 = utf16_positions(text.decode(), [row[START] for row in rows] + [row[END] for row in rows]) \
        if offset_unit == "utf16" and rows and has_astral_utf8(text) else None
    blocks: dict[str, tuple[str, list[str]]] = {}  # annotator -> (the block's start, its results)

    def block(name: str | None, uuid: str | None) -> list[str]:
        key = name or ""
        if key not in blocks:
            number = user_numbers.setdefault(key, len(user_numbers) + 1)
            blocks[key] = (f'{{"id": {len(blocks) + 1}, "completed_by": {number}, "annotator": {quoted[name]}, '
                           f'"annotator_id": {quoted[uuid]}, "result": [', [])
        return blocks[key][1]

    for row in rows:
        name = row[ANNOTATOR]
        results = blocks[name][1] if name and name in blocks else block(name, row[ANNOTATOR_UUID])
        start, end = (row[START], row[END]) if utf16 is None else (utf16[row[START]], utf16[row[END]])
        region = f'"value": {{"start": {start}, "end": {end}, "text": '
        region_id = _quote(row[SPAN_ID] or f"r{len(results)}")
        covered = _quote(row[TEXT]) if type(row[TEXT]) is str else quoted[row[TEXT]]
        results.append(f'{{"id": {region_id}{_LABELS}{region}{covered}, "labels": [{quoted[row[LABEL]]}]}}}}')
        if row[ATTRIBUTES]:
            for attribute, value in attribute_items(row[ATTRIBUTES]):
                results.append(f'{{"id": {region_id}, "from_name": {quoted["attr_" + attribute]}{_TEXTAREA}{region}'
                               f'[{_quote(value if isinstance(value, str) else json.dumps(value))}]}}}}')
        if row[NOTE]:
            results.append(f'{{"id": {region_id}{_NOTE}{region}[{_quote(row[NOTE])}]}}}}')
    labels_of: dict[str, list[str]] = {}
    for label, name, uuid in doc_labels:
        block(name, uuid)
        labels_of.setdefault(name or "", []).append(label)
    for name, labels in labels_of.items():
        blocks[name][1].append(f'{{"id": {_quote("doc-" + name)}{_CHOICES}{_encode(labels)}}}}}')
    return "[" + ", ".join([start + ", ".join(results) + '], "was_cancelled": false}'
                            for start, results in blocks.values()]) + "]"


_quote = quote_json
_LABELS = f', "from_name": {_quote(SPAN_TAG)}, "to_name": {_quote(TEXT_TAG)}, "type": "labels", "origin": "manual", '
_TEXTAREA = f', "to_name": {_quote(TEXT_TAG)}, "type": "textarea", '
_NOTE = f', "from_name": {_quote(NOTE_TAG)}{_TEXTAREA}'
_CHOICES = f', "from_name": {_quote(DOC_TAG)}, "to_name": {_quote(TEXT_TAG)}, "type": "choices", "value": {{"choices": '


def _task(record: ArticleRecord, offset_unit: str, user_numbers: dict[str, int]) -> dict[str, Any]:
    """The task of one record as a dict (the plain way; ``write`` writes the same JSON faster)."""
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


_encode = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)`` without building an encoder on every call."""


# -- import ----------------------------------------------------------------------------------


def read(path: Path, fields: FieldMap, notes: list[str], *, offset_unit: str | None = None,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """One record per task. With ``on_bad_record``, a bad task (a wrong type, a region that
    does not match the text) is handed to it with its number and the line and column where it
    starts, and skipped; without, it fails the file. A file that is not JSON fails whole."""
    text = decode_bytes(path.read_bytes()).text
    listed = list_items(text)
    tasks = listed if listed is not None else [(parse(text), None, None)]
    for number, (task, line, column) in enumerate(tasks, start=1):
        try:
            record = _record(task, fields, notes, offset_unit, path.name, number)
        except ImportFormatError as error:
            skip_or_raise(ImportFormatError(f"task {number}: {error.message}", line=line, column=column),
                          on_bad_record)
            continue
        record.line = line
        yield record


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

    def optional(name: str) -> str | None:
        return _optional_str(data.get(name), name, None)

    external_id = optional("external_id") or _optional_str(task.get("id"), "id", None)
    article = Article(text=text, title=optional("title") or "", external_id=external_id or None,
                      url=optional("url"), source=optional("source"), published=optional("published"),
                      language=optional("language"), meta=meta)
    record = ArticleRecord(article)
    utf16 = OffsetMap(original)
    used_utf16 = False
    for annotation in _list(task, "annotations"):
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        annotator = _optional_str(annotation.get("annotator"), "annotator", None) or \
            _user(annotation.get("completed_by"))
        annotator_id = _optional_str(annotation.get("annotator_id"), "annotator_id", None)
        results = [result for result in _list(annotation, "result") if isinstance(result, dict)]
        regions: dict[str, Annotation] = {}
        for result in results:
            value = _value(result)
            if result.get("type") == "labels" and "start" in value:
                start, end, was_utf16 = _locate(original, utf16, value, offset_unit)
                start, end = _mapped(shift, start, end)
                used_utf16 |= was_utf16
                for label in _list(value, "labels"):
                    if not isinstance(label, str):
                        raise ImportFormatError(f"a region's labels must be strings, got {clip(label)}")
                    span = Annotation(start, end, label, text[start:end], annotator=annotator,
                                      annotator_uuid=annotator_id, uuid=None, origin="imported")
                    record.annotations.append(span)
                    regions.setdefault(str(result.get("id")), span)
            elif result.get("type") == "choices" and result.get("from_name") == DOC_TAG:
                for choice in _list(value, "choices"):
                    if not isinstance(choice, str):
                        raise ImportFormatError(f"choices must be strings, got {clip(choice)}")
                    record.doc_labels.append(DocLabel(choice, annotator, annotator_id))
        for result in results:  # per-region attributes and notes
            if result.get("type") == "textarea" and str(result.get("id")) in regions:
                span = regions[str(result["id"])]
                joined = "\n".join(str(t) for t in _list(_value(result), "text") if isinstance(t, (str, int, float)))
                from_name = result.get("from_name")
                if from_name == NOTE_TAG:
                    span.note = joined
                elif isinstance(from_name, str) and from_name.startswith("attr_"):
                    span.attributes[from_name[5:]] = joined
    predictions = task.get("predictions")
    if isinstance(predictions, list) and predictions:
        notes.append(f"{source}: task {number}: {len(predictions)} prediction(s) skipped "
                     "(only annotations are imported)")
    task_meta = task.get("meta")
    done_by = task_meta.get("done_by") if isinstance(task_meta, dict) else None
    if isinstance(done_by, list):
        record.done_by = [name for name in done_by if isinstance(name, str) and name]
    if used_utf16:
        notes.append(f"{source}: task {number} counts offsets in UTF-16 units (an older Label Studio); converted")
    return record


def _list(holder: dict[str, Any], key: str) -> list[Any]:
    """``holder[key]``: a list, or nothing when it is missing or null."""
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFormatError(f"{key!r} must be a list, got {clip(value)}")
    return value


def _value(result: dict[str, Any]) -> dict[str, Any]:
    value = result.get("value") or {}
    if not isinstance(value, dict):
        raise ImportFormatError(f"a result's 'value' must be an object, got {clip(value)}")
    return value


def _mapped(shift: LineEndingShift, start: int, end: int) -> tuple[int, int]:
    try:
        return shift.map(start), shift.map(end)
    except InvalidSpan as error:
        raise ImportFormatError(str(error)) from None


def _locate(text: str, utf16: OffsetMap, value: dict[str, Any], unit: str | None) -> tuple[int, int, bool]:
    start, end, given = value.get("start"), value.get("end"), value.get("text")
    if type(start) is not int or type(end) is not int:
        raise ImportFormatError(f"region offsets must be whole numbers, got {clip(start)}, {clip(end)}")
    if given is not None and not isinstance(given, str):
        raise ImportFormatError(f"a region's 'text' must be a string, got {clip(given)}")
    if unit in (None, "codepoint") and 0 <= start < end <= len(text) and (given is None or text[start:end] == given):
        return start, end, False
    if unit in (None, "utf16"):
        try:
            cp_start, cp_end = utf16.span_to_codepoint(start, end)
            check_span(text, cp_start, cp_end, given)
            return cp_start, cp_end, unit is None
        except InvalidSpan:
            pass
    if given is None:
        try:
            check_span(text, start, end)
        except InvalidSpan as error:
            raise ImportFormatError(str(error)) from None
    units = {None: "code points nor in UTF-16 units", "codepoint": "code points", "utf16": "UTF-16 units"}[unit]
    raise ImportFormatError(f"region [{start}, {end}) with text {clip(given)} matches the article neither in {units}"
                            if unit is None else f"region [{start}, {end}) with text {clip(given)} does not match "
                            f"the article in {units}")


def _user(completed_by: Any) -> str | None:
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    if completed_by is None or completed_by == "":
        return None
    if isinstance(completed_by, (str, int)) and not isinstance(completed_by, bool):
        return f"labelstudio-user-{completed_by}"
    raise ImportFormatError(f"'completed_by' must be a user id or object, got {clip(completed_by)}")
