"""Native JSONL: one article per line, the same shape imported and exported (README "JSONL
format"). Reading and writing both stream, one line at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from annotator.io.jsonio import json_lines
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, record_from_mapping, skip_or_raise
from annotator.model.errors import ImportFormatError
from annotator.model.types import DocLabel

# Keys by which other tools' JSONL gives itself away; read natively, their spans would only
# land in ``meta``, so the user is told which --format reads them.
FOREIGN_SHAPES = (("label", "doccano"), ("labels", "doccano"), ("entities", "doccano"),
                  ("spans", "prodigy"), ("data", "labelstudio"))
_FOREIGN_KEYS = frozenset(key for key, _ in FOREIGN_SHAPES)


def read(path: Path, fields: FieldMap, notes: list[str], *,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """The file's records, line by line.

    With ``on_bad_record``, a line that is not JSON or not a valid record is handed to it and
    skipped; without, it fails the file. Either way a file that is not UTF-8, or of which no
    line is JSON at all (binary junk, another format), fails whole (``jsonio.json_lines``).
    """
    hinted = False
    for number, data, size in json_lines(path, on_bad_record):
        if not hinted and isinstance(data, dict) and not fields.generic and not _FOREIGN_KEYS.isdisjoint(data):
            for key, tool in FOREIGN_SHAPES:
                if isinstance(data.get(key), (list, dict)) and "annotations" not in data:
                    notes.append(f"{path.name}: line {number} has {key!r} like {tool}'s files; its spans are "
                                 f"kept in meta only. Import with --format {tool} to get them as spans")
                    hinted = True
                    break
        if isinstance(data, dict) and "text" not in data and isinstance(data.get("data"), dict):
            raise ImportFormatError("this looks like a Label Studio task; import it with --format labelstudio",
                                    line=number)
        try:
            record = record_from_mapping(data, fields, line=number)
        except ImportFormatError as error:
            skip_or_raise(error, on_bad_record)
            continue
        record.source_bytes = size
        yield record


def record_to_dict(record: ArticleRecord) -> dict[str, Any]:
    """The JSONL object of one article; every key is always present for a stable schema."""
    article = record.article
    return {
        "id": article.external_id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "source": article.source,
        "published": article.published,
        "language": article.language,
        "meta": article.meta,
        "annotations": [
            {
                "id": a.uuid,
                "start": a.start,
                "end": a.end,
                "label": a.label,
                "text": a.text,
                "annotator": a.annotator,
                "annotator_id": a.annotator_uuid,
                "attributes": a.attributes,
                "note": a.note,
                "origin": a.origin,
                "created": a.created,
                "updated": a.updated,
                "reviewer": a.reviewer,
            }
            for a in record.annotations
        ],
        "doc_labels": [
            {"label": d.label, "annotator": d.annotator, "annotator_id": d.annotator_uuid}
            for d in record.doc_labels
        ],
        "done_by": list(record.done_by),
    }


_encode = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)`` without building an encoder on every call."""


def record_line(record: ArticleRecord) -> str:
    """One JSONL line, the same text as ``json.dumps(record_to_dict(record), ensure_ascii=False)``.

    Spans already serialised by SQLite (``annotations_json``) go in as they are: the line is
    assembled key by key, each value encoded on its own and the ``annotations`` array joined
    from those strings, so no article text, title or meta can be mistaken for the array.
    """
    if record.annotations_json is None:
        return _encode(record_to_dict(record)) + "\n"
    data = record_to_dict(ArticleRecord(record.article, [], record.doc_labels, record.done_by))
    parts: list[str] = []
    for key, value in data.items():
        parts.append(", " if parts else "{")
        parts.append(_encode(key))
        if key == "annotations":
            parts += (": [", ", ".join(record.annotations_json), "]")
        else:
            parts += (": ", _encode(value))
    parts.append("}\n")
    return "".join(parts)


# What ``json.dumps(text, ensure_ascii=False)`` escapes: the quote, the backslash and the C0
# controls (a few by letter, the rest as \u00xx). All are ASCII, and no byte of a multi-byte
# UTF-8 sequence is ASCII, so the escaping can run on the UTF-8 bytes as they are stored.
_ESCAPED = bytes(range(0x20)) + b'"\\'
_RARE = bytes(c for c in range(0x20) if c not in b"\n\r\t")  # controls other than line breaks and tabs
_ESCAPES = {bytes([c]): f"\\u{c:04x}".encode() for c in range(0x20)} | {b"\b": b"\\b", b"\f": b"\\f"}
_RARE_CHARACTER = re.compile(b"[" + re.escape(_RARE) + b"]")


def _escape(match: re.Match[bytes]) -> bytes:
    return _ESCAPES[match.group()]


def quote_utf8(value: bytes | None) -> bytes:
    """UTF-8 text as a JSON string: the bytes of ``json.dumps(text, ensure_ascii=False)``
    encoded as UTF-8, without decoding the text (tests check every code point); None is
    ``null``."""
    if value is None:
        return b"null"
    if len(value.translate(None, _ESCAPED)) == len(value):  # most texts: one pass in C
        return b'"' + value + b'"'
    # The backslash first, so that the escapes added after it are not escaped again.
    value = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n").replace(
        b"\r", b"\\r").replace(b"\t", b"\\t")
    if len(value.translate(None, _RARE)) != len(value):
        value = _RARE_CHARACTER.sub(_escape, value)
    return b'"' + value + b'"'


def quote_text(text: str) -> bytes:
    """``json.dumps(text, ensure_ascii=False)`` as UTF-8 bytes, faster for long texts with
    characters outside Latin-1 (``quote_utf8`` of the encoded text)."""
    return quote_utf8(text.encode())


def line_from_utf8(article: Sequence[Any], spans: list[bytes], doc_labels: list[DocLabel],
                   done_by: list[str]) -> bytes:
    """``record_line`` of an article read as UTF-8 bytes, as one line of bytes.

    Args:
        article: ``(id, external_id, title, text, url, source, published, language, meta)`` as
            ``Store.export_batches`` reads it in the ``utf8`` shape (text columns as UTF-8
            bytes or None, ``meta`` the stored JSON).
        spans: the spans' JSONL objects, UTF-8 (SQLite-built, as in ``annotations_json``).
        doc_labels, done_by: as in ``ArticleRecord``.
    """
    _, external_id, title, text, url, source, published, language, meta = article
    return b"".join((
        b'{"id": ', quote_utf8(external_id), b', "title": ', quote_utf8(title), b', "text": ', quote_utf8(text),
        b', "url": ', quote_utf8(url), b', "source": ', quote_utf8(source), b', "published": ', quote_utf8(published),
        b', "language": ', quote_utf8(language),
        b', "meta": ', b"{}" if meta == "{}" else _encode(json.loads(meta)).encode(),
        b', "annotations": [', b", ".join(spans),
        b'], "doc_labels": ', _encode([{"label": d.label, "annotator": d.annotator, "annotator_id": d.annotator_uuid}
                                       for d in doc_labels]).encode() if doc_labels else b"[]",
        b', "done_by": ', _encode(done_by).encode() if done_by else b"[]", b"}\n"))


def write(records: Iterable[ArticleRecord], out: IO[str]) -> int:
    """Write one line per record; returns the number of lines written."""
    count = 0
    for record in records:
        out.write(record_line(record))
        count += 1
    return count
