"""Two analysts' files merge into a reviewer's project: identity kept, idempotent, clashes
reported, sources untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from click.testing import CliRunner

from annotator.cli import cli
from annotator.model.commands import AddSpan, SetDocLabel, SetStatus
from annotator.model.types import Article
from annotator.project import Project
from tests.conftest import SAMPLE

TEXTS = ["Lavrov mengkritik AS dan NATO 🇺🇸.", "Choe memuji kerja sama bilateral.", "Seruan untuk perundingan damai."]


def analyst_file(path, name: str, spans: list[tuple[int, str, str]], done: list[int]) -> str:
    """A project file by one analyst: ``spans`` as (article index, phrase, label)."""
    project = Project.open(path)
    with project._store.write():
        ids = [project._store.add_article(Article(text=t, title=f"T{i}"))[0] for i, t in enumerate(TEXTS)]
    for index, phrase, label in spans:
        start = TEXTS[index].index(phrase)
        project.execute(AddSpan(ids[index], name, start, start + len(phrase), label))
    for index in done:
        project.execute(SetStatus(ids[index], name, "done"))
    project.execute(SetDocLabel(ids[0], name, "Overall: neutral report", True))
    uuid = project._store.annotator_by_name(name).uuid
    project.close()
    return uuid


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_merge_two_analysts_then_agreement_and_gold_export(tmp_path):
    ana_file, budi_file = tmp_path / "ana.annotator", tmp_path / "budi.annotator"
    reviewer = tmp_path / "review.annotator"
    ana_id = analyst_file(ana_file, "ana", [(0, "Lavrov mengkritik AS", "Blame / threat attribution"),
                                            (1, "memuji kerja sama", "Cooperation praise")], [0, 1])
    budi_id = analyst_file(budi_file, "budi", [(0, "mengkritik AS", "Blame / threat attribution"),
                                               (1, "memuji kerja sama", "Cooperation praise"),
                                               (2, "perundingan damai", "Call for de-escalation / negotiation")],
                           [0, 1, 2])
    before = digest(ana_file), digest(budi_file)
    result = run("merge", reviewer, ana_file, budi_file)
    assert result.exit_code == 0, result.output
    assert "3 new articles" in result.stdout
    assert (digest(ana_file), digest(budi_file)) == before  # sources untouched

    project = Project.open(reviewer)
    annotators = {a.name: a.uuid for a in project._store.annotators()}
    assert annotators == {"ana": ana_id, "budi": budi_id}
    assert project._store.article_count() == 3
    assert len(project.annotations(1)) == 2
    project.close()

    again = run("merge", reviewer, ana_file, budi_file, "--json")
    report = json.loads(again.stdout)
    assert (report["imported"], report["annotations_added"]) == (0, 0)  # merging twice changes nothing

    stats = subprocess.run([sys.executable, "-m", "annotator", "agreement", str(reviewer), "--json"],
                           capture_output=True, text=True)
    figures = json.loads(stats.stdout)  # stdout holds the JSON alone
    [pair] = figures["pairs"]
    assert (pair["a"], pair["b"], pair["articles"]) == ("ana", "budi", 2)
    assert pair["span_f1_exact"] == 0.5 and pair["span_f1_overlap"] == 1.0
    assert 0 < pair["cohen_kappa"] < 1
    text = run("agreement", reviewer)
    assert "ana / budi" in text.output and "Krippendorff alpha" in text.output

    # The reviewer adjudicates into gold and exports it.
    project = Project.open(reviewer)
    start = TEXTS[0].index("Lavrov mengkritik AS")
    project.execute(AddSpan(1, "gold", start, start + 20, "Blame / threat attribution",
                            origin="adjudicated", reviewer="rina"))
    project.close()
    out = tmp_path / "gold.jsonl"
    assert run("export", reviewer, "-o", out, "--gold").exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    gold = [a for r in records for a in r["annotations"]]
    assert [(a["annotator"], a["reviewer"], a["origin"], a["text"]) for a in gold] == [
        ("gold", "rina", "adjudicated", "Lavrov mengkritik AS")]
    # The gold layer is not an annotator in agreement.
    assert json.loads(run("agreement", reviewer, "--json").stdout)["annotators"] == ["ana", "budi"]


def test_same_name_from_another_project_is_a_clash_until_renamed(tmp_path):
    first, second, reviewer = tmp_path / "a1.annotator", tmp_path / "a2.annotator", tmp_path / "r.annotator"
    analyst_file(first, "ana", [(0, "Lavrov", "Quotation")], [0])
    analyst_file(second, "ana", [(0, "NATO", "Quotation")], [0])  # a different person called ana
    assert run("merge", reviewer, first).exit_code == 0
    result = run("merge", reviewer, second)
    assert result.exit_code == 1
    assert "already has a different 'ana'" in result.stderr and "--rename" in result.stderr
    project = Project.open(reviewer)
    assert len(project.annotations(1)) == 1  # nothing of the clashing source was mixed in
    project.close()
    result = run("merge", reviewer, second, "--rename", "ana=ana (Jakarta)")
    assert result.exit_code == 0, result.output
    project = Project.open(reviewer)
    assert sorted(a.annotator for a in project.annotations(1)) == ["ana", "ana (Jakarta)"]
    project.close()
    assert run("merge", reviewer, second, "--rename", "nonsense").exit_code == 2


def test_merge_from_jsonl_export_and_bad_sources(tmp_path):
    source, reviewer = tmp_path / "ana.annotator", tmp_path / "r.annotator"
    analyst_file(source, "ana", [(0, "Lavrov", "Quotation")], [0])
    export = tmp_path / "ana.jsonl"
    run("export", source, "-o", export)
    broken = tmp_path / "broken.annotator"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    result = run("merge", reviewer, export, broken, tmp_path / "missing.jsonl")
    assert result.exit_code == 1
    assert "broken.annotator" in result.stderr and "missing.jsonl: no such file" in result.stderr
    project = Project.open(reviewer)
    [span] = project.annotations(1)
    assert span.annotator == "ana"
    assert project._store.done_by(1)[0][0] == "ana"
    project.close()


def test_merge_adopts_missing_labels_with_their_definitions(tmp_path):
    source, reviewer = tmp_path / "s.annotator", tmp_path / "r.annotator"
    project = Project.open(source)
    run("codebook", "import", source, _codebook(tmp_path))
    project.import_paths([SAMPLE])
    project.execute(AddSpan(1, "ana", 0, 8, "Sanctions framing"))
    project.close()
    assert run("merge", reviewer, source).exit_code == 0
    codebook = Project.open(reviewer).codebook()
    added = next(label for label in codebook.labels if label.name == "Sanctions framing")
    assert (added.color, added.description) == ("#123456", "Sanctions as pressure")
    assert added.hotkey == ""  # "1" is taken by this project's own label


def _codebook(tmp_path):
    path = tmp_path / "cb.json"
    path.write_text(json.dumps({"labels": [{"name": "Sanctions framing", "color": "#123456", "hotkey": "1",
                                            "description": "Sanctions as pressure"}]}))
    return path


def test_parallel_agreement_equals_one_pass(tmp_path, monkeypatch):
    """Split over worker processes, the counts add up to exactly the single-pass figures."""
    import annotator.project.review as review_module

    path = tmp_path / "many.annotator"
    for i in range(3):
        analyst_file(tmp_path / f"a{i}.annotator", "ana",
                     [(0, "Lavrov", "Quotation"), (1, "kerja sama", "Quotation")], [0, 1, 2])
    project = Project.open(path)
    with project._store.write():
        ids = [project._store.add_article(Article(text=f"{t} nomor {n}"))[0] for n in range(40) for t in TEXTS]
    for n, article_id in enumerate(ids):
        for who in ("ana", "budi", "citra"):
            if (n + len(who)) % 3:
                project.execute(AddSpan(article_id, who, 0, 6 + n % 4, "Quotation" if n % 5 else "Cooperation praise"))
            if (n * len(who)) % 7 != 1:
                project.execute(SetStatus(article_id, who, "done"))
    one_pass = project.agreement(workers=1)
    monkeypatch.setattr(review_module, "PARALLEL_AGREEMENT_MIN_ARTICLES", 10)
    parallel = project.agreement(workers=3)
    project.close()
    assert _same(parallel, one_pass)
    assert one_pass["articles"] > 10


def _same(x, y) -> bool:
    """Equal, floats to 1e-12 (sums may be added up in another order)."""
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) < 1e-12
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y, strict=True))
    return x == y


def test_agreement_says_why_nobody_was_compared_when_no_one_marked_an_article_done(tmp_path):
    """Spans by two analysts, but no done marks: the default choice (who judged something) is
    empty, and the note said "fewer than two annotators chosen" to someone who chose nobody."""
    project = Project.open(tmp_path / "p.annotator")
    with project._store.write():
        article_id, _ = project._store.add_article(Article(text=TEXTS[0]))
    for name in ("ana", "budi"):
        project.execute(AddSpan(article_id, name, 0, 6, project.codebook().labels[0].name))
    result = project.agreement()
    assert any("marked an article done" in note for note in result["notes"])
    assert not any("chosen" in note for note in result["notes"])
    named = project.agreement(annotators=["ana"])  # chosen by name: the plain note stays
    assert any(note.startswith("fewer than two annotators chosen") for note in named["notes"])
    project.close()
