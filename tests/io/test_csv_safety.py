"""CSV cells a spreadsheet would run as formulas are neutralised (OWASP CSV injection), in every
CSV the app writes, and exactly reversibly."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.io.csv_safety import neutralise, restore, safe_row
from annotator.project import Project

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "＝1", "＋1", "－1", "＠x", "\t=1", "\tplain", "\rplain",
             " =1", "\u00a0=1", "\n=1", "\r\n+1", "\u3000-1", "\u2028@x", "\u200b=1", "\ufeff=1",
             "=HYPERLINK(\"http://x\",\"click\")", "-3", "'=1", "''=1", "' =1"]
TRIGGERS = set("=+-@＝＋－＠")


def formula_like(cell: str) -> bool:
    """What a spreadsheet could take for a formula: a tab or CR first, or a sign after blanks."""
    return cell.startswith(("\t", "\r")) or cell.lstrip(" \t\r\n\u00a0\u200b\u3000")[:1] in TRIGGERS


HARMLESS = ["", "plain", "a=b", "3-2", "'plain", "''", "'", "x@y", "  text", "\nline", "ana"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_cells_get_one_apostrophe(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_cells_are_left_alone(value):
    assert neutralise(value) == value
    assert restore(value) == value


def test_numbers_stay_numbers():
    assert safe_row(["-label", -3, -0.25, 7, None, "=x"]) == ["'-label", -3, -0.25, 7, None, "'=x"]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@＝＋－＠'\t\r\n \u00a0\u200bax1"), max_size=8))
def test_restore_gives_back_exactly_what_neutralise_was_given(value):
    cell = neutralise(value)
    assert restore(cell) == value
    # What a spreadsheet sees first (after blanks) is never a formula sign unless an apostrophe leads.
    assert cell.startswith("'") or not formula_like(cell)


def test_every_text_cell_of_the_csv_export_is_neutralised(tmp_path):
    project = Project.memory()
    text = "=SUM(A1:A9) said -the minister @noon."
    source = tmp_path / "dangerous.jsonl"
    source.write_text(json.dumps({
        "title": "+Breaking", "id": "-17", "source": "@wire", "url": "=HYPERLINK(1)", "published": "－2024",
        "text": text, "annotations": [{
            "start": 0, "end": 11, "label": "＝Label", "annotator": "@ana", "annotator_id": "=1+2",
            "attributes": {"speaker": "\t=cmd()"}, "note": "\u00a0=note"}]}) + "\n", encoding="utf-8")
    report = project.import_paths([source])
    assert report.ok, report.failed or report.bad_records
    output = tmp_path / "out.csv"
    project.export("csv", output)
    [header, row] = list(csv.reader(output.open(encoding="utf-8", newline="")))
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == "'+Breaking" and cells["external_id"] == "'-17" and cells["source"] == "'@wire"
    assert cells["url"] == "'=HYPERLINK(1)" and cells["published"] == "'－2024"
    assert cells["annotator"] == "'@ana" and cells["annotator_id"] == "'=1+2" and cells["label"] == "'＝Label"
    assert cells["text"] == "'=SUM(A1:A9)" and cells["note"] == "'\u00a0=note"
    assert cells["start"] == "0" and cells["end"] == "11"  # numbers as numbers
    for cell in row:
        assert cell.startswith("'") or not formula_like(cell)
    assert restore(cells["title"]) == "+Breaking" and restore(cells["note"]) == "\u00a0=note"
    project.close()
