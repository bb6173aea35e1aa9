"""``.txt`` and ``.md`` files: one article each, the whole file is its text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.io.encoding import decode_bytes
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError
from annotator.model.offsets import normalise_line_endings
from annotator.model.types import Article

TITLE_MAX_LENGTH = 150


def read(path: Path, fields: FieldMap, notes: list[str]) -> Iterator[ArticleRecord]:
    decoded = decode_bytes(path.read_bytes())
    if decoded.detected:
        notes.append(f"{path.name}: encoding detected as {decoded.encoding}")
    text = normalise_line_endings(decoded.text)
    if not text.strip():
        raise ImportFormatError("the file is empty")
    yield ArticleRecord(Article(text=text, title=title_from_text(text, path)))


def title_from_text(text: str, path: Path) -> str:
    """The first non-blank line (without Markdown heading marks), or the file name when that
    line is long enough to be a paragraph rather than a title."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if path.suffix.lower() in (".md", ".markdown"):
        first = first.lstrip("#").strip()
    if not first or len(first) > TITLE_MAX_LENGTH:
        return path.stem
    return first
