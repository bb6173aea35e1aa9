"""Importing files and folders into the project, each source whole or not at all.

``import_paths`` reads each file with the reader of its format (``io.sources``) and stores its
articles, spans, document labels and done marks; ``ImportReport`` says what happened, file by
file; in files of records (JSONL, JSON lists, CSV, doccano, Prodigy, Label Studio:
``io.sources.RECORD_FORMATS``) a bad record is skipped and reported alone (``BadRecord``, with
its line, column and reason) and the file's good records are stored (``FileResult`` counts
both). A source is parsed in batches outside any transaction and written in short chunks
(``_write_in_chunks``, over ``store.import_runs``), so other programs and the window wait a
fraction of a second at most, and a failure, a cancel or a crash takes back all the source
added. A chunk writes its records in a few rounds of bulk statements (``_store_records``): one
each for the articles, spans, document labels and done marks of many records, each record
checked first, as if it were stored alone. Merging colleagues' projects (``review``) stores its
records through the same checks, one record at a time. The batch sizes are read from this module
at run time: tune or patch them here.
"""

from __future__ import annotations

import contextlib
import math
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from annotator.io.guards import one_line
from annotator.io.language import detect_language
from annotator.io.records import ArticleRecord, FieldMap
from annotator.io.sources import RECORD_FORMATS, TAKES_OFFSET_UNIT, format_of, read_file, walk
from annotator.model.errors import AnnotatorError, IdentityClash, ImportFormatError, InvalidSpan, MissingTextField
from annotator.model.offsets import check_span
from annotator.model.types import Annotator, Article, Codebook
from annotator.project.base import Cancelled, Progress, ProjectBase
from annotator.store.base import dumps
from annotator.store.import_runs import CHUNK_SECONDS, ImportRun
from annotator.store.spans import SpanRow, identity_clash, ordered_uuids
from annotator.store.store import Store, now

PARSE_BATCH_RECORDS = 4000
PARSE_BATCH_BYTES = 8 << 20
FIRST_BATCH_RECORDS = 500
"""An import parses at most ``PARSE_BATCH_RECORDS`` records (or ``PARSE_BATCH_BYTES`` of input)
outside any transaction, then writes them: a source's first batch at most
``FIRST_BATCH_RECORDS``, later ones about what one chunk writes in its time, index and commit
included (``_Pace.batch_cost``). Batches that end before their chunk is full cost a commit and
a pause more (60,000 articles: 121 chunks in batches of 500 took 8 % longer than 30 full ones)."""

WRITE_STEP_RECORDS = 16
"""The fewest records one round of bulk statements (``_store_records``) writes; a source's first
round writes this many, later ones as many as ``_Pace`` expects to fit in the chunk's time. A
chunk commits after the round that passes ``CHUNK_SECONDS``."""


@dataclass
class FileFailure:
    path: str
    reason: str
    line: int | None = None
    clash: str | None = None  # the annotator name that clashed, if that was the reason
    column: int | None = None
    fields: list[str] | None = None  # no text field: the fields the file has, to choose from

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
                                       getattr(error, "column", None),
                                       error.fields if isinstance(error, MissingTextField) else None))

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


class SourceAnnotators(dict[tuple[str | None, str | None], Annotator]):
    """The annotators one source names, by ``(name, id)`` as it names them (either may be
    None). ``minted``: those the source added by name alone, whose id was made up here (a
    native JSONL ``done_by`` lists names only); a later mention of the name with its id gives
    them that id rather than clashing with the made-up one (``Store.ensure_annotator``)."""

    def __init__(self) -> None:
        super().__init__()
        self.minted: set[int] = set()


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
        annotators = SourceAnnotators()
        imported_at = now()
        codebook = self._store.codebook()  # its attribute lists; an import adds no attributes

        def on_error(record: ArticleRecord, error: AnnotatorError) -> None:
            if isinstance(error, _BadRecord):  # found before the record wrote anything
                if per_record:
                    counts.bad.append(ImportFormatError(error.message, line=record.line))
                    return
                raise ImportFormatError(error.message, line=record.line) from None
            message = error.message if isinstance(error, ImportFormatError) else str(error)
            raise ImportFormatError(message, line=record.line) from None

        def store_records(batch: list[ArticleRecord], run: ImportRun) -> None:
            self._store_records(batch, default_annotator, annotators, counts, imported_at, run, codebook,
                                on_error=on_error)

        def finish() -> None:
            self._store.log_event(
                "import", annotator=default_annotator, target=str(path),
                details={"imported": counts.imported, "skipped": counts.skipped,
                         "annotations": counts.annotations_added, "bad_records": len(counts.bad)},
            )

        records = _with_language(read_file(path, format_name, fields, notes, root=root,
                                           on_bad_record=counts.bad.append if per_record else None, **options))
        self._write_in_chunks(str(path), records, None, counts, imported_at, finish=finish,
                              is_cancelled=is_cancelled, advance=advance, store_records=store_records)
        report.notes += notes
        return counts

    def _write_in_chunks(
        self,
        source: str,
        records: Iterable[ArticleRecord],
        store_record: Callable[[ArticleRecord, ImportRun], None] | None,
        counts: _FileCounts,
        imported_at: str,
        *,
        finish: Callable[[], None],
        start: Callable[[], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        advance: Callable[[int], None] | None = None,
        store_records: Callable[[list[ArticleRecord], ImportRun], None] | None = None,
    ) -> None:
        """Store one source's records whole or not at all, in short transactions.

        Records are parsed in batches outside any transaction; each batch is written in
        chunks of at most ``CHUNK_SECONDS`` (``store.import_runs``), so other programs and the
        window's keypresses wait a fraction of a second at most. A failure, a cancel or a
        crash takes back everything the source added. ``store_records`` writes a few records
        at a time in bulk (``_store_records``); without it ``store_record`` writes those with
        spans, labels or done marks one by one and plain articles go in bulk.
        """
        store = self._store
        run: ImportRun | None = None
        pace = _Pace()
        if store_records is None:
            assert store_record is not None
            store_records = partial(self._store_one_by_one, store_record, counts, imported_at)

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

        with store.long_write_settings():
            try:
                pending: list[ArticleRecord] = []
                pending_bytes = pending_cost = read_bytes = 0
                most, full = min(FIRST_BATCH_RECORDS, PARSE_BATCH_RECORDS), pace.batch_cost()
                for record in records:
                    pending.append(record)
                    pending_bytes += record.source_bytes
                    read_bytes += record.source_bytes
                    pending_cost += _cost(record)
                    if len(pending) >= most or pending_bytes >= PARSE_BATCH_BYTES or (
                            pending_cost >= full and len(pending) >= WRITE_STEP_RECORDS):
                        self._write_batch(begun(), pending, store_records, pace)
                        pending.clear()
                        pending_bytes = pending_cost = 0
                        most, full = PARSE_BATCH_RECORDS, pace.batch_cost()
                        if is_cancelled and is_cancelled():
                            raise Cancelled("import cancelled")
                        if advance:
                            advance(read_bytes)
                last = begun()
                self._write_batch(last, pending, store_records, pace)
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
                     store_records: Callable[[list[ArticleRecord], ImportRun], None],
                     pace: _Pace | None = None) -> None:
        """Write parsed records in as many chunks as it takes, in rounds of bulk statements
        sized by ``pace`` to fill a chunk's time."""
        pace = pace or _Pace()
        position = 0
        while position < len(records):
            opened, chunk_cost = time.monotonic(), 0
            with run.chunk():
                deadline = opened + CHUNK_SECONDS
                while position < len(records):
                    count, cost = pace.take(records, position, deadline)
                    began = time.monotonic()
                    store_records(records[position:position + count], run)
                    pace.wrote(cost, time.monotonic() - began)
                    position += count
                    chunk_cost += cost
                    if time.monotonic() > deadline:
                        break
            pace.chunked(chunk_cost, time.monotonic() - opened)

    def _store_one_by_one(self, store_record: Callable[[ArticleRecord, ImportRun], None], counts: _FileCounts,
                          imported_at: str, records: list[ArticleRecord], run: ImportRun) -> None:
        """Plain articles in bulk, the other records through ``store_record`` (a merge's)."""
        plain: list[Article] = []

        def flush() -> None:
            if plain:
                added = self._store.add_articles(plain, imported_at=imported_at)
                counts.imported += added
                counts.skipped += len(plain) - added
                plain.clear()

        for record in records:
            if not (record.annotations or record.doc_labels or record.done_by):
                plain.append(record.article)
            else:
                flush()
                store_record(record, run)
        flush()

    def _store_records(
        self,
        records: list[ArticleRecord],
        default_annotator: str | None,
        annotators: SourceAnnotators,
        counts: _FileCounts,
        imported_at: str,
        run: ImportRun,
        codebook: Codebook | None = None,
        *,
        on_error: Callable[[ArticleRecord, AnnotatorError], None] | None = None,
    ) -> None:
        """Write records in bulk: one statement each for their articles, spans, document labels
        and done marks, whatever their number.

        First each record is checked: every annotator it names can be found or made, every
        span lies inside the text and covers the text the record gives it, and with
        ``codebook`` every attribute value is in its list (a merge keeps colleagues' values).
        A record that fails is handed to ``on_error`` as a ``_BadRecord`` before anything of it
        is written; ``on_error`` skips it (returns) or fails the source (raises). Then the
        articles go in (a text stored already is reused), names become ids (cached for the
        source in ``annotators``, per call for labels), and the spans go in: a span already
        stored is counted as existing, a span whose id belongs to another span is an identity
        clash. A clash ends the source: it goes to ``on_error`` with its record and must be
        raised (without ``on_error``, errors are raised as they are).
        """
        store = self._store
        good: list[ArticleRecord] = []
        # Names that are labels of one scope only (a record using one in the other is refused).
        one_scope = codebook.single_scope_names() if codebook is not None else (frozenset(), frozenset())
        for record in records:
            try:
                _check_record(store, record, default_annotator or record.annotator_hint, annotators, codebook,
                              one_scope)
            except _BadRecord as error:
                _fail(record, error, on_error, may_skip=True)
                continue
            good.append(record)
        articles = [record.article for record in good]
        texts = [record.stored_text() for record in good]  # encoded once, when checked: hashed and stored so
        hashes = [record.text_hash() for record in good]
        if not any(record.annotations or record.doc_labels or record.done_by for record in good):
            added = store.add_articles(articles, imported_at=imported_at, hashes=hashes, texts=texts)
            counts.imported += added  # plain articles: their ids are not needed
            counts.skipped += len(good) - added
            return
        ids = store.add_articles_with_ids(articles, imported_at=imported_at, hashes=hashes, texts=texts)
        created = sum(1 for _, new in ids if new)
        counts.imported += created
        counts.skipped += len(ids) - created

        label_ids: dict[str, dict[str, int]] = {"span": {}, "document": {}}  # scope -> name -> id

        def label_id(name: str, scope: str) -> int:
            found, added = store.ensure_label(name, scope)
            if added:
                counts.labels_added.append(name)
            label_ids[scope][name] = found
            return found

        def who(name: str | None, uuid: str | None, what: str, default: str | None) -> int:
            key = (name, uuid)
            if key not in annotators:
                if name is None and uuid:
                    known = store.annotator_by_uuid(uuid)
                    if known is None:
                        raise ImportFormatError(f"{what} gives annotator_id {uuid} but no annotator name")
                    annotators[key] = known
                else:
                    name = name or default
                    if not name:
                        raise ImportFormatError(f"{what} names no annotator; give one with --annotator NAME")
                    annotator, added = store.ensure_annotator(name, uuid, adoptable=annotators.minted)
                    if added:
                        counts.annotators_added.append(name)
                        if not uuid:
                            annotators.minted.add(annotator.id or 0)
                    elif uuid:
                        annotators.minted.discard(annotator.id or 0)  # its id is known now
                    annotators[key] = annotator
            return annotators[key].id or 0

        stamp = now()  # one time stamp for the spans, labels and marks of these records
        fresh = iter(ordered_uuids(sum(1 for record in good for span in record.annotations if not span.uuid)))
        span_labels, document_labels = label_ids["span"], label_ids["document"]
        spans: list[SpanRow] = []
        firsts: list[int] = []  # where each record's spans begin in ``spans``, to report a clash
        doc_labels: list[tuple[int, int, int]] = []
        done: dict[tuple[int, int], None] = {}
        failure: tuple[ArticleRecord, AnnotatorError] | None = None
        for record, (article_id, _) in zip(good, ids, strict=True):
            firsts.append(len(spans))
            default = default_annotator or record.annotator_hint
            text = record.article.text
            try:
                for number, span in enumerate(record.annotations, start=1):
                    known = annotators.get((span.annotator, span.annotator_uuid))
                    start, end, label = span.start, span.end, span.label
                    spans.append((  # the text was checked to be what the span covers (_check_record)
                        span.uuid or next(fresh), article_id,
                        (known.id or 0) if known else who(span.annotator, span.annotator_uuid,
                                                          f"annotation {number}", default),
                        span_labels.get(label) or label_id(label, "span"), start, end, span.text or text[start:end],
                        dumps(span.attributes) if span.attributes else "{}", span.note or "", span.origin,
                        span.created or stamp, span.updated or span.created or stamp,
                        who(span.reviewer, None, f"annotation {number} reviewer", default) if span.reviewer else None,
                    ))
                for doc_label in record.doc_labels:
                    annotator_id = who(doc_label.annotator, doc_label.annotator_uuid,
                                       f"doc label {doc_label.label!r}", default)
                    doc_labels.append((article_id, annotator_id, document_labels.get(doc_label.label)
                                       or label_id(doc_label.label, "document")))
                if record.done_by:
                    uuid_by_name = {a.annotator: a.annotator_uuid for a in record.annotations if a.annotator}
                    for name in record.done_by:
                        done[(article_id, who(name, uuid_by_name.get(name), "done_by", default))] = None
            except (ImportFormatError, IdentityClash) as error:
                # The source fails, but the spans before this point go in first: a clash among
                # them comes earlier in the file, so it is the one reported.
                failure = (record, error)
                break
        outcomes = store.add_annotations(spans)
        if None in outcomes:
            position = outcomes.index(None)
            _fail(good[bisect_right(firsts, position) - 1], identity_clash(spans[position][0]), on_error)
        counts.annotations_added += outcomes.count(True)
        counts.annotations_existing += outcomes.count(False)
        if failure is not None:
            _fail(*failure, on_error)
        if doc_labels:
            store.add_doc_labels(doc_labels, stamp=stamp)
        if done:
            run.note_statuses(done)  # before they change, for a rollback
            store.set_statuses(done, "done", stamp=stamp)


def _fail(record: ArticleRecord, error: AnnotatorError,
          on_error: Callable[[ArticleRecord, AnnotatorError], None] | None, *, may_skip: bool = False) -> None:
    """Hand a record's error to ``on_error``; it returns only for a record that may be skipped."""
    if on_error is not None:
        on_error(record, error)
        if may_skip:
            return
    raise error


def _check_record(store: Store, record: ArticleRecord, default_annotator: str | None,
                  known: dict[tuple[str | None, str | None], Annotator], codebook: Codebook | None,
                  one_scope: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())) -> None:
    """Raise ``_BadRecord`` for a record that cannot be stored, before anything of it is
    written: an annotator that cannot be found or made, a span outside the text or not
    covering the text it gives, an attribute value outside the ``codebook``'s list, a label
    that is one of the other scope only (``one_scope``: the codebook's names of span labels
    only and of document labels only)."""
    span_only, document_only = one_scope
    text = record.article.text
    known_only = not (record.doc_labels or record.done_by)  # and every span by a known annotator
    problem: _BadRecord | None = None  # the spans' first, raised after the annotators' own
    for number, span in enumerate(record.annotations, start=1):
        if known_only and (span.reviewer or (span.annotator, span.annotator_uuid) not in known):
            known_only = False
        if problem is not None:
            continue
        try:
            check_span(text, span.start, span.end, span.text)
        except InvalidSpan as error:
            problem = _BadRecord(f"annotation {number} ({span.label}): {error}")
            continue
        if codebook is not None and span.attributes and (problems := codebook.check_attributes(span.attributes)):
            problem = _BadRecord(f"annotation {number}: {'; '.join(problems)}")
        elif span.label in document_only and codebook is not None:
            problem = _BadRecord(f"annotation {number}: {codebook.scope_problem(span.label, 'span')}")
    if problem is None and codebook is not None:
        for doc_label in record.doc_labels:
            if doc_label.label in span_only:
                problem = _BadRecord(f"doc label: {codebook.scope_problem(doc_label.label, 'document')}")
                break
    if not known_only:
        _check_annotators(store, record, default_annotator, known)
    if problem is not None:
        raise problem


@dataclass
class _Pace:
    """How fast a source's records are written, to size each round of bulk statements so that
    a chunk ends near its time: many small rounds cost up to a tenth more than a few large ones
    (measured with bare inserts of articles and spans)."""

    seconds: float = 0.0
    cost: int = 0
    chunk_seconds: float = 0.0  # whole chunks: their rounds, full-text index, commit and pause
    chunk_cost: int = 0

    def take(self, records: list[ArticleRecord], position: int, deadline: float) -> tuple[int, int]:
        """How many records from ``position`` the next round writes, and their cost."""
        end = min(position + WRITE_STEP_RECORDS, len(records))
        spent = sum(map(_cost, records[position:end]))
        if self.cost:
            budget = (deadline - time.monotonic()) * self.cost / max(self.seconds, 1e-6)
            while end < len(records) and spent < budget:
                spent += _cost(records[end])
                end += 1
        return end - position, spent

    def wrote(self, cost: int, seconds: float) -> None:
        self.seconds += seconds
        self.cost += cost

    def chunked(self, cost: int, seconds: float) -> None:
        """A chunk wrote records of ``cost`` in ``seconds``, from its start to after its commit."""
        self.chunk_seconds += seconds
        self.chunk_cost += cost

    def batch_cost(self) -> float:
        """The cost of the records one chunk writes in ``CHUNK_SECONDS``, index and commit
        included (infinite until a chunk has been timed)."""
        if not self.chunk_cost:
            return math.inf
        return CHUNK_SECONDS * self.chunk_cost / max(self.chunk_seconds, 1e-6)


def _cost(record: ArticleRecord) -> int:
    """A record's share of the writing time, roughly: a character of text is one, a span (or
    document label, or done mark) about a thousand (measured: 3.5 KB articles with 5 spans)."""
    return len(record.article.text) + 1000 * (len(record.annotations) + len(record.doc_labels)
                                              + len(record.done_by) + 1)


class _BadRecord(ImportFormatError):
    """A record that cannot be stored (a span naming no annotator), found before it wrote anything."""


def _annotator_refs(record: ArticleRecord) -> Iterator[tuple[str | None, str | None, str]]:
    """``(name, id, what)`` of every annotator a record names, as ``_store_records`` meets them."""
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
    before anything of it is written, so that skipping it leaves nothing behind. (The usual
    record, whose spans name annotators in ``known`` only, is passed by ``_check_record``
    without a call.)"""
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
