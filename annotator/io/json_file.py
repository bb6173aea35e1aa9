"""``.json`` files: one native article object, or a list of them (or of plain dump objects).

A JSON document cannot be streamed with the standard library, so the file is read whole;
use JSONL for large collections.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from annotator.io.encoding import decode_bytes
from annotator.io.records import ArticleRecord, FieldMap, record_from_mapping
from annotator.model.errors import ImportFormatError


def read(path: Path, fields: FieldMap, notes: list[str]) -> Iterator[ArticleRecord]:
    try:
        data = json.loads(decode_bytes(path.read_bytes()).text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"invalid JSON ({error.msg})", line=error.lineno) from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict) and "text" not in item and isinstance(item.get("data"), dict):
            raise ImportFormatError("this looks like Label Studio tasks; import it with --format labelstudio")
        try:
            yield record_from_mapping(item, fields, line=None)
        except ImportFormatError as error:
            raise ImportFormatError(f"record {number}: {error.message}") from None
