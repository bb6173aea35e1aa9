"""Readers of formats with records (JSONL, JSON lists, CSV): a bad record is handed over with
its line, column and whole reason and skipped; a file that cannot be parsed at all fails whole."""

from __future__ import annotations

import json

import pytest

from annotator.io import csv_file, json_file, jsonl
from annotator.io.records import FieldMap
from annotator.model.errors import ImportFormatError


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


@pytest.mark.parametrize(("content", "reason"), [
    (bytes(range(256)) * 4, "binary"),
    (b"id,body\n1,Satu\n", "no column 'text'"),
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
