"""Imports commit in short chunks, yet each file is imported whole or not at all: a failure,
a cancel or a killed process takes back everything the file added, and nobody else's work."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import annotator.project.imports as imports_module
from annotator.model.commands import AddSpan
from annotator.project import Project
from tests.conftest import write_jsonl


def content(project: Project) -> str:
    """A digest of every user-visible table (not the event log), to compare before and after."""
    conn = project._store.conn
    digest = hashlib.sha256()
    for table, order in (("articles", "id"), ("annotations", "id"), ("doc_labels", "id"), ("labels", "id"),
                         ("annotators", "id"), ("article_status", "article_id, annotator_id"),
                         ("attribute_defs", "id"), ("import_runs", "id"), ("import_undo", "id")):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            digest.update(repr(row).encode())
    digest.update(repr(conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'nomor'").fetchall())
                  .encode())
    return digest.hexdigest()


# A line that fails its whole file (a bad record is skipped alone): its annotator clashes with
# the seeded project's "ana", who has another id.
FILE_BREAKER = json.dumps({"text": "broken", "annotations": [
    {"start": 0, "end": 6, "label": "x", "annotator": "ana", "annotator_id": "99999999-9999-4999-8999-999999999999"}]})


def records(count: int, *, spans: bool = True) -> list[dict]:
    result = []
    for i in range(count):
        text = f"Artikel nomor {i} tentang Lavrov dan Choe."
        record: dict = {"id": f"a{i}", "text": text}
        if spans:
            record["annotations"] = [{"start": 14, "end": 14 + len(str(i)), "label": "Imported label",
                                      "annotator": "importer"}]
            record["done_by"] = ["importer"]
        result.append(record)
    return result


@pytest.fixture
def small_chunks(monkeypatch):
    """Force many chunks and parse batches, so a failure lands after several commits."""
    monkeypatch.setattr(imports_module, "PARSE_BATCH_RECORDS", 7)
    monkeypatch.setattr(imports_module, "CHUNK_SECONDS", 0.0)


def seeded(project_path: Path) -> Project:
    project = Project.open(project_path)
    project.import_paths([write_jsonl(project_path.parent / "seed.jsonl", [{"text": "Choe bertemu Lavrov."}])],
                         annotator="ana")
    project.annotator("ana")
    project.execute(AddSpan(1, "ana", 0, 4, project.codebook().labels[0].name))
    return project


def test_a_bad_record_after_many_chunks_leaves_the_project_unchanged(project_path, tmp_path, small_chunks):
    project = seeded(project_path)
    before = content(project)
    lines = [json.dumps(r) for r in records(60)]
    lines.insert(45, FILE_BREAKER)
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = project.import_paths([source])
    assert [f.line for f in report.failed] == [46]
    assert content(project) == before
    assert project.stats()["articles"] == 1
    assert project._store.events(1)[0]["action"] == "import_rolled_back"
    project.close()


def test_the_rest_of_the_batch_is_imported_whole(project_path, tmp_path, small_chunks):
    project = seeded(project_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(records(20)[0]) + "\n" + FILE_BREAKER + "\n", encoding="utf-8")
    good = write_jsonl(tmp_path / "good.jsonl", records(30))
    report = project.import_paths([bad, good])
    assert len(report.failed) == 1 and report.imported == 30
    assert project.stats()["articles"] == 31
    assert project.stats()["annotators"]["importer"]["done"] == 30
    assert project._store.conn.execute("SELECT COUNT(*) FROM import_runs").fetchone()[0] == 0
    assert project.search("nomor", limit=100) and len(project.search("nomor", limit=100)) == 30
    project.close()


def test_cancel_mid_file_takes_the_file_back(project_path, tmp_path, small_chunks):
    project = seeded(project_path)
    before = content(project)
    source = write_jsonl(tmp_path / "many.jsonl", records(100))
    calls = []

    def cancel_after_some() -> bool:
        calls.append(1)
        return len(calls) > 4

    report = project.import_paths([source], is_cancelled=cancel_after_some)
    assert report.cancelled and report.imported == 0
    assert content(project) == before
    project.close()


def test_statuses_overwritten_by_a_failed_import_are_restored(project_path, tmp_path, small_chunks):
    project = seeded(project_path)
    from annotator.model.commands import SetStatus

    project.annotator("importer")
    project.execute(SetStatus(1, "importer", "in_progress"))
    before = content(project)
    lines = [json.dumps({"text": "Choe bertemu Lavrov.", "done_by": ["importer"]})]
    lines += [json.dumps(r) for r in records(20)] + [FILE_BREAKER]
    source = tmp_path / "status.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert project.import_paths([source]).failed
    assert content(project) == before
    project.close()


def test_work_of_others_during_the_import_is_kept(project_path, tmp_path, small_chunks, monkeypatch):
    """Someone labels an article that a failing import added: the article and label stay."""
    project = seeded(project_path)
    other = Project.open(project_path)
    other.annotator("budi")
    label = other.codebook().labels[0].name
    labelled = threading.Event()
    real_write_batch = Project._write_batch

    def write_batch_then_label(self, run, batch, *args, **kwargs):
        real_write_batch(self, run, batch, *args, **kwargs)
        if not labelled.is_set() and self.stats()["articles"] > 10:
            other.execute(AddSpan(5, "budi", 0, 7, label))
            labelled.set()

    monkeypatch.setattr(Project, "_write_batch", write_batch_then_label)
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records(40, spans=False)) + "\n" + FILE_BREAKER + "\n",
                      encoding="utf-8")
    assert project.import_paths([source]).failed
    assert labelled.is_set()
    assert project.stats()["articles"] == 2  # the seed and the article budi labelled
    assert [a.annotator for a in project.annotations(5)] == ["budi"]
    other.close()
    project.close()


def test_a_rejection_made_during_the_import_keeps_its_article(project_path, tmp_path, small_chunks, monkeypatch):
    """Someone rejects a suggestion in an article a failing import added: article and rejection stay."""
    from annotator.model.commands import RejectSuggestions, SuggestedSpan

    project = seeded(project_path)
    other = Project.open(project_path)
    label = other.codebook().labels[0].name
    rejected = threading.Event()
    real_write_batch = Project._write_batch

    def write_batch_then_reject(self, run, batch, *args, **kwargs):
        real_write_batch(self, run, batch, *args, **kwargs)
        if not rejected.is_set() and self.stats()["articles"] > 10:
            other.execute(RejectSuggestions("budi", (SuggestedSpan(5, 0, 7, label, "rule/1:x"),)))
            rejected.set()

    monkeypatch.setattr(Project, "_write_batch", write_batch_then_reject)
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records(40, spans=False)) + "\n" + FILE_BREAKER + "\n",
                      encoding="utf-8")
    assert project.import_paths([source]).failed
    assert rejected.is_set()
    assert project.stats()["articles"] == 2  # the seed and the article budi judged
    assert project._store.conn.execute("SELECT COUNT(*) FROM suggestion_rejections").fetchone()[0] == 1
    other.close()
    project.close()


def test_a_killed_import_is_rolled_back_at_the_next_open(project_path, tmp_path):
    project = seeded(project_path)
    before = content(project)
    project.close()
    source = write_jsonl(tmp_path / "many.jsonl", records(3000))
    kill_an_import_of(project_path, source)
    reopened = Project.open(project_path)
    assert reopened.recovered_imports == [str(source)]
    assert content(reopened) == before
    assert reopened.verify() == []
    reopened.close()


def kill_an_import_of(project_path: Path, source: Path) -> None:
    """Run ``annotator import`` of ``source`` in another process and kill it mid-file."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        import annotator.project.imports as imports
        from annotator.project import Project
        imports.PARSE_BATCH_RECORDS = 50
        imports.CHUNK_SECONDS = 0.0
        project = Project.open({str(project_path)!r})
        seen = []
        def progress(done, total):
            seen.append(done)
            if len(seen) == 5:
                os._exit(9)  # killed mid-file: no cleanup runs
        project.import_paths([Path({str(source)!r})], progress=progress)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr


def test_a_killed_import_is_taken_back_by_a_program_that_has_the_project_open(project_path, tmp_path):
    """A window kept listing a killed import's articles until its next start."""
    project = seeded(project_path)
    before = content(project)
    source = write_jsonl(tmp_path / "many.jsonl", records(3000))
    kill_an_import_of(project_path, source)
    assert project.stats()["articles"] > 1  # its committed chunks are there
    assert project.recover_interrupted_imports() == [str(source)]
    assert content(project) == before
    assert project.recover_interrupted_imports() == []  # once
    project.close()


def test_merge_commits_in_chunks_and_fails_whole(project_path, tmp_path, small_chunks):
    project = seeded(project_path)
    before = content(project)
    # A bad record would be skipped alone; a line that is not UTF-8 fails the whole file.
    lines = [json.dumps(r) for r in records(30)] + ['{"text": "déjà vu"}']
    source = tmp_path / "colleague.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    report = project.merge_paths([source])
    assert report.failed and content(project) == before
    project.close()
