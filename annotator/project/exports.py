"""Exporting: the project's articles and spans out, filtered, in any format of ``io.exporters``.

``records`` streams what a filter (``io.exporting.ExportFilter``) keeps, in id order; ``export``
writes it in a format to a temporary name that is renamed only when complete, so a failed or
cancelled export never leaves a half-written file; ``count_export`` counts the same spans in one
query for a live preview, and ``export_jsonl`` writes the native JSONL to an open stream.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from annotator.io import jsonl
from annotator.io.exporters import FORMATS
from annotator.io.exporting import OFFSET_UNITS, ExportFilter, ExportSummary, export_filter
from annotator.io.records import ArticleRecord
from annotator.model.errors import AnnotatorError, NotFound
from annotator.model.types import GOLD, Annotation, DocLabel
from annotator.project.base import Cancelled, Progress, ProjectBase


class ExportsMixin(ProjectBase):
    """Export: filtered records, files in every export format, counts of what they would hold."""

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
        chosen_names, label_names, done_only, languages = scope
        known_ids = {a.name: a.id or 0 for a in store.annotators()}
        for article in store.iter_articles():
            assert article.id is not None
            if languages is not None and article.language not in languages:
                continue
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
        fields as keywords, as for ``records``), as many as ``count_export(filter)`` counts (see
        ``ExportSummary`` for how articles and spans are counted).

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
                        spans = len(record.annotations_json or ())
                        summary.add_article(spans)
                        summary.spans += spans
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

        The same figures as the export's ``ExportSummary``, in every format: ``spans ==
        summary.spans + summary.left_out`` and ``articles == summary.articles`` (articles with at
        least one kept span; articles the format writes without spans are ``summary.written``).

        Raises:
            NotFound: an annotator or label name that the project does not have.
        """
        scope = self._export_scope(export_filter(filter, keywords))
        if scope is None:
            return 0, 0
        names, labels, done_only, languages = scope
        ids = None if names is None else [a.id or 0 for a in self._store.annotators() if a.name in names]
        return self._store.count_spans(annotator_ids=ids, labels=None if labels is None else sorted(labels),
                                      done_only=done_only,
                                      languages=None if languages is None else sorted(languages))

    def _export_scope(self, filter: ExportFilter) -> tuple[set[str] | None, set[str] | None, bool,
                                                           set[str] | None] | None:
        """``(annotator names, label names, done_only, languages)`` that ``filter`` keeps (``None``
        = all), checked against the project; ``None`` when it asks for a gold layer there is not.

        Raises:
            NotFound: an annotator or label name that the project does not have, or a language
                none of its articles is in.
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
        languages = None if filter.languages is None else set(filter.languages)
        if languages is not None:
            present = {code for code, _ in store.article_languages()}
            missing = sorted(languages - present)
            if missing:
                raise NotFound(f"no article in language {missing[0]!r} "
                               f"(present: {', '.join(sorted(present)) or 'none detected'})")
        return None if names is None else set(names), labels, filter.done_only, languages

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
