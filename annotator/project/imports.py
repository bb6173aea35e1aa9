"""Importing files and folders into the project, each source whole or not at all.

``import_paths`` reads each file with the reader of its format (``io.sources``) and stores its
articles, spans, document labels and done marks; ``ImportReport`` says what happened, file by
file; in files of records (JSONL, JSON lists, CSV, doccano, Prodigy, Label Studio:
``io.sources.RECORD_FORMATS``) a bad record is skipped and reported alone (``BadRecord``, with
its line, column and reason) and the file's good records are stored (``FileResult`` counts
both). A source is parsed in batches outside any transaction and written in short chunks
(``_write_in_chunks``, over ``store.import_runs``), so other programs and the window wait a
fraction of a second at most, and a failure, a cancel or a crash takes back all the source
added. Merging colleagues' projects (``review``) stores its records through the same path. The
batch sizes are read from this module at run time: tune or patch them here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from annotator.io.guards import one_line
from annotator.io.language import detect_language
from annotator.io.records import ArticleRecord, FieldMap
from annotator.io.sources import RECORD_FORMATS, TAKES_OFFSET_UNIT, format_of, read_file, walk
from annotator.model.errors import AnnotatorError, IdentityClash, ImportFormatError
from annotator.model.types import Annotator, Article, Codebook
from annotator.project.base import Cancelled, Progress, ProjectBase
from annotator.store.import_runs import CHUNK_SECONDS, ImportRun
from annotator.store.store import Store, now

PARSE_BATCH_RECORDS = 500
PARSE_BATCH_BYTES = 4 << 20
"""An import parses this many records (or bytes of input) outside any transaction, then writes them."""


@dataclass
class FileFailure:
    path: str
    reason: str
    line: int | None = None
    clash: str | None = None  # the annotator name that clashed, if that was the reason
    column: int | None = None

    def __str__(self) -> str:
        return f"{_where(self.path, self.line, self.column)}: {self.reason}"


@dataclass
class BadRecord:
    """One record of a file that was skipped (the file's good records were imported)."""

    path: str
    reason: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{_where(self.path, self.line, self.column)}: {self.reason}"


@dataclass
class FileResult:
    """One imported file: its good records kept (new or already in the project) and its bad
    records skipped."""

    path: str
    kept: int = 0
    bad: int = 0

    def __str__(self) -> str:
        kept = f"kept {self.kept} good record{'' if self.kept == 1 else 's'}"
        bad = f"skipped {self.bad} bad record{'' if self.bad == 1 else 's'}"
        return f"{Path(self.path).name}: {kept}, {bad}"


def _where(path: str, line: int | None, column: int | None) -> str:
    if not line:
        return path
    return f"{path}, line {line}, column {column}" if column else f"{path}, line {line}"


@dataclass
class ImportReport:
    """What an import did, file by file. ``ok`` is False when any file failed or any bad
    record was skipped; ``files`` has each imported file's kept and skipped records."""

    imported: int = 0
    skipped: int = 0
    annotations_added: int = 0
    annotations_existing: int = 0
    files_imported: list[str] = field(default_factory=list)
    failed: list[FileFailure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    labels_added: list[str] = field(default_factory=list)
    annotators_added: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    files: list[FileResult] = field(default_factory=list)
    bad_records: list[BadRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.bad_records and not self.cancelled

    def files_with_bad_records(self) -> list[FileResult]:
        """The imported files of which bad records were skipped, for the summary."""
        return [f for f in self.files if f.bad]

    def add_file(self, path: Path, counts: _FileCounts) -> None:
        self.files_imported.append(str(path))
        self.files.append(FileResult(str(path), counts.imported + counts.skipped, len(counts.bad)))
        in_order = sorted(counts.bad, key=lambda e: (e.line or 0, e.column or 0))  # some are found only when stored
        self.bad_records += [BadRecord(str(path), one_line(e.message), e.line, e.column) for e in in_order]
        self.imported += counts.imported
        self.skipped += counts.skipped
        self.annotations_added += counts.annotations_added
        self.annotations_existing += counts.annotations_existing
        self.labels_added += counts.labels_added
        self.annotators_added += counts.annotators_added

    def add_failure(self, path: Path, error: AnnotatorError | OSError) -> None:
        """Record why a file failed: the reason, its line if known, the clashing name if any."""
        if isinstance(error, ImportFormatError):
            reason = error.message
        elif isinstance(error, OSError):
            reason = error.strerror or str(error)
        else:
            reason = str(error)
        self.failed.append(FileFailure(str(path), one_line(reason), getattr(error, "line", None),
                                       getattr(error, "name", None) if isinstance(error, IdentityClash) else None,
                                       getattr(error, "column", None)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "failed": len(self.failed),
            "annotations_added": self.annotations_added,
            "annotations_existing": self.annotations_existing,
            "files_imported": self.files_imported,
            "failures": [
                {"path": f.path, "line": f.line, "column": f.column, "reason": f.reason, "clash": f.clash}
                for f in self.failed
            ],
            "bad": len(self.bad_records),
            "bad_records": [
                {"path": b.path, "line": b.line, "column": b.column, "reason": b.reason} for b in self.bad_records
            ],
            "files": [{"path": f.path, "kept": f.kept, "bad": f.bad} for f in self.files],
            "ignored": self.ignored,
            "labels_added": self.labels_added,
            "annotators_added": self.annotators_added,
            "notes": self.notes,
            "cancelled": self.cancelled,
        }


@dataclass
class _FileCounts:
    imported: int = 0
    skipped: int = 0
    annotations_added: int = 0
    annotations_existing: int = 0
    labels_added: list[str] = field(default_factory=list)
    annotators_added: list[str] = field(default_factory=list)
    bad: list[ImportFormatError] = field(default_factory=list)  # records skipped, with line and reason


class ImportsMixin(ProjectBase):
    """Import: files and folders in, each in its own run of short transactions."""

    def import_paths(
        self,
        paths: Iterable[Path],
        *,
        format: str = "auto",
        fields: FieldMap | None = None,
        annotator: str | None = None,
        progress: Progress | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        offset_unit: str | None = None,
    ) -> ImportReport:
        """Import files and folders; each file in its own run of short transactions, whole or
        not at all.

        A file that cannot be read is recorded in ``report.failed`` with its reason (and line)
        and the batch goes on. In files of records (``RECORD_FORMATS``) a bad record
        (a broken line, a wrong type, a bad span, a span naming no annotator) is skipped and
        recorded in ``report.bad_records``, and the file's good records are imported.
        ``annotator`` names whoever made annotations that name nobody. An article without a
        ``language`` gets the detected one (``io.language``). Inside folders, a symbolic link
        leading outside the folder is not followed and is recorded as failed (``io.sources.walk``).
        """
        fields = fields or FieldMap()
        report = ImportReport()
        found = walk([Path(p) for p in paths], format)
        report.ignored = [str(p) for p in found.ignored]
        for link in found.outside:
            report.add_failure(link, ImportFormatError(
                f"a symbolic link to {link.resolve()}, outside the chosen folder; not followed"))
        sizes = [_size(p) for p, _ in found.files]
        total, done = sum(sizes), 0
        for (path, root), size in zip(found.files, sizes, strict=True):
            if is_cancelled and is_cancelled():
                report.cancelled = True
                break
            base = done

            def advance(nbytes: int, base: int = base) -> None:
                if progress:
                    progress(min(base + nbytes, total), total)

            work = partial(self._import_file, path, format, fields, annotator, advance, is_cancelled, report,
                           offset_unit, root)
            if not _add_source(report, path, work, "cancelled; nothing from this file was imported"):
                break
            done += size
            if progress:
                progress(done, total)
        return report

    def _import_file(
        self,
        path: Path,
        requested: str,
        fields: FieldMap,
        default_annotator: str | None,
        advance: Callable[[int], None],
        is_cancelled: Callable[[], bool] | None,
        report: ImportReport,
        offset_unit: str | None = None,
        root: Path | None = None,
    ) -> _FileCounts:
        if not path.exists():
            raise ImportFormatError("no such file")
        format_name = format_of(path, requested)
        if offset_unit is not None and format_name not in TAKES_OFFSET_UNIT:
            raise ImportFormatError(f"--offset-unit does not apply to {format_name} files")
        options: dict[str, Any] = {}
        if format_name in TAKES_OFFSET_UNIT and offset_unit:
            options["offset_unit"] = offset_unit
        counts = _FileCounts()
        per_record = format_name in RECORD_FORMATS
        notes: list[str] = []
        annotators: dict[tuple[str | None, str | None], Annotator] = {}
        imported_at = now()
        codebook = self._store.codebook()  # its attribute lists; an import adds no attributes

        def store_record(record: ArticleRecord, run: ImportRun) -> None:
            try:
                self._store_record(record, default_annotator or record.annotator_hint, annotators, counts,
                                   imported_at, run, codebook)
            except _BadRecord as error:  # raised before the record wrote anything
                if not per_record:
                    raise ImportFormatError(error.message, line=record.line) from None
                counts.bad.append(ImportFormatError(error.message, line=record.line))
            except (ImportFormatError, IdentityClash) as error:
                message = error.message if isinstance(error, ImportFormatError) else str(error)
                raise ImportFormatError(message, line=record.line) from None

        def finish() -> None:
            self._store.log_event(
                "import", annotator=default_annotator, target=str(path),
                details={"imported": counts.imported, "skipped": counts.skipped,
                         "annotations": counts.annotations_added, "bad_records": len(counts.bad)},
            )

        records = _with_language(read_file(path, format_name, fields, notes, root=root,
                                           on_bad_record=counts.bad.append if per_record else None, **options))
        self._write_in_chunks(str(path), records, store_record, counts, imported_at,
                              finish=finish, is_cancelled=is_cancelled, advance=advance)
        report.notes += notes
        return counts

    def _write_in_chunks(
        self,
        source: str,
        records: Iterable[ArticleRecord],
        store_record: Callable[[ArticleRecord, ImportRun], None],
        counts: _FileCounts,
        imported_at: str,
        *,
        finish: Callable[[], None],
        start: Callable[[], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> None:
        """Store one source's records whole or not at all, in short transactions.

        Records are parsed in batches outside any transaction; each batch is written in
        chunks of at most ``CHUNK_SECONDS`` (``store.import_runs``), so other programs and the
        window's keypresses wait a fraction of a second at most. A failure, a cancel or a
        crash takes back everything the source added.
        """
        store = self._store
        run: ImportRun | None = None

        def begun() -> ImportRun:
            # Begun at the first write, so a file refused while its first batch is parsed leaves
            # the project file untouched, byte for byte.
            nonlocal run
            if run is None:
                run = ImportRun.begin(store, source)
                if start is not None:
                    with run.chunk():
                        start()
            return run

        try:
            pending: list[ArticleRecord] = []
            pending_bytes = read_bytes = 0
            for record in records:
                pending.append(record)
                pending_bytes += record.source_bytes
                read_bytes += record.source_bytes
                if len(pending) >= PARSE_BATCH_RECORDS or pending_bytes >= PARSE_BATCH_BYTES:
                    self._write_batch(begun(), pending, store_record, counts, imported_at)
                    pending.clear()
                    pending_bytes = 0
                    if is_cancelled and is_cancelled():
                        raise Cancelled("import cancelled")
                    if advance:
                        advance(read_bytes)
            last = begun()
            self._write_batch(last, pending, store_record, counts, imported_at)
            with last.chunk():
                finish()
                last.finish()
        except BaseException:
            # Busy or gone: then the next open of the project rolls the run back.
            if run is not None:
                with contextlib.suppress(AnnotatorError):
                    run.rollback()
            raise

    def _write_batch(self, run: ImportRun, records: list[ArticleRecord],
                     store_record: Callable[[ArticleRecord, ImportRun], None], counts: _FileCounts,
                     imported_at: str) -> None:
        """Write parsed records in as many chunks as it takes; plain articles go in bulk."""
        plain: list[Article] = []

        def flush() -> None:
            added = self._store.add_articles(plain, imported_at=imported_at)
            counts.imported += added
            counts.skipped += len(plain) - added
            plain.clear()

        position = 0
        while position < len(records):
            with run.chunk():
                deadline = time.monotonic() + CHUNK_SECONDS
                while position < len(records):
                    record = records[position]
                    position += 1
                    if not (record.annotations or record.doc_labels or record.done_by):
                        plain.append(record.article)
                    else:
                        flush()
                        store_record(record, run)
                    if position % 16 == 0 and time.monotonic() > deadline:
                        break
                flush()

    def _store_record(
        self,
        record: ArticleRecord,
        default_annotator: str | None,
        annotators: dict[tuple[str | None, str | None], Annotator],
        counts: _FileCounts,
        imported_at: str,
        run: ImportRun,
        codebook: Codebook | None = None,
    ) -> None:
        """Write one record. With ``codebook``, attribute values outside its lists make the
        record bad before anything of it is written (a merge keeps colleagues' values)."""
        store = self._store
        _check_annotators(store, record, default_annotator, annotators)
        if codebook is not None:
            for number, span in enumerate(record.annotations, start=1):
                if problems := codebook.check_attributes(span.attributes):
                    raise _BadRecord(f"annotation {number}: {'; '.join(problems)}")
        article_id, created = store.add_article(record.article, imported_at=imported_at)
        if created:
            counts.imported += 1
        else:
            counts.skipped += 1

        def who(name: str | None, uuid: str | None, what: str) -> Annotator:
            key = (name, uuid)
            if key not in annotators:
                if name is None and uuid:
                    known = store.annotator_by_uuid(uuid)
                    if known is None:
                        raise ImportFormatError(f"{what} gives annotator_id {uuid} but no annotator name")
                    annotators[key] = known
                else:
                    name = name or default_annotator
                    if not name:
                        raise ImportFormatError(
                            f"{what} names no annotator; give one with --annotator NAME"
                        )
                    annotator, added = store.ensure_annotator(name, uuid)
                    if added:
                        counts.annotators_added.append(name)
                    annotators[key] = annotator
            return annotators[key]

        def label_id(name: str, scope: str) -> int:
            found, added = store.ensure_label(name, scope)
            if added:
                counts.labels_added.append(name)
            return found

        uuid_by_name = {a.annotator: a.annotator_uuid for a in record.annotations if a.annotator}
        for number, span in enumerate(record.annotations, start=1):
            annotator = who(span.annotator, span.annotator_uuid, f"annotation {number}")
            _, added = store.add_annotation(
                article_id=article_id,
                annotator_id=annotator.id or 0,
                label_id=label_id(span.label, "span"),
                start=span.start,
                end=span.end,
                text=span.text or "",
                attributes=span.attributes,
                note=span.note,
                origin=span.origin,
                annotation_uuid=span.uuid,
                created=span.created,
                updated=span.updated,
                reviewer_id=who(span.reviewer, None, f"annotation {number} reviewer").id if span.reviewer else None,
            )
            if added:
                counts.annotations_added += 1
            else:
                counts.annotations_existing += 1
        for doc_label in record.doc_labels:
            annotator = who(doc_label.annotator, doc_label.annotator_uuid, f"doc label {doc_label.label!r}")
            store.add_doc_label(
                article_id=article_id,
                annotator_id=annotator.id or 0,
                label_id=label_id(doc_label.label, "document"),
            )
        for name in record.done_by:
            annotator = who(name, uuid_by_name.get(name), "done_by")
            ids = {"article_id": article_id, "annotator_id": annotator.id or 0}
            run.note_status(**ids)
            store.set_status(**ids, status="done")


class _BadRecord(ImportFormatError):
    """A record that cannot be stored (a span naming no annotator), found before it wrote anything."""


def _annotator_refs(record: ArticleRecord) -> Iterator[tuple[str | None, str | None, str]]:
    """``(name, id, what)`` of every annotator a record names, as ``_store_record`` meets them."""
    for number, span in enumerate(record.annotations, start=1):
        yield span.annotator, span.annotator_uuid, f"annotation {number}"
        if span.reviewer:
            yield span.reviewer, None, f"annotation {number} reviewer"
    for doc_label in record.doc_labels:
        yield doc_label.annotator, doc_label.annotator_uuid, f"doc label {doc_label.label!r}"
    uuid_by_name = {a.annotator: a.annotator_uuid for a in record.annotations if a.annotator}
    for name in record.done_by:
        yield name, uuid_by_name.get(name), "done_by"


def _check_annotators(store: Store, record: ArticleRecord, default_annotator: str | None,
                      known: dict[tuple[str | None, str | None], Annotator]) -> None:
    """Raise ``_BadRecord`` if the record names an annotator that cannot be found or made,
    before anything of it is written, so that skipping it leaves nothing behind."""
    for name, uuid, what in _annotator_refs(record):
        if (name, uuid) in known:
            continue
        if name is None and uuid:
            if store.annotator_by_uuid(uuid) is None:
                raise _BadRecord(f"{what} gives annotator_id {uuid} but no annotator name")
        elif not (name or default_annotator):
            raise _BadRecord(f"{what} names no annotator; give one with --annotator NAME")


def _with_language(records: Iterable[ArticleRecord]) -> Iterator[ArticleRecord]:
    """The records, each article that names no language given the one detected in its text."""
    for record in records:
        if not record.article.language:
            record.article.language = detect_language(record.article.text)
        yield record


def _add_source(report: ImportReport, path: Path, work: Callable[[], _FileCounts], cancelled_note: str) -> bool:
    """Run ``work`` on one source and add its counts, or why it failed, to ``report``.

    Returns False when the user cancelled it (``cancelled_note`` then says so in the report),
    and the caller stops: nothing from that source was stored.
    """
    try:
        counts = work()
    except Cancelled:
        report.cancelled = True
        report.notes.append(f"{path}: {cancelled_note}")
        return False
    except (AnnotatorError, OSError) as error:
        report.add_failure(path, error)
    else:
        report.add_file(path, counts)
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
