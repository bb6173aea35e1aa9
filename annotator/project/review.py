"""Review: agreement between annotators, and merging colleagues' work into this project.

``agreement`` counts what the annotators agree on (``review.agreement``), split over worker
processes by article id for large projects (each opens the file itself; their counts add up to
exactly one pass). ``merge_paths`` brings in other project files and native JSONL exports,
keeping the identity of annotators, spans and done marks so that merging twice changes nothing;
it stores records the way an import does (``imports``), whole per source or not at all, and
adopts the labels a colleague's codebook adds. The worker threshold is read from this module at
run time: tune or patch it here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from annotator.io import jsonl
from annotator.io.guards import checked
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import IdentityClash, ImportFormatError, NotFound
from annotator.model.types import GOLD, Codebook, Label, check_person_name
from annotator.project.base import Progress
from annotator.project.imports import ImportReport, ImportsMixin, SourceAnnotators, _add_source, _BadRecord, _FileCounts
from annotator.review.agreement import AgreementCounts, ArticleUnits
from annotator.store import Store, is_sqlite_file
from annotator.store.import_runs import ImportRun
from annotator.store.store import now

NOBODY_JUDGED = ("fewer than two annotators have marked an article done: agreement counts only the articles "
                 "each annotator marked done")
"""The note when no annotators were named and fewer than two have done marks."""

PARALLEL_AGREEMENT_MIN_ARTICLES = 3000
"""Below this many judged articles one process is faster than starting several."""


class ReviewMixin(ImportsMixin):
    """Review: agreement figures and label counts, and merging other projects (an import of theirs)."""

    def agreement(self, *, annotators: Iterable[str] | None = None, unit: str = "token",
                  workers: int | None = None) -> dict[str, Any]:
        """Agreement figures (``review.agreement``) between annotators (default: everyone who
        marked an article done, but the gold layer).

        Large projects are split by article id over ``workers`` processes (default: the
        machine's cores, at most four; this one counts the first part), each reading its own
        part of the file; the counts they return add up to exactly what one pass would give.

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
            with ProcessPoolExecutor(max_workers=len(ranges) - 1, mp_context=context) as pool:
                tasks = [(self.path, names, unit, labels, doc_labels, r) for r in ranges[1:]]
                others = pool.map(_agreement_part, tasks)
                # This process counts the first part meanwhile: one process fewer to start, and
                # its part is done while the others are still importing.
                counts = self.agreement_counts(names, unit, labels, doc_labels, ranges[0])
                for part in others:
                    counts.merge(part)
        result = counts.result()
        if not annotators and len(names) < 2:  # say why nobody was chosen
            result["notes"] = [NOBODY_JUDGED if note.startswith("fewer than two annotators chosen") else note
                               for note in result["notes"]]
        return result

    def agreement_counts(self, names: list[str], unit: str, labels: list[str], doc_labels: list[str],
                         id_range: tuple[int, int] | None = None) -> AgreementCounts:
        """The agreement counts of the judged articles (optionally only ids in ``id_range``)."""
        return _agreement_counts(self._store, names, unit, labels, doc_labels, id_range)

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

        Raises:
            AnnotatorError: a rename to a name nobody can work under (empty, the gold layer).
        """
        renames = renames or {}
        for new in renames.values():
            check_person_name(new)  # not the gold layer: merged as gold, it clashed with a span id
        report = ImportReport()
        source_list = [Path(p) for p in sources]
        for number, path in enumerate(source_list, start=1):
            if is_cancelled and is_cancelled():
                report.cancelled = True
                break
            work = partial(self._merge_source, path, renames, report, is_cancelled)
            if not _add_source(report, path, work, "cancelled; nothing from this source was merged"):
                break
            if progress:
                progress(number, len(source_list))
        return report

    def _merge_source(self, path: Path, renames: dict[str, str], report: ImportReport,
                      is_cancelled: Callable[[], bool] | None) -> _FileCounts:
        """Merge one project file (read from a copy) or native JSONL export, whole or not at all;
        a JSONL export's bad records are skipped (and reported) and its good ones merged."""
        if is_sqlite_file(path):
            source = type(self)(Store.open_copy(path))
            try:
                return self._merge_records(source.records(), str(path), renames,
                                           codebook=source.codebook(), is_cancelled=is_cancelled)
            finally:
                source.close()
        notes: list[str] = []
        bad: list[ImportFormatError] = []  # JSONL exports merge record by record, like imports
        counts = self._merge_records(
            checked(jsonl.read(path, FieldMap(), notes, on_bad_record=bad.append), bad.append)
            if path.exists() else _missing(path),
            str(path), renames, is_cancelled=is_cancelled, bad=bad)
        report.notes += notes
        return counts

    def _merge_records(self, records: Iterable[ArticleRecord], source: str, renames: dict[str, str],
                       codebook: Codebook | None = None, is_cancelled: Callable[[], bool] | None = None,
                       bad: list[ImportFormatError] | None = None) -> _FileCounts:
        """``bad``: where a source of records collects the bad ones it skips (None: a bad record
        fails the source)."""
        counts = _FileCounts(bad=bad if bad is not None else [])
        annotators = SourceAnnotators()
        imported_at = now()

        def adopt() -> None:
            if codebook is not None:
                counts.labels_added += self._adopt_labels(codebook)

        def store_record(record: ArticleRecord, run: ImportRun) -> None:
            _rename(record, renames)
            try:
                self._store_records([record], None, annotators, counts, imported_at, run)
            except IdentityClash as error:
                raise IdentityClash(f"{error} (map the name with --rename OLD=NEW)", name=error.name) from None
            except _BadRecord as error:  # raised before the record wrote anything
                if bad is None:
                    raise ImportFormatError(error.message, line=record.line) from None
                bad.append(ImportFormatError(error.message, line=record.line))
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


def _agreement_part(task: tuple[str, list[str], str, list[str], list[str], tuple[int, int]]) -> AgreementCounts:
    """Worker-process side of ``Project.agreement``: counts for one range of article ids."""
    path, names, unit, labels, doc_labels, id_range = task
    store = Store.open(path, create=False, read_only=True)  # agreement only reads (never migrates)
    try:
        return _agreement_counts(store, names, unit, labels, doc_labels, id_range)
    finally:
        store.close()


def _agreement_counts(store: Store, names: list[str], unit: str, labels: list[str], doc_labels: list[str],
                      id_range: tuple[int, int] | None = None) -> AgreementCounts:
    """``Project.agreement_counts`` over ``store``; a worker process calls it on its own store."""
    known = {a.name: a for a in store.annotators()}
    by_id = {known[name].id or 0: name for name in names}
    counts = AgreementCounts(names, unit, labels, doc_labels)
    for article_id, text, spans, docs, finishers in store.judged_articles(list(by_id), id_range):
        counts.add(ArticleUnits(
            article_id, text, {by_id[i]: own for i, own in spans.items()}, {by_id[i] for i in finishers},
            {by_id[i]: labels for i, labels in docs.items()},
        ))
    return counts


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
