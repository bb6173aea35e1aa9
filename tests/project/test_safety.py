"""The facade's writer claim: a second writing project of the same person opens read-only."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

import pytest

from annotator.model.commands import AddSpan
from annotator.model.errors import ProjectReadOnly
from annotator.model.types import Article
from annotator.project import Project


def claims(path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT pid, host FROM writer_sessions").fetchall()
    finally:
        conn.close()


@pytest.fixture
def path(project_path):
    project = Project.open(project_path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik AS."))
    project.close()
    return project_path


def test_the_same_person_writes_through_one_project_only(path):
    first = Project.open(path, writer="ana")
    assert not first.read_only and first.writer_session
    second = Project.open(path, writer="ana")
    assert second.read_only and second.writer_elsewhere.session == first.writer_session
    assert second.writer_elsewhere.pid == os.getpid()
    label = second.codebook().labels[0].name
    with pytest.raises(ProjectReadOnly):
        second.execute(AddSpan(1, "ana", 0, 6, label))
    budi = Project.open(path, writer="budi")  # someone else writes at the same time
    budi.execute(AddSpan(1, "budi", 0, 6, label))
    first.close()
    third = Project.open(path, writer="ana")  # the first one is closed: writable again
    assert not third.read_only and third.writer_elsewhere is None
    for project in (second, budi, third):
        project.close()
    assert claims(path) == []


def test_reopening_in_the_same_window_takes_its_own_claim_over(path):
    first = Project.open(path, writer="ana")
    again = Project.open(path, writer="ana", replacing=first.writer_session)
    assert not again.read_only
    first.close()  # its claim was taken over; closing it does not drop the new one
    later = Project.open(path, writer="ana")
    assert later.read_only
    later.close()
    again.close()


def test_a_claim_left_by_a_killed_process_is_stale(path):
    script = ("import os, sys; from annotator.project import Project; "
              "p = Project.open(sys.argv[1], writer='ana'); os._exit(9)")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    rows = claims(path)
    assert len(rows) == 1 and rows[0][1] == socket.gethostname()  # left behind by the killed process
    project = Project.open(path, writer="ana")
    assert not project.read_only and project.writer_elsewhere is None
    project.close()


def test_a_busy_file_opens_writable_and_claims_at_the_next_renewal(path):
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock all along
    project = Project.open(path, writer="ana", busy_timeout=0.05)
    assert not project.read_only and project.writer_session is None
    blocker.rollback()
    blocker.close()
    assert project.keep_writing() is None and project.writer_session is not None
    assert len(claims(path)) == 1
    project.close()
    assert claims(path) == []
