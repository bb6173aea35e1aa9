"""Export: file, format and the filters every exporter shares.

Given a ``run`` (``ExportRunner``), the dialog stays open while the export runs in the
background, with progress and Cancel; a failure is shown inside it (plain text) with every
setting kept, so the path or format can be changed and the export tried again; success closes
it. Without ``run`` it only asks (OK returns the options), as before.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from annotator.io.exporters import FORMATS as EXPORT_FORMATS
from annotator.io.exporting import ExportFilter
from annotator.ui.plain import plain_label

PREVIEW_DELAY_MS = 150
"""Quiet time after the last filter change before the preview counts again."""

FORMATS = {
    "jsonl": "Native JSONL, lossless (*.jsonl)",
    "csv": "CSV, one row per span (*.csv)",
    "brat": "brat standoff (a new folder)",
    "conll": "CoNLL / BIO tokens (*.conll)",
    "labelstudio": "Label Studio tasks (*.json)",
    "doccano": "doccano JSONL, UTF-16 offsets (*.jsonl)",
    "spacy": "spaCy DocBin (*.spacy)",
}


PREVIEW_NOTES = {
    "jsonl": "The file also holds the articles without spans.",
    "labelstudio": "The file also holds the articles without spans.",
    "conll": "Overlapping spans: only the longest is written (the rest are counted as left out).",
    "spacy": "Spans covering no token are left out (and counted).",
}
"""What the format writes besides, or instead of, the spans and articles the preview counts."""


def spacy_installed() -> bool:
    """Whether the spaCy export can run here (the optional ``[spacy]`` extra)."""
    return importlib.util.find_spec("spacy") is not None


def suggested_path(folder: str | Path, stem: str, format: str) -> str:
    """A name in ``folder`` for ``format`` that is not there yet, so a second export never
    replaces the first unasked: ``stem.csv``, ``stem-2.csv``, …; for brat a new folder
    (``stem-brat``, ``stem-brat-2``, …)."""
    spec = EXPORT_FORMATS[format]
    name, ending = (f"{stem}-brat", "") if spec.folder else (stem, spec.extension)
    path, number = Path(folder) / f"{name}{ending}", 1
    while path.exists():
        number += 1
        path = Path(folder) / f"{name}-{number}{ending}"
    return str(path)


def with_format(path: str, old: str, new: str) -> str:
    """``path`` renamed for ``new`` if it is named as ``old``'s files are (its extension, or
    brat's ``-brat``, with a ``-2`` … the suggestions add): the same stem, with a number again
    if that name is taken (``suggested_path``); a name the user chose otherwise is left alone."""
    if not path or old == new:
        return path
    before = EXPORT_FORMATS[old]
    name = Path(path).name
    ending = "" if before.folder else before.extension
    if ending and (not name.endswith(ending) or name == ending):
        return path
    stem = name[: len(name) - len(ending)]
    folder = Path(path).parent
    numbered = re.fullmatch(r"(.+?)(-brat)?(-\d+)?", stem)
    if numbered is None or (before.folder and not numbered.group(2)):
        return path  # a folder name brat's suggestions would not make
    base, brat, number = numbered.groups()
    if number and not (folder / f"{base}{brat or ''}{ending}").exists():
        base += number  # not a number the suggestions added (its name without it is not there): the user's
    return suggested_path(folder, base, new)


class ExportListener(Protocol):
    """Where a running export reports (the dialog; any object with these methods)."""

    def export_progress(self, done: int, total: int) -> None: ...

    def export_succeeded(self, message: str) -> None: ...

    def export_failed(self, message: str) -> None: ...


ExportRunner = Callable[["ExportOptions", ExportListener], Callable[[], None]]
"""``run(options, listener)`` starts the export in the background and returns what cancels it;
the export reports to ``listener`` exactly once (succeeded or failed), on the GUI thread."""


def checklist(names: list[str], checked: set[str]) -> QListWidget:
    """A list of names with check boxes, ``checked`` ticked."""
    widget = QListWidget()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def checked_names(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


@dataclass
class ExportOptions:
    """What the export dialog asks: where, in which format, and the filter (``filter``).

    ``annotators`` and ``labels`` follow ``ExportFilter``: ``None`` is everyone / every label,
    an empty list nobody / no label.
    """

    path: str
    format: str = "jsonl"
    annotators: list[str] | None = None
    labels: list[str] | None = None
    done_only: bool = False
    gold: bool = False
    offset_unit: str | None = None
    excel: bool = False
    languages: list[str] | None = None

    @property
    def filter(self) -> ExportFilter:
        """The one filter both the preview count and the export read."""
        return ExportFilter.of(annotators=self.annotators, labels=self.labels, done_only=self.done_only,
                               gold=self.gold, languages=self.languages)

    def as_filters(self) -> dict[str, Any]:
        """``filter`` as keywords (``Project.export(**options.as_filters())``)."""
        chosen = self.filter
        return {"annotators": chosen.annotators, "labels": chosen.labels, "done_only": chosen.done_only,
                "gold": chosen.gold, "languages": chosen.languages}

    def to_json(self) -> str:
        """These options as a JSON string (how the window remembers them in QSettings)."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ExportOptions | None:
        """Options saved by ``to_json``; ``None`` for anything unreadable (an older or broken
        setting is ignored, never an error)."""
        try:
            data = json.loads(text)
            known = {f.name for f in dataclasses.fields(cls)}
            options = cls(**{key: value for key, value in data.items() if key in known})
        except (TypeError, ValueError, AttributeError):
            return None
        if options.format not in EXPORT_FORMATS or not isinstance(options.path, str):
            return None
        for names in (options.annotators, options.labels, options.languages):
            if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                return None
        if options.offset_unit not in (None, "codepoint", "utf16"):
            return None
        options.done_only, options.gold, options.excel = bool(options.done_only), bool(options.gold), \
            bool(options.excel)
        return options


class ExportDialog(QDialog):
    """Export options with a live count of the spans they select.

    ``preview(options)`` returns ``(spans, articles with spans)`` for ``options.filter``, the
    filter the export then applies, so the count and the file agree. Counting runs on the GUI
    thread, so filter changes are debounced: each change restarts a single-shot timer and one
    count runs ``PREVIEW_DELAY_MS`` after the last of a burst (``flush_preview`` runs it now).

    ``remembered``: options to start from (the last export of this project). ``run``: the
    Export button starts the export through it and the dialog stays up until it succeeds
    (``export_succeeded`` closes it) or the user closes it; while it runs, the settings are
    locked, a progress bar shows and Cancel stops the export (the dialog stays open);
    ``export_failed`` shows the reason in ``error`` and unlocks the settings.
    """

    def __init__(self, annotators: list[str], labels: list[str], me: str, parent: QWidget | None = None,
                 preview: Callable[[ExportOptions], tuple[int, int]] | None = None,
                 run: ExportRunner | None = None, remembered: ExportOptions | None = None,
                 languages: list[tuple[str, int]] | None = None):
        super().__init__(parent)
        self._preview = preview
        self._run = run
        self._cancel: Callable[[], None] | None = None
        self.running = False
        self._exporting: ExportOptions | None = None
        self.exported: ExportOptions | None = None
        """The options of the export that succeeded (with ``run``)."""
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.setWindowTitle("Export")
        layout = QFormLayout(self)
        self.path = QLineEdit()
        self.path.setObjectName("exportPath")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        self.path_label = plain_label("File")  # "Folder" for brat, which writes one
        layout.addRow(self.path_label, row)
        self.path_note = plain_label()
        self.path_note.setObjectName("exportPathNote")
        self.path_note.setWordWrap(True)
        layout.addRow("", self.path_note)
        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for key, text in FORMATS.items():
            self.format.addItem(text, key)
        if not spacy_installed():  # offered, it failed only after the user had chosen everything
            item = self.format.model().item(self.format.findData("spacy"))  # type: ignore[attr-defined]
            item.setEnabled(False)
            item.setText(f"{FORMATS['spacy']} — needs spaCy: pip install -e '.[spacy]'")
        layout.addRow("Format", self.format)
        self.offset_unit = QComboBox()
        self.offset_unit.setObjectName("exportOffsetUnit")
        for text, value in (("the format's own", None), ("code points", "codepoint"), ("UTF-16 units", "utf16")):
            self.offset_unit.addItem(text, value)
        layout.addRow("Offsets", self.offset_unit)
        self.excel = QCheckBox("Excel-friendly CSV (UTF-8 with BOM)")
        layout.addRow("", self.excel)
        if remembered is not None and remembered.annotators is not None:
            ticked = set(remembered.annotators)
        elif remembered is not None and not remembered.gold:
            ticked = set(annotators)
        else:
            ticked = {me} if me in annotators else set(annotators)
        self.annotators = self._checklist(annotators, checked=ticked)
        layout.addRow("Annotators", self.annotators)
        self.labels = self._checklist(labels, checked=set(labels) if remembered is None or remembered.labels is None
                                      else set(remembered.labels))
        layout.addRow("Labels", self.labels)
        self.language = QComboBox()
        self.language.setObjectName("exportLanguage")
        self.language.addItem("Any language", None)
        for code, count in languages or []:
            self.language.addItem(f"{code} ({count:,} articles)", code)
        self.language.setEnabled(self.language.count() > 1)
        layout.addRow("Language", self.language)
        self.done_only = QCheckBox("Only articles marked done")
        layout.addRow("", self.done_only)
        self.gold = QCheckBox("Gold layer only (adjudicated spans)")
        self.gold.toggled.connect(lambda on: self.annotators.setEnabled(not on))
        layout.addRow("", self.gold)
        self.preview = plain_label()
        self.preview.setObjectName("exportPreview")
        layout.addRow("Will export", self.preview)
        self.preview_note = plain_label()
        self.preview_note.setObjectName("exportPreviewNote")
        self.preview_note.setWordWrap(True)
        layout.addRow("", self.preview_note)
        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 100)
        self.progress.hide()
        layout.addRow(self.progress)
        self.error = plain_label()
        self.error.setObjectName("exportError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        layout.addRow(self.error)
        if remembered is not None:
            self._restore(remembered)
        self._format_key = self.format.currentData()
        for widget in (self.annotators, self.labels):
            widget.itemChanged.connect(lambda _item: self.schedule_preview())
        for box in (self.done_only, self.gold):
            box.toggled.connect(lambda _on: self.schedule_preview())
        self.language.currentIndexChanged.connect(lambda _i: self.schedule_preview())
        self.format.currentIndexChanged.connect(lambda _i: self._on_format_changed())
        self.path.textChanged.connect(lambda _text: self._check_path())
        self._on_format_changed()
        self.update_preview()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("exportButtons")
        if run is not None:
            self.ok_button.setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addRow(self.buttons)
        self._settings_widgets: list[QWidget] = [self.path, browse, self.format, self.offset_unit, self.excel,
                                                 self.annotators, self.labels, self.language, self.done_only,
                                                 self.gold]

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    @property
    def cancel_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    def _restore(self, remembered: ExportOptions) -> None:
        """Start from ``remembered`` (the check lists are ticked when they are built)."""
        self.path.setText(remembered.path)
        index = self.format.findData(remembered.format)
        if index >= 0 and self.format.model().item(index).isEnabled():  # type: ignore[attr-defined]
            self.format.setCurrentIndex(index)
        index = self.offset_unit.findData(remembered.offset_unit)
        self.offset_unit.setCurrentIndex(max(index, 0))
        self.excel.setChecked(remembered.excel)
        self.done_only.setChecked(remembered.done_only)
        self.gold.setChecked(remembered.gold)
        # A remembered language no longer present falls back to every language.
        chosen = remembered.languages[0] if remembered.languages else None
        self.language.setCurrentIndex(max(self.language.findData(chosen), 0))
        self.annotators.setEnabled(not remembered.gold)

    @staticmethod
    def _checklist(names: list[str], checked: set[str]) -> QListWidget:
        widget = checklist(names, checked)
        widget.setMaximumHeight(120)
        return widget

    def _on_format_changed(self) -> None:
        fmt = self.format.currentData()
        if fmt != self._format_key:
            self.path.setText(with_format(self.path.text(), self._format_key, fmt))
            self._format_key = fmt
        self.path_label.setText("Folder" if EXPORT_FORMATS[fmt].folder else "File")
        self.excel.setEnabled(fmt == "csv" and not self.running)
        self.offset_unit.setEnabled(fmt not in ("conll", "spacy", "jsonl") and not self.running)
        self.preview_note.setText(PREVIEW_NOTES.get(fmt, ""))
        self._check_path()

    def _check_path(self) -> None:
        """Say under the path what the export will do to what is already there."""
        text = self.path.text().strip()
        note = ""
        if text:
            path = Path(text)
            folder = EXPORT_FORMATS[self.format.currentData()].folder
            if not path.parent.is_dir():
                note = f"The folder {path.parent} does not exist."
            elif folder and path.is_dir() and any(path.iterdir()):
                note = f"{path.name} is a folder that is not empty; brat needs a new folder."
            elif not folder and path.is_dir():
                note = f"{path.name} is a folder; choose a file name."
            elif path.exists():
                note = f"{path.name} exists and will be replaced."
        self.path_note.setText(note)
        self.path_note.setVisible(bool(note))

    def schedule_preview(self) -> None:
        """Count again once the filters have been still for ``PREVIEW_DELAY_MS``."""
        if self._preview is not None:
            self._preview_timer.start()  # restarts a pending count

    def flush_preview(self) -> None:
        """Run a scheduled count now (tests, and anything that needs the figure at once)."""
        if self._preview_timer.isActive():
            self._preview_timer.stop()
            self.update_preview()

    def update_preview(self) -> None:
        """Count now what ``options()`` would export."""
        self._preview_timer.stop()
        if self._preview is None:
            return
        options = self.options()
        spans, articles = self._preview(options)
        chosen = options.filter
        why = ""
        if chosen.annotators == () and not chosen.gold:
            why = " (no annotator ticked)"
        elif chosen.labels == ():
            why = " (no label ticked)"
        self.preview.setText(f"{spans:,} spans in {articles:,} articles{why}")

    def accept(self) -> None:
        """OK: without ``run`` close with the options; with it, start the export (the dialog
        closes when it succeeds)."""
        if self._run is None:
            super().accept()
            return
        if self.running:
            return
        options = self.options()
        if not options.path.strip():
            self.export_failed("Choose where to export: a file name (for brat a new folder).")
            return
        self.flush_preview()
        self.error.hide()
        self._set_running(True)
        self.progress.setValue(0)
        self._exporting = options
        self._cancel = self._run(options, self)

    def reject(self) -> None:
        """Cancel / Esc / closing: while an export runs, stop it and stay open (its end is
        shown here); otherwise close."""
        if self.running:
            if self._cancel is not None:
                self._cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            return
        super().reject()

    def closeEvent(self, event: Any) -> None:  # Qt's name
        if self.running:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def export_progress(self, done: int, total: int) -> None:
        if self.running and isValid(self):
            self.progress.setValue(int(100 * done / total) if total else 0)

    def export_succeeded(self, message: str) -> None:
        """The export ended well: close (the window's status bar says what was written)."""
        if not self.running or not isValid(self):
            return
        self._set_running(False)
        self.exported = self._exporting
        QDialog.accept(self)

    def export_failed(self, message: str) -> None:
        """The export failed or was cancelled (or could not start): say why, keep everything."""
        if not isValid(self):
            return
        self._set_running(False)
        self.error.setText(message)
        self.error.show()

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in self._settings_widgets:
            widget.setEnabled(not running)
        if not running:
            self.annotators.setEnabled(not self.gold.isChecked())
            self._on_format_changed()
        self.ok_button.setEnabled(not running)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel export" if running else "Cancel")
        self.progress.setVisible(running)
        if running:
            self.error.hide()

    def done(self, result: int) -> None:
        self._preview_timer.stop()  # no count after the dialog has closed
        super().done(result)

    def _browse(self) -> None:
        fmt = self.format.currentData()
        start = str(Path(self.path.text()).parent) if self.path.text() else ""
        if fmt == "brat":
            path = QFileDialog.getExistingDirectory(self, "Export into a new folder (inside this one)", start)
            if path:
                self.path.setText(str(Path(path) / "brat-export"))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMATS[fmt])
        if path:
            extension = {"jsonl": ".jsonl", "csv": ".csv", "conll": ".conll", "labelstudio": ".json",
                         "doccano": ".jsonl", "spacy": ".spacy"}[fmt]
            self.path.setText(path if Path(path).suffix else path + extension)

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return checked_names(widget)

    def options(self) -> ExportOptions:
        annotators = [] if self.gold.isChecked() else self._checked(self.annotators)
        labels = self._checked(self.labels)
        return ExportOptions(
            path=self.path.text(),
            format=self.format.currentData(),
            annotators=None if self.gold.isChecked() or len(annotators) == self.annotators.count() else annotators,
            labels=None if len(labels) == self.labels.count() else labels,
            done_only=self.done_only.isChecked(),
            gold=self.gold.isChecked(),
            offset_unit=self.offset_unit.currentData() if self.offset_unit.isEnabled() else None,
            excel=self.excel.isChecked() and self.excel.isEnabled(),
            languages=None if self.language.currentData() is None else [self.language.currentData()],
        )
