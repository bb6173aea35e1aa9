"""``.json`` files: one native article object, or a list of them (or of plain dump objects).

A JSON document cannot be streamed with the standard library, so the file is read whole;
use JSONL for large collections.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.io.encoding import decode_bytes
from annotator.io.jsonio import list_items, parse
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, record_from_mapping, skip_or_raise
from annotator.model.errors import ImportFormatError


def read(path: Path, fields: FieldMap, notes: list[str], *,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """The file's article or articles.

    A JSON syntax error fails the file whole. In a list, with ``on_bad_record``, an item that
    is not a valid record (not an object, no text, a bad span) is handed to it with the line
    and column where the item starts, and skipped; without, it fails the file.
    """
    text = decode_bytes(path.read_bytes()).text
    items: list[tuple[Any, int | None, int | None]]
    listed = list_items(text)
    if listed is not None:
        items = [(item, line, column) for item, line, column in listed]
    else:
        data = parse(text)
        if isinstance(data, dict) and isinstance(data.get("articles"), list):
            data = data["articles"]
        items = [(item, None, None) for item in (data if isinstance(data, list) else [data])]
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
