"""Importing other tools' dumps record by record: good records are kept, each bad one is
reported with its line, column and whole reason, an unreadable file fails whole, and a failure
or cancel still takes the whole file back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.io.records import FieldMap
from annotator.model.errors import StoreError
from annotator.project import Project
from tests.conftest import write_jsonl

ANA = "11111111-1111-4111-8111-111111111111"


def texts(project: Project) -> list[str]:
    return sorted(a.text for a in project._store.iter_articles())


def test_broken_line_in_the_middle_of_a_jsonl_keeps_the_other_records(tmp_path, project):
    path = tmp_path / "dump.jsonl"
    good = [json.dumps({"text": f"Artikel nomor {i}", "annotations": [
        {"start": 0, "end": 7, "label": "Claim", "annotator": "ana"}]}) for i in range(4)]
    path.write_text("\n".join([*good[:2], '{"text": "Baris\tdengan tab"}', *good[2:]]) + "\n", encoding="utf-8")
    report = project.import_paths([path])
    assert (report.imported, report.annotations_added) == (4, 4)
    [bad] = report.bad_records
    assert (bad.path, bad.line, bad.column) == (str(path), 3, 16)
    assert bad.reason == "invalid JSON: Invalid control character at line 3 column 16"
    assert str(bad) == f"{path}, line 3, column 16: invalid JSON: Invalid control character at line 3 column 16"
    assert [(f.path, f.kept, f.bad) for f in report.files] == [(str(path), 4, 1)]
    assert str(report.files[0]) == "dump.jsonl: kept 4 good records, skipped 1 bad record"
    assert not report.ok and not report.failed
    data = report.to_dict()
    assert data["bad"] == 1 and data["failed"] == 0
    assert data["bad_records"] == [{"path": str(path), "line": 3, "column": 16,
                                    "reason": "invalid JSON: Invalid control character at line 3 column 16"}]
    assert data["files"] == [{"path": str(path), "kept": 4, "bad": 1}]
    # The keys scripts already read are all still there.
    assert {"imported", "skipped", "failed", "annotations_added", "annotations_existing", "files_imported",
            "failures", "ignored", "labels_added", "annotators_added", "notes", "cancelled"} <= set(data)


def test_json_list_with_a_record_of_the_wrong_type_keeps_the_others(tmp_path, project):
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([{"text": "Satu"}, {"text": ["not", "a", "string"]}, {"text": "Tiga"}], indent=1),
                    encoding="utf-8")
    report = project.import_paths([path])
    assert texts(project) == ["Satu", "Tiga"]
    [bad] = report.bad_records
    assert (bad.line, bad.column) == (5, 2)
    assert bad.reason.startswith("record 2: no 'text' field")
    assert (report.files[0].kept, report.files[0].bad) == (2, 1)


def test_csv_with_a_bad_row_keeps_the_others(tmp_path, project):
    path = tmp_path / "dump.csv"
    path.write_text("uid,headline,body\n1,Satu,Isi satu\n2,Dua,\n3,Tiga,Isi tiga\n", encoding="utf-8")
    report = project.import_paths([path], fields=FieldMap(text="body", title="headline", id="uid", generic=True))
    assert texts(project) == ["Isi satu", "Isi tiga"]
    [bad] = report.bad_records
    assert (bad.line, bad.column, bad.reason) == (3, None, "no text in field 'body'")
    assert str(report.files[0]) == "dump.csv: kept 2 good records, skipped 1 bad record"


@pytest.mark.parametrize(("span", "reason"), [
    ({"start": 3, "end": 40, "label": "Claim", "annotator": "ana"}, "span [3, 40) is outside the text"),
    ({"start": 0, "end": 4, "label": "Claim", "annotator": "ana", "text": "Lain"}, "but the file says 'Lain'"),
    ({"start": 0, "end": 4, "label": "Claim"}, "annotation 2 names no annotator; give one with --annotator"),
    ({"start": 0, "end": 4, "label": "Claim", "annotator_id": "99999999-9999-4999-8999-999999999999"},
     "annotation 2 gives annotator_id 99999999-9999-4999-8999-999999999999 but no annotator name"),
])
def test_a_record_with_a_bad_span_is_skipped_alone(tmp_path, project, span, reason):
    good_span = {"start": 0, "end": 4, "label": "Claim", "annotator": "ana", "annotator_id": ANA}
    source = write_jsonl(tmp_path / "spans.jsonl", [
        {"text": "Choe bertemu Lavrov.", "annotations": [good_span]},
        # A good span before the bad one: nothing of the bad record may stay behind.
        {"text": "Baca berita ini.", "done_by": ["budi"], "doc_labels": [{"label": "Topik", "annotator": "citra"}],
         "annotations": [{"start": 0, "end": 4, "label": "Kutipan", "annotator": "budi"}, span]},
        {"text": "Kremlin tidak merilis rincian.", "annotations": [{**good_span, "end": 7}]},
    ])
    report = project.import_paths([source])
    [bad] = report.bad_records
    assert bad.line == 2 and reason in bad.reason
    assert texts(project) == ["Choe bertemu Lavrov.", "Kremlin tidak merilis rincian."]
    assert [(a.text, a.annotator) for a in project.annotations(1)] == [("Choe", "ana")]
    assert [(a.text, a.annotator) for a in project.annotations(2)] == [("Kremlin", "ana")]
    assert report.annotators_added == ["ana"]
    assert not {"Kutipan", "Topik"} & set(report.labels_added)
    assert not {"budi", "citra"} & {a.name for a in project._store.annotators()}


def test_a_file_that_cannot_be_parsed_at_all_is_reported_whole(tmp_path, project):
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(bytes(range(256)) * 8)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"text": "ok"}\n' + '{"text": "déjà vu"}\n'.encode("cp1252"))
    broken_list = tmp_path / "broken.json"
    broken_list.write_text('[\n {"text": "Satu"},\n {"text": "Dua" "Tiga"}\n]', encoding="utf-8")
    not_jsonl = tmp_path / "table.jsonl"
    not_jsonl.write_text("id,text\n1,Satu\n", encoding="utf-8")
    report = project.import_paths([junk, latin, broken_list, not_jsonl])
    assert project._store.article_count() == 0
    assert not report.bad_records and not report.files
    failures = {Path(f.path).name: f for f in report.failed}
    assert set(failures) == {"junk.jsonl", "latin.jsonl", "broken.json", "table.jsonl"}
    assert "not UTF-8" in failures["latin.jsonl"].reason and failures["latin.jsonl"].line == 2
    broken = failures["broken.json"]
    assert (broken.line, broken.column, broken.reason) == (3, 17, "invalid JSON: Expecting ',' delimiter")
    assert str(broken) == f"{broken_list}, line 3, column 17: invalid JSON: Expecting ',' delimiter"
    assert failures["table.jsonl"].reason.startswith("no line is JSON")
    assert report.to_dict()["failures"][2]["column"] == 17


def test_cancel_mid_file_takes_the_file_back_bad_records_and_all(tmp_path, project):
    lines = [json.dumps({"text": f"artikel {i}"}) if i % 100 else "{broken" for i in range(1, 2001)]
    source = tmp_path / "big.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = iter(range(10**6))
    report = project.import_paths([source], is_cancelled=lambda: next(calls) >= 1)
    assert report.cancelled and report.imported == 0
    assert not report.bad_records and not report.files
    assert project._store.article_count() == 0


def test_a_failure_mid_file_takes_back_its_good_records(tmp_path, project, monkeypatch):
    from annotator.project import imports

    monkeypatch.setattr(imports, "PARSE_BATCH_RECORDS", 10)
    source = tmp_path / "dump.jsonl"
    source.write_text("".join(json.dumps({"text": f"artikel {i}"}) + "\n" if i != 5 else "{broken\n"
                              for i in range(40)), encoding="utf-8")
    add_articles = project._store.add_articles
    calls = iter(range(10**6))

    def failing(*args, **kwargs):
        if next(calls) == 2:
            raise StoreError("disk I/O error")
        return add_articles(*args, **kwargs)

    monkeypatch.setattr(project._store, "add_articles", failing)
    report = project.import_paths([source])
    assert [f.reason for f in report.failed] == ["disk I/O error"]
    assert not report.bad_records
    assert project._store.article_count() == 0


def test_reimport_after_fixing_takes_the_skipped_records_only(tmp_path, project):
    source = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "Satu", "annotations": [{"start": 0, "end": 4, "label": "Claim"}]},
        {"text": "Dua"},
    ])
    first = project.import_paths([source])
    assert (first.imported, len(first.bad_records)) == (1, 1)
    again = project.import_paths([source], annotator="ana")
    assert again.ok and (again.imported, again.skipped, again.annotations_added) == (1, 1, 1)


def test_an_attribute_value_outside_the_codebook_list_makes_the_record_bad(tmp_path):
    from annotator.project import Project
    from tests.conftest import write_jsonl

    project = Project.memory()
    voice = next(a for a in project.codebook().attributes if a.values)
    good_value, label = voice.values[0], project.codebook().labels[0].name
    records = [{"text": f"Lavrov berkata {i}.", "annotations": [
        {"start": 0, "end": 6, "label": label, "annotator": "ana",
         "attributes": {voice.name: good_value if i != 1 else good_value + "5"}}]} for i in range(3)]
    report = project.import_paths([write_jsonl(tmp_path / "voices.jsonl", records)])
    assert report.imported == 2
    assert any(voice.name in str(bad) and good_value + "5" in str(bad) for bad in report.bad_records)
    values = {a.attributes[voice.name] for i in (1, 2) for a in project.annotations(i)}
    assert values == {good_value}
    project.close()
