"""The window's background operations as the user sees them: import with progress and cancel,
merge with name-clash questions, export; each reports once through ``sig_operation_finished``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths

from annotator.io.exporting import ExportSummary
from annotator.io.records import FieldMap
from annotator.model.errors import TEXT_FIELD_HINT
from annotator.project import FileFailure, ImportReport
from annotator.ui.dialogs.export_dialog import ExportListener, ExportOptions, spacy_installed, suggested_path
from annotator.ui.operations import export_work, import_work, merge_work
from annotator.ui.widgets.operation_progress import OperationProgress
from annotator.ui.window_base import WindowBase
from annotator.ui.workers import Job


class OperationParts(WindowBase):
    def import_files(self) -> None:
        paths = self.dialogs.import_files(self)
        if paths:
            self.import_paths(paths)

    def import_folder(self) -> None:
        folder = self.dialogs.import_folder(self)
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str], fields: FieldMap | None = None) -> Job:
        """Import in the background; progress and Cancel sit in the status bar, so labelling
        goes on meanwhile. ``fields``: which columns hold the text and title (CSV dumps)."""
        project_path = self._project_path()
        progress = OperationProgress("Importing…")
        progress.setObjectName("importProgress")
        self.statusBar().addPermanentWidget(progress)
        job = self.operations.start(
            "import", import_work(project_path, paths, self.annotator, fields),
            on_done=lambda report: self._on_import_finished(progress, report, ask=fields is None),
            on_failed=lambda message: self._on_import_failed(progress, message),
            on_progress=progress.set_progress)
        progress.sig_cancel_requested.connect(job.cancel)
        return job

    def cancel_operations(self) -> None:
        """Ask every running import, merge, export and agreement run to stop."""
        if not self.operations.running:
            self.show_message("Nothing is running in the background")
            return
        self.operations.cancel_all()
        self.show_message("Cancelling… (an import takes its file back)")

    def _on_import_finished(self, progress: OperationProgress, report: ImportReport, ask: bool = True) -> None:
        """``ask``: a file without a text column gets the question which column it is (not
        when the columns were chosen already)."""
        self._drop_progress(progress)
        self._reload_codebook()
        self.article_model.refresh()
        if self.current_article_id is None and self.article_model.rowCount():
            self.open_article(self.article_model.article_id(0) or 0)
        elif self.current_article_id is not None:
            self.session.reload_spans()
            self.document_view.set_spans(self.session.spans_any_order(), self.colors)
            self.article_panel.show_article(self.current_article_id)  # the re-read list lost its highlight
        # A file without a "text" column is not a dead end: the window asks which column it is
        # (the command line's --text-field) and imports that file again; asked first, so the
        # report below is about what is still wrong, not about a file being imported again.
        choosable = [f for f in report.failed if f.fields is not None] if ask and not report.cancelled else []
        again = self._ask_text_fields(choosable)
        failed = [f for f in report.failed if f.path not in again]
        summary = (f"Imported {report.imported}, skipped {report.skipped} (already in the project), "
                   f"failed {len(failed)}; {report.annotations_added} annotations added.")
        summary += "".join(f" {result}." for result in report.files_with_bad_records())
        if again:
            summary += (f" {len(again)} file(s) without a “text” column are imported again with the columns you "
                        "chose.")
        if report.cancelled:
            summary = "Import cancelled. " + summary
        listed = report.bad_records[:500]  # each one line; the CLI's --json report has them all
        unlisted = len(report.bad_records) - len(listed)
        details = "\n".join([*(_failure_line(f) for f in failed), *(f"skipped: {b}" for b in listed),
                             *([f"… and {unlisted} more bad records skipped"] if unlisted else []),
                             *report.notes, *(f"label added: {name}" for name in report.labels_added)])
        self.show_message(summary)
        if failed or report.bad_records or report.cancelled or report.labels_added:
            self.dialogs.info(self, "Import", summary, details)
        self._update_status()
        self.sig_import_finished.emit(report)
        for (text, title), paths in _grouped(again).items():
            self.import_paths(paths, FieldMap(text=text, title=title or "title", generic=True))

    def _ask_text_fields(self, failures: list[FileFailure]) -> dict[str, tuple[str, str | None]]:
        """For files without a text column, ask which columns hold the text and title; files
        with the same columns are asked about once. Returns the columns chosen per file."""
        answers: dict[tuple[str, ...], tuple[str, str | None] | None] = {}
        chosen: dict[str, tuple[str, str | None]] = {}
        for failure in failures:
            columns = tuple(failure.fields or ())
            if columns not in answers:
                answers[columns] = self.dialogs.choose_text_field(self, Path(failure.path).name, list(columns))
            answer = answers[columns]
            if answer is not None:
                chosen[failure.path] = answer
        return chosen

    def _on_import_failed(self, progress: OperationProgress, message: str) -> None:
        self._drop_progress(progress)
        self._on_job_failed(f"Import failed: {message}", title="Import failed")
        self.sig_import_finished.emit(None)

    def _drop_progress(self, progress: OperationProgress) -> None:
        self.statusBar().removeWidget(progress)
        progress.setParent(None)  # gone from the window at once, not when the event loop deletes it
        progress.deleteLater()

    def merge_files(self) -> None:
        paths = self.dialogs.merge_sources(self)
        if paths:
            self.merge_paths(paths)

    def merge_paths(self, paths: list[str], renames: dict[str, str] | None = None) -> Job:
        """Merge project files or JSONL exports in the background; a name clash is resolved by
        asking for another name and merging that source again."""
        self.show_message("Merging…")
        return self.operations.start(
            "merge", merge_work(self._project_path(), paths, renames),
            on_done=lambda report: self._on_merge_finished(report, renames or {}),
            on_failed=lambda message: self._on_job_failed(f"Merge failed: {message}"))

    def _on_merge_finished(self, report: ImportReport, renames: dict[str, str]) -> None:
        self.refresh()
        summary = (f"Merged {len(report.files_imported)} source(s): {report.imported} new articles, "
                   f"{report.annotations_added} annotations added, failed {len(report.failed)}.")
        if report.cancelled:
            summary = "Merge cancelled. " + summary
        self.show_message(summary)
        clashes = [f for f in report.failed if f.clash]
        retry: dict[str, str] = dict(renames)
        for failure in clashes:
            new_name = self.dialogs.rename_clash(self, failure.clash or "", failure.path)
            if new_name:
                retry[failure.clash or ""] = new_name
        others = [f for f in report.failed if not f.clash]
        if others or report.bad_records or (clashes and len(retry) == len(renames)):
            summary += "".join(f" {result}." for result in report.files_with_bad_records())
            details = [*(str(f) for f in report.failed), *(f"skipped: {b}" for b in report.bad_records[:500])]
            self.dialogs.info(self, "Merge", summary, "\n".join(details))
        self.sig_import_finished.emit(report)
        if clashes and len(retry) > len(renames):
            self.merge_paths([f.path for f in clashes], retry)

    def export(self) -> None:
        """File → Export: the dialog starts from this project's last export settings and runs
        the export itself (``run``), staying open with the reason when it fails. A ``dialogs``
        object whose ``export_options`` takes no ``run`` (or returns options without calling
        it) gets the export started here, as before."""
        assert self.project is not None
        project = self.project
        started: list[Job] = []

        def run(options: ExportOptions, listener: ExportListener) -> Callable[[], None]:
            self._remember_export(options)
            job = self.export_to(options, listener)
            started.append(job)
            return job.cancel

        ask = self.dialogs.export_options
        offered: dict[str, Any] = {"run": run, "remembered": self._remembered_export(),
                                   "languages": project.article_languages()}
        extra = {name: value for name, value in offered.items() if _takes(ask, name)}
        options = ask(self, [a.name for a in project.annotators()], [label.name for label in self.codebook.labels],
                      self.annotator, preview=lambda chosen: project.count_export(chosen.filter), **extra)
        if options and options.path and not started:
            self._remember_export(options)
            self.export_to(options)

    def export_to(self, options: ExportOptions, listener: ExportListener | None = None) -> Job:
        """Export in the background; the status bar (and ``sig_export_finished``) say how it
        went, and so does ``listener`` (the export dialog) when given."""
        work = export_work(self._project_path(), options.format, options.path, offset_unit=options.offset_unit,
                           excel=options.excel, export_filter=options.filter)

        def done(summary: ExportSummary) -> None:
            notes = "".join(f"\n{note}" for note in summary.notes)
            message = summary.describe(options.format) + notes
            self._on_export_done(message)
            if listener is not None:
                listener.export_succeeded(message)

        def failed(message: str) -> None:
            self._on_export_done(f"Export failed: {message}")
            if listener is not None:
                listener.export_failed(message)

        return self.operations.start("export", work, on_done=done, on_failed=failed,
                                     on_progress=None if listener is None else listener.export_progress)

    def _on_export_done(self, message: str) -> None:
        self.show_message(message)
        self.sig_export_finished.emit(message)

    def _export_settings_key(self) -> str:
        """This project's export settings in QSettings: one key per project file."""
        return self._project_settings_key("export")

    def _remembered_export(self) -> ExportOptions:
        """The options of this project's last export, with a fresh file name in its folder
        (the project's own folder the first time)."""
        project_path = Path(self._project_path())
        remembered = ExportOptions.from_json(str(self.settings.value(self._export_settings_key(), "") or ""))
        if remembered is None:  # your own work if you have any, else everyone's
            assert self.project is not None
            mine = any(a.name == self.annotator for a in self.project.annotators())
            remembered = ExportOptions(path="", annotators=[self.annotator] if mine else None)
        if remembered.format == "spacy" and not spacy_installed():
            remembered.format = "jsonl"
        folder = Path(remembered.path).parent if remembered.path else _visible(project_path.parent)
        if not folder.is_dir():
            folder = _visible(project_path.parent)
        remembered.path = suggested_path(folder, project_path.stem, remembered.format)
        return remembered

    def _remember_export(self, options: ExportOptions) -> None:
        self.settings.setValue(self._export_settings_key(), options.to_json())


def _visible(folder: Path) -> Path:
    """``folder``, or the Documents folder (else home) when ``folder`` is hidden, as the demo
    project's is (~/.local/share/StanceAnnotator): an export is for finding again."""
    if not any(part.startswith(".") for part in folder.parts):
        return folder
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    return documents if documents.is_dir() else Path.home()


def _takes(method: Callable[..., object], name: str) -> bool:
    """Whether ``method`` accepts the keyword ``name`` (an older ``dialogs`` object may not)."""
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _grouped(chosen: dict[str, tuple[str, str | None]]) -> dict[tuple[str, str | None], list[str]]:
    """The files to import again, by the columns chosen for them (one import each)."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for path, columns in chosen.items():
        groups.setdefault(columns, []).append(path)
    return groups


def _failure_line(failure: FileFailure) -> str:
    """A failed file as the window says it: without the command line's advice for a file
    without a text column (the window asked which column it is)."""
    return str(failure).replace(TEXT_FIELD_HINT, "(import it again and choose the text column)")

