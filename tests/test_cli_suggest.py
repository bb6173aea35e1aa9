"""``annotator suggest``: JSON lines, read-only without --accept, one transaction with it."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.model.types import Article
from annotator.project import Project
from annotator.store.schema import SCHEMA_VERSION
from tests.project.test_assist import QUOTE, fake_quotations

TEXT = '🇷🇺 Lavrov mengkritik kekuatan "imperialis". "Kami menolak eskalasi," ucap Lavrov.'


@pytest.fixture
def suggesting(tmp_path, monkeypatch):
    """A project file with two articles (one without anything to suggest), closed; quotations
    come from the stand-in detector."""
    monkeypatch.setattr("annotator.project.assist._find_quotations",
                        lambda text, language, label: fake_quotations(text, language, label=label))
    path = tmp_path / "news.annotator"
    project = Project.open(path)
    with project._store.write():
        project._store.add_article(Article(text=TEXT, external_id="ext-17", language="id"))
        project._store.add_article(Article(text="Tidak ada apa-apa.", external_id="ext-18"))
    project.close()
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()  # test only: no connection to it is open


def test_json_lines_have_the_documented_shape_and_code_point_offsets(suggesting):
    result = run("suggest", str(suggesting), "--annotator", "ana", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(line) for line in lines] == [
        ["article_id", "external_id", "start", "end", "text", "label", "attributes", "source"]] * 2
    rule, quote = lines
    assert rule == {"article_id": 1, "external_id": "ext-17", "start": TEXT.index("imperialis"),
                    "end": TEXT.index("imperialis") + 10, "text": "imperialis", "label": "Anti-imperialist framing",
                    "attributes": {}, "source": "rule/1:Anti-imperialist framing"}
    assert TEXT[quote["start"]:quote["end"]] == quote["text"] == QUOTE  # after a flag: code points, not UTF-16
    assert quote["attributes"] == {"speaker": "Lavrov", "voice": "direct quote"} and quote["source"] == "quotes/1"
    assert "2 suggestion(s) in 1 of 2 article(s)" in result.stderr


def test_without_accept_the_file_is_left_byte_identical(suggesting):
    before = digest(suggesting)
    for args in (["--json"], ["--quotes"], ["--rules", "--article", "1"], []):
        assert run("suggest", str(suggesting), "--annotator", "ana", *args).exit_code == 0
    assert digest(suggesting) == before
    project = Project.open(suggesting, create=False, read_only=True)
    assert project.annotators() == []
    project.close()


def test_accept_stores_the_annotators_spans_in_one_go(suggesting):
    result = run("suggest", str(suggesting), "--annotator", "ana", "--quotes", "--accept")
    assert result.exit_code == 0, result.output
    assert "1 suggestion(s)" in result.stdout and "accepted 1 as annotations of ana" in result.stdout
    project = Project.open(suggesting, create=False, read_only=True)
    [span] = project.annotations(1, "ana")
    assert (span.text, span.label, span.origin, span.source, span.attributes) == (
        QUOTE, "Quotation", "suggestion", "quotes/1", {"speaker": "Lavrov", "voice": "direct quote"})
    project.close()
    again = run("suggest", str(suggesting), "--annotator", "ana", "--accept", "--json")
    assert [json.loads(line)["label"] for line in again.stdout.splitlines()] == ["Anti-imperialist framing"]
    assert "accepted 1" in again.stderr
    last = run("suggest", str(suggesting), "--annotator", "ana", "--accept")
    assert "0 suggestion(s)" in last.stdout and "nothing to accept" in last.stdout


def test_readable_lines_and_the_quote_label(suggesting):
    result = run("suggest", str(suggesting), "--annotator", "ana", "--quotes", "--quote-label", "Quotation")
    [line, summary] = result.stdout.splitlines()
    assert line.split()[0] == "1" and '"\\"Kami menolak eskalasi,\\""' in line and "speaker=Lavrov" in line
    assert summary == "1 suggestion(s) in 1 of 2 article(s)"


@pytest.mark.parametrize(("args", "message"), [
    (["--article", "9"], "no article with id 9"),
    (["--quote-label", "Zitat"], "no span label called 'Zitat' in the codebook for quotations"),
])
def test_errors_are_one_line(suggesting, args, message):
    result = run("suggest", str(suggesting), "--annotator", "ana", *args)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"


def test_the_gold_layer_cannot_accept(suggesting):
    result = run("suggest", str(suggesting), "--annotator", "gold", "--accept")
    assert result.exit_code == 1 and "gold layer" in result.stderr


def test_an_older_file_is_only_migrated_by_accept(tmp_path, monkeypatch):
    from tests.store.test_suggestions import make_schema_4

    monkeypatch.setattr("annotator.project.assist._find_quotations",
                        lambda text, language, label: fake_quotations(text, language, label=label))
    path = tmp_path / "v4.annotator"
    make_schema_4(path)
    before = digest(path)
    assert run("suggest", str(path), "--annotator", "ana", "--rules").exit_code == 0
    assert digest(path) == before
    result = run("suggest", str(path), "--annotator", "ana", "--accept", "--rules", "--quote-label", "Quotation")
    assert result.exit_code == 0, result.output
    project = Project.open(path, create=False, read_only=True)
    assert project._store.schema_version == SCHEMA_VERSION
    project.close()
