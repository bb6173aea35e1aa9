"""Which reader takes which file, and the walk through folders."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.io import (
    brat,
    csv_file,
    doccano,
    guards,
    html,
    json_file,
    jsonl,
    labelstudio,
    plaintext,
    prodigy,
    webanno_tsv,
)
from annotator.io.guards import inside
from annotator.io.jsonio import starts_a_list
from annotator.io.records import ArticleRecord, BadRecords, FieldMap
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
RECORD_FORMATS = {"jsonl", "json", "csv", "doccano", "prodigy", "labelstudio"}
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


@dataclass
class Sources:
    """The files an import reads, as ``walk`` found them."""

    files: list[tuple[Path, Path | None]] = field(default_factory=list)
    """Each file with the folder the user chose that holds it (None for a file named itself)."""
    ignored: list[Path] = field(default_factory=list)
    """Inside folders: files of unknown type."""
    outside: list[Path] = field(default_factory=list)
    """Inside folders: symbolic links leading outside the chosen folder, reported, never followed."""


_BRAT_CONFIGURATION = {"annotation.conf", "visual.conf", "tools.conf", "kb_shortcuts.conf", brat.MAPPING_FILE}


def _read_with_brat(path: Path) -> bool:
    """A brat collection's other files: the ``.txt`` beside each ``.ann`` (read with it), an
    export's name mapping (read) and brat's own configuration (not needed: the ``.ann`` files
    name their labels). Not files "of unknown type"."""
    return (path.suffix.lower() == ".txt" and path.with_suffix(".ann").is_file()) or path.name in _BRAT_CONFIGURATION


def walk(paths: Iterable[Path], requested: str = "auto") -> Sources:
    """Files to import: named files as given, folders walked recursively in name order.

    Inside folders, hidden files and folders are passed over; files of unknown type are
    ``ignored``; a symbolic link (to a file or a folder) that leads outside the chosen folder is
    not followed but listed in ``outside``, so that an import reads only what the user chose.
    Links to folders inside it are not followed either (what they hold is walked anyway). A
    named file is always attempted, whatever it is.
    """
    found = Sources()
    wanted = FORMAT_EXTENSIONS.get(requested, set(EXTENSIONS) if requested == "auto" else None)
    for path in paths:
        if not path.is_dir():
            found.files.append((path, None))
            continue
        root = path.resolve()
        walked: list[tuple[Path, Path | None]] = []
        for folder, folders, names in os.walk(path):
            here = Path(folder)
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in folders:  # os.walk never descends through links to folders
                if (here / name).is_symlink() and not inside(here / name, root):
                    found.outside.append(here / name)
            for name in names:
                child = here / name
                if name.startswith("."):
                    continue
                if child.is_symlink() and not inside(child, root):
                    found.outside.append(child)
                elif not child.is_file():  # a FIFO, device or broken link: never read
                    continue
                elif wanted is not None and child.suffix.lower() not in wanted:
                    if not (requested == "brat" and _read_with_brat(child)):
                        found.ignored.append(child)
                else:
                    walked.append((child, path))
        found.files += sorted(walked)
    found.ignored.sort()
    found.outside.sort()
    return found


def expand_paths(paths: Iterable[Path], requested: str = "auto") -> tuple[list[Path], list[Path]]:
    """``walk``'s files and ignored files (links leading outside are left out of both)."""
    found = walk(paths, requested)
    return [file for file, _ in found.files], found.ignored


# Formats read a line at a time; every other one reads its file whole (``guards.MAX_FILE_BYTES``).
STREAMED_FORMATS = {"jsonl", "prodigy"}


def read_file(path: Path, format_name: str, fields: FieldMap, notes: list[str], *, root: Path | None = None,
              on_bad_record: BadRecords | None = None, **options: Any) -> Iterator[ArticleRecord]:
    """Read one file with the reader of ``format_name``, every record checked
    (``guards.check_record``) before the project sees it.

    ``root``: the folder the user chose that holds the file (None for a file named itself).
    ``on_bad_record``: where formats with records (``RECORD_FORMATS``) report a bad one.

    Raises:
        ImportFormatError: the file fails whole: not a regular file, outside ``root`` through a
            symbolic link, too large, or unreadable; a bad record when there is no
            ``on_bad_record``. The reader's error for a record may come as the records are read.
    """
    streamed = format_name in STREAMED_FORMATS or (format_name == "doccano" and not starts_a_list(path))
    guards.check_source(path, whole=not streamed, root=root)
    if format_name == "brat":
        options["root"] = root
    if format_name in RECORD_FORMATS and on_bad_record is not None:
        options["on_bad_record"] = on_bad_record
    return guards.checked(READERS[format_name](path, fields, notes, **options), on_bad_record)
