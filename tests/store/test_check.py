"""`check_file` reports what SQLite's own checks find, on files that may not open as projects."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.model.errors import ProjectFileError
from annotator.model.types import Article
from annotator.project import Project
from annotator.store.check import check_file, damage


def test_a_sound_file_has_no_problems(project_path):
    project = Project.open(project_path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik AS."))
    project.close()
    assert check_file(project_path) == [] and damage(project_path) == []


def test_integrity_check_findings_are_reported_line_by_line(damaged_project):
    problems = check_file(damaged_project)
    assert problems and all(p.startswith("SQLite ") for p in problems)
    assert not any("***" in p or "\n" in p for p in problems)
    assert damage(damaged_project)


def test_foreign_key_check_findings_are_reported(project_path):
    project = Project.open(project_path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik AS."))
    project.close()
    conn = sqlite3.connect(project_path)  # foreign keys are off by default in a plain connection
    conn.execute("INSERT INTO article_status(article_id, annotator_id, status, updated_at) "
                 "VALUES (99, 7, 'done', '2024-01-17T10:00:00.000Z')")
    conn.commit()
    conn.close()
    problems = check_file(project_path)
    assert "SQLite foreign key check: article_status row 1 refers to a missing row of articles" in problems


def test_what_is_not_a_project_is_refused(tmp_path):
    notes = tmp_path / "notes.annotator"
    notes.write_text("not a database", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="not a SQLite database"):
        check_file(notes)
    assert damage(notes) == []
