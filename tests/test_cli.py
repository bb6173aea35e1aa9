"""The command line as users and scripts call it."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from annotator import __version__
from annotator.cli import cli
from tests.conftest import SAMPLE, write_jsonl


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_init_import_stats_export_search(tmp_path):
    project = str(tmp_path / "p.annotator")
    assert run("init", project).exit_code == 0
    assert run("init", project).exit_code == 1  # never overwrites
    result = run("import", project, str(SAMPLE))
    assert result.exit_code == 0
    assert "imported 1, skipped 0, failed 0" in result.output
    assert "skipped 1" in run("import", project, str(SAMPLE)).output

    stats = subprocess.run(
        [sys.executable, "-m", "annotator", "stats", project, "--json"], capture_output=True, text=True
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 1  # stdout holds the JSON alone

    out = tmp_path / "out.jsonl"
    result = run("export", project, "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 0
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == SAMPLE.read_text(encoding="utf-8")

    result = run("search", project, "perundingan", "--json")
    assert json.loads(result.stdout)[0]["id"] == 1
    result = run("search", project, '"unbalanced')
    assert result.exit_code == 1
    assert "cannot search" in result.output


def test_import_creates_project_and_exits_1_on_a_bad_file_without_traceback(tmp_path):
    project = str(tmp_path / "new.annotator")
    bad = write_jsonl(tmp_path / "bad.jsonl",
                      [{"text": "abc", "annotations": [{"start": 5, "end": 9, "label": "X", "annotator": "a"}]}])
    good = tmp_path / "good.txt"
    good.write_text("Baik.")
    result = run("import", project, str(bad), str(good))
    assert result.exit_code == 1
    assert "imported 1, skipped 0, failed 0, bad records skipped 1" in result.stdout
    assert "bad.jsonl: kept 0 good records, skipped 1 bad record" in result.stdout
    assert "skipped: " in result.stderr
    assert "bad.jsonl, line 1: annotation 1 (X): span [5, 9) is outside the text" in result.stderr
    assert "Traceback" not in result.output


def test_import_names_each_failing_file_with_its_line_and_reason_on_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (folder / "bad.jsonl").write_bytes(b'{"text": "ok"}\n' + "{\"text\": \"déjà\"}\n".encode("cp1252"))
    (folder / "good.txt").write_text("Baik.")
    (tmp_path / "secret.txt").write_text("Rahasia.")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    result = run("import", str(tmp_path / "p.annotator"), str(folder), "--format", "auto")
    assert result.exit_code == 1 and "Traceback" not in result.output
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert failed == [
        f"failed: {folder / 'leak.txt'}: a symbolic link to {tmp_path / 'secret.txt'}, outside the chosen folder; "
        "not followed",
        f"failed: {folder / 'bad.jsonl'}, line 2: not UTF-8 (invalid continuation byte); JSONL files are UTF-8",
        f"failed: {folder / 'deep.json'}, line 1: JSON nested more than 100 levels deep"]
    assert "imported 1, skipped 0, failed 3" in result.stdout


def test_import_options_for_other_dumps(tmp_path):
    project = str(tmp_path / "p.annotator")
    dump = tmp_path / "dump.csv"
    dump.write_text("uid,headline,body,lang\n7,Judul,Isi berita,id\n", encoding="utf-8")
    result = run("import", project, str(dump), "--text-field", "body", "--title-field", "headline",
                 "--id-field", "uid", "--json")
    report = json.loads(result.stdout)
    assert report["imported"] == 1
    out = tmp_path / "o.jsonl"
    run("export", project, "-o", str(out))
    record = json.loads(out.read_text())
    assert (record["id"], record["title"], record["meta"]) == ("7", "Judul", {"lang": "id"})


def test_export_filters_and_unknown_annotator(tmp_path):
    project = str(tmp_path / "p.annotator")
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": "Lavrov mengkritik AS", "annotations": [
            {"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"},
            {"start": 7, "end": 17, "label": "Blame / threat attribution", "annotator": "budi"}],
         "done_by": ["ana"]},
        {"text": "Belum selesai", "annotations": [{"start": 0, "end": 5, "label": "Quotation", "annotator": "budi"}]},
    ])
    assert run("import", project, str(source)).exit_code == 0
    out = tmp_path / "o.jsonl"
    assert run("export", project, "-o", str(out), "--annotator", "ana", "--done-only").exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 1
    assert [a["annotator"] for a in lines[0]["annotations"]] == ["ana"]
    result = run("export", project, "-o", str(out), "--label", "Quotation")
    assert result.exit_code == 0
    labels = {a["label"] for line in out.read_text().splitlines() for a in json.loads(line)["annotations"]}
    assert labels == {"Quotation"}
    result = run("export", project, "-o", str(out), "--annotator", "nobody")
    assert result.exit_code == 1
    assert "no annotator called 'nobody'" in result.output


def test_codebook_export_and_import(tmp_path):
    project = str(tmp_path / "p.annotator")
    run("init", project)
    out = tmp_path / "cb.json"
    assert run("codebook", "export", project, str(out)).exit_code == 0
    data = json.loads(out.read_text())
    assert data["labels"][0]["hotkey"] == "1"
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps({"labels": [{"name": "Sanctions framing"}]}))
    result = run("codebook", "import", project, str(custom))
    assert "labels added: 1" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = run("codebook", "import", project, str(broken))
    assert result.exit_code == 1
    assert "not a JSON file" in result.output


def test_init_with_codebook(tmp_path):
    custom = tmp_path / "cb.json"
    custom.write_text(json.dumps({"labels": [{"name": "A", "hotkey": "a"}, {"name": "B"}]}))
    project = str(tmp_path / "p.annotator")
    assert "with 2 labels" in run("init", project, "--codebook", str(custom)).output


def test_corrupt_project_is_explained(tmp_path):
    project = tmp_path / "p.annotator"
    project.write_text("not sqlite")
    result = run("stats", str(project))
    assert result.exit_code == 1
    assert "not a project file" in result.output
    assert project.read_text() == "not sqlite"


def test_check_reports_a_span_whose_text_no_longer_matches(tmp_path):
    import sqlite3

    project = str(tmp_path / "p.annotator")
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Lavrov mengkritik AS", "annotations": [
        {"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"}]}])
    run("import", project, str(source))
    assert "no problems found" in run("check", project).output
    conn = sqlite3.connect(project)
    conn.execute("UPDATE annotations SET end_offset = 5")
    conn.commit()
    conn.close()
    result = run("check", project)
    assert result.exit_code == 1
    assert "differs from the article's" in result.output


def test_annotation_id_reused_for_another_span_rejects_the_file(tmp_path):
    project = str(tmp_path / "p.annotator")
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": "satu dua",
         "annotations": [{"id": "same", "start": 0, "end": 4, "label": "Quotation", "annotator": "ana"}]},
        {"text": "tiga empat",
         "annotations": [{"id": "same", "start": 0, "end": 4, "label": "Quotation", "annotator": "ana"}]},
    ])
    result = run("import", project, str(source))
    assert result.exit_code == 1
    assert "line 2: annotation id same is already used by a different span" in result.stderr


def test_export_and_import_other_formats_from_the_command_line(tmp_path):
    project = str(tmp_path / "p.annotator")
    text = "Menlu 🇷🇺 dan 🇰🇵: 👨‍👩‍👧 cafe\u0301, كتابٌ."
    start = text.index("👨")
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": text, "annotations": [
        {"start": start, "end": start + 5, "label": "Quotation", "annotator": "ana", "attributes": {"speaker": "Choe"}},
        {"start": 0, "end": 5, "label": "Blame / threat attribution", "annotator": "budi"}]}])
    assert run("import", project, str(source)).exit_code == 0
    for fmt, import_format in (("brat", "brat"), ("labelstudio", "labelstudio"), ("doccano", "doccano")):
        out = tmp_path / f"out-{fmt}"
        result = run("export", project, "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert "2 spans" in result.stderr
        fresh = str(tmp_path / f"fresh-{fmt}.annotator")
        result = run("import", fresh, str(out), "--format", import_format)
        assert result.exit_code == 0, result.output
        exported = tmp_path / f"back-{fmt}.jsonl"
        run("export", fresh, "-o", str(exported))
        [record] = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
        assert record["text"] == text
        assert sorted((a["annotator"], a["start"], a["end"], a["label"]) for a in record["annotations"]) == [
            ("ana", start, start + 5, "Quotation"), ("budi", 0, 5, "Blame / threat attribution")]
    result = run("export", project, "--format", "conll", "-o", str(tmp_path / "x.conll"), "--offset-unit", "utf16")
    assert result.exit_code == 1 and "no character offsets" in result.output
    result = run("export", project, "--format", "doccano", "-o", "-")
    assert result.exit_code == 2


def test_a_missing_project_file_is_one_line_and_exit_status_1(tmp_path):
    """Bad input is one line and exit status 1: a missing file gave click's usage text and 2."""
    missing = str(tmp_path / "missing.annotator")
    for args in (("stats", missing), ("export", missing, "-o", str(tmp_path / "o.jsonl")), ("check", missing),
                 ("search", missing, "x"), ("stats", str(tmp_path))):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "Usage" not in result.output
        assert "does not exist" in result.output or "is a directory" in result.output


def test_progress_bar_only_on_a_terminal(tmp_path, monkeypatch):
    import io

    import annotator.cli as cli_module

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    records = [{"text": f"artikel {i} " * 30} for i in range(600)]
    source = write_jsonl(tmp_path / "many.jsonl", records)
    terminal = Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", terminal)
    with cli_module._progress_bar("Importing") as progress:
        assert progress is not None
        project = cli_module.Project.open(tmp_path / "p.annotator")
        project.import_paths([source], progress=progress)
        project.close()
    assert "Importing" in terminal.getvalue() and "100%" in terminal.getvalue()
    monkeypatch.setattr(cli_module.sys, "stderr", io.StringIO())
    with cli_module._progress_bar("Importing") as progress:
        assert progress is None  # not a terminal: no bar, nothing on stderr


def test_export_to_a_missing_folder_is_a_clear_error(tmp_path):
    project = str(tmp_path / "p.annotator")
    run("import", project, str(SAMPLE))
    for fmt in ("jsonl", "csv", "brat"):
        result = run("export", project, "--format", fmt, "-o", str(tmp_path / "no" / "such" / "out"))
        assert result.exit_code == 1
        assert "does not exist" in result.output and "Traceback" not in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no files to import" in run("import", project, str(empty)).stderr


def test_jsonl_refuses_utf16_offsets_instead_of_writing_code_points(tmp_path):
    """``export -o out.jsonl --offset-unit utf16`` wrote code points and exited 0."""
    project = str(tmp_path / "p.annotator")
    run("import", project, str(SAMPLE))
    for output in (str(tmp_path / "out.jsonl"), "-"):
        result = run("export", project, "-o", output, "--offset-unit", "utf16")
        assert result.exit_code in (1, 2) and "always code points" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "out.jsonl").exists()
    assert run("export", project, "-o", str(tmp_path / "out.jsonl"), "--offset-unit", "codepoint").exit_code == 0


def test_search_takes_fts5_syntax_or_plain_words(tmp_path):
    project = str(tmp_path / "p.annotator")
    run("import", project, str(SAMPLE))  # the sample names "Kim Jong-un"
    result = run("search", project, "Kim Jong-un")
    assert result.exit_code == 1
    assert "cannot search for 'Kim Jong-un': no such column: un" in result.output
    assert "Traceback" not in result.output
    for query in ("Kim Jong-un", "(Kim", "-", '"'):
        result = run("search", project, query, "--plain", "--json")
        assert result.exit_code == 0, result.output
        assert [r["id"] for r in json.loads(result.stdout)] == ([] if query in ("-", '"') else [1])
    assert json.loads(run("search", project, '"Kim Jong-un"', "--json").stdout)[0]["id"] == 1


def test_export_by_language_and_stats_list_the_languages(tmp_path):
    project = str(tmp_path / "p.annotator")
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "i1", "text": "Lavrov mengkritik AS.", "language": "id"},
                                                 {"id": "r1", "text": "Лавров раскритиковал США.", "language": "ru"}])
    assert run("import", project, str(source)).exit_code == 0
    assert "by language" in run("stats", project).output
    out = tmp_path / "ru.jsonl"
    result = run("export", project, "--language", "ru", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["r1"]
    result = CliRunner().invoke(cli, ["export", project, "--language", "xx", "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code != 0 and "no article in language 'xx'" in result.output


def test_export_says_what_it_wrote_besides_and_merge_refuses_gold_as_a_new_name(tmp_path):
    """The CLI said "exported 0 articles" while writing one (its document label only), and
    merge --rename ana=gold failed with a clash of span ids instead of saying why."""
    project = str(tmp_path / "p.annotator")
    source = write_jsonl(tmp_path / "in.jsonl", [
        {"text": "Lavrov mengkritik AS",
         "annotations": [{"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"}],
         "doc_labels": [{"label": "Overall: neutral report", "annotator": "ana"}]}])
    run("import", project, str(source))
    result = run("export", project, "--label", "Overall: neutral report", "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0
    assert "exported 0 articles, 0 spans" in result.stderr
    assert "note: 1 articles without spans written too" in result.stderr
    spacy_run = run("export", project, "--format", "spacy", "-o", str(tmp_path / "out.spacy"))
    assert "offsets in" not in spacy_run.stderr  # token ranges: no character offsets to name
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "q.annotator"), project, "--rename", "ana=gold"])
    assert result.exit_code == 1 and "'gold' cannot be an annotator's name (it is the gold layer)" in result.output
