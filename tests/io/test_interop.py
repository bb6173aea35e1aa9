"""Exports other tools read, imports of their real files, and round trips through them.

The ecosystem's own code checks our files: pybrat and bratiaa read the brat export, spaCy loads
the DocBin, Label Studio's converter reads the tasks file.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from annotator.project import Project
from tests.conftest import DATA, write_jsonl

INTEROP = DATA / "interop"


def spans_of(project: Project, *, with_details: bool = False) -> Counter:
    """Every span of every article by content (annotator, text, offsets, label[, attributes, note])."""
    result: Counter = Counter()
    for article in project._store.iter_articles():
        for span in project._store.annotations(article.id):
            key = (span.annotator, article.text, span.start, span.end, span.label)
            if with_details:
                key += (json.dumps(span.attributes, sort_keys=True, ensure_ascii=False), span.note)
            result[key] += 1
    return result


@pytest.fixture
def source(tmp_path, rich_records) -> Project:
    """A project with real ru/ar/id/ko text (emoji, ZWJ, flags, combining marks, RTL), two
    annotators, overlapping spans, attributes, notes and a gold layer."""
    project = Project.open(tmp_path / "source.annotator")
    report = project.import_paths([write_jsonl(tmp_path / "rich.jsonl", rich_records)])
    assert report.ok, report.failed
    yield project
    project.close()


def round_trip(source: Project, tmp_path: Path, fmt: str, import_format: str, **export_options) -> Project:
    target = tmp_path / f"out.{fmt}"
    summary = source.export(fmt, target, **export_options)
    assert summary.spans == sum(spans_of(source).values())
    back = Project.open(tmp_path / f"back-{fmt}.annotator")
    report = back.import_paths([target], format=import_format)
    assert report.ok, [str(f) for f in report.failed]
    return back


def test_brat_round_trip_keeps_spans_labels_annotators_attributes_notes(source, tmp_path):
    back = round_trip(source, tmp_path, "brat", "brat")
    assert spans_of(back, with_details=True) == spans_of(source, with_details=True)
    assert {a.uuid for a in back._store.annotators()} == {a.uuid for a in source._store.annotators()}


def test_brat_export_files(source, tmp_path):
    out = tmp_path / "brat"
    source.export("brat", out)
    for text_file in out.glob("*/*.txt"):
        article = next(a for a in source._store.iter_articles()
                       if text_file.stem.startswith(f"{a.id:06d}"))
        assert text_file.read_bytes() == article.text.encode("utf-8")  # byte for byte
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "Label_with_spaces_umlauts" in conf or "Label_with_spaces" in conf
    visual = (out / "visual.conf").read_text(encoding="utf-8")
    assert "| Label with spaces & ümlauts" in visual
    with pytest.raises(Exception, match="not empty"):
        source.export("brat", out)


def test_pybrat_reads_our_brat_export_and_every_span_matches(source, tmp_path):
    from pybrat.parser import BratParser

    out = tmp_path / "brat"
    source.export("brat", out)
    mapping = json.loads((out / "stance-annotator.json").read_text(encoding="utf-8"))
    parsed = 0
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        # pybrat trims lines, so a span over white space alone reads as malformed: skip those.
        for example in BratParser(error="ignore").parse(str(folder)):
            text = (folder / f"{example.id}.txt").read_text(encoding="utf-8")
            for entity in example.entities:
                pieces = [text[s.start:s.end] for s in entity.spans]
                assert " ".join(pieces).strip() == entity.mention.strip()  # pybrat trims the mention
                assert entity.type in mapping["labels"]
                parsed += 1
    blank = sum(1 for key in spans_of(source).elements() if not key[1][key[2]:key[3]].strip())
    assert parsed == sum(spans_of(source).values()) - blank


def test_bratiaa_agreement_on_our_export_equals_ours(tmp_path):
    """Two annotators on the same articles: bratiaa's instance F1 over our brat export is our
    exact span F1."""
    import bratiaa

    project = Project.open(tmp_path / "two.annotator")
    report = project.import_paths([INTEROP / "brat" / "bratiaa-agree-2"], format="brat")
    assert report.ok, report.failed
    for article in project._store.iter_articles():
        for name in ("ann1", "ann2"):
            from annotator.model.commands import SetStatus

            project.execute(SetStatus(article.id, name, "done"))
    ours = project.agreement()["pairs"][0]["span_f1_exact"]
    assert round(ours, 4) == 0.7879  # the fixture's published figure
    out = tmp_path / "brat"
    project.export("brat", out)
    agreement = bratiaa.compute_f1_agreement(str(out))
    assert abs(agreement.mean_sd_total()[0] - ours) < 1e-9


def test_label_studio_round_trip_and_their_converter(source, tmp_path):
    back = round_trip(source, tmp_path, "labelstudio", "labelstudio")
    assert spans_of(back, with_details=True) == spans_of(source, with_details=True)
    from label_studio_sdk.converter import Converter

    tasks = tmp_path / "out.labelstudio"
    config = (tmp_path / "out.labeling-config.xml").read_text(encoding="utf-8")
    converter = Converter(config=config, project_dir=None, download_resources=False)
    converter.convert_to_json_min(str(tasks), str(tmp_path / "min"), is_dir=False)
    items = json.loads((tmp_path / "min" / "result.json").read_text(encoding="utf-8"))
    regions = [region for item in items for region in item.get("label", [])]
    assert len(regions) == sum(spans_of(source).values())
    texts = {item["id"]: item["text"] for item in items}
    for item in items:
        for region in item.get("label", []):
            assert texts[item["id"]][region["start"]:region["end"]] == region["text"]


def test_doccano_round_trip_in_utf16(source, tmp_path):
    back = round_trip(source, tmp_path, "doccano", "doccano")
    assert spans_of(back) == spans_of(source)
    # The file really counts UTF-16 units: with emoji, offsets differ from code points.
    lines = [json.loads(line) for line in (tmp_path / "out.doccano").read_text(encoding="utf-8").splitlines()]
    emoji_line = next(line for line in lines if any(ord(c) > 0xFFFF for c in line["text"]) and line["label"])
    for start, end, _ in emoji_line["label"]:
        units = emoji_line["text"].encode("utf-16-le")
        assert units[2 * start:2 * end].decode("utf-16-le", "surrogatepass")


def test_spacy_builds_every_exported_span(source, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "out.spacy"
    summary = source.export("spacy", out)
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab))
    built = sum(len(doc.spans["sc"]) for doc in docs)
    left_out = sum(int(note.split()[0]) for note in summary.notes if "left out" in note)
    assert built == summary.spans == sum(spans_of(source).values()) - left_out
    texts = {a.id: a.text for a in source._store.iter_articles()}
    for doc in docs:
        assert doc.text == texts[doc.user_data["article_id"]]
        assert all(span.label_ for span in doc.spans["sc"])
        assert len(doc.ents) <= len(doc.spans["sc"])


def test_csv_rows_offsets_and_formula_neutralising(tmp_path):
    project = Project.open(tmp_path / "c.annotator")
    text = "=SUM(A1) 😀 @cmd +1 -2 dan kata"
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [{"text": text, "title": "=HYPERLINK(\"x\")",
        "annotations": [{"start": 0, "end": 8, "label": "Quotation", "annotator": "ana", "note": "+note"},
                        {"start": 11, "end": 15, "label": "Quotation", "annotator": "ana"}]}])])
    out = tmp_path / "out.csv"
    project.export("csv", out, excel=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["text"] == "'=SUM(A1)" and rows[0]["title"] == "'=HYPERLINK(\"x\")" and rows[0]["note"] == "'+note"
    assert (rows[1]["start"], rows[1]["end"], rows[1]["text"]) == ("11", "15", "'@cmd")
    project.export("csv", tmp_path / "u.csv", offset_unit="utf16")
    rows = list(csv.DictReader((tmp_path / "u.csv").read_text(encoding="utf-8").splitlines()))
    assert (rows[1]["start"], rows[1]["end"]) == ("12", "16")  # the emoji counts twice in UTF-16


def test_conll_bio_with_longest_first_policy(tmp_path):
    project = Project.open(tmp_path / "c.annotator")
    text = "Lavrov mengkritik AS.\nSeruan perundingan damai!"
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [{"text": text, "annotations": [
        {"start": 0, "end": 20, "label": "Blame / threat attribution", "annotator": "ana"},
        {"start": 7, "end": 17, "label": "Euphemism / loaded term", "annotator": "ana"},
        {"start": 29, "end": 46, "label": "Quotation", "annotator": "ana"}]}])])
    out = tmp_path / "out.conll"
    summary = project.export("conll", out)
    assert out.read_text(encoding="utf-8") == (
        "-DOCSTART-\tO\n\n"
        "Lavrov\tB-Blame_threat_attribution\nmengkritik\tI-Blame_threat_attribution\n"
        "AS\tI-Blame_threat_attribution\n.\tO\n\n"
        "Seruan\tO\nperundingan\tB-Quotation\ndamai\tI-Quotation\n!\tO\n\n\n"
    )
    assert any("1 span(s) left out" in note for note in summary.notes)
    with pytest.raises(Exception, match="no character offsets"):
        project.export("conll", out, offset_unit="utf16")


def test_conll_keeps_words_whole_in_scripts_with_marks_and_a_character_a_line_in_chinese(tmp_path):
    """दिल्ली was written as six lines (द ि ल ् ल ी) and a span inside a Chinese run tagged the
    whole run: the tokens are those the window snaps to."""
    project = Project.open(tmp_path / "c.annotator")
    hindi, chinese = "नई दिल्ली में बैठक", "中方呼吁各方通过对话协商解决分歧。"
    start = chinese.index("对话")
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [
        {"text": hindi, "annotations": [{"start": 4, "end": 8, "label": "Quotation", "annotator": "ana"}]},
        {"text": chinese, "annotations": [{"start": start, "end": start + 4, "label": "Quotation",
                                            "annotator": "ana"}]}])])
    out = tmp_path / "out.conll"
    project.export("conll", out)
    documents = out.read_text(encoding="utf-8").split("-DOCSTART-\tO\n\n")[1:]
    assert documents[0] == "नई\tO\nदिल्ली\tB-Quotation\nमें\tO\nबैठक\tO\n\n"
    lines = documents[1].split("\n")
    assert lines[:10] == ["中\tO", "方\tO", "呼\tO", "吁\tO", "各\tO", "方\tO", "通\tO", "过\tO",
                          "对\tB-Quotation", "话\tI-Quotation"]
    assert lines[10:13] == ["协\tI-Quotation", "商\tI-Quotation", "解\tO"]


def test_export_filters_apply_to_every_format(source, tmp_path):
    for fmt in ("csv", "doccano", "labelstudio"):
        summary = source.export(fmt, tmp_path / f"gold.{fmt}", gold=True)
        assert summary.spans == sum(n for key, n in spans_of(source).items() if key[0] == "gold")
        summary = source.export(fmt, tmp_path / f"budi.{fmt}", annotators=["budi"], labels=["Quotation"])
        assert summary.spans == sum(n for key, n in spans_of(source).items()
                                    if key[0] == "budi" and key[4] == "Quotation")


# -- real files written by other tools ---------------------------------------------------------


def test_brat_tutorial_files(tmp_path):
    project = Project.open(tmp_path / "b.annotator")
    report = project.import_paths([INTEROP / "brat" / "brat-tutorial-news"], format="brat", annotator="brat")
    assert report.ok, report.failed
    assert any("skipped" in note and "E" in note for note in report.notes)
    article = next(a for a in project._store.iter_articles() if a.title == "100-attribute_annotation")
    spans = {(s.start, s.end): s for s in project.annotations(article.id)}
    assert spans[(497, 505)].label == "Person" and spans[(497, 505)].text == "Somebody"
    assert spans[(497, 505)].attributes == {"Individual": True}
    assert spans[(506, 513)].attributes == {"Confidence": "Neutral"}  # from event E1 to its trigger
    assert len(spans) == 26
    noted = next(a for a in project._store.iter_articles() if a.title == "110-note_annotation")
    assert any(s.note for s in project.annotations(noted.id))


def test_brat_discontinuous_span_policy(tmp_path):
    project = Project.open(tmp_path / "d.annotator")
    report = project.import_paths([INTEROP / "brat" / "dkpro-core-discontinuous" / "document0d.ann"],
                                  format="brat", annotator="dkpro")
    assert report.ok, report.failed
    spans = project.annotations(1)
    pieces = [(s.start, s.end, s.text, s.attributes) for s in spans if s.attributes]
    assert pieces == [(5, 7, "is", {"brat_fragment_of": "T2"}), (9, 10, "n", {"brat_fragment_of": "T2"})]
    assert [s.text for s in spans if not s.attributes] == ["This", "other test", "."]


def test_doccano_fixtures(tmp_path):
    project = Project.open(tmp_path / "d.annotator")
    ok = project.import_paths([INTEROP / "doccano" / "export_sequence_labeling_example.jsonl",
                               INTEROP / "doccano" / "import_test_sequence_labeling_overlapping.jsonl"],
                              format="doccano", annotator="doccano")
    assert ok.ok, ok.failed
    assert ok.annotations_existing == 1  # the same span twice in one line
    texts = {a.text: a.id for a in project._store.iter_articles()}
    article_id = texts["EU rejects German call to boycott British lamb."]
    assert [(s.text, s.label) for s in project.annotations(article_id)] == [("EU", "ORG"), ("German", "MISC")]
    broken = project.import_paths([INTEROP / "doccano" / "import_test_sequence_labeling.jsonl"], format="doccano",
                                  annotator="doccano")
    # doccano files are read record by record: the bad line is skipped, the good ones kept.
    [bad] = broken.bad_records
    assert bad.line == 3 and "no 'text'" in bad.reason and not broken.failed
    assert broken.files[0].kept > 0
    relations = project.import_paths([INTEROP / "doccano" / "import_test_relation_extraction.jsonl"],
                                     format="doccano", annotator="doccano")
    assert relations.ok and any("relations" in note for note in relations.notes)


def test_doccano_issue_2290_example_in_utf16(tmp_path):
    text = "👨🏻‍🚒 firemen drive firetrucks"
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": text, "label": [[22, 32, "VEHICLE"]]}) + "\n", encoding="utf-8")
    project = Project.open(tmp_path / "d.annotator")
    assert project.import_paths([path], format="doccano", annotator="x").ok
    [span] = project.annotations(1)
    assert (span.start, span.end, span.text) == (19, 29, "firetrucks")
    wrong_unit = project.import_paths([path], format="doccano", annotator="y", offset_unit="codepoint")
    assert "outside the text" in wrong_unit.bad_records[0].reason


def test_label_studio_example_files(tmp_path):
    project = Project.open(tmp_path / "l.annotator")
    folder = INTEROP / "label-studio" / "named_entity-example"
    report = project.import_paths([folder / "annotations" / "1.json"], format="labelstudio", annotator="ls")
    assert report.ok, report.failed
    assert [(s.text, s.label, s.start, s.end) for s in project.annotations(1)] == [("February 22", "Date", 343, 354)]
    predictions = project.import_paths([folder / "tasks.json"], format="labelstudio", annotator="ls")
    assert predictions.ok and any("prediction(s) skipped" in note for note in predictions.notes)


def test_label_studio_old_utf16_offsets_are_detected(tmp_path):
    text = "🇺🇸 sanctions? Officials called for negotiations."
    task = {"data": {"text": text}, "annotations": [{"completed_by": 3, "result": [
        {"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 26, "end": 49, "text": "called for negotiations", "labels": ["Call"]}}]}]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    project = Project.open(tmp_path / "l.annotator")
    report = project.import_paths([path], format="labelstudio")
    assert report.ok, report.failed
    assert any("UTF-16" in note for note in report.notes)
    [span] = project.annotations(1)
    assert (span.start, span.end, span.annotator) == (24, 47, "labelstudio-user-3")
    task["annotations"][0]["result"][0]["value"]["text"] = "something else"
    path.write_text(json.dumps([task]), encoding="utf-8")
    assert "matches the article neither" in project.import_paths([path], format="labelstudio").bad_records[0].reason


@pytest.mark.parametrize(("case", "expected"), [
    ("testSentenceWithEmoji", [("😊", "Span")]),
    ("testMultiTokenStackedSpanWithFeatureValue", [("This is a test .", "LOCATION"), ("This is a test .", "PERSON")]),
    ("testSentenceWithLineBreak", [("This", "Span")]),
])
def test_webanno_tsv3_suite(tmp_path, case, expected):
    project = Project.open(tmp_path / "w.annotator")
    report = project.import_paths([INTEROP / "inception-webanno-tsv3" / "tsv3-suite" / case / "reference.tsv"],
                                  format="webanno-tsv3", annotator="inception")
    assert report.ok, report.failed
    spans = project.annotations(1)
    assert sorted((s.text, s.label) for s in spans) == sorted(expected)
    if case == "testSentenceWithEmoji":
        assert (spans[0].start, spans[0].end) == (10, 11)  # UTF-16 10-12 in the file
    if case == "testSentenceWithLineBreak":
        assert project._store.article_text(1) == "This is\na test ."


def test_webanno_tsv3_whole_suite_imports_or_explains(tmp_path):
    project = Project.open(tmp_path / "w.annotator")
    report = project.import_paths([INTEROP / "inception-webanno-tsv3"], format="webanno-tsv3", annotator="inception")
    imported = len(report.files_imported)
    assert imported >= 12, [str(f) for f in report.failed]
    for failure in report.failed:
        assert failure.reason  # anything refused is refused with a reason


def test_webanno_curation_disagreement(tmp_path):
    project = Project.open(tmp_path / "w.annotator")
    folder = INTEROP / "inception-webanno-tsv3" / "curation-testsuite" / "simpleSpanDiffWithLabelTest"
    for name in ("user1", "user2"):
        assert project.import_paths([folder / f"{name}.tsv"], format="webanno-tsv3", annotator=name).ok
    spans = {(s.annotator, s.text, s.label) for s in project.annotations(1)}
    assert ("user1", "sentence", "NN") in spans and ("user2", "sentence", "NE") in spans


def test_prodigy_output(tmp_path):
    project = Project.open(tmp_path / "p.annotator")
    path = INTEROP / "prodigy" / "annotated_news_headlines-ORG-PERSON-LOCATION-ner.first15.jsonl"
    report = project.import_paths([path], format="prodigy", annotator="prodigy")
    assert report.ok, report.failed
    assert report.imported == 15
    first = project._store.article(1)
    assert first.text.startswith("Uber\u2019s Lesson")
    assert [(s.text, s.label) for s in project.annotations(1)] == [("Uber", "ORG"), ("Silicon Valley", "LOCATION")]
    expected = sum(len(json.loads(line).get("spans", [])) for line in path.read_text(encoding="utf-8").splitlines())
    assert sum(len(project.annotations(a.id)) for a in project._store.iter_articles()) == expected


def test_prodigy_rejected_tasks_are_skipped(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in [
        {"text": "Apple hires", "spans": [{"start": 0, "end": 5, "label": "ORG"}], "answer": "reject",
         "_annotator_id": "ner-ana"},
        {"text": "Apple fires", "spans": [{"start": 0, "end": 5, "label": "ORG"}], "answer": "accept",
         "_annotator_id": "ner-ana"}]), encoding="utf-8")
    project = Project.open(tmp_path / "p.annotator")
    report = project.import_paths([path], format="prodigy")
    assert report.imported == 1 and any("1 rejected" in note for note in report.notes)
    assert project.annotations(1)[0].annotator == "ner-ana"


def test_other_tools_files_read_as_native_say_which_format_reads_them(tmp_path):
    project = Project.open(tmp_path / "n.annotator")
    report = project.import_paths([INTEROP / "doccano" / "export_sequence_labeling_example.jsonl"])
    assert report.ok and any("--format doccano" in note for note in report.notes)
    report = project.import_paths([INTEROP / "label-studio" / "named_entity-example" / "tasks.json"])
    assert "--format labelstudio" in report.failed[0].reason


BREAKS = {  # text, span: line breaks brat splits fragments at, and characters str.splitlines() cuts at
    "Page one ends here.\x0cPage two starts here and goes on.": (6, 30),  # a form feed (text from PDF)
    "Alpha beta\x85gamma delta epsilon zeta eta theta.": (6, 30),
    "Alpha beta\u2028gamma delta epsilon zeta eta theta.": (6, 30),
    "Record one\x1cRecord two and some more words here.": (0, 21),
    "\ufeffBOM at the start of the text.": (1, 4),
}


def test_brat_round_trip_through_unusual_line_breaks_and_a_byte_order_mark(tmp_path):
    """Fragments split at a form feed or NEL were not joined back; a note or covered text
    holding U+2028, NEL or \\x1c cut its .ann line; a text's leading BOM was dropped on import
    (brat counts it), moving every span by one."""
    records = [{"text": text, "annotations": [{"start": start, "end": end, "label": "Quotation", "annotator": "ana",
                                                "note": "line1\u2028line2 \x1c sep \x85 nel\ttab"}]}
               for text, (start, end) in BREAKS.items()]
    source = Project.open(tmp_path / "source.annotator")
    assert source.import_paths([write_jsonl(tmp_path / "in.jsonl", records)]).ok
    summary = source.export("brat", tmp_path / "brat")
    assert summary.notes == []
    back = Project.open(tmp_path / "back.annotator")
    report = back.import_paths([tmp_path / "brat"], format="brat")
    assert report.ok, [str(f) for f in report.failed]
    assert spans_of(back, with_details=True) == spans_of(source, with_details=True)
    edge = "Start \u2028 middle words \u2029 end."
    assert source.import_paths([write_jsonl(tmp_path / "edge.jsonl", [{"text": edge, "annotations": [
        {"start": 6, "end": 22, "label": "Quotation", "annotator": "ana"}]}])]).ok
    trimmed = source.export("brat", tmp_path / "brat2")
    assert trimmed.notes == ["1 span(s) begin or end with a line break, which brat cannot hold in a span: "
                             "written without it"]


def test_brat_folder_names_the_annotator_however_the_path_is_written(tmp_path, monkeypatch):
    """``import p . --format brat`` (or ``a.ann``) failed with "names no annotator": the folder's
    name was taken from the path as typed, which has none."""
    folder = tmp_path / "ner_corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("First line. Second line.", encoding="utf-8")
    (folder / "a.ann").write_text("T1\tQuotation 12 18\tSecond\n", encoding="utf-8")
    (folder / "sub").mkdir()
    monkeypatch.chdir(folder)
    for number, source in enumerate([Path("."), Path("a.ann"), Path("sub/../a.ann")]):
        project = Project.open(tmp_path / f"p{number}.annotator")
        report = project.import_paths([source], format="brat")
        assert report.ok, [str(f) for f in report.failed]
        assert [s.annotator for s in project.annotations(1)] == ["ner_corpus"]
        project.close()
