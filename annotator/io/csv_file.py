"""``.csv`` dumps: one article per row; ``--text-field`` (default ``text``) names the text
column, ``--title-field`` and ``--id-field`` the others; remaining columns go to ``meta``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from annotator.io.encoding import decode_bytes
from annotator.io.records import ArticleRecord, BadRecords, FieldMap, record_from_mapping, skip_or_raise
from annotator.model.errors import ImportFormatError, MissingTextField

# A whole article fits in one cell; the csv module's default limit (131,072 characters) would
# reject long articles as "malformed".
csv.field_size_limit(2**31 - 1)


def read(path: Path, fields: FieldMap, notes: list[str], *,
         on_bad_record: BadRecords | None = None) -> Iterator[ArticleRecord]:
    """One record per row. With ``on_bad_record``, a row without text is handed to it (with
    the line it starts on) and skipped; without, it fails the file. A file that cannot be
    decoded, has no text column, or that the csv module refuses fails whole."""
    decoded = decode_bytes(path.read_bytes())
    if decoded.detected:
        notes.append(f"{path.name}: encoding detected as {decoded.encoding}")
    try:
        # The header line alone decides: prose in cells is full of commas and semicolons.
        # The Sniffer's regular expressions take quadratic time on some lines (a 24 KB line of
        # ,' took 2 s); the start of a header names its delimiter just as well.
        header_line = decoded.text[:4096].split("\n", 1)[0]
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="" lets csv see line breaks inside quoted cells as they are.
    reader = csv.DictReader(io.StringIO(decoded.text, newline=""), dialect=dialect)
    header = reader.fieldnames or []
    if fields.text not in header:
        raise MissingTextField(
            f"no column {fields.text!r}; the columns are {', '.join(header) or 'none'} "
            "(name the text column with --text-field)",
            list(header),
            line=1,
        )
    generic = replace(fields, generic=True)
    rows = iter(reader)
    while True:
        start = reader.line_num + 1  # the line a row starts on; a quoted cell may span several
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFormatError(f"malformed CSV: {error}", line=reader.line_num) from None
        clean = {k: v for k, v in row.items() if k is not None}
        try:
            record = record_from_mapping(clean, generic, line=start)
        except ImportFormatError as error:
            skip_or_raise(error, on_bad_record)
            continue
        yield record
