"""One article with its annotations, as importers yield it and exporters take it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from annotator.io.guards import clip
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span, normalise_line_endings
from annotator.model.types import ORIGINS, Annotation, Article, DocLabel, text_hash


@dataclass
class ArticleRecord:
    article: Article
    annotations: list[Annotation] = field(default_factory=list)
    doc_labels: list[DocLabel] = field(default_factory=list)
    done_by: list[str] = field(default_factory=list)
    line: int | None = None
    source_bytes: int = 0  # bytes of the input this record came from, for progress
    annotator_hint: str | None = None  # whose spans these are when neither file nor user says (brat folders)
    annotations_json: list[str] | None = None  # spans as JSONL objects, when read raw (native export)
    span_rows: list[tuple[Any, ...]] | None = None  # spans as plain rows, when read raw (CSV export)
    checked_utf8: tuple[str, bytes] | None = None
    """The article text and its UTF-8 bytes, as ``guards.check_record`` encoded them to check
    the text: ``text_hash`` and ``stored_text`` use those bytes rather than encoding the text
    again, while the article has that text."""

    def stored_text(self) -> str | bytes:
        """The article's text as the store takes it (``Store.add_articles``' ``texts``): its
        UTF-8 bytes when ``check_record`` made them of the text the article has, else the text."""
        checked = self.checked_utf8
        return checked[1] if checked is not None and checked[0] is self.article.text else self.article.text

    def text_hash(self) -> str:
        """``model.types.text_hash`` of the article's text, from its checked UTF-8 bytes when it
        has them (the same bytes: a text that encodes has no lone surrogate for
        ``surrogatepass`` to let through)."""
        text = self.stored_text()
        return hashlib.sha256(text).hexdigest() if isinstance(text, bytes) else text_hash(text)


@dataclass(frozen=True)
class FieldMap:
    """Which fields of someone else's JSON/CSV dump hold the text, title and id.

    ``generic`` is True when the user named any field: then the record is a plain dump whose
    other fields go to the article's ``meta``, not our native schema.
    """

    text: str = "text"
    title: str = "title"
    id: str = "id"
    generic: bool = False


BadRecords = Callable[[ImportFormatError], None]
"""Where a reader of a format with records (JSONL, JSON lists, CSV) reports a record it skips,
with its line, column (where known) and reason. Given none, the reader raises instead and the
whole file fails, as every reader does for a file it cannot parse at all."""


def skip_or_raise(error: ImportFormatError, on_bad_record: BadRecords | None) -> None:
    """A bad record: hand it to ``on_bad_record`` (the reader then goes on), or with none, fail
    the whole file with it."""
    if on_bad_record is None:
        raise error
    on_bad_record(error)


def json_error_reason(error: json.JSONDecodeError, *, line: int | None = None) -> str:
    """The decoder's whole message, e.g. ``invalid JSON: Expecting ',' delimiter``; one that
    points at a place (``Invalid control character at``) gets it: ``… at line 5 column 12``.
    ``line``: the file's line, when the decoder read that line alone (JSONL)."""
    message = error.msg
    if message.endswith(" at"):
        message += f" line {line or error.lineno} column {error.colno}"
    return f"invalid JSON: {message}"


ARTICLE_FIELDS = ("id", "title", "text", "url", "source", "published", "language", "meta")
NATIVE_FIELDS = (*ARTICLE_FIELDS, "annotations", "doc_labels", "done_by")
_NATIVE_KEYS = frozenset(NATIVE_FIELDS)


def record_from_mapping(data: Any, fields: FieldMap, *, line: int | None) -> ArticleRecord:
    """Build a record from one JSON object or CSV row.

    Native records (see README "JSONL format") carry annotations; with a ``FieldMap`` that
    names fields, the object is a plain dump: text, title and id come from the named fields
    and every other field is kept in ``meta``.

    Raises:
        ImportFormatError: with ``line``; for a missing text, wrong types, or a span that is
            outside the text or whose ``text`` differs from the article at its offsets.
    """
    if not isinstance(data, dict):
        raise ImportFormatError(f"expected a JSON object, got {type(data).__name__}", line=line)
    if fields.generic:
        return _generic_record(data, fields, line)
    return _native_record(data, line)


def _generic_record(data: dict[str, Any], fields: FieldMap, line: int | None) -> ArticleRecord:
    text = data.get(fields.text)
    if not isinstance(text, str) or not text:
        raise ImportFormatError(f"no text in field {fields.text!r}", line=line)
    used = {fields.text, fields.title, fields.id}
    article = Article(
        text=LineEndingShift(text).text,
        title=_optional_str(data.get(fields.title), fields.title, line) or "",
        external_id=_id_str(data.get(fields.id)),
        meta={k: v for k, v in data.items() if k not in used},
    )
    return ArticleRecord(article, line=line)


def _native_record(data: dict[str, Any], line: int | None) -> ArticleRecord:
    original = data.get("text")
    if not isinstance(original, str) or not original:
        raise ImportFormatError(
            "no 'text' field (or it is empty); for other people's dumps name the field with "
            "--text-field",
            line=line,
        )
    shift = LineEndingShift(original)
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise ImportFormatError("'meta' must be an object", line=line)
    extra = None if data.keys() <= _NATIVE_KEYS else {k: v for k, v in data.items() if k not in _NATIVE_KEYS}
    get = data.get
    strings = [get("title"), get("source"), get("url"), get("published"), get("language")]
    if not _TEXT_OR_NONE.issuperset(map(type, strings)):
        if strings[4] is not None and not isinstance(strings[4], str):  # 12 is no language, "12" neither
            raise ImportFormatError(f"'language' must be a language code as text (ISO 639-1, e.g. \"id\"), "
                                    f"got {clip(strings[4])}", line=line)
        strings = _strings(data, _ARTICLE_STRINGS, line)
    title, source, url, published, language = strings
    article = Article(shift.text, title or "", _id_str(get("id")), source, url, published, language,
                      {**extra, **meta} if extra else meta)
    record = ArticleRecord(article, [_annotation(item, number, shift, line)
                                     for number, item in enumerate(_list(data, "annotations", line), start=1)],
                           [], [], line)
    for item in _list(data, "doc_labels", line):
        if isinstance(item, str):
            item = {"label": item}
        if not isinstance(item, dict) or not isinstance(item.get("label"), str) or not item["label"]:
            raise ImportFormatError("each doc_labels entry needs a 'label'", line=line)
        record.doc_labels.append(
            DocLabel(
                item["label"],
                _optional_str(item.get("annotator"), "annotator", line),
                _optional_str(item.get("annotator_id"), "annotator_id", line),
            )
        )
    for name in _list(data, "done_by", line):
        if not isinstance(name, str) or not name:
            raise ImportFormatError("'done_by' must list annotator names", line=line)
        record.done_by.append(name)
    return record


def _annotation(item: Any, number: int, shift: LineEndingShift, line: int | None) -> Annotation:
    if not isinstance(item, dict):
        raise ImportFormatError(f"annotation {number} is not an object", line=line)
    get = item.get
    label = get("label")
    if not isinstance(label, str) or not (name := label.strip()):
        if label is not None and not isinstance(label, str):
            raise ImportFormatError(f"annotation {number}: 'label' must be text, got {clip(label)}", line=line)
        raise ImportFormatError(f"annotation {number} has no label", line=line)
    start, end, covered = get("start"), get("end"), get("text")
    text = shift.text
    if (type(start) is int and type(end) is int and type(covered) is str and 0 <= start < end <= len(text)
            and len(covered) == end - start and text.startswith(covered, start) and not shift.changed):
        pass  # the usual span: inside the text and covering what the file says it covers
    else:
        try:
            if type(start) is not int or type(end) is not int:
                raise InvalidSpan(f"offsets must be whole numbers, got start={clip(start)} end={clip(end)}")
            if covered is not None and not isinstance(covered, str):
                raise InvalidSpan("'text' must be a string")
            if shift.changed:  # CR LF pairs before a span move it
                start, end = shift.map(start), shift.map(end)
            if covered is not None and "\r" in covered:  # its line endings as the stored text's
                covered = normalise_line_endings(covered)
            check_span(text, start, end, covered)
        except InvalidSpan as error:
            raise ImportFormatError(f"annotation {number} ({label}): {error}", line=line) from None
        covered = text[start:end]
    attributes = get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ImportFormatError(f"annotation {number}: 'attributes' must be an object", line=line)
    origin = get("origin") or "imported"
    if origin not in ORIGINS:
        raise ImportFormatError(f"annotation {number}: origin must be one of {', '.join(ORIGINS)}", line=line)
    strings = [get("annotator"), get("annotator_id"), get("note"), get("id"), get("created"), get("updated"),
               get("reviewer")]  # the keys of _SPAN_STRINGS
    if not _TEXT_OR_NONE.issuperset(map(type, strings)):
        strings = _strings(item, _SPAN_STRINGS, line)
    annotator, annotator_uuid, note, span_uuid, created, updated, reviewer = strings
    for stamp, key in ((created, "created"), (updated, "updated")):
        if stamp is not None and not _is_time_stamp(stamp):  # team sync orders versions by them
            raise ImportFormatError(f"annotation {number}: '{key}' must be a date and time (ISO 8601, as "
                                    f"2024-05-14T09:30:00Z), got {clip(stamp)}", line=line)
    # Positional: a million spans are built per large import, and keywords cost twice the time.
    return Annotation(start, end, name, covered, annotator, annotator_uuid, attributes, note or "",
                      origin, span_uuid, created, updated, None, reviewer)


def _is_time_stamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _strings(data: dict[str, Any], fields: dict[str, str], line: int | None) -> list[str | None]:
    """``_optional_str`` of each field (key: name in messages), in order; the usual text or None
    is taken as it is, without a call per field."""
    values = [data.get(key) for key in fields]
    if _TEXT_OR_NONE.issuperset(map(type, values)):
        return values
    return [_optional_str(value, what, line) for value, what in zip(values, fields.values(), strict=True)]


_ARTICLE_STRINGS = {"title": "title", "source": "source", "url": "url", "published": "published",
                    "language": "language"}
_SPAN_STRINGS = {"annotator": "annotator", "annotator_id": "annotator_id", "note": "note", "id": "annotation id",
                 "created": "created", "updated": "updated", "reviewer": "reviewer"}
"""A span's optional text fields, in the order they are checked: key, and its name in messages."""
_TEXT_OR_NONE = frozenset({str, type(None)})


def _list(data: dict[str, Any], key: str, line: int | None) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFormatError(f"{key!r} must be a list", line=line)
    return value


def _optional_str(value: Any, name: str, line: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ImportFormatError(f"{name!r} must be a string", line=line)
    return value


def _id_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
