"""The agreement dashboard's "Export table as CSV": label names neutralised like every CSV the
app writes (``io.csv_safety``), agreement figures left as numbers, negative ones too."""

from __future__ import annotations

import csv
from types import SimpleNamespace

from annotator.io.csv_safety import restore
from annotator.ui.dialogs.dashboard import AgreementDashboard


def test_the_agreement_table_neutralises_label_names_and_keeps_numbers(tmp_path):
    pairs = [{"cohen_kappa": -0.5, "span_f1_exact": 1.0, "span_f1_overlap": 0.75}]
    result = {"labels": {"=HYPERLINK(\"x\")": {"krippendorff_alpha": -0.25, "fleiss_kappa": None, "pairs": pairs},
                         "＠mention": {"krippendorff_alpha": 0.5, "fleiss_kappa": 0.5, "pairs": pairs},
                         "Plain": {"krippendorff_alpha": 1.0, "fleiss_kappa": 1.0, "pairs": pairs}}}
    path = tmp_path / "agreement.csv"
    AgreementDashboard.export_csv(SimpleNamespace(agreement=result), str(path))  # the writer alone
    header, *rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert header[0] == "Label"
    assert [row[0] for row in rows] == ["'=HYPERLINK(\"x\")", "'＠mention", "Plain"]
    assert rows[0][1:4] == ["-0.25", "", "-0.5"]  # numbers, not neutralised
    assert [restore(row[0]) for row in rows] == list(result["labels"])
