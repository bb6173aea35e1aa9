"""Backups and restore: whole-file copies through SQLite's backup API, never a second descriptor;
a backup before every migration; old files read as they are or refused, never migrated read-only;
empty and foreign files never turned into projects."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.model.commands import AddSpan, SetDocLabel, SetStatus
from annotator.model.errors import BackupError, ProjectFileError, ProjectNeedsUpgrade
from annotator.model.types import Article
from annotator.project import Project
from annotator.store import Store
from annotator.store.backups import (
    ROOT_VARIABLE,
    back_up_file,
    backup_folder,
    inspect_backup,
    list_backups,
    prune,
    restore_file,
)
from annotator.store.schema import SCHEMA_VERSION
from tests.conftest import DATA, watch_opens

TABLES = ("articles", "annotators", "labels", "annotations", "doc_labels", "article_status", "project_info")


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of the data tables, read through SQLite."""
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def labelled(project_path) -> Project:
    """An open project with two articles, ana's spans and attributes, a doc label, one article
    in progress and one done."""
    project = Project.open(project_path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik AS dan NATO.", title="Satu"))
        project._store.add_article(Article(text="Seruan untuk perundingan damai.", title="Dua"))
    labels = project.codebook().labels
    project.execute(AddSpan(1, "ana", 0, 6, labels[0].name, note="catatan"))
    project.execute(AddSpan(2, "ana", 0, 6, labels[1].name))
    project.execute(SetDocLabel(1, "ana", project.codebook().doc_labels[0].name, True))
    project.execute(SetStatus(1, "ana", "in_progress"))
    project.execute(SetStatus(2, "ana", "done"))
    yield project
    project.close()


def test_a_backup_is_a_whole_self_contained_copy_in_the_projects_own_folder(labelled, project_path, backups_root):
    made = labelled.backup()
    assert made.parent == backup_folder(project_path) and made.parent.parent == backups_root
    assert made.parent.name.startswith("test-") and made.name.endswith("-manual.annotator")
    assert not Path(f"{made}-wal").exists() and not Path(f"{made}.partial").exists()
    conn = sqlite3.connect(made)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal needed
    conn.close()
    assert contents(made) == contents(project_path)
    [info] = labelled.backups()
    assert (info.path, info.reason, info.schema_version, info.articles, info.spans) == (
        made, "manual", SCHEMA_VERSION, 2, 2)
    assert info.time.endswith("Z") and info.project_uuid == labelled._store.project_uuid


def test_same_file_name_in_two_folders_has_two_backup_folders(tmp_path):
    first, second = tmp_path / "a" / "news.annotator", tmp_path / "b" / "news.annotator"
    assert backup_folder(first) != backup_folder(second)
    assert backup_folder(first) == backup_folder(tmp_path / "a" / "." / "news.annotator")


def test_backup_names_sort_by_time_and_listing_is_newest_first(labelled, project_path):
    made = [labelled.backup(reason=reason) for reason in ("open", "timer", "manual", "timer")]
    assert sorted(made, key=lambda p: p.name) == made
    assert [info.path for info in list_backups(project_path)] == made[::-1]


def test_prune_keeps_the_newest_rolling_backups_and_every_other_kind(labelled, project_path):
    rolling = [labelled.backup(reason="timer") for _ in range(4)]
    manual = labelled.backup(reason="manual")
    before_upgrade = labelled.backup(reason="upgrade")
    newest = labelled.backup(reason="open")
    deleted = prune(project_path, keep=2)
    assert sorted(deleted) == sorted(rolling[:3])
    assert {info.path for info in list_backups(project_path)} == {rolling[3], newest, manual, before_upgrade}


def test_restore_brings_back_everything_including_in_progress_marks(labelled, project_path):
    saved = contents(project_path)
    backup = labelled.backup()
    # Work after the backup: a span removed, statuses changed, a new article.
    [span] = labelled.annotations(1)
    from annotator.model.commands import RemoveSpan

    labelled.execute(RemoveSpan(span.uuid))
    labelled.execute(SetStatus(1, "ana", "done"))
    with labelled._store.write():
        labelled._store.add_article(Article(text="Artikel baru."))
    later = contents(project_path)
    elsewhere = Project.open(project_path)  # another program with the file open
    assert elsewhere.stats()["articles"] == 3

    before = labelled.restore(backup)

    assert contents(project_path) == saved
    assert labelled.annotations(1)[0].note == "catatan"
    assert elsewhere.stats()["articles"] == 2  # the other connection sees the restored file whole
    assert dict(elsewhere._store.conn.execute(
        "SELECT article_id, status FROM article_status").fetchall()) == {1: "in_progress", 2: "done"}
    assert labelled._store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert contents(before) == later and before.name.endswith("-restore.annotator")
    assert labelled.verify() == [] and Store.open(project_path).verify() == []
    elsewhere.close()


def test_restore_keeps_the_present_windows_claims_not_the_backups(project_path):
    first = Project.open(project_path, writer="ana")
    backup = first.backup()
    first.close()
    second = Project.open(project_path, writer="budi")
    second.restore(backup)  # the backup holds ana's old claim; budi's window is the open one
    claims = second._store.conn.execute("SELECT annotator FROM writer_sessions").fetchall()
    assert claims == [("budi",)]
    second.close()


@pytest.mark.parametrize("kind", ["empty", "text", "other program", "damaged", "itself"])
def test_restore_refuses_what_is_not_a_sound_project_and_changes_nothing(labelled, project_path, tmp_path,
                                                                         kind, request):
    bad = tmp_path / "bad.annotator"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "text":
        bad.write_text("not a database", encoding="utf-8")
    elif kind == "other program":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE things (id INTEGER)")
        conn.close()
    elif kind == "damaged":
        bad = request.getfixturevalue("damaged_project")
    else:
        bad = project_path
    saved = contents(project_path)
    with pytest.raises(BackupError):
        labelled.restore(bad)
    with pytest.raises(BackupError):
        restore_file(project_path, bad)
    assert contents(project_path) == saved
    assert list_backups(project_path) == []  # refused before the present was even backed up


def test_a_damaged_project_is_backed_up_and_restored_from_its_path(damaged_project, tmp_path):
    sound = tmp_path / "sound.annotator"
    project = Project.open(sound)
    with project._store.write():
        project._store.add_article(Article(text="Artikel yang sehat."))
    good = project.backup()
    project.close()
    copy = tmp_path / "copy.annotator"
    shutil.copy(good, copy)  # no connection to either file is open here
    with pytest.raises(ProjectFileError, match="damaged"):
        Store.open(damaged_project).stats()
    before = restore_file(damaged_project, copy)
    assert before is not None and Project.check_file(before)  # the damaged file, kept as it was
    assert Store.open(damaged_project).verify() == []
    assert Project.open(damaged_project).stats()["articles"] == 1
    assert restore_file(tmp_path / "gone.annotator", copy) is None  # a missing file is made again
    assert Project.open(tmp_path / "gone.annotator").stats()["articles"] == 1


def test_backup_and_restore_never_open_the_project_with_a_second_descriptor(labelled, project_path, monkeypatch):
    opened = watch_opens(project_path, monkeypatch)
    made = labelled.backup()
    back_up_file(project_path, reason="timer", keep=1)
    labelled.backups()
    labelled.restore(made)
    restore_file(project_path, made)
    Project.check_file(project_path)
    Project.damage(project_path)
    assert opened == []


def test_migrating_an_old_file_backs_it_up_first(tmp_path, backups_root):
    path = tmp_path / "old.annotator"
    shutil.copy(DATA / "schema-v1.annotator", path)
    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION and store.upgraded_from == 1
    info = inspect_backup(store.upgrade_backup)
    assert (info.reason, info.schema_version, info.articles, info.spans) == ("upgrade", 1, 1, 1)
    assert digest(info.path) != digest(path)
    store.close()
    assert Store.open(path).upgrade_backup is None  # up to date now: no more backups


def test_no_backup_no_migration(tmp_path, monkeypatch):
    path = tmp_path / "old.annotator"
    shutil.copy(DATA / "schema-v1.annotator", path)
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("x")
    monkeypatch.setenv(ROOT_VARIABLE, str(blocker))
    with pytest.raises(BackupError, match="could not be backed up"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_read_only_opening_never_migrates(tmp_path):
    v1 = tmp_path / "v1.annotator"
    shutil.copy(DATA / "schema-v1.annotator", v1)
    saved = digest(v1)
    with pytest.raises(ProjectNeedsUpgrade, match="annotator upgrade"):
        Project.open(v1, create=False, read_only=True)
    assert digest(v1) == saved
    # Schema 2 is readable as it is: opened read-only, it is read and left at schema 2.
    v2 = tmp_path / "v2.annotator"
    shutil.copy(DATA / "schema-v1.annotator", v2)
    conn = sqlite3.connect(v2)
    conn.executescript("ALTER TABLE annotations ADD COLUMN reviewer_id INTEGER REFERENCES annotators(id);"
                       "PRAGMA user_version = 2;")
    conn.close()
    reader = Project.open(v2, create=False, read_only=True)
    assert reader.stats()["annotations"] == 1 and reader.annotations(1)[0].text == "Lavrov"
    assert [len(r.annotations) for r in reader.records()] == [1] and reader.search("perundingan")
    reader.close()
    conn = sqlite3.connect(v2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_empty_and_foreign_files_never_become_projects(tmp_path):
    empty = tmp_path / "empty.annotator"
    empty.write_bytes(b"")
    for opener in (lambda: Store.open(empty), lambda: Project.open(empty), lambda: Store.open_copy(empty),
                   lambda: Project.open(empty, read_only=True), lambda: Project.check_file(empty),
                   lambda: back_up_file(empty)):
        with pytest.raises(ProjectFileError, match="empty file"):
            opener()
    assert empty.stat().st_size == 0
    nothing = tmp_path / "nothing.db"  # a SQLite database with nothing in it, someone else's
    conn = sqlite3.connect(nothing)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")
    conn.close()
    with pytest.raises(ProjectFileError, match="empty SQLite database"):
        Store.open(nothing)
    created = Project.create(empty)  # `annotator init` may make the empty file a project
    assert created.codebook().labels
    created.close()


def test_a_half_made_new_file_is_known_as_ours(project_path):
    """A new file gets our application id before anything else, so a crash right after leaves a
    file that the next open finishes instead of refusing."""
    conn = sqlite3.connect(project_path)
    conn.execute("PRAGMA application_id = 0x5354414E")
    conn.close()
    assert project_path.stat().st_size > 0
    Project.open(project_path).close()
    assert Store.open(project_path).schema_version == SCHEMA_VERSION
