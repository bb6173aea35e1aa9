"""Every format, under several filters: the preview count (``count_export``), the summary and
the files agree on spans and articles, as the README's "Counting articles and spans" says.

Articles = articles with at least one kept span; ``summary.written`` = articles in the output
at all; ``summary.spans + summary.left_out`` = the kept spans.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from annotator.io.csv_export import COLUMNS
from annotator.io.exporters import FORMATS
from annotator.io.exporting import ExportFilter, ExportSummary
from annotator.model.types import GOLD_UUID
from annotator.project import Project
from tests.conftest import write_jsonl

QUOTE, BLAME, CALL = "Quotation", "Blame / threat attribution", "Call for de-escalation / negotiation"


def span(text: str, word: str, label: str, annotator: str, **extra) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "annotator": annotator, **extra}


def articles() -> list[dict]:
    one = "Satu: Lavrov mengkritik AS dan NATO."
    two = "Dua: Seruan perundingan damai!\nMenteri berkata lagi."
    three = "Tiga: artikel tanpa anotasi."
    four = "Empat: artikel kosong sekali."
    five = "Lima: putusan emas 😀 di sini."
    six = "Enam: Lavrov mengkritik AS keras."
    return [
        {"id": "a1", "title": "=Satu", "source": "@Kompas", "published": "2024-01-17", "url": "https://e.org/1",
         "text": one, "done_by": ["ana"], "annotations": [
             span(one, "Lavrov", QUOTE, "ana", attributes={"speaker": "Lavrov", "polarity": "negative",
                                                          "outside": 3}),
             span(one, "Lavrov mengkritik AS", QUOTE, "budi", attributes={"speaker": "=cmd()", "target": ["AS"]}),
             span(one, "NATO", BLAME, "budi", note="+note")]},
        {"id": "a2", "title": "Dua", "text": two, "done_by": ["ana", "budi"], "annotations": [
             span(two, "perundingan damai!\nMenteri", CALL, "ana"),  # crosses a line break (brat fragments)
             span(two, "Menteri", QUOTE, "budi")]},
        {"id": "a3", "title": "Tiga", "text": three, "done_by": ["budi"], "annotations": []},
        {"id": "a4", "title": "Empat", "text": four, "annotations": []},
        {"id": "a5", "title": "Lima", "text": five, "annotations": [
             span(five, "emas 😀", QUOTE, "gold", annotator_id=GOLD_UUID, origin="adjudicated", reviewer="budi")]},
        {"id": "a6", "title": "Enam", "text": six, "annotations": [  # overlap: CoNLL keeps the longer one
             span(six, "Lavrov mengkritik AS", BLAME, "ana"), span(six, "mengkritik", QUOTE, "ana")]},
    ]


FILTERS = [
    ExportFilter(),
    ExportFilter(annotators=("ana",)),
    ExportFilter(annotators=("budi",), labels=(QUOTE,)),
    ExportFilter(annotators=()),
    ExportFilter(labels=()),
    ExportFilter(done_only=True),
    ExportFilter(gold=True),
    ExportFilter(annotators=("ana",), gold=True, labels=(QUOTE,)),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counts")
    project = Project.open(folder / "p.annotator")
    report = project.import_paths([write_jsonl(folder / "in.jsonl", articles())])
    assert report.ok, [str(f) for f in report.failed]
    yield project
    project.close()


def held(fmt: str, out: Path) -> tuple[int, int, int]:
    """``(spans, articles with spans, articles)`` as the written files hold them."""
    if fmt == "jsonl":
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return (sum(len(r["annotations"]) for r in lines), sum(1 for r in lines if r["annotations"]), len(lines))
    if fmt == "csv":
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        ids = {row["article_id"] for row in rows}
        return len(rows), len(ids), len(ids)
    if fmt == "brat":
        spans, stems = 0, set()
        for ann in out.glob("*/*.ann"):
            stems.add(ann.stem)
            spans += sum(1 for line in ann.read_text(encoding="utf-8").splitlines() if line.startswith("T"))
            assert (ann.with_suffix(".txt")).exists()
        return spans, len(stems), len(stems)
    if fmt == "conll":
        per_article: Counter = Counter()
        seen = set()
        for doc in out.read_text(encoding="utf-8").split("-DOCSTART-\tO\n")[1:]:
            first = doc.strip().split("\n")[0].split("\t")[0]  # every text starts with its own word
            seen.add(first)
            per_article[first] += len(re.findall(r"\tB-", doc))
        return sum(per_article.values()), sum(1 for n in per_article.values() if n), len(seen)
    if fmt == "labelstudio":
        tasks = json.loads(out.read_text(encoding="utf-8"))
        counts = [sum(1 for block in task["annotations"] for result in block["result"] if result["type"] == "labels")
                  for task in tasks]
        return sum(counts), sum(1 for n in counts if n), len(tasks)
    if fmt == "doccano":
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        with_spans = {line["article_id"] for line in lines if line["label"]}
        return sum(len(line["label"]) for line in lines), len(with_spans), len({line["article_id"] for line in lines})
    if fmt == "spacy":
        import spacy
        from spacy.tokens import DocBin

        docs = list(DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab))
        with_spans = {doc.user_data["article_id"] for doc in docs if len(doc.spans["sc"])}
        return (sum(len(doc.spans["sc"]) for doc in docs), len(with_spans),
                len({doc.user_data["article_id"] for doc in docs}))
    raise AssertionError(fmt)


def export(project: Project, fmt: str, folder: Path, chosen: ExportFilter) -> tuple[ExportSummary, Path]:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    out = folder / (f"out-{fmt}" if FORMATS[fmt].folder else f"out{FORMATS[fmt].extension}")
    return project.export(fmt, out, filter=chosen), out


@pytest.mark.parametrize("chosen", FILTERS, ids=repr)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_preview_summary_and_files_agree(project, tmp_path, fmt, chosen):
    spans, articles_with_spans = project.count_export(chosen)
    summary, out = export(project, fmt, tmp_path, chosen)
    assert (summary.spans + summary.left_out, summary.articles) == (spans, articles_with_spans)
    file_spans, file_articles, file_written = held(fmt, out)
    assert file_spans == summary.spans
    assert file_written == summary.written
    if not summary.left_out:
        assert file_articles == summary.articles
    assert summary.written >= summary.articles
    message = summary.describe(fmt)
    assert message.startswith(f"Exported {summary.spans:,} spans in {summary.articles:,} articles ({fmt})")


def test_what_each_format_writes_besides_the_counted_articles(project, tmp_path):
    """The differences ``written`` and ``left_out`` exist for: the format's own reasons."""
    everything = ExportFilter()
    assert project.count_export(everything) == (8, 4)  # a3 and a4 have no spans
    by_format = {fmt: export(project, fmt, tmp_path, everything)[0] for fmt in FORMATS
                 if fmt != "spacy"}
    for fmt, summary in by_format.items():
        assert summary.articles == 4, fmt
    assert by_format["jsonl"].written == by_format["labelstudio"].written == 6  # every article
    assert by_format["csv"].written == by_format["brat"].written == 4  # only articles with spans
    assert by_format["doccano"].written == by_format["conll"].written == 5  # and a3, done by budi
    assert by_format["conll"].left_out == 1 and by_format["conll"].spans == 7  # the overlap in a6
    assert "1 spans left out" in by_format["conll"].describe("conll")
    assert "2 articles without spans written too" in by_format["jsonl"].describe("jsonl")
    assert "without spans" not in by_format["csv"].describe("csv")


def test_csv_columns_per_attribute_and_article_metadata(project, tmp_path):
    out = tmp_path / "out.csv"
    project.export("csv", out, filter=ExportFilter(annotators=("ana", "budi")), excel=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
    attributes = [f"attr_{a.name}" for a in project.codebook().attributes]
    assert reader.fieldnames == [*COLUMNS, *attributes]
    assert attributes == ["attr_speaker", "attr_target", "attr_polarity", "attr_voice"]
    rows = list(reader)
    ana, budi, note = rows[0], rows[1], rows[2]
    assert (ana["source"], ana["published"], ana["url"]) == ("'@Kompas", "2024-01-17", "https://e.org/1")
    assert ana["title"] == "'=Satu"
    assert (ana["attr_speaker"], ana["attr_polarity"], ana["attr_target"], ana["attr_voice"]) == \
        ("Lavrov", "negative", "", "")
    assert json.loads(ana["attributes"]) == {"speaker": "Lavrov", "polarity": "negative", "outside": 3}
    assert budi["attr_speaker"] == "'=cmd()"  # neutralised like every other cell
    assert json.loads(budi["attr_target"]) == ["AS"]  # not text: JSON
    assert note["note"] == "'+note" and note["attr_speaker"] == ""
    two = next(row for row in rows if row["title"] == "Dua")
    assert (two["source"], two["published"], two["url"]) == ("", "", "")


def test_csv_attribute_columns_from_spans_read_either_way(project, tmp_path):
    """The fast path (rows from SQLite) and ``Annotation`` objects give the same cells."""
    from annotator.io import csv_export

    fast = tmp_path / "fast.csv"
    project.export("csv", fast)
    slow = tmp_path / "slow.csv"
    csv_export.write(project.records(), slow, codebook=project.codebook())
    assert fast.read_text(encoding="utf-8") == slow.read_text(encoding="utf-8")


def test_csv_header_of_an_attribute_that_looks_like_a_formula(tmp_path):
    project = Project.open(tmp_path / "f.annotator")
    codebook = tmp_path / "codebook.json"
    codebook.write_text(json.dumps({"labels": [{"name": "Quotation"}], "attributes": [{"name": "=x"}]}),
                        encoding="utf-8")
    project.import_codebook(codebook)
    text = "Lavrov berkata."
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [{"text": text, "annotations": [
        span(text, "Lavrov", QUOTE, "ana", attributes={"=x": "-1"})]}])])
    project.export("csv", tmp_path / "out.csv")
    header, row = list(csv.reader((tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()))
    assert "attr_=x" in header and not any(cell[:1] in "=+-@" for cell in header)
    assert row[header.index("attr_=x")] == "'-1"
    project.close()
