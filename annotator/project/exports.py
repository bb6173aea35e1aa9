"""Exporting: the project's articles and spans out, filtered, in any format of ``io.exporters``.

``records`` streams what a filter (``io.exporting.ExportFilter``) keeps, in id order; ``export``
writes it in a format to a temporary name that is renamed only when complete, so a failed or
cancelled export never leaves a half-written file; ``count_export`` counts the same spans in one
query for a live preview, and ``export_jsonl`` writes the native JSONL to an open stream.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from annotator.io import jsonl
from annotator.io.exporters import FORMATS
from annotator.io.exporting import OFFSET_UNITS, ExportFilter, ExportSummary, export_filter
from annotator.io.records import ArticleRecord
from annotator.model.errors import AnnotatorError, NotFound
from annotator.model.types import GOLD, DocLabel
from annotator.project.base import Cancelled, Progress, ProjectBase
from annotator.store.reports import UNKNOWN_LANGUAGE, ArticleShape, SpanShape
from annotator.store.store import Store

T = TypeVar("T")
_RAW_SHAPES: dict[str | None, SpanShape] = {"json": "json", "rows": "rows", "id_rows": "id_rows"}


class ExportsMixin(ProjectBase):
    """Export: filtered records, files in every export format, counts of what they would hold."""

    def records(self, filter: ExportFilter | None = None, *, raw: str | None = None, texts: bool = True,
                **keywords: Any) -> Iterator[ArticleRecord]:
        """Articles with their annotations, filtered by ``filter`` (see ``ExportFilter``; its
        fields are also taken as keywords, ``annotators=["ana"]``), streamed in id order.

        With ``raw="json"`` spans come as ready JSONL objects in ``annotations_json`` (built by
        SQLite), with ``raw="rows"`` as plain tuples in ``span_rows`` (``raw="id_rows"``: with
        each span's id last, ``io.exporting.SpanRow``), instead of ``Annotation`` objects: how the
        exports write a million spans quickly. ``texts=False`` leaves the articles' texts empty,
        for formats that write none.

        Raises:
            NotFound: an annotator or label name that the project does not have.
        """
        spans = _RAW_SHAPES.get(raw, "objects")
        for article, kept, doc_labels, done_by in self._kept(export_filter(filter, keywords), spans,
                                                               "objects" if texts else "no_text"):
            record = ArticleRecord(article, [] if raw else kept, [DocLabel(*d) for d in doc_labels], done_by)
            if raw == "json":
                record.annotations_json = [span.decode() for span in kept]
            elif raw in ("rows", "id_rows"):
                record.span_rows = kept
            yield record

    def _kept(self, filter: ExportFilter, spans: SpanShape, articles: ArticleShape) -> Iterator[
            tuple[Any, list[Any], list[tuple[str, str, str]], list[str]]]:
        """What ``filter`` keeps, article by article in id order: ``(article, spans, doc labels
        as (label, annotator, annotator uuid), names of who marked it done)``, in the shapes of
        ``Store.export_batches``.

        ``done_only`` keeps an article that a kept annotator marked done, with the work of the
        kept annotators who did; otherwise every article, with the kept annotators' work.
        """
        scope = self._export_scope(filter)
        if scope is None:
            return
        chosen_names, label_names, done_only, languages = scope
        chosen = None if chosen_names is None else {a.id or 0 for a in self._store.annotators()
                                                    if a.name in chosen_names}
        for batch in self._store.export_batches(articles=articles, spans=spans, labels=label_names,
                                                annotator_ids=None if chosen is None else sorted(chosen),
                                                languages=None if languages is None else sorted(languages)):
            for article in batch.articles:
                article_id = article[0] if articles == "utf8" else article.id
                done = batch.done.get(article_id, ())
                if chosen is not None:
                    done = [mark for mark in done if mark[0] in chosen]
                if done_only and not done:
                    continue
                found = batch.spans.get(article_id, ())
                keep: set[int] | None
                if done_only:
                    keep = {mark[0] for mark in done}
                    kept = [span for annotator_id, span in found if annotator_id in keep]
                else:  # the query kept the chosen annotators' spans
                    keep = chosen  # None: everyone's
                    kept = [span for _, span in found]
                doc_labels = [(label, name, uuid) for annotator_id, label, name, uuid
                              in batch.doc_labels.get(article_id, ())
                              if (keep is None or annotator_id in keep)
                              and (label_names is None or label in label_names)]
                yield article, kept, doc_labels, [name for _, name, _ in done]

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
        if format == "jsonl" and offset_unit not in (None, "codepoint"):
            # It once wrote code points all the same, saying so only in its summary.
            raise AnnotatorError("JSONL offsets are always code points (a file of UTF-16 offsets could not be "
                                 "read back); for UTF-16 offsets export csv, brat, labelstudio or doccano")
        unit = offset_unit or spec.default_unit or "codepoint"
        if unit not in OFFSET_UNITS:
            raise AnnotatorError(f"unknown offset unit {unit!r}; use codepoint or utf16")
        output = Path(output)
        if not output.parent.is_dir():
            raise AnnotatorError(f"{output}: the folder {output.parent} does not exist")
        chosen = export_filter(filter, keywords)
        partial = output.with_name(output.name + ".partial")
        if spec.folder:
            if output.exists() and any(output.iterdir()):
                raise AnnotatorError(f"{output} is a folder that is not empty; choose a new folder")
            shutil.rmtree(partial, ignore_errors=True)
        try:
            if spec.write is None:
                summary = ExportSummary(offset_unit="codepoint")
                with open(partial, "wb") as out:
                    for line, spans in self._counted(self._jsonl_lines(chosen), progress, is_cancelled):
                        out.write(line)
                        summary.add_article(spans)
                        summary.spans += spans
                summary.files.append(str(output))
            else:
                records: Iterator[Any]
                if format == "csv":  # spans as plain rows; the texts only to count UTF-16 offsets in
                    records = self.records(chosen, raw="rows", texts=unit != "codepoint")
                elif format in ("brat", "doccano", "labelstudio"):  # texts as UTF-8, written as they are
                    records = self._kept(chosen, "id_rows", "utf8")  # ``io.exporting.ExportItem``
                else:  # spans as plain rows with their ids (``io.exporting.span_rows``)
                    records = self.records(chosen, raw="id_rows")
                summary = spec.write(self._counted(records, progress, is_cancelled), partial,
                                     codebook=self.codebook(), offset_unit=unit, excel=excel)
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
        languages = None if filter.languages is None else _stored_languages(store, filter.languages)
        return None if names is None else set(names), labels, filter.done_only, languages

    def _counted(self, items: Iterator[T], progress: Progress | None,
                 is_cancelled: Callable[[], bool] | None = None) -> Iterator[T]:
        """``items`` (one per article) with progress reports, stopped by ``Cancelled`` when
        ``is_cancelled()``."""
        total = self._store.article_count()
        for seen, item in enumerate(items, start=1):
            if seen % 256 == 0:
                if is_cancelled and is_cancelled():
                    raise Cancelled("export cancelled; no file was written")
                if progress:
                    progress(seen, total)
            yield item
        if progress:
            progress(total, total)

    def _jsonl_lines(self, filter: ExportFilter) -> Iterator[tuple[bytes, int]]:
        """The native JSONL export, line by line as UTF-8 bytes, each with its number of spans.

        Texts go from SQLite to the file as bytes (``jsonl.quote_utf8`` escapes them as
        ``json.dumps`` would, without decoding), and spans as SQLite builds them: the lines are
        ``jsonl.record_line`` of ``records(raw="json")``, at the speed of reading the file.
        """
        for article, spans, doc_labels, done_by in self._kept(filter, "json", "utf8"):
            yield jsonl.line_from_utf8(article, spans, [DocLabel(*d) for d in doc_labels], done_by), len(spans)

    def export_jsonl(self, out: IO[str], *, filter: ExportFilter | None = None, progress: Progress | None = None,
                     **keywords: Any) -> int:
        """Write the native JSONL export to an open stream (filtered as ``export``); returns the
        number of articles."""
        count = 0
        for line, _ in self._counted(self._jsonl_lines(export_filter(filter, keywords)), progress):
            out.write(line.decode())
            count += 1
        return count


def _stored_languages(store: Store, asked: Iterable[str]) -> set[str]:
    """The stored language codes ``asked`` names, as ``stats`` lists them: ``HE`` finds
    ``he`` (and the other way round), ``unknown`` the articles with none.

    Raises:
        NotFound: a code no article has.
    """
    present = {code for code, _ in store.article_languages()}
    if store.has_articles_without_language():
        present.add(UNKNOWN_LANGUAGE)
    by_folded: dict[str, set[str]] = {}
    for code in present:
        by_folded.setdefault(code.casefold(), set()).add(code)
    chosen: set[str] = set()
    for code in asked:
        found = by_folded.get(code.casefold())
        if not found:
            raise NotFound(f"no article in language {code!r} (present: {', '.join(sorted(present)) or 'none'})")
        chosen |= found
    return chosen
