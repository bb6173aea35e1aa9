"""The facade the CLI and the GUI share: open a project, import, export, query, execute edits.

To use it::

    project = Project.open("news.annotator")
    report = project.import_paths([Path("articles/")], annotator="ana")
    with open("out.jsonl", "w", encoding="utf-8") as out:
        project.export_jsonl(out, annotators=["ana"], done_only=True)
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import IO, Any

from annotator.io import jsonl
from annotator.io.exporters import FORMATS
from annotator.io.exporting import OFFSET_UNITS, ExportFilter, ExportSummary, export_filter
from annotator.io.records import ArticleRecord, FieldMap
from annotator.io.sources import READERS, TAKES_OFFSET_UNIT, expand_paths, format_of
from annotator.model.commands import (
    AddSpan,
    Changes,
    Command,
    EditCodebook,
    RemoveSpan,
    SetDocLabel,
    SetStatus,
    UpdateSpan,
)
from annotator.model.errors import (
    AnnotatorError,
    CodebookError,
    IdentityClash,
    ImportFormatError,
    InvalidSpan,
    NotFound,
    ProjectFileError,
)
from annotator.model.offsets import check_span
from annotator.model.types import GOLD, Annotation, Annotator, Article, Codebook, DocLabel, Label
from annotator.review.agreement import AgreementCounts, ArticleUnits, SpanRef
from annotator.store import Store, is_sqlite_file
from annotator.store.import_runs import CHUNK_SECONDS, ImportRun
from annotator.store.store import BUSY_TIMEOUT_SECONDS, now

Progress = Callable[[int, int], None]
"""Called with (done, total) units of work; for imports the units are bytes of input."""


class Cancelled(AnnotatorError):
    """The user cancelled a long operation; work already committed stays."""


def default_codebook() -> Codebook:
    """The codebook shipped in ``resources/codebooks/news-stance.json``."""
    text = resources.files("annotator.resources").joinpath("codebooks/news-stance.json").read_text(
        encoding="utf-8"
    )
    return Codebook.from_dict(json.loads(text))


def sample_article_paths() -> list[Path]:
    folder = resources.files("annotator.resources").joinpath("samples")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def read_codebook_file(path: Path) -> Codebook:
    """Raises CodebookError for unreadable JSON or an invalid codebook."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise CodebookError(f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CodebookError(f"{path} is not a JSON file ({error})") from None
    try:
        return Codebook.from_dict(data)
    except CodebookError as error:
        raise CodebookError(f"{path}: {error}") from None


@dataclass
class FileFailure:
    path: str
    reason: str
    line: int | None = None
    clash: str | None = None  # the annotator name that clashed, if that was the reason

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did, file by file. ``ok`` is False when any file failed."""

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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def add_file(self, path: Path, counts: _FileCounts) -> None:
        self.files_imported.append(str(path))
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
        self.failed.append(FileFailure(str(path), reason, getattr(error, "line", None),
                                       getattr(error, "name", None) if isinstance(error, IdentityClash) else None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "failed": len(self.failed),
            "annotations_added": self.annotations_added,
            "annotations_existing": self.annotations_existing,
            "files_imported": self.files_imported,
            "failures": [
                {"path": f.path, "line": f.line, "reason": f.reason, "clash": f.clash} for f in self.failed
            ],
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


class Project:
    """One open project file."""

    def __init__(self, store: Store):
        self._store = store
        # Article texts never change once stored; the last few are kept so that a keypress on
        # a 1,000,000-character article does not re-read it to check a span.
        self._texts: dict[int, str] = {}

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, codebook: Codebook | None = None,
             read_only: bool | None = None, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Project:
        """Open (or create, with ``codebook`` or the default one) a project file.

        Raises:
            ProjectFileError: see ``Store.open``.
        """
        store = Store.open(path, create=create, read_only=read_only, busy_timeout=busy_timeout)
        project = cls(store)
        if not store.read_only and not store.codebook().labels and not store.info("codebook_seeded"):
            with store.write():
                store.merge_codebook(codebook or default_codebook())
                store.set_info("codebook_seeded", "yes")
        return project

    @classmethod
    def create(cls, path: str | Path, *, codebook: Codebook | None = None) -> Project:
        """Create a new project file; refuses to touch an existing one."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise ProjectFileError(f"{path} already exists; open it instead of creating it")
        return cls.open(path, codebook=codebook)

    @classmethod
    def memory(cls, *, codebook: Codebook | None = None) -> Project:
        project = cls(Store.memory())
        with project._store.write():
            project._store.merge_codebook(codebook or default_codebook())
        return project

    def close(self) -> None:
        self._store.close()

    @property
    def path(self) -> str | None:
        return self._store.path

    # -- codebook -----------------------------------------------------------------------

    def codebook(self) -> Codebook:
        return self._store.codebook()

    def import_codebook(self, path: Path) -> dict[str, list[str]]:
        codebook = read_codebook_file(path)
        with self._store.write():
            result = self._store.merge_codebook(codebook)
            self._store.log_event("codebook_import", target=str(path), details=result)
        return result

    def export_codebook(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.codebook().to_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )

    # -- annotators ---------------------------------------------------------------------

    def annotator(self, name: str) -> Annotator:
        """The annotator called ``name``, added to the project if new (in a read-only project
        an unknown name is returned unsaved, with no id)."""
        annotator = self._store.annotator_by_name(name)
        if annotator:
            return annotator
        if self.read_only:
            return Annotator(uuid="", name=name)
        with self._store.write():
            annotator, _ = self._store.ensure_annotator(name)
            self._store.log_event("annotator_added", annotator=name)
        return annotator

    # -- import ----------------------------------------------------------------------

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
        """Import files and folders; each file in its own transaction, whole or not at all.

        A broken file is recorded in ``report.failed`` with its reason (and line) and the batch
        goes on. ``annotator`` names whoever made annotations that name nobody.
        """
        fields = fields or FieldMap()
        report = ImportReport()
        files, ignored = expand_paths([Path(p) for p in paths], format)
        report.ignored = [str(p) for p in ignored]
        sizes = [_size(p) for p in files]
        total, done = sum(sizes), 0
        for path, size in zip(files, sizes, strict=True):
            if is_cancelled and is_cancelled():
                report.cancelled = True
                break
            base = done

            def advance(nbytes: int, base: int = base) -> None:
                if progress:
                    progress(min(base + nbytes, total), total)

            try:
                counts = self._import_file(path, format, fields, annotator, advance, is_cancelled, report,
                                           offset_unit)
            except Cancelled:
                report.cancelled = True
                report.notes.append(f"{path}: cancelled; nothing from this file was imported")
                break
            except (AnnotatorError, OSError) as error:
                report.add_failure(path, error)
            else:
                report.add_file(path, counts)
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
    ) -> _FileCounts:
        if not path.exists():
            raise ImportFormatError("no such file")
        format_name = format_of(path, requested)
        reader = READERS[format_name]
        if offset_unit is not None and format_name not in TAKES_OFFSET_UNIT:
            raise ImportFormatError(f"--offset-unit does not apply to {format_name} files")
        options = {"offset_unit": offset_unit} if format_name in TAKES_OFFSET_UNIT and offset_unit else {}
        counts = _FileCounts()
        notes: list[str] = []
        annotators: dict[tuple[str | None, str | None], Annotator] = {}
        imported_at = now()

        def store_record(record: ArticleRecord, run: ImportRun) -> None:
            try:
                self._store_record(record, default_annotator or record.annotator_hint, annotators, counts,
                                   imported_at, run)
            except (ImportFormatError, IdentityClash) as error:
                message = error.message if isinstance(error, ImportFormatError) else str(error)
                raise ImportFormatError(message, line=record.line) from None

        def finish() -> None:
            self._store.log_event(
                "import", annotator=default_annotator, target=str(path),
                details={"imported": counts.imported, "skipped": counts.skipped,
                         "annotations": counts.annotations_added},
            )

        self._write_in_chunks(str(path), reader(path, fields, notes, **options), store_record, counts, imported_at,
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
        run = ImportRun.begin(store, source)
        try:
            if start is not None:
                with run.chunk():
                    start()
            pending: list[ArticleRecord] = []
            pending_bytes = read_bytes = 0
            for record in records:
                pending.append(record)
                pending_bytes += record.source_bytes
                read_bytes += record.source_bytes
                if len(pending) >= PARSE_BATCH_RECORDS or pending_bytes >= PARSE_BATCH_BYTES:
                    self._write_batch(run, pending, store_record, counts, imported_at)
                    pending.clear()
                    pending_bytes = 0
                    if is_cancelled and is_cancelled():
                        raise Cancelled("import cancelled")
                    if advance:
                        advance(read_bytes)
            self._write_batch(run, pending, store_record, counts, imported_at)
            with run.chunk():
                finish()
                run.finish()
        except BaseException:
            # Busy or gone: then the next open of the project rolls the run back.
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
    ) -> None:
        store = self._store
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

    # -- export --------------------------------------------------------------------------

    def records(self, filter: ExportFilter | None = None, *, raw: str | None = None,
                **keywords: Any) -> Iterator[ArticleRecord]:
        """Articles with their annotations, filtered by ``filter`` (see ``ExportFilter``; its
        fields are also taken as keywords, ``annotators=["ana"]``), streamed in id order.

        With ``raw="json"`` spans come as ready JSONL objects in ``annotations_json`` (built by
        SQLite), with ``raw="rows"`` as plain tuples in ``span_rows``, instead of ``Annotation``
        objects: how the native and CSV exports write a million spans quickly.

        Raises:
            NotFound: an annotator or label name that the project does not have.
        """
        store = self._store
        scope = self._export_scope(export_filter(filter, keywords))
        if scope is None:
            return
        chosen_names, label_names, done_only = scope
        known_ids = {a.name: a.id or 0 for a in store.annotators()}
        for article in store.iter_articles():
            assert article.id is not None
            done_by = [name for name, _ in store.done_by(article.id)]
            if chosen_names is not None:
                done_by = [name for name in done_by if name in chosen_names]
            if done_only and not done_by:
                continue
            keep = set(done_by) if done_only else chosen_names
            keep_ids = None if keep is None else [known_ids[name] for name in keep]
            spans: list[Annotation] = []
            spans_json = span_rows = None
            if raw == "json":
                spans_json = store.annotations_json(article.id, annotator_ids=keep_ids, labels=label_names)
            elif raw == "rows":
                span_rows = store.span_rows(article.id, annotator_ids=keep_ids, labels=label_names)
            else:
                spans = store.annotations(article.id, annotator_ids=keep_ids, labels=label_names)
            doc_labels = [
                DocLabel(label, name, uuid)
                for label, name, uuid in store.doc_labels(article.id)
                if (keep is None or name in keep) and (label_names is None or label in label_names)
            ]
            record = ArticleRecord(article, spans, doc_labels, done_by)
            record.annotations_json, record.span_rows = spans_json, span_rows
            yield record

    def export(self, format: str, output: Path, *, filter: ExportFilter | None = None, offset_unit: str | None = None,
               excel: bool = False, progress: Progress | None = None, is_cancelled: Callable[[], bool] | None = None,
               **keywords: Any) -> ExportSummary:
        """Export in any format of ``io.exporters.FORMATS``: the spans ``filter`` keeps (or its
        fields as keywords, as for ``records``), as many as ``count_export(filter)`` counts.

        Files are written to a temporary name and renamed when complete, so a failed export
        never leaves a half-written file behind under the real name.

        Raises:
            AnnotatorError: an unknown format, an offset unit the format has no use for.
        """
        spec = FORMATS.get(format)
        if spec is None:
            raise AnnotatorError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
        if offset_unit is not None and spec.default_unit is None:
            raise AnnotatorError(f"{format} has no character offsets; --offset-unit does not apply")
        unit = offset_unit or spec.default_unit or "codepoint"
        if unit not in OFFSET_UNITS:
            raise AnnotatorError(f"unknown offset unit {unit!r}; use codepoint or utf16")
        raw = "json" if spec.write is None else "rows" if format == "csv" else None
        output = Path(output)
        if not output.parent.is_dir():
            raise AnnotatorError(f"{output}: the folder {output.parent} does not exist")
        records = self._counted(self.records(export_filter(filter, keywords), raw=raw), progress, is_cancelled)
        partial = output.with_name(output.name + ".partial")
        if spec.folder:
            if output.exists() and any(output.iterdir()):
                raise AnnotatorError(f"{output} is a folder that is not empty; choose a new folder")
            shutil.rmtree(partial, ignore_errors=True)
        try:
            if spec.write is None:
                summary = ExportSummary(offset_unit="codepoint")
                with open(partial, "w", encoding="utf-8", newline="\n") as out:
                    for record in records:
                        out.write(jsonl.record_line(record))
                        summary.articles += 1
                        summary.spans += len(record.annotations_json or ())
                summary.files.append(str(output))
            else:
                summary = spec.write(records, partial, codebook=self.codebook(), offset_unit=unit, excel=excel)
            if spec.folder and output.exists():
                output.rmdir()
            partial.replace(output)
            if format == "labelstudio":  # its config was written beside the partial name
                config = partial.with_name(partial.stem + ".labeling-config.xml")
                config.replace(output.with_name(output.stem + ".labeling-config.xml"))
                summary.files = [str(output), str(output.with_name(output.stem + ".labeling-config.xml"))]
            else:
                summary.files = [str(output)]
        finally:
            if partial.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
            else:
                partial.unlink(missing_ok=True)
        return summary

    def count_export(self, filter: ExportFilter | None = None, **keywords: Any) -> tuple[int, int]:
        """``(spans, articles with spans)`` that ``export`` with this filter (or its fields as
        keywords) would write; one COUNT, quick enough for a live preview.

        Raises:
            NotFound: an annotator or label name that the project does not have.
        """
        scope = self._export_scope(export_filter(filter, keywords))
        if scope is None:
            return 0, 0
        names, labels, done_only = scope
        ids = None if names is None else [a.id or 0 for a in self._store.annotators() if a.name in names]
        return self._store.count_spans(annotator_ids=ids, labels=None if labels is None else sorted(labels),
                                      done_only=done_only)

    def _export_scope(self, filter: ExportFilter) -> tuple[set[str] | None, set[str] | None, bool] | None:
        """``(annotator names, label names, done_only)`` that ``filter`` keeps (``None`` = all),
        checked against the project; ``None`` when it asks for a gold layer there is not.

        Raises:
            NotFound: an annotator or label name that the project does not have.
        """
        store = self._store
        if filter.gold and store.annotator_by_name(GOLD) is None:
            return None
        names = filter.annotator_names()
        if names is not None:
            known = {a.name for a in store.annotators()}
            for name in names:
                if name not in known:
                    raise NotFound(f"no annotator called {name!r} (known: {', '.join(sorted(known)) or 'none'})")
        labels = None if filter.labels is None else set(filter.labels)
        if labels is not None:
            codebook = store.codebook()
            missing = sorted(labels - {lab.name for lab in [*codebook.labels, *codebook.doc_labels]})
            if missing:
                raise NotFound(f"no label called {missing[0]!r} in the codebook")
        return None if names is None else set(names), labels, filter.done_only

    def _counted(self, records: Iterator[ArticleRecord], progress: Progress | None,
                 is_cancelled: Callable[[], bool] | None = None) -> Iterator[ArticleRecord]:
        """``records`` with progress reports, stopped by ``Cancelled`` when ``is_cancelled()``."""
        total = self._store.article_count()
        for seen, record in enumerate(records, start=1):
            if seen % 256 == 0:
                if is_cancelled and is_cancelled():
                    raise Cancelled("export cancelled; no file was written")
                if progress:
                    progress(seen, total)
            yield record
        if progress:
            progress(total, total)

    def export_jsonl(self, out: IO[str], *, filter: ExportFilter | None = None, progress: Progress | None = None,
                     **keywords: Any) -> int:
        """Write the native JSONL export to an open stream (filtered as ``export``); returns the
        number of articles."""
        return jsonl.write(self._counted(self.records(export_filter(filter, keywords), raw="json"), progress), out)

    # -- edits ------------------------------------------------------------------------

    def execute(self, command: Command) -> tuple[Changes, Command]:
        """Apply one edit in its own transaction; returns what changed and the inverse edit.

        Raises:
            InvalidSpan: offsets outside the article, or the same span already stored.
            NotFound: an unknown article, span or label.
            CodebookError: an invalid codebook.
        """
        store = self._store
        with store.write():
            if isinstance(command, AddSpan):
                result = self._add_span(command)
            elif isinstance(command, RemoveSpan):
                span = store.annotation(command.uuid)
                store.delete_annotation(command.uuid)
                result = (
                    Changes(frozenset({span.article_id or 0}), frozenset({span.uuid or ""})),
                    AddSpan(article_id=span.article_id or 0, annotator=span.annotator or "",
                            start=span.start, end=span.end, label=span.label,
                            attributes=span.attributes, note=span.note, origin=span.origin,
                            uuid=span.uuid or "", created=span.created, updated=span.updated,
                            reviewer=span.reviewer),
                )
            elif isinstance(command, UpdateSpan):
                result = self._update_span(command)
            elif isinstance(command, SetStatus):
                annotator = self._annotator_for_edit(command.annotator)
                previous = store.set_status(article_id=command.article_id,
                                            annotator_id=annotator.id or 0, status=command.status)
                result = (Changes(frozenset({command.article_id}), status=True),
                          SetStatus(command.article_id, command.annotator, previous))
            elif isinstance(command, SetDocLabel):
                result = self._set_doc_label(command)
            elif isinstance(command, EditCodebook):
                result = self._edit_codebook(command)
            else:
                raise TypeError(f"not a command: {command!r}")
            changes, inverse = result
            store.log_event(
                type(command).__name__,
                annotator=getattr(command, "annotator", None),
                article_id=next(iter(changes.article_ids), None),
                target=getattr(command, "uuid", None),
                details={"description": command.description},
            )
        return changes, inverse

    def _annotator_for_edit(self, name: str) -> Annotator:
        annotator, _ = self._store.ensure_annotator(name)
        return annotator

    def _label_for_edit(self, name: str, scope: str = "span") -> int:
        label_id = self._store.label_id(name, scope)
        if label_id is None:
            raise NotFound(f"no label called {name!r} in the codebook")
        return label_id

    def _add_span(self, command: AddSpan) -> tuple[Changes, Command]:
        store = self._store
        start, end = command.start, command.end
        text = self.article_text(command.article_id)
        check_span(text, start, end)
        covered = text[start:end]
        annotator = self._annotator_for_edit(command.annotator)
        uuid, created = store.add_annotation(
            article_id=command.article_id, annotator_id=annotator.id or 0,
            label_id=self._label_for_edit(command.label), start=start, end=end,
            text=covered, attributes=command.attributes, note=command.note,
            origin=command.origin, annotation_uuid=command.uuid, created=command.created,
            updated=command.updated,
            reviewer_id=self._annotator_for_edit(command.reviewer).id if command.reviewer else None,
        )
        if not created:
            raise InvalidSpan(f"“{covered}” is already labelled {command.label}")
        return Changes(frozenset({command.article_id}), frozenset({uuid})), RemoveSpan(uuid)

    def _update_span(self, command: UpdateSpan) -> tuple[Changes, Command]:
        store = self._store
        old = store.annotation(command.uuid)
        fields: dict[str, Any] = {}
        if command.label is not None:
            fields["label_id"] = self._label_for_edit(command.label)
        if command.attributes is not None:
            fields["attributes"] = command.attributes
        if command.note is not None:
            fields["note"] = command.note
        store.update_annotation(command.uuid, **fields)
        inverse = UpdateSpan(
            command.uuid,
            label=old.label if command.label is not None else None,
            attributes=old.attributes if command.attributes is not None else None,
            note=old.note if command.note is not None else None,
        )
        return Changes(frozenset({old.article_id or 0}), frozenset({command.uuid})), inverse

    def _set_doc_label(self, command: SetDocLabel) -> tuple[Changes, Command]:
        annotator = self._annotator_for_edit(command.annotator)
        ids = {"article_id": command.article_id, "annotator_id": annotator.id or 0,
               "label_id": self._label_for_edit(command.label, "document")}
        change = self._store.add_doc_label if command.present else self._store.remove_doc_label
        changed = change(**ids)
        inverse = SetDocLabel(command.article_id, command.annotator, command.label,
                              not command.present if changed else command.present)
        return Changes(frozenset({command.article_id}), doc_labels=True), inverse

    def _edit_codebook(self, command: EditCodebook) -> tuple[Changes, Command]:
        store = self._store
        previous = store.codebook()
        removed_spans, removed_doc_labels = store.replace_codebook(command.codebook, command.renames)
        for span in command.restore:
            annotator = self._annotator_for_edit(span.annotator or "")
            store.add_annotation(
                article_id=span.article_id or 0, annotator_id=annotator.id or 0,
                label_id=self._label_for_edit(span.label), start=span.start, end=span.end,
                text=span.text or "", attributes=span.attributes, note=span.note, origin=span.origin,
                annotation_uuid=span.uuid, created=span.created, updated=span.updated,
                reviewer_id=self._annotator_for_edit(span.reviewer).id if span.reviewer else None,
            )
        for article_id, annotator_name, label in command.restore_doc_labels:
            annotator = self._annotator_for_edit(annotator_name)
            store.add_doc_label(article_id=article_id, annotator_id=annotator.id or 0,
                                label_id=self._label_for_edit(label, "document"))
        inverse = EditCodebook(
            previous,
            renames=tuple((rename[1], rename[0], *rename[2:]) for rename in command.renames),
            restore=tuple(removed_spans),
            restore_doc_labels=tuple(removed_doc_labels),
        )
        touched = {s.article_id or 0 for s in [*removed_spans, *command.restore]}
        return Changes(frozenset(touched), codebook=True, doc_labels=True), inverse

    # -- review -------------------------------------------------------------------------

    def agreement(self, *, annotators: Iterable[str] | None = None, unit: str = "token",
                  workers: int | None = None) -> dict[str, Any]:
        """Agreement figures (``review.agreement``) between annotators (default: everyone who
        marked an article done, but the gold layer).

        Large projects are split by article id over ``workers`` processes (default: the
        machine's cores, at most four), each reading its own part of the file; the counts they
        return add up to exactly what one pass would give.

        Raises:
            NotFound: an unknown annotator name.
        """
        store = self._store
        known = {a.name: a for a in store.annotators()}
        if annotators:
            names = list(annotators)
        else:  # everyone who judged something; the gold layer and pure reviewers are not coders
            judged = store.annotators_with_done()
            names = [name for name in known if name != GOLD and known[name].id in judged]
        for name in names:
            if name not in known:
                raise NotFound(f"no annotator called {name!r} (known: {', '.join(sorted(known)) or 'none'})")
        codebook = store.codebook()
        labels = [label.name for label in codebook.labels]
        doc_labels = [label.name for label in codebook.doc_labels]
        ids = store.judged_article_ids([known[name].id or 0 for name in names])
        workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        if self.path is None or workers < 2 or len(ids) < PARALLEL_AGREEMENT_MIN_ARTICLES:
            counts = self.agreement_counts(names, unit, labels, doc_labels)
        else:
            size = -(-len(ids) // workers)
            ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
            context = multiprocessing.get_context("spawn")  # never fork a process that may hold Qt threads
            with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
                tasks = [(self.path, names, unit, labels, doc_labels, r) for r in ranges]
                parts = list(pool.map(_agreement_part, tasks))
            counts = parts[0]
            for part in parts[1:]:
                counts.merge(part)
        return counts.result()

    def agreement_counts(self, names: list[str], unit: str, labels: list[str], doc_labels: list[str],
                         id_range: tuple[int, int] | None = None) -> AgreementCounts:
        """The agreement counts of the judged articles (optionally only ids in ``id_range``)."""
        store = self._store
        known = {a.name: a for a in store.annotators()}
        by_id = {known[name].id or 0: name for name in names}
        counts = AgreementCounts(names, unit, labels, doc_labels)
        for article_id, text, spans, docs, finishers in store.judged_articles(list(by_id), id_range):
            by_annotator: dict[str, list[SpanRef]] = {}
            for annotator_id, start, end, label in spans:
                by_annotator.setdefault(by_id[annotator_id], []).append(SpanRef(start, end, label))
            counts.add(ArticleUnits(
                article_id, text, by_annotator, {by_id[i] for i in finishers},
                {by_id[i]: labels for i, labels in docs.items()},
            ))
        return counts

    def label_distribution(self) -> dict[str, dict[str, int]]:
        """Spans per label for each annotator: ``{annotator: {label: count}}``."""
        return self._store.label_distribution()

    def merge_paths(
        self,
        sources: Iterable[Path],
        *,
        renames: dict[str, str] | None = None,
        progress: Progress | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Merge colleagues' project files or native JSONL exports into this project.

        Articles match by text; annotators, annotations (by uuid) and done marks keep their
        identity, so merging twice changes nothing. An annotator name that arrives with a
        different id than this project's is refused as a clash for that source, unless
        ``renames`` maps it to another name. Sources are never written to.
        """
        renames = renames or {}
        report = ImportReport()
        source_list = [Path(p) for p in sources]
        for number, path in enumerate(source_list, start=1):
            if is_cancelled and is_cancelled():
                report.cancelled = True
                break
            try:
                if is_sqlite_file(path):
                    source = Project(Store.open_copy(path))
                    try:
                        counts = self._merge_records(source.records(), str(path), renames,
                                                     codebook=source.codebook(), is_cancelled=is_cancelled)
                    finally:
                        source.close()
                else:
                    notes: list[str] = []
                    counts = self._merge_records(
                        jsonl.read(path, FieldMap(), notes) if path.exists() else _missing(path),
                        str(path), renames, is_cancelled=is_cancelled)
                    report.notes += notes
            except Cancelled:
                report.cancelled = True
                report.notes.append(f"{path}: cancelled; nothing from this source was merged")
                break
            except (AnnotatorError, OSError) as error:
                report.add_failure(path, error)
            else:
                report.add_file(path, counts)
            if progress:
                progress(number, len(source_list))
        return report

    def _merge_records(self, records: Iterable[ArticleRecord], source: str, renames: dict[str, str],
                       codebook: Codebook | None = None, is_cancelled: Callable[[], bool] | None = None) -> _FileCounts:
        counts = _FileCounts()
        annotators: dict[tuple[str | None, str | None], Annotator] = {}
        imported_at = now()

        def adopt() -> None:
            if codebook is not None:
                counts.labels_added += self._adopt_labels(codebook)

        def store_record(record: ArticleRecord, run: ImportRun) -> None:
            _rename(record, renames)
            try:
                self._store_record(record, None, annotators, counts, imported_at, run)
            except IdentityClash as error:
                raise IdentityClash(f"{error} (map the name with --rename OLD=NEW)", name=error.name) from None
            except ImportFormatError as error:
                raise ImportFormatError(error.message, line=record.line) from None

        def finish() -> None:
            self._store.log_event("merge", target=source, details={
                "imported": counts.imported, "skipped": counts.skipped,
                "annotations": counts.annotations_added, "renames": renames})

        self._write_in_chunks(source, records, store_record, counts, imported_at, start=adopt, finish=finish,
                              is_cancelled=is_cancelled)
        return counts

    def _adopt_labels(self, theirs: Codebook) -> list[str]:
        """Add a colleague's labels and attributes that this codebook lacks (ours win; a hotkey
        already in use here is left off)."""
        ours = self._store.codebook()
        have = {(label.scope, label.name) for label in [*ours.labels, *ours.doc_labels]}
        taken = {label.hotkey for label in [*ours.labels, *ours.doc_labels] if label.hotkey}

        def adopt(label: Label) -> Label:
            return replace(label, hotkey="" if label.hotkey in taken else label.hotkey)

        labels = [adopt(label) for label in theirs.labels if ("span", label.name) not in have]
        doc_labels = [adopt(label) for label in theirs.doc_labels if ("document", label.name) not in have]
        attributes = [a for a in theirs.attributes if a.name not in {b.name for b in ours.attributes}]
        self._store.merge_codebook(Codebook(labels, attributes, doc_labels))
        return [label.name for label in [*labels, *doc_labels]]

    # -- queries ------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        return self._store.stats()

    def search(self, query: str, *, limit: int = 50) -> list[dict[str, Any]]:
        return self._store.search(query, limit=limit)

    def article(self, article_id: int) -> Article:
        """An article; its text is kept for the next edits (texts never change once stored)."""
        article = self._store.article(article_id)
        self._remember_text(article_id, article.text)
        return article

    def article_text(self, article_id: int) -> str:
        text = self._texts.get(article_id)
        if text is None:
            text = self._store.article_text(article_id)
            self._remember_text(article_id, text)
        return text

    def _remember_text(self, article_id: int, text: str) -> None:
        self._texts.pop(article_id, None)
        self._texts[article_id] = text
        while len(self._texts) > 8:
            self._texts.pop(next(iter(self._texts)))

    @property
    def read_only(self) -> bool:
        """The file is open for reading only (permissions); every edit raises ProjectReadOnly."""
        return self._store.read_only

    @property
    def recovered_imports(self) -> list[str]:
        """Imports whose process died mid-way, rolled back when this project was opened."""
        return self._store.recovered_imports

    def annotators(self) -> list[Annotator]:
        return self._store.annotators()

    def annotator_named(self, name: str) -> Annotator | None:
        """The annotator called ``name``, or None (never adds one)."""
        return self._store.annotator_by_name(name)

    def spans_of(self, article_id: int, annotators: Iterable[str]) -> list[Annotation]:
        """The spans of some annotators in one article (unknown names have none)."""
        ids = [a.id or 0 for a in (self._store.annotator_by_name(n) for n in annotators) if a is not None]
        return self._store.annotations(article_id, annotator_ids=ids)

    def spans_by_uuid(self, uuids: Iterable[str]) -> list[Annotation]:
        """The stored spans among ``uuids`` (deleted ones are simply missing)."""
        found = []
        for uuid in uuids:
            try:
                found.append(self._store.annotation(uuid))
            except NotFound:
                continue
        return found

    def doc_labels(self, article_id: int) -> list[tuple[str, str, str]]:
        """``(label, annotator name, annotator uuid)`` of one article."""
        return self._store.doc_labels(article_id)

    def label_usage(self, name: str, scope: str = "span") -> int:
        return self._store.label_usage(name, scope)

    def article_ids(self, *, annotator_id: int, status: str | None = None, label: str | None = None,
                    query: str | None = None, sort: str = "id", descending: bool = False) -> list[int]:
        """Article ids as an annotator's article list shows them (``Store.list_article_ids``)."""
        return self._store.list_article_ids(annotator_id=annotator_id, status=status, label=label, query=query,
                                           sort=sort, descending=descending)

    def article_summaries(self, article_ids: list[int], *, annotator_id: int) -> dict[int, dict[str, Any]]:
        return self._store.article_summaries(article_ids, annotator_id=annotator_id)

    def disagreement_article_ids(self, annotators: list[str]) -> set[int]:
        """Articles where the annotators' spans differ in extent or label (one query)."""
        ids = [a.id or 0 for a in (self._store.annotator_by_name(n) for n in annotators) if a is not None]
        return self._store.disagreement_article_ids(ids, len(annotators))

    def verify(self) -> list[str]:
        """Problems SQLite and a re-read of every span find in the file (empty: sound)."""
        return self._store.verify()

    def annotations(self, article_id: int, annotator: str | None = None) -> list[Annotation]:
        ids = None
        if annotator is not None:
            found = self._store.annotator_by_name(annotator)
            ids = [found.id or 0] if found else []
        return self._store.annotations(article_id, annotator_ids=ids)


PARSE_BATCH_RECORDS = 500
PARSE_BATCH_BYTES = 4 << 20
"""An import parses this many records (or bytes of input) outside any transaction, then writes them."""

PARALLEL_AGREEMENT_MIN_ARTICLES = 3000
"""Below this many judged articles one process is faster than starting several."""


def _agreement_part(task: tuple[str, list[str], str, list[str], list[str], tuple[int, int]]) -> AgreementCounts:
    """Worker-process side of ``Project.agreement``: counts for one range of article ids."""
    path, names, unit, labels, doc_labels, id_range = task
    project = Project(Store.open(path, create=False))
    try:
        return project.agreement_counts(names, unit, labels, doc_labels, id_range)
    finally:
        project.close()


def _rename(record: ArticleRecord, renames: dict[str, str]) -> None:
    if not renames:
        return
    for span in record.annotations:
        span.annotator = renames.get(span.annotator or "", span.annotator)
        span.reviewer = renames.get(span.reviewer or "", span.reviewer)
    for doc_label in record.doc_labels:
        doc_label.annotator = renames.get(doc_label.annotator or "", doc_label.annotator)
    record.done_by = [renames.get(name, name) for name in record.done_by]


def _missing(path: Path) -> Iterator[ArticleRecord]:
    raise ImportFormatError("no such file")
    yield  # pragma: no cover (makes this a generator)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
