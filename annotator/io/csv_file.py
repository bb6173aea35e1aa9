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
from annotator.model.errors import TEXT_FIELD_HINT, ImportFormatError, MissingTextField

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
    _check_quotes_close(decoded.text, dialect)
    # newline="" lets csv see line breaks inside quoted cells as they are.
    reader = csv.DictReader(io.StringIO(decoded.text, newline=""), dialect=dialect)
    header = reader.fieldnames or []
    if fields.text not in header:
        raise MissingTextField(
            f"no column {fields.text!r}; the columns are {', '.join(header) or 'none'} "
            + TEXT_FIELD_HINT,
            list(header),
            line=1,
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        notes.append(f"{path.name}: the header names {', '.join(map(repr, repeated))} more than once; "
                     "each row's last such cell is read")
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
        surplus = row.get(None)  # DictReader's restkey: the cells past the header's
        if surplus and any(cell.strip() for cell in surplus):  # empty ones are trailing delimiters
            skip_or_raise(ImportFormatError(
                f"this row has {len(header) + len(surplus)} cells but the header names {len(header)} "
                f"(a {dialect.delimiter!r} inside a cell that is not quoted?)", line=start), on_bad_record)
            continue
        clean = {k: v for k, v in row.items() if k is not None}
        try:
            record = record_from_mapping(clean, generic, line=start)
        except ImportFormatError as error:
            skip_or_raise(error, on_bad_record)
            continue
        yield record


def _check_quotes_close(text: str, dialect: type[csv.Dialect] | csv.Dialect) -> None:
    """Fail the file when a quoted cell never closes: the csv module would read the rest of the
    file into that one cell, every later row lost in it without a word. Quotes come in pairs
    in a file without that fault, so only a file with an odd number is read a second time,
    strictly, to find the row."""
    quote = dialect.quotechar or '"'
    if text.count(quote) % 2 == 0:
        return
    strict = csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    start = 1
    while True:
        try:
            next(strict)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise ImportFormatError(f"a quoted cell opens in the row on this line and never closes (a stray "
                                        f"{quote}?); the rest of the file would be read as that one cell",
                                        line=start) from None
            return  # another irregularity, which the lenient reading takes as it always has
        start = strict.line_num + 1
