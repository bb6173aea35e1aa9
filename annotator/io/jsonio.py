"""Reading JSON from files we did not write, where every failure is an ``ImportFormatError``
with the line (and column, where known).

The standard ``json`` module raises more than ``JSONDecodeError`` on hostile input:
``RecursionError`` for deep nesting, ``ValueError`` for an integer of more than 4,300 digits,
``UnicodeDecodeError`` for bytes that are not UTF-8. Every reader of JSON goes through here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.io import guards
from annotator.io.records import BadRecords, json_error_reason
from annotator.model.errors import ImportFormatError

HELD_BACK_LINES = 1000
"""Lines that are not JSON before the first one that is: this many, and the file is not JSONL
(it fails whole) rather than a JSONL file with broken lines."""

READ_BUFFER_BYTES = 1 << 20
"""JSONL is read through a buffer this big: with the default 8 KiB, lines of a few KiB are
read at a third of the speed (each refill copies a line's first part)."""

_SPACE = re.compile(r"[ \t\n\r]*")
_BIG_INT = re.compile(r"(?<![\d.eE+-])-?\d{4301,}(?![\d.eE])")
_decoder = json.JSONDecoder()


def _too_deep_error(line: int | None) -> ImportFormatError:
    return ImportFormatError(f"JSON nested more than {guards.MAX_JSON_DEPTH} levels deep", line=line)


def _big_int_error(text: str, line: int | None) -> ImportFormatError:
    """Where the first integer too long to read is: ``line`` is that of ``text`` (one JSONL
    line), or None when ``text`` is a whole document."""
    found = _BIG_INT.search(text)
    column = None
    if found:
        before = text[: found.start()]
        if line is None:
            line = before.count("\n") + 1
        column = found.start() - (before.rfind("\n") + 1) + 1
    return ImportFormatError("a number with more than 4,300 digits (the most Python reads)", line=line,
                             column=column)


def parse(text: str, *, line: int | None = None, nested: bool | None = None) -> Any:
    """One JSON value from ``text``, at most ``MAX_JSON_DEPTH`` deep.

    Args:
        text: a whole document, or one JSONL line (then give its ``line``).
        nested: whether the text may nest more than ``MAX_JSON_DEPTH`` deep (holds more ``[``
            and ``{`` than that), when the caller knows (``many_brackets``); only then is the
            value's depth looked at.

    Raises:
        ImportFormatError: with the line and column of a syntax error.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if line is not None:
            error = _within_line(text, error)
        raise ImportFormatError(json_error_reason(error, line=line), line=line or error.lineno,
                                column=error.colno) from None
    except RecursionError:
        raise _too_deep_error(line) from None
    except ValueError:  # only the integer conversion limit is left
        raise _big_int_error(text, line) from None
    if nested is None:
        nested = text.count("[") + text.count("{") > guards.MAX_JSON_DEPTH
    if nested and guards.too_deep(value):
        raise _too_deep_error(line)
    return value


def many_brackets(raw: bytes) -> bool:
    """Whether the UTF-8 ``raw`` holds more than ``MAX_JSON_DEPTH`` ``[`` and ``{`` (and so may
    nest that deep). A record has a few: they are found with ``find`` (memchr), three times
    as fast as counting every byte, which is left for a line that has more than a few."""
    found = 0
    for bracket in (b"[", b"{"):
        at = raw.find(bracket)
        while at >= 0:
            found += 1
            if found > 16:
                return raw.count(b"[") + raw.count(b"{") > guards.MAX_JSON_DEPTH
            at = raw.find(bracket, at + 1)
    return found > guards.MAX_JSON_DEPTH


def _within_line(text: str, error: json.JSONDecodeError) -> json.JSONDecodeError:
    """The error as the line without its line break gives it: a line that ends too early is
    then wrong at its end, not at column 1 of a second line."""
    try:
        json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as inner:
        return inner
    except (RecursionError, ValueError):
        pass
    return error


def list_items(text: str) -> list[tuple[Any, int, int]] | None:
    """The items of a top-level JSON list with the line and column where each starts, or None
    when the document is not a list.

    Raises:
        ImportFormatError: the list is not valid JSON (the file fails whole).
    """
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        return None
    items: list[tuple[Any, int, int]] = []
    line, line_start, counted = 1, 0, 0
    position = _skip_space(text, position + 1)
    try:
        if text.startswith("]", position):
            position += 1
        else:
            while True:
                newlines = text.count("\n", counted, position)
                if newlines:
                    line += newlines
                    line_start = text.rindex("\n", counted, position) + 1
                counted = position
                try:
                    item, end = _decoder.raw_decode(text, position)
                except RecursionError:
                    raise _too_deep_error(line) from None
                except ValueError as error:
                    if isinstance(error, json.JSONDecodeError):
                        raise
                    raise _big_int_error(text, None) from None
                brackets = text.count("[", position, end) + text.count("{", position, end)
                if brackets >= guards.MAX_JSON_DEPTH and guards.too_deep(item, guards.MAX_JSON_DEPTH - 1):
                    raise _too_deep_error(line)
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
    except json.JSONDecodeError as error:
        raise ImportFormatError(json_error_reason(error), line=error.lineno, column=error.colno) from None
    return items


def _skip_space(text: str, position: int) -> int:
    """The position after the JSON white space at ``position``."""
    match = _SPACE.match(text, position)
    return match.end() if match else position


def read_document(path: Path, what: str) -> list[tuple[Any, int | None, int | None]]:
    """A whole JSON file that is a list of records, or one record: the items with the line and
    column where each starts (None for a lone record).

    Raises:
        ImportFormatError: not UTF-8, or not JSON (the file fails whole).
    """
    text = guards.decode_utf8(path.read_bytes(), what)
    listed = list_items(text)
    if listed is not None:
        return [(item, line, column) for item, line, column in listed]
    return [(parse(text), None, None)]


def starts_a_list(path: Path) -> bool:
    """Whether the file's first JSON character opens a list (a JSON file, not JSONL)."""
    with open(path, "rb") as f:
        return f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["


def json_lines(path: Path, on_bad_record: BadRecords | None, *, what: str = "JSONL",
               ) -> Iterator[tuple[int, Any, int]]:
    """``(line number, value, bytes)`` of each JSON line of a file, skipping blank lines.

    With ``on_bad_record``, a line that is not JSON (or too long, too deep) is handed to it
    and skipped; without, it fails the file. Either way a file that is not UTF-8, or of which
    none of the first ``HELD_BACK_LINES`` lines is JSON (binary junk, another format), fails
    whole.

    Raises:
        ImportFormatError: the file fails whole.
    """
    # A line is parsed by msgspec, half again as fast as ``json`` and without decoding it
    # first; integers of any length come back exact. What it refuses goes to ``parse``, which
    # reads it as ``json`` always did or says why it cannot: broken JSON, and what ``json``
    # reads but msgspec does not (NaN, lone surrogates, numbers beyond a float or of thousands
    # of digits, nesting deeper than its recursion limit). Imported here: loading it takes
    # longer than a window's start may spend on something it does not show.
    import msgspec

    fast_parse = msgspec.json.Decoder().decode
    parsed_any = False
    unparsed: list[ImportFormatError] = []  # bad lines before the first JSON line, held back
    number = 0
    with open(path, "rb", buffering=READ_BUFFER_BYTES) as f:
        for number, raw in _lines(f):  # ``number`` is read after the loop too
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw or raw.isspace():  # blank (strip() would copy every line)
                continue
            if len(raw) > guards.MAX_LINE_BYTES:
                bad = ImportFormatError(f"the line is longer than {guards.mib(guards.MAX_LINE_BYTES)}, the most "
                                        "one record may take", line=number)
            else:
                bad = None
                try:
                    value = fast_parse(raw)
                except (msgspec.DecodeError, RecursionError):
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError as error:
                        raise ImportFormatError(f"not UTF-8 ({error.reason}); {what} files are UTF-8",
                                                line=number) from None
                    try:
                        value = parse(text, line=number, nested=False)
                    except ImportFormatError as error:
                        bad = error
                if bad is None and many_brackets(raw) and guards.too_deep(value):
                    bad = _too_deep_error(number)
            if bad is not None:
                if on_bad_record is None:
                    raise bad
                if parsed_any:
                    on_bad_record(bad)
                else:
                    unparsed.append(bad)
                    if len(unparsed) >= HELD_BACK_LINES:
                        break
                continue
            if not parsed_any and on_bad_record is not None:
                for bad in unparsed:
                    on_bad_record(bad)
                unparsed.clear()
            parsed_any = True
            yield number, value, len(raw)
    if unparsed:
        first = unparsed[0]
        more = f" (nor are the {len(unparsed) - 1} lines after it)" if len(unparsed) > 1 else ""
        raise ImportFormatError(f"no line is JSON: {first.message}{more}", line=first.line, column=first.column)
    if not parsed_any:  # as for an empty file of any other kind: failed, not "imported 0"
        raise ImportFormatError("the file is empty" if number == 0 else "the file holds only blank lines")


def _lines(f: Any) -> Iterator[tuple[int, bytes]]:
    """Numbered lines; a line longer than ``MAX_LINE_BYTES`` is read past in pieces and given
    as its first ``MAX_LINE_BYTES + 1`` bytes, so it is never held whole in memory."""
    limit = guards.MAX_LINE_BYTES + 1
    number = 0
    while True:
        raw = f.readline(limit)
        if not raw:
            return
        number += 1
        if len(raw) == limit and not raw.endswith(b"\n"):
            while (rest := f.readline(limit)) and not rest.endswith(b"\n"):
                pass
        yield number, raw
