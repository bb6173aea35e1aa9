"""``.json`` files: one native article object, or a list of them (or of plain dump objects).

A JSON document cannot be streamed with the standard library, so the file is read whole;
use JSONL for large collections.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.io.encoding import decode_bytes
from annotator.io.records import (
    ArticleRecord,
    BadRecords,
    FieldMap,
    json_error_reason,
    record_from_mapping,
    skip_or_raise,
)
from annotator.model.errors import ImportFormatError

_SPACE = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


def read(path: Path, fields: FieldMap, notes: list[str], *,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """The file's article or articles.

    A JSON syntax error fails the file whole. In a list, with ``on_bad_record``, an item that
    is not a valid record (not an object, no text, a bad span) is handed to it with the line
    and column where the item starts, and skipped; without, it fails the file.
    """
    text = decode_bytes(path.read_bytes()).text
    items: list[tuple[Any, int | None, int | None]] | None
    try:
        items = _list_items(text)
        if items is None:
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("articles"), list):
                data = data["articles"]
            items = [(item, None, None) for item in (data if isinstance(data, list) else [data])]
    except json.JSONDecodeError as error:
        raise ImportFormatError(json_error_reason(error), line=error.lineno, column=error.colno) from None
    for number, (item, line, column) in enumerate(items, start=1):
        if isinstance(item, dict) and "text" not in item and isinstance(item.get("data"), dict):
            raise ImportFormatError("this looks like Label Studio tasks; import it with --format labelstudio")
        try:
            record = record_from_mapping(item, fields, line=line)
        except ImportFormatError as error:
            skip_or_raise(ImportFormatError(f"record {number}: {error.message}", line=line, column=column),
                          on_bad_record)
            continue
        yield record


def _list_items(text: str) -> list[tuple[Any, int | None, int | None]] | None:
    """The items of a top-level JSON list with the line and column where each starts, or None
    when the document is not a list.

    Raises:
        json.JSONDecodeError: the list is not valid JSON.
    """
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        return None
    items: list[tuple[Any, int | None, int | None]] = []
    line, line_start, counted = 1, 0, 0
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            item, end = _decoder.raw_decode(text, position)
            newlines = text.count("\n", counted, position)
            if newlines:
                line += newlines
                line_start = text.rindex("\n", counted, position) + 1
            counted = position
            items.append((item, line, position - line_start + 1))
            position = _skip_space(text, end)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                position += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    position = _skip_space(text, position)
    if position != len(text):
        raise json.JSONDecodeError("Extra data", text, position)
    return items


def _skip_space(text: str, position: int) -> int:
    """The position after the JSON white space at ``position``."""
    match = _SPACE.match(text, position)
    return match.end() if match else position
