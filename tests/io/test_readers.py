"""Each reader on its own: what it yields and how it fails."""

from __future__ import annotations

import json

import pytest

from annotator.io import csv_file, html, json_file, jsonl, plaintext
from annotator.io.records import FieldMap
from annotator.io.sources import expand_paths, format_of
from annotator.model.errors import ImportFormatError
from tests.conftest import SAMPLE, write_jsonl

PAGE = """<!DOCTYPE html>
<html lang="id"><head><meta charset="windows-1252">
<title>Menlu Korut bertemu Lavrov | Contoh Berita</title>
<meta property="og:title" content="Menlu Korut bertemu Lavrov">
<meta property="og:url" content="https://example.org/berita/korut-lavrov">
<meta property="article:published_time" content="2024-01-17T10:00:00+07:00">
<meta property="og:site_name" content="Contoh Berita">
<script src="https://example.org/track.js"></script>
</head><body>
<nav><a href="/">Beranda</a> <a href="/dunia">Dunia</a></nav>
<article>
<h1>Menlu Korut bertemu Lavrov</h1>
<p>Lavrov mengkritik AS dan "satelit regionalnya" karena telah "menciptakan ancaman keamanan bagi DPRK" \
yang menghambat kemajuan positif apa pun, menurut rekaman pidato pembukaan.</p>
<p>"Kami akan terus menyerukan penolakan terhadap langkah apa pun yang mengarah pada eskalasi," \
ucap Lavrov, seraya mengulangi seruan Rusia untuk perundingan tanpa prasyarat.</p>
<p>Choe menyatakan harapannya bahwa Pyongyang dan Moskow akan meningkatkan hubungan bilateral \
ke tingkat baru tahun ini, kata kantor berita itu. Café.</p>
</article>
<footer>Hak cipta 2024. Semua hak dilindungi.</footer>
</body></html>
"""


def read_all(reader, path, fields=None):
    notes: list[str] = []
    return list(reader(path, fields or FieldMap(), notes)), notes


def test_txt_keeps_the_whole_file_and_uses_the_first_line_as_title(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Judul pendek\r\n\r\nBaris dua 😀\r\n".encode())
    [record], _ = read_all(plaintext.read, path)
    assert record.article.text == "Judul pendek\n\nBaris dua 😀\n"
    assert record.article.title == "Judul pendek"


def test_long_first_line_gives_the_file_name_as_title():
    [record], _ = read_all(plaintext.read, SAMPLE)
    assert record.article.title == "choe-lavrov-2024-01-17.id"
    assert record.article.text == SAMPLE.read_text(encoding="utf-8")


def test_markdown_heading_marks_leave_the_title_but_not_the_text(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("# Judul\n\nIsi.", encoding="utf-8")
    [record], _ = read_all(plaintext.read, path)
    assert (record.article.title, record.article.text) == ("Judul", "# Judul\n\nIsi.")


def test_legacy_encoding_is_detected_and_reported(tmp_path):
    path = tmp_path / "fr.txt"
    path.write_bytes("Le président a déclaré qu'il était très préoccupé.".encode("cp1252"))
    [record], notes = read_all(plaintext.read, path)
    assert record.article.text.startswith("Le président")
    assert notes == ["fr.txt: encoding detected as cp1252"]


def test_empty_text_file_fails(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n")
    with pytest.raises(ImportFormatError, match="empty"):
        read_all(plaintext.read, path)


def test_html_main_text_title_date_url_without_fetching(tmp_path, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the HTML importer must not touch the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode("cp1252"))
    [record], _ = read_all(html.read, path)
    article = record.article
    assert article.title == "Menlu Korut bertemu Lavrov"
    assert article.published == "2024-01-17"
    assert article.url == "https://example.org/berita/korut-lavrov"
    assert "menciptakan ancaman keamanan bagi DPRK" in article.text
    assert "Café" in article.text
    assert "Beranda" not in article.text and "Hak cipta" not in article.text


def test_html_without_text_fails(tmp_path):
    path = tmp_path / "blank.htm"
    path.write_text("<html><head><title>x</title></head><body><script>var a;</script></body></html>")
    with pytest.raises(ImportFormatError, match="no article text"):
        read_all(html.read, path)


def test_jsonl_native_record_with_annotations(tmp_path):
    text = "Lavrov 🇷🇺 mengkritik AS"
    path = write_jsonl(tmp_path / "a.jsonl", [{
        "id": 17, "title": "T", "text": text, "published": "2024-01-17", "language": "id",
        "meta": {"k": 1}, "extra": "kept",
        "annotations": [{"start": 10, "end": 20, "label": "Blame", "text": "mengkritik",
                         "annotator": "ana", "attributes": {"speaker": "Lavrov"}}],
        "doc_labels": ["Overall"], "done_by": ["ana"],
    }])
    [record], _ = read_all(jsonl.read, path)
    assert record.article.external_id == "17"
    assert record.article.meta == {"k": 1, "extra": "kept"}
    [span] = record.annotations
    assert text[span.start:span.end] == "mengkritik" == span.text
    assert record.doc_labels[0].label == "Overall"
    assert record.done_by == ["ana"]


def test_jsonl_crlf_text_moves_offsets_with_the_line_endings(tmp_path):
    text = "Baris satu\r\nBaris dua 😀\r\nLavrov"
    start = text.index("Lavrov")
    path = write_jsonl(tmp_path / "a.jsonl", [{
        "text": text, "annotations": [{"start": start, "end": start + 6, "label": "X", "text": "Lavrov"}],
    }])
    [record], _ = read_all(jsonl.read, path)
    [span] = record.annotations
    assert record.article.text == "Baris satu\nBaris dua 😀\nLavrov"
    assert record.article.text[span.start:span.end] == "Lavrov"
    assert span.start == start - 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2, column 2: invalid JSON: Expecting property name enclosed in double quotes"),
        ('{"title": "no text"}', "line 2: no 'text' field"),
        ('{"text": "abc", "annotations": [{"start": 0, "end": 9, "label": "X"}]}',
         "line 2: annotation 1 (X): span [0, 9) is outside"),
        ('{"text": "abc", "annotations": [{"start": 0, "end": 2, "label": "X", "text": "bc"}]}',
         "covers 'ab' in the article, but the file says 'bc'"),
        ('{"text": "abc", "annotations": [{"start": 0, "end": 2}]}', "annotation 1 has no label"),
        ('[1, 2]', "line 2: expected a JSON object"),
        ('{"text": "abc", "annotations": {}}', "'annotations' must be a list"),
    ],
)
def test_jsonl_errors_name_the_line_and_reason(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as error:
        read_all(jsonl.read, path)
    assert message in str(error.value)


def test_jsonl_generic_dump_with_named_fields(tmp_path):
    path = write_jsonl(tmp_path / "dump.jsonl",
                       [{"body": "Isi berita", "headline": "Judul", "uid": "x1", "lang": "id"}])
    fields = FieldMap(text="body", title="headline", id="uid", generic=True)
    [record], _ = read_all(jsonl.read, path, fields)
    assert (record.article.text, record.article.title, record.article.external_id) == ("Isi berita", "Judul", "x1")
    assert record.article.meta == {"lang": "id"}


def test_json_list_and_single_object(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"text": "satu"}, {"text": "dua"}]))
    records, _ = read_all(json_file.read, path)
    assert [r.article.text for r in records] == ["satu", "dua"]
    path.write_text(json.dumps({"text": "tiga"}))
    records, _ = read_all(json_file.read, path)
    assert [r.article.text for r in records] == ["tiga"]
    path.write_text(json.dumps([{"text": "satu"}, {"title": "x"}]))
    with pytest.raises(ImportFormatError, match="record 2: no 'text'"):
        read_all(json_file.read, path)


def test_csv_with_named_columns_and_multiline_cells(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('uid;headline;body\n1;Judul;"Baris satu\nBaris dua, dengan koma; dan titik koma"\n2;Dua;Isi\n',
                    encoding="utf-8")
    fields = FieldMap(text="body", title="headline", id="uid")
    records, _ = read_all(csv_file.read, path, fields)
    assert [r.article.title for r in records] == ["Judul", "Dua"]
    assert records[0].article.text == "Baris satu\nBaris dua, dengan koma; dan titik koma"
    assert records[0].article.external_id == "1"


def test_csv_without_the_text_column_names_the_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,body\n1,x\n")
    with pytest.raises(ImportFormatError, match="no column 'text'; the columns are id, body"):
        read_all(csv_file.read, path)


def test_a_brat_folder_walk_ignores_only_files_brat_does_not_have(tmp_path):
    """The .txt beside each .ann, an export's name mapping and brat's configuration were all
    counted as "files of unknown type ignored", though they are brat's own."""
    from annotator.io.sources import walk

    for name in ("a.ann", "a.txt", "lonely.txt", "annotation.conf", "visual.conf", "stance-annotator.json",
                 "notes.docx"):
        (tmp_path / name).write_text("")
    found = walk([tmp_path], "brat")
    assert [f.name for f, _ in found.files] == ["a.ann"]
    assert [f.name for f in found.ignored] == ["lonely.txt", "notes.docx"]


def test_csv_empty_text_cell_names_the_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text\n1,x\n2,\n")
    with pytest.raises(ImportFormatError, match="line 3: no text"):
        read_all(csv_file.read, path)


def test_format_detection_and_folder_walk(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("h")
    files, ignored = expand_paths([tmp_path])
    assert [f.name for f in files] == ["a.txt", "b.md"]
    assert [f.name for f in ignored] == ["image.png"]
    assert format_of(tmp_path / "x.HTM") == "html"
    with pytest.raises(ImportFormatError, match=r"unknown file type '\.png'"):
        format_of(tmp_path / "image.png")


def test_csv_cell_with_a_very_long_article(tmp_path):
    path = tmp_path / "long.csv"
    long_text = "kata " * 60_000  # 300,000 characters, past the csv module's default field limit
    with open(path, "w", encoding="utf-8", newline="") as f:
        import csv as csv_module

        csv_module.writer(f).writerows([["id", "text"], ["1", long_text]])
    [record], _ = read_all(csv_file.read, path)
    assert record.article.text == long_text
