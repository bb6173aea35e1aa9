"""The export formats: module, default offset unit, and whether ``-o`` names a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from annotator.io import brat, conll, csv_export, doccano, labelstudio, spacy_docbin
from annotator.io.exporting import ExportSummary


@dataclass(frozen=True)
class ExportFormat:
    name: str
    write: Callable[..., ExportSummary] | None  # None: native JSONL, written by the project
    default_unit: str | None  # None: the format has no character offsets (token based)
    folder: bool = False
    extension: str = ""
    cannot_carry: str = ""


FORMATS: dict[str, ExportFormat] = {
    "jsonl": ExportFormat("jsonl", None, "codepoint", extension=".jsonl", cannot_carry="(lossless)"),
    "csv": ExportFormat("csv", csv_export.write, "codepoint", extension=".csv",
                        cannot_carry="document labels, done marks, codebook"),
    "brat": ExportFormat("brat", brat.write, "codepoint", folder=True,
                         cannot_carry="document labels, done marks, span ids, times"),
    "conll": ExportFormat("conll", conll.write, None, extension=".conll",
                          cannot_carry="overlapping spans (longest kept), sub-token offsets, attributes, notes"),
    "labelstudio": ExportFormat("labelstudio", labelstudio.write, "codepoint", extension=".json",
                                cannot_carry="times, origin"),
    "doccano": ExportFormat("doccano", doccano.write, "utf16", extension=".jsonl",
                            cannot_carry="attributes, notes, document labels, span ids"),
    "spacy": ExportFormat("spacy", spacy_docbin.write, None, extension=".spacy",
                          cannot_carry="spans inside tokens (expanded), attributes, notes"),
}
