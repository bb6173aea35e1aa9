"""Connection discipline: no second descriptor on the project file, sqlite3 errors translated,
read-only files open read-only, caches follow other programs' commits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.model.errors import (
    AnnotatorError,
    ProjectBusy,
    ProjectFileError,
    ProjectReadOnly,
)
from annotator.model.types import Article, Codebook, Label
from annotator.project import Project
from annotator.store import Store, is_sqlite_file
from tests.conftest import watch_opens, write_jsonl


def _count_articles_elsewhere(path: Path) -> int:
    """How many articles another process sees in the file."""
    out = subprocess.run(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "print(c.execute('SELECT COUNT(*) FROM articles').fetchone()[0]); c.close()", str(path)],
        capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_opening_never_reads_the_file_with_a_second_descriptor(project_path, monkeypatch, tmp_path):
    Project.open(project_path).close()
    opened = watch_opens(project_path, monkeypatch)
    project = Project.open(project_path)
    second = Project.open(project_path, create=False)  # what a background job does
    assert is_sqlite_file(project_path)
    second.merge_paths([project_path])  # a merge that is told our own file reads it through SQLite
    second.close()
    Store.open_copy(project_path).close()
    project.close()
    assert opened == []


def test_a_closed_second_connection_does_not_lose_the_first_ones_work(project_path):
    """The data loss of issue 8: a worker opening and closing the project in the window's
    process, then a CLI command closing, must not take the window's WAL away."""
    window = Project.open(project_path)
    with window._store.write():
        window._store.add_article(Article(text="erste"))
    worker = Project.open(project_path, create=False)
    worker.close()
    subprocess.run([sys.executable, "-m", "annotator", "stats", str(project_path)], check=True,
                   capture_output=True)
    with window._store.write():
        window._store.add_article(Article(text="zweite"))
    assert _count_articles_elsewhere(project_path) == 2
    window.close()
    assert _count_articles_elsewhere(project_path) == 2


def test_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.annotator"
    path.write_text("just some notes\n" * 10, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="not a project file"):
        Project.open(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()
    assert not is_sqlite_file(path)
    assert not is_sqlite_file(write_jsonl(tmp_path / "x.jsonl", [{"text": "a"}]))


def test_busy_is_a_clear_error_and_nothing_is_half_written(project_path):
    project = Project.open(project_path, busy_timeout=0.05)
    project.annotator("ana")
    with project._store.write():
        project._store.add_article(Article(text="Lavrov said so."))
    blocker = sqlite3.connect(project_path)
    blocker.execute("BEGIN IMMEDIATE")
    from annotator.model.commands import AddSpan

    with pytest.raises(ProjectBusy, match="busy"):
        project.execute(AddSpan(1, "ana", 0, 6, project.codebook().labels[0].name))
    blocker.rollback()
    blocker.close()
    assert project.annotations(1) == []
    changes, _ = project.execute(AddSpan(1, "ana", 0, 6, project.codebook().labels[0].name))
    assert len(project.annotations(1)) == 1
    project.close()


def test_read_only_project_reads_and_refuses_edits(project_path):
    project = Project.open(project_path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov said so."))
    project.close()
    reader = Project.open(project_path, read_only=True)
    assert reader.read_only and reader.article_text(1) == "Lavrov said so."
    assert reader.annotator("newcomer").id is None  # nobody is written into a read-only file
    from annotator.model.commands import AddSpan

    with pytest.raises(ProjectReadOnly, match="read-only"):
        reader.execute(AddSpan(1, "ana", 0, 6, reader.codebook().labels[0].name))
    reader.close()


def test_unwritable_file_opens_read_only_never_damaged(project_path, monkeypatch):
    Project.open(project_path).close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
    project = Project.open(project_path)
    assert project.read_only
    project.close()


def test_sqlite_errors_never_leave_the_store(store):
    with pytest.raises(AnnotatorError):
        store.conn.execute("SELECT * FROM no_such_table")
    with pytest.raises(AnnotatorError), store.write():
        store.conn.execute("INSERT INTO labels(id, name) VALUES (1, 'x'), (1, 'y')")


def test_label_cache_follows_another_programs_rename(project_path):
    ours = Project.open(project_path)
    ours.annotator("ana")
    with ours._store.write():
        ours._store.add_article(Article(text="Lavrov said so."))
    first = ours.codebook().labels[0].name
    from annotator.model.commands import AddSpan

    ours.execute(AddSpan(1, "ana", 0, 6, first))  # caches the label's id
    theirs = Project.open(project_path)
    with theirs._store.write():
        theirs._store.conn.execute("UPDATE labels SET name = 'Renamed elsewhere' WHERE name = ?", (first,))
        theirs._store.conn.execute("INSERT INTO labels(name, color) VALUES (?, '#000000')", (first,))
    theirs.close()
    ours.execute(AddSpan(1, "ana", 7, 11, first))
    labels = {(a.start, a.label) for a in ours.annotations(1)}
    assert labels == {(0, "Renamed elsewhere"), (7, first)}
    ours.close()


@pytest.mark.parametrize("renames", [
    (("A", "B"), ("B", "A")),  # swap
    (("A", "B"), ("B", "C")),  # chain
])
def test_codebook_renames_apply_all_at_once(project, renames):
    from annotator.model.commands import AddSpan, EditCodebook

    project.execute(EditCodebook(Codebook([Label("A", "#111111"), Label("B", "#222222")])))
    project.annotator("ana")
    with project._store.write():
        project._store.add_article(Article(text="one two three"))
    project.execute(AddSpan(1, "ana", 0, 3, "A"))
    project.execute(AddSpan(1, "ana", 4, 7, "B"))
    mapping = dict(renames)
    new_names = [mapping.get(name, name) for name in ("A", "B")]
    _, inverse = project.execute(EditCodebook(Codebook([Label(n, "#333333") for n in new_names]), renames))
    assert {(a.text, a.label) for a in project.annotations(1)} == {("one", new_names[0]), ("two", new_names[1])}
    project.execute(inverse)
    assert {(a.text, a.label) for a in project.annotations(1)} == {("one", "A"), ("two", "B")}
