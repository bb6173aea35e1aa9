"""What an import accepts: size limits, and the checks every record passes before it reaches
the project.

Readers parse; this module makes sure that nothing they produce can fail later, deep in the
store or the window, with something other than a clear ``ImportFormatError``: a lone surrogate
(JSON's ``"\\ud800"``) that UTF-8 and so SQLite cannot hold, a NUL that SQLite's text functions
cut at, ``NaN`` that SQLite's JSON functions refuse, nesting deep enough to exhaust Python's
stack, an article too long to open. Limits (README "Import limits") are read when a check
runs, so tests can lower them.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from annotator.model.errors import ImportFormatError

if TYPE_CHECKING:
    from annotator.io.records import ArticleRecord, BadRecords

MAX_FILE_BYTES = 256 << 20
"""A file read whole (every format but the line-by-line JSONL, doccano JSONL and Prodigy) may
be at most this big; larger collections go in JSONL, which streams."""

MAX_LINE_BYTES = 128 << 20
"""One line of a line-by-line format (one record) may be at most this big."""

MAX_ARTICLE_CHARS = 32_000_000
"""An article's text may hold at most this many characters (code points): room for a 20 MB
article, which the window is benchmarked on (bench/render_bench.py), but not for runaway
offsets that would make a 50-million-character one."""

MAX_NAME_CHARS = 1_000
"""Label, annotator and attribute names may be at most this long."""

MAX_JSON_DEPTH = 100
"""JSON may nest at most this many arrays and objects deep (Python's own limit is near 1,000,
and is reached sooner the deeper the code that handles the value)."""

MAX_MESSAGE_CHARS = 600
"""A reason in a report is cut to this length: one line, however long the bad value."""

Fail = Callable[[str], NoReturn]
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60
_repr.maxlong = 40


def clip(value: object) -> str:
    """A short ``repr`` of a value from the input, for an error message (never a megabyte)."""
    return _repr.repr(value)


def short(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, for a message that quotes a name from the input."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(message: str) -> str:
    """``message`` on one line, cut to ``MAX_MESSAGE_CHARS`` in the middle."""
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    half = MAX_MESSAGE_CHARS // 2
    return f"{message[:half]} … {message[-half:]}"


def mib(size: int) -> str:
    """A size for a message: MiB, or bytes when smaller."""
    return f"{size / (1 << 20):,.0f} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def check_source(path: Path, *, whole: bool, root: Path | None = None) -> None:
    """Refuse a file that is not a regular file, lies outside ``root`` (the folder the user
    chose) through a symbolic link, or, when read ``whole``, is larger than ``MAX_FILE_BYTES``.

    Raises:
        ImportFormatError: saying which.
    """
    if root is not None and not inside(path, root):
        raise ImportFormatError(f"a symbolic link to {path.resolve()}, outside the folder {root}; not followed")
    if not path.is_file():  # a FIFO or device would block or never end
        raise ImportFormatError("not a regular file")
    size = path.stat().st_size
    if whole and size > MAX_FILE_BYTES:
        raise ImportFormatError(f"the file is {mib(size)}; files read whole may be at most {mib(MAX_FILE_BYTES)} "
                                "(split it, or use JSONL)")


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, lies in the folder ``root``."""
    return path.resolve().is_relative_to(root.resolve())


def decode_utf8(data: bytes, what: str) -> str:
    """``data`` as UTF-8 text (a byte-order mark dropped).

    Raises:
        ImportFormatError: not UTF-8, with the line of the first bad byte.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFormatError(f"not UTF-8 ({error.reason} at byte {error.start}); {what} files are UTF-8",
                                line=line) from None


def too_deep(value: Any, limit: int | None = None) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` (``MAX_JSON_DEPTH``) deep.
    Iterative, so any depth is safe to ask about."""
    limit = MAX_JSON_DEPTH if limit is None else limit
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def check_record(record: ArticleRecord) -> None:
    """Check an ``ArticleRecord`` against everything the project cannot store.

    Raises:
        ImportFormatError: with the record's line; the first problem found.
    """
    line = record.line
    article = record.article

    def fail(reason: str) -> NoReturn:
        raise ImportFormatError(reason, line=line)

    text = article.text
    if not isinstance(text, str) or not text:
        fail("the article has no text")
    if len(text) > MAX_ARTICLE_CHARS:
        fail(f"the article text has {len(text):,} characters; at most {MAX_ARTICLE_CHARS:,} are allowed")
    try:  # kept for the text's hash (ArticleRecord.text_hash); a NUL is looked for in it, faster
        utf8: bytes | None = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, reported after a NUL
        utf8 = None
    if "\x00" in text if utf8 is None else b"\x00" in utf8:
        fail(f"the article text contains a NUL character (U+0000) at position {text.index(chr(0))}")
    if utf8 is None:
        _string(text, "the article text", fail, optional=False)
    else:
        record.checked_utf8 = (text, utf8)
    # The usual title and fields (texts or None, no lone surrogate) pass in one check.
    strings = [article.title, article.external_id, article.source, article.url, article.published, article.language]
    if not (type(strings[0]) is str and _TEXT_OR_NONE.issuperset(map(type, strings)) and _no_surrogate(strings)):
        _string(article.title, "the title", fail, optional=False)
        for name in ("external_id", "source", "url", "published", "language"):
            _string(getattr(article, name), f"'{name}'", fail)
    if not isinstance(article.meta, dict):
        fail("'meta' must be an object")
    if article.meta:
        _json_value(article.meta, "'meta'", fail)
    if not _plain_spans(record.annotations):  # the usual spans pass without a call per field
        _check_spans(record, fail)
    for doc_label in record.doc_labels:
        _name(doc_label.label, "a document label", fail, optional=False)
        _name(doc_label.annotator, "a document label's annotator", fail)
        _string(doc_label.annotator_uuid, "a document label's annotator_id", fail)
    for name in record.done_by:
        _name(name, "a 'done_by' name", fail, optional=False)


def _check_spans(record: ArticleRecord, fail: Fail) -> None:
    """``check_record``'s checks of each span, field by field: the first problem fails."""
    for number, span in enumerate(record.annotations, start=1):
        where = f"annotation {number}"
        if type(span.start) is not int or type(span.end) is not int:
            fail(f"{where}: offsets must be whole numbers")
        _name(span.label, f"{where}: the label", fail, optional=False)
        _name(span.annotator, f"{where}: the annotator", fail)
        _name(span.reviewer, f"{where}: the reviewer", fail)
        for name in ("text", "annotator_uuid", "note", "uuid", "created", "updated"):
            _string(getattr(span, name), f"{where}: '{name}'", fail)
        if not isinstance(span.attributes, dict):
            fail(f"{where}: 'attributes' must be an object")
        for key in span.attributes:
            _name(key, f"{where}: an attribute name", fail, optional=False)
        _json_value(span.attributes, f"{where}: 'attributes'", fail)


_TEXT_OR_NONE = frozenset({str, type(None)})


def _no_surrogate(values: list[Any]) -> bool:
    """Whether none of ``values`` (texts or None) holds a lone surrogate: one check for all."""
    joined = "".join([value for value in values if value])
    if joined.isascii():
        return True
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_spans(spans: list[Any]) -> bool:
    """Whether every span surely passes ``_check_spans``: whole-number offsets, a label that is
    a text of at most ``MAX_NAME_CHARS`` with something besides white space, annotator and
    reviewer texts of at most that or None, the other text fields texts or None, no attributes,
    and no lone surrogate anywhere. False sends the record through ``_check_spans``, which
    finds the problem (or none: attributes are checked there)."""
    limit = MAX_NAME_CHARS
    texts: list[Any] = []
    for span in spans:
        label, annotator, reviewer = span.label, span.annotator, span.reviewer
        if not (type(span.start) is int and type(span.end) is int and type(label) is str
                and len(label) <= limit and label.strip()
                and (annotator is None or (type(annotator) is str and len(annotator) <= limit))
                and (reviewer is None or (type(reviewer) is str and len(reviewer) <= limit))
                and type(span.attributes) is dict and not span.attributes):
            return False
        texts += (label, annotator, reviewer, span.text, span.annotator_uuid, span.note, span.uuid, span.created,
                  span.updated)
    return _TEXT_OR_NONE.issuperset(map(type, texts)) and _no_surrogate(texts)


def _string(value: Any, what: str, fail: Fail, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        fail(f"{what} must be a string, not {type(value).__name__}")
    if not value.isascii():
        try:
            value.encode("utf-8")  # three times as fast as searching for surrogates
        except UnicodeEncodeError as error:
            fail(f"{what} holds a lone surrogate (U+{ord(value[error.start]):04X} at position {error.start}), "
                 "which is not a character; UTF-8 cannot hold it")


def _name(value: Any, what: str, fail: Fail, *, optional: bool = True) -> None:
    _string(value, what, fail, optional=optional)
    if isinstance(value, str) and len(value) > MAX_NAME_CHARS:
        fail(f"{what} has {len(value):,} characters; names may have at most {MAX_NAME_CHARS:,}")
    if not optional and not value.strip():
        fail(f"{what} is empty")


def _json_value(value: Any, what: str, fail: Fail) -> None:
    """Only JSON's own types, finite numbers, no lone surrogates, at most ``MAX_JSON_DEPTH`` deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            fail(f"{what} nests more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(item, str):
            _string(item, f"a text in {what}", fail)
        elif isinstance(item, float):
            if not math.isfinite(item):
                fail(f"{what} holds {item}, which is not a number JSON can hold")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    fail(f"{what} has a key that is not a string")
                _string(key, f"a key in {what}", fail)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif item is not None and not isinstance(item, (bool, int)):
            fail(f"{what} holds a {type(item).__name__}, which JSON cannot hold")


_UNEXPECTED = (ArithmeticError, AttributeError, LookupError, RecursionError, TypeError, ValueError)


def checked(records: Iterable[ArticleRecord], on_bad_record: BadRecords | None) -> Iterator[ArticleRecord]:
    """The records that pass ``check_record``; a bad one goes to ``on_bad_record`` (or, with
    none, fails the file). A reader that breaks on input it did not foresee fails the file
    with a clear error too, instead of ending the whole batch with a traceback."""
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except ImportFormatError:
            raise
        except _UNEXPECTED as error:  # a reader bug: say so, but keep the batch going
            raise ImportFormatError(one_line(f"the file could not be read ({type(error).__name__}: {error}); "
                                             "please report this")) from error
        try:
            check_record(record)
        except ImportFormatError as error:
            if on_bad_record is None:
                raise
            on_bad_record(error)
            continue
        yield record
