"""Which reader takes which file, and the walk through folders."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from annotator.io import brat, csv_file, doccano, html, json_file, jsonl, labelstudio, plaintext, prodigy, webanno_tsv
from annotator.io.records import ArticleRecord
from annotator.model.errors import ImportFormatError

Reader = Callable[..., Iterator[ArticleRecord]]

READERS: dict[str, Reader] = {
    "txt": plaintext.read,
    "md": plaintext.read,
    "html": html.read,
    "jsonl": jsonl.read,
    "json": json_file.read,
    "csv": csv_file.read,
    "brat": brat.read,
    "labelstudio": labelstudio.read,
    "doccano": doccano.read,
    "webanno-tsv3": webanno_tsv.read,
    "prodigy": prodigy.read,
}
# Formats read record by record: a bad record (a broken line, a wrong type, a bad span) is
# skipped and reported, and the file's good records are imported.
RECORD_FORMATS = {"jsonl", "json", "csv"}
# Readers of other tools' formats take an offset unit (their default when None).
TAKES_OFFSET_UNIT = {"brat", "labelstudio", "doccano"}
# Inside folders, which files a format reads.
FORMAT_EXTENSIONS = {
    "brat": {".ann"},
    "labelstudio": {".json"},
    "doccano": {".jsonl", ".json"},
    "webanno-tsv3": {".tsv"},
    "prodigy": {".jsonl"},
}
EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
}
FORMATS = ("auto", *READERS)


def format_of(path: Path, requested: str = "auto") -> str:
    """The format to read ``path`` with.

    Raises:
        ImportFormatError: ``auto`` and the file name's extension is not one we read.
    """
    if requested != "auto":
        return requested
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise ImportFormatError(
            f"unknown file type {path.suffix or '(no extension)'!r}; choose one with --format"
        )
    return found


def expand_paths(paths: Iterable[Path], requested: str = "auto") -> tuple[list[Path], list[Path]]:
    """Files to import: named files as given, folders walked recursively in name order.

    Returns ``(files, ignored)``: inside folders, hidden files and files of unknown type are
    ignored (and returned so they can be reported); a named file is always attempted.
    """
    files: list[Path] = []
    ignored: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path)
            if not child.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            wanted = FORMAT_EXTENSIONS.get(requested, set(EXTENSIONS) if requested == "auto" else None)
            if wanted is not None and child.suffix.lower() not in wanted:
                ignored.append(child)
            else:
                files.append(child)
    return files, ignored
