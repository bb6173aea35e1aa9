"""Readers of formats with records (JSONL, JSON lists, CSV, doccano, Prodigy, Label Studio, and
JSONL merges): a bad record is handed over with its line, column and whole reason and skipped;
a file that cannot be parsed at all fails whole."""

from __future__ import annotations

import json

import pytest

from annotator.io import csv_file, doccano, json_file, jsonl, labelstudio, prodigy
from annotator.io.records import FieldMap
from annotator.model.errors import ImportFormatError
from annotator.project import Project


def read_skipping(reader, path, fields=None):
    bad: list[ImportFormatError] = []
    records = list(reader(path, fields or FieldMap(), [], on_bad_record=bad.append))
    return records, bad


def lines(*objects) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objects)


def test_jsonl_broken_line_in_the_middle_keeps_the_others_with_line_column_and_whole_reason(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(lines({"text": "satu"}, {"text": "dua"}, '{"text": "tiga\tempat"}', {"text": "lima"}),
                    encoding="utf-8")
    records, [bad] = read_skipping(jsonl.read, path)
    assert [r.article.text for r in records] == ["satu", "dua", "lima"]
    assert [r.line for r in records] == [1, 2, 4]
    assert (bad.line, bad.column) == (3, 15)
    # Not cut off at "Invalid control character at": the place is part of the reason.
    assert bad.message == "invalid JSON: Invalid control character at line 3 column 15"
    assert str(bad) == "line 3, column 15: invalid JSON: Invalid control character at line 3 column 15"


@pytest.mark.parametrize(("line", "column", "reason"), [
    ('{"text": "a", }', 15, "invalid JSON: Expecting property name enclosed in double quotes"),
    ('{"text": "unterminated}', 10, "invalid JSON: Unterminated string starting at line 2 column 10"),
    ('{"text": ', 10, "invalid JSON: Expecting value"),
    ('{"text": "x"} trailing', 15, "invalid JSON: Extra data"),
])
def test_jsonl_json_errors_give_the_column_on_the_line(tmp_path, line, column, reason):
    path = tmp_path / "dump.jsonl"
    path.write_text(lines({"text": "ok"}, line, {"text": "also ok"}), encoding="utf-8")
    records, [bad] = read_skipping(jsonl.read, path)
    assert len(records) == 2
    assert (bad.line, bad.column, bad.message) == (2, column, reason)


def test_jsonl_records_with_bad_spans_or_types_are_skipped_alone(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(lines(
        {"text": "abc", "annotations": [{"start": 0, "end": 9, "label": "X", "annotator": "ana"}]},
        [1, 2],
        {"text": "abc", "annotations": [{"start": 0, "end": 2, "label": "X", "text": "zz", "annotator": "ana"}]},
        {"title": "no text"},
        {"text": "fine", "annotations": [{"start": 0, "end": 4, "label": "X", "annotator": "ana"}]},
    ), encoding="utf-8")
    records, bad = read_skipping(jsonl.read, path)
    assert [(r.article.text, r.line) for r in records] == [("fine", 5)]
    assert [(b.line, b.column) for b in bad] == [(1, None), (2, None), (3, None), (4, None)]
    assert "annotation 1 (X): span [0, 9) is outside the text" in bad[0].message
    assert bad[1].message == "expected a JSON object, got list"
    assert "covers 'ab' in the article, but the file says 'zz'" in bad[2].message
    assert "no 'text' field" in bad[3].message


def test_jsonl_fields_of_the_wrong_kind_are_refused_with_what_they_must_be(tmp_path):
    """A number for a language was stored as "12"; free text for a span's time (which team sync
    orders versions by) was stored as it was; a number for a label was "has no label"."""
    path = tmp_path / "dump.jsonl"
    span = {"start": 0, "end": 4, "label": "X", "annotator": "ana"}
    path.write_text(lines(
        {"text": "abcd", "language": 12},
        {"text": "abcd", "annotations": [{**span, "created": "yesterday"}]},
        {"text": "abcd", "annotations": [{**span, "updated": "2024-13-45T99:00:00Z"}]},
        {"text": "abcd", "annotations": [{**span, "label": 5}]},
        {"text": "fine", "language": "id", "annotations": [{**span, "created": "2024-05-14T09:30:00Z",
                                                             "updated": "2024-05-14T09:31:00.123+07:00"}]},
    ), encoding="utf-8")
    records, bad = read_skipping(jsonl.read, path)
    assert [r.article.text for r in records] == ["fine"]
    assert [b.message for b in bad] == [
        "'language' must be a language code as text (ISO 639-1, e.g. \"id\"), got 12",
        "annotation 1: 'created' must be a date and time (ISO 8601, as 2024-05-14T09:30:00Z), got 'yesterday'",
        "annotation 1: 'updated' must be a date and time (ISO 8601, as 2024-05-14T09:30:00Z), "
        "got '2024-13-45T99:00:00Z'",
        "annotation 1: 'label' must be text, got 5",
    ]


def test_jsonl_broken_lines_before_the_first_good_one_are_reported_in_order(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(lines("{oops", {"text": "ok"}, "[", {"text": "ok too"}), encoding="utf-8")
    records, bad = read_skipping(jsonl.read, path)
    assert len(records) == 2
    assert [b.line for b in bad] == [1, 3]


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "not UTF-8"),
    ("Das Übereinkommen\n".encode("cp1252"), "not UTF-8"),
    (b"id,text\n1,Satu\n2,Dua\n", r"no line is JSON: invalid JSON: Expecting value \(nor are the 2 lines after it\)"),
])
def test_jsonl_that_is_not_jsonl_at_all_fails_whole(tmp_path, content, reason):
    path = tmp_path / "junk.jsonl"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=reason) as error:
        read_skipping(jsonl.read, path)
    assert error.value.line == 1


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty"),
    (b"\n  \r\n\n", "the file holds only blank lines"),
    (b"\xef\xbb\xbf", "the file holds only blank lines"),  # a byte order mark and nothing else
])
def test_an_empty_jsonl_file_fails_as_other_empty_files_do(tmp_path, content, reason):
    """It was reported as imported (0 articles), where an empty .txt, .json or .csv fails."""
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=reason):
        read_skipping(jsonl.read, path)


def test_jsonl_wrong_encoding_after_good_lines_fails_the_file(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b'{"text": "ok"}\n' + '{"text": "déjà vu"}\n'.encode("cp1252"))
    with pytest.raises(ImportFormatError, match="not UTF-8") as error:
        read_skipping(jsonl.read, path)
    assert error.value.line == 2


def test_json_list_with_a_record_of_the_wrong_type_keeps_the_others(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('[\n  {"text": "satu"},\n  42,\n  {"text": 7},\n    {"text": "empat"}\n]\n', encoding="utf-8")
    records, bad = read_skipping(json_file.read, path)
    assert [(r.article.text, r.line) for r in records] == [("satu", 2), ("empat", 5)]
    assert [(b.line, b.column) for b in bad] == [(3, 3), (4, 3)]
    assert bad[0].message == "record 2: expected a JSON object, got int"
    assert "record 3: no 'text' field" in bad[1].message


def test_json_list_items_on_one_line_get_their_columns(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('[{"text": "a"}, "b", {"text": "c"}]', encoding="utf-8")
    records, [bad] = read_skipping(json_file.read, path)
    assert [r.article.text for r in records] == ["a", "c"]
    assert (bad.line, bad.column) == (1, 17)


def test_json_wrapped_articles_list_names_the_record(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text(json.dumps({"articles": [{"text": "a"}, {"text": ""}]}), encoding="utf-8")
    records, [bad] = read_skipping(json_file.read, path)
    assert len(records) == 1
    assert bad.message.startswith("record 2: no 'text' field") and bad.line is None


@pytest.mark.parametrize(("content", "line", "column", "reason"), [
    ('[\n {"text": "a"},\n {"text": "b" "c"}\n]', 3, 15, "invalid JSON: Expecting ',' delimiter"),
    ('[\n {"text": "a"}\n {"text": "b"}\n]', 3, 2, "invalid JSON: Expecting ',' delimiter"),
    ('[{"text": "a"}] [', 1, 17, "invalid JSON: Extra data"),
    ('{"text": "a\u0001"}', 1, 12, "invalid JSON: Invalid control character at line 1 column 12"),
])
def test_json_syntax_error_fails_the_file_whole(tmp_path, content, line, column, reason):
    path = tmp_path / "dump.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as error:
        read_skipping(json_file.read, path)
    assert (error.value.line, error.value.column, error.value.message) == (line, column, reason)


def test_json_binary_junk_fails_whole(tmp_path):
    path = tmp_path / "dump.json"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFormatError):
        read_skipping(json_file.read, path)


def test_csv_row_without_text_is_skipped_with_the_line_it_starts_on(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text('id,body\n1,"Baris\nkedua"\n2,\n3,Tiga\n', encoding="utf-8")
    records, [bad] = read_skipping(csv_file.read, path, FieldMap(text="body", generic=True))
    assert [(r.article.text, r.line) for r in records] == [("Baris\nkedua", 2), ("Tiga", 5)]
    assert bad.line == 4
    assert bad.message == "no text in field 'body'"


def test_csv_row_with_more_cells_than_the_header_is_skipped(tmp_path):
    """An unquoted comma in a text cut it short, the rest going to the next column or nowhere."""
    path = tmp_path / "dump.csv"
    path.write_text('text,title\nHello, world,Title\n"Fine, quoted",Ok\nTrailing comma,T,\n', encoding="utf-8")
    records, [bad] = read_skipping(csv_file.read, path)
    assert [(r.article.text, r.article.title) for r in records] == [("Fine, quoted", "Ok"), ("Trailing comma", "T")]
    assert bad.line == 2
    assert bad.message == "this row has 3 cells but the header names 2 (a ',' inside a cell that is not quoted?)"


def test_csv_repeated_column_is_noted(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text("text,title,text\na,b,c\n", encoding="utf-8")
    notes: list[str] = []
    [record] = csv_file.read(path, FieldMap(), notes)
    assert record.article.text == "c"
    assert notes == ["dump.csv: the header names 'text' more than once; each row's last such cell is read"]


@pytest.mark.parametrize(("content", "reason"), [
    (bytes(range(256)) * 4, "binary"),
    (b"id,body\n1,Satu\n", "no column 'text'"),
    # A stray quote would take every later row into one cell, silently.
    (b'text,title\nFirst,1\n"Stray quote opens this cell,2\nThird article,3\nFourth,4\n',
     r"line 3: a quoted cell opens in the row on this line and never closes \(a stray \"\?\)"),
])
def test_csv_that_cannot_be_read_fails_whole(tmp_path, content, reason):
    path = tmp_path / "dump.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=reason):
        read_skipping(csv_file.read, path)


def test_without_a_handler_a_bad_record_fails_the_file(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(lines({"text": "ok"}, "{broken"), encoding="utf-8")
    with pytest.raises(ImportFormatError) as error:
        list(jsonl.read(path, FieldMap(), []))
    assert (error.value.line, error.value.column) == (2, 2)


# -- doccano, Prodigy, Label Studio and merges: the same record-by-record rule -----------------


def test_doccano_jsonl_bad_lines_are_skipped_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "doccano.jsonl"
    path.write_text(lines(
        {"text": "Satu dua", "label": [[0, 4, "A"]]},
        {"text": "Dua", "entities": 5},
        '{"text": "tiga", "label": [[0, 4, "A"]] oops}',
        {"text": "Empat", "label": [[3, 1, "A"]]},
        {"text": "Lima", "label": [[0, 4, "A"]]},
    ), encoding="utf-8")
    records, bad = read_skipping(doccano.read, path)
    assert [r.article.text for r in records] == ["Satu dua", "Lima"]
    assert [(b.line, b.column) for b in bad] == [(2, None), (3, 41), (4, None)]
    assert bad[0].message == "'entities' must be a list of objects"
    assert bad[1].message == "invalid JSON: Expecting ',' delimiter"
    assert bad[2].message.startswith("span [3, 1, 'A'] (utf16 offsets): ")


def test_doccano_json_list_names_the_item_with_its_line_and_column(tmp_path):
    path = tmp_path / "doccano.json"
    path.write_text('[\n {"text": "Satu", "label": [[0, 4, "A"]]},\n {"text": 5}\n]', encoding="utf-8")
    records, [bad] = read_skipping(doccano.read, path)
    assert len(records) == 1
    assert (bad.line, bad.column, bad.message) == (3, 2, "item 2: no 'text' field")


def test_prodigy_bad_lines_are_skipped_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "prodigy.jsonl"
    path.write_text(lines(
        {"text": "Apple hires", "spans": [{"start": 0, "end": 5, "label": "ORG"}]},
        {"text": "Apple fires", "meta": "abc"},
        {"text": "Apple sues", "spans": [{"start": 0, "end": 50, "label": "ORG"}]},
        {"text": "Apple wins", "answer": "reject"},
        {"text": "Apple buys"},
    ), encoding="utf-8")
    notes: list[str] = []
    bad: list[ImportFormatError] = []
    records = list(prodigy.read(path, FieldMap(), notes, on_bad_record=bad.append))
    assert [r.article.text for r in records] == ["Apple hires", "Apple buys"]
    assert [(b.line, b.message) for b in bad] == [
        (2, "'meta' must be an object, got 'abc'"),
        (3, "span 'ORG': span [0, 50) is outside the text (length 10) or empty")]
    assert notes == ["prodigy.jsonl: skipped 1 rejected task(s)"]


def test_label_studio_bad_tasks_are_skipped_with_their_number_line_and_column(tmp_path):
    good = {"data": {"text": "Satu dua"}, "annotations": [{"completed_by": 1, "result": [
        {"type": "labels", "value": {"start": 0, "end": 4, "text": "Satu", "labels": ["A"]}}]}]}
    wrong_text = {"data": {"text": "Tiga"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 0, "end": 4, "text": "Lima", "labels": ["A"]}}]}]}
    path = tmp_path / "tasks.json"
    path.write_text("[\n" + ",\n".join(json.dumps(t) for t in (good, {"data": 5}, wrong_text)) + "\n]",
                    encoding="utf-8")
    records, bad = read_skipping(labelstudio.read, path)
    assert [r.article.text for r in records] == ["Satu dua"] and records[0].line == 2
    assert [(b.line, b.column) for b in bad] == [(3, 1), (4, 1)]
    assert bad[0].message == "task 2: a task needs a 'data' object"
    assert bad[1].message.startswith("task 3: region [0, 4) with text 'Lima' matches the article neither")


def test_label_studio_that_is_not_json_fails_whole(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text('[{"data": {"text": "a"}}, {"data": ', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="invalid JSON") as error:
        read_skipping(labelstudio.read, path)
    assert error.value.line == 1


@pytest.mark.parametrize(("fmt", "name", "content"), [
    ("doccano", "d.jsonl", lines({"text": "Satu", "label": [[0, 4, "A"]]}, {"text": 5}, {"text": "Tiga"})),
    ("prodigy", "p.jsonl", lines({"text": "Satu"}, {"text": "Dua", "spans": 5}, {"text": "Tiga"})),
    ("labelstudio", "l.json", "[" + ",\n".join(json.dumps(t) for t in (
        {"data": {"text": "Satu"}}, {"data": []}, {"data": {"text": "Tiga"}})) + "]"),
])
def test_the_summary_says_how_many_good_records_of_the_file_were_kept(fmt, name, content, tmp_path):
    project = Project.memory()
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = project.import_paths([path], format=fmt, annotator="ana")
    assert not report.failed and report.imported == 2
    assert [str(result) for result in report.files_with_bad_records()] == [
        f"{name}: kept 2 good records, skipped 1 bad record"]
    [bad] = report.bad_records
    assert bad.line == 2 and str(bad).startswith(f"{path}, line 2")
    project.close()


def test_a_cancelled_doccano_import_takes_its_file_back_whole(tmp_path, monkeypatch):
    import annotator.project.imports as imports_module

    monkeypatch.setattr(imports_module, "PARSE_BATCH_RECORDS", 3)
    project = Project.memory()
    path = tmp_path / "d.jsonl"
    path.write_text(lines(*({"text": f"Artikel {i}", "label": [[0, 7, "A"]]} for i in range(20)), {"text": 5}),
                    encoding="utf-8")
    asked = []

    def cancel_after_two_batches() -> bool:
        asked.append(1)
        return len(asked) > 3

    report = project.import_paths([path], format="doccano", annotator="ana", is_cancelled=cancel_after_two_batches)
    assert report.cancelled and not report.files_imported
    assert list(project._store.iter_articles()) == []
    project.close()


def test_a_jsonl_merge_skips_bad_records_and_merges_the_good_ones(tmp_path):
    project = Project.memory()
    source = tmp_path / "colleague.jsonl"
    source.write_text(lines(
        {"text": "Satu", "annotations": [{"start": 0, "end": 4, "label": "A", "annotator": "budi"}]},
        {"text": "Dua", "annotations": [{"start": 0, "end": 3, "label": "A"}]},  # names no annotator
        "{broken",
        '{"text": "Ti\\ud800ga"}',
        {"text": "Empat", "annotations": [{"start": 0, "end": 5, "label": "A", "annotator": "budi"}]},
    ), encoding="utf-8")
    report = project.merge_paths([source])
    assert not report.failed and report.imported == 2 and report.annotations_added == 2
    assert [(b.line, b.reason.split(":")[0]) for b in report.bad_records] == [
        (2, "annotation 1 names no annotator; give one with --annotator NAME"), (3, "invalid JSON"),
        (4, "the article text holds a lone surrogate (U+D800 at position 2), which is not a character; UTF-8 "
            "cannot hold it")]
    assert [str(r) for r in report.files_with_bad_records()] == ["colleague.jsonl: kept 2 good records, skipped 3 "
                                                                  "bad records"]
    project.close()


def test_a_span_text_with_old_mac_line_endings_is_compared_as_stored(tmp_path):
    """A lone CR becomes LF in the stored text; the span's own text was compared with its CR
    still in it, and the record refused."""
    path = tmp_path / "cr.jsonl"
    path.write_text(json.dumps({"text": "Alpha\rBeta gamma", "annotations": [
        {"start": 0, "end": 10, "label": "Quotation", "annotator": "ana", "text": "Alpha\rBeta"}]}) + "\n")
    project = Project.open(tmp_path / "p.annotator")
    report = project.import_paths([path])
    assert report.ok and not report.bad_records and report.annotations_added == 1
    [span] = project.annotations(1)
    assert (span.start, span.end, span.text) == (0, 10, "Alpha\nBeta")


def test_a_label_of_the_other_scope_is_a_bad_record(tmp_path):
    """A span labelled with a document label's name (or the other way round) made a second
    label of that name, and every filter by name then took both."""
    path = tmp_path / "scope.jsonl"
    path.write_text(lines(
        {"text": "Lavrov mengkritik AS.", "annotations": [
            {"start": 0, "end": 6, "label": "Overall: neutral report", "annotator": "ana"}]},
        {"text": "Seruan perundingan.", "doc_labels": [{"label": "Quotation", "annotator": "ana"}]},
        {"text": "Baik.", "annotations": [{"start": 0, "end": 4, "label": "Quotation", "annotator": "ana"}],
         "doc_labels": [{"label": "Overall: neutral report", "annotator": "ana"}]}), encoding="utf-8")
    project = Project.open(tmp_path / "p.annotator")
    report = project.import_paths([path])
    assert [(b.line, b.reason) for b in report.bad_records] == [
        (1, "annotation 1: 'Overall: neutral report' is a document label in this project, not a span label"),
        (2, "doc label: 'Quotation' is a span label in this project, not a document label")]
    assert report.imported == 1 and report.labels_added == []
