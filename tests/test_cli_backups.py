"""`annotator backup / backups / restore / upgrade / check`, and what every command does with old,
damaged, empty and foreign files: one line and a non-zero exit, never a traceback or a migration."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.project import Project
from annotator.store.schema import SCHEMA_VERSION
from tests.conftest import DATA, SAMPLE


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path) -> str:
    path = str(tmp_path / "p.annotator")
    assert run("import", path, str(SAMPLE)).exit_code == 0
    return path


def test_backup_backups_restore(project, tmp_path, backups_root):
    result = run("backup", project)
    assert result.exit_code == 0
    made = Path(result.stdout.strip())
    assert made.is_file() and made.is_relative_to(backups_root)
    assert run("import", project, str(write_text(tmp_path / "more.txt", "Artikel kedua."))).exit_code == 0
    listed = json.loads(run("backups", project, "--json").stdout)
    assert [(b["path"], b["reason"], b["schema_version"], b["articles"], b["spans"]) for b in listed] == [
        (str(made), "manual", SCHEMA_VERSION, 1, 0)]
    assert listed[0]["time"].endswith("Z")
    assert str(made) in run("backups", project).stdout

    result = run("restore", project, made.name)  # a name from `annotator backups` will do
    assert result.exit_code == 0, result.output
    assert "backed up as" in result.stderr
    assert json.loads(run("stats", project, "--json").stdout)["articles"] == 1
    reasons = [b["reason"] for b in json.loads(run("backups", project, "--json").stdout)]
    assert reasons == ["restore", "manual"]


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_restore_refuses_a_backup_that_is_not_a_project(project, tmp_path):
    saved = json.loads(run("stats", project, "--json").stdout)
    notes = write_text(tmp_path / "notes.annotator", "not a database")
    result = run("restore", project, str(notes))
    assert result.exit_code == 1 and "not a project backup" in result.stderr
    assert json.loads(run("stats", project, "--json").stdout) == saved
    assert json.loads(run("backups", project, "--json").stdout) == []


def test_backups_of_a_project_without_any(tmp_path):
    result = run("backups", str(tmp_path / "none.annotator"))
    assert result.exit_code == 0 and result.stdout == "" and "no backups" in result.stderr


@pytest.fixture
def old_file(tmp_path) -> Path:
    path = tmp_path / "old.annotator"
    shutil.copy(DATA / "schema-v1.annotator", path)
    return path


@pytest.mark.parametrize("command", [
    ["stats"], ["export", "-o", "OUT"], ["search", "@", "Lavrov"], ["agreement"], ["codebook", "export", "@", "OUT"],
])
def test_read_only_commands_never_migrate_an_old_file(old_file, tmp_path, command):
    saved = digest(old_file)
    args = [str(old_file) if a == "@" else str(tmp_path / "out.json") if a == "OUT" else a for a in command]
    if "@" not in command:
        args.insert(1, str(old_file))
    result = run(*args)
    assert result.exit_code == 1
    assert f"annotator upgrade {old_file}" in result.stderr and "Traceback" not in result.output
    assert digest(old_file) == saved
    assert Project.backups_of(old_file) == []


def test_check_reads_an_old_file_as_it_is_and_upgrade_backs_it_up_first(old_file):
    saved = digest(old_file)
    result = run("check", str(old_file))
    assert result.exit_code == 0 and "no problems found" in result.stdout
    assert digest(old_file) == saved
    result = run("upgrade", str(old_file))
    assert result.exit_code == 0 and f"from schema 1 to {SCHEMA_VERSION}" in result.stdout
    [backup] = Project.backups_of(old_file)
    assert (backup.reason, backup.schema_version, backup.spans) == ("upgrade", 1, 1)
    assert str(backup.path) in result.stderr
    assert json.loads(run("stats", str(old_file), "--json").stdout)["schema_version"] == SCHEMA_VERSION
    assert "up to date" in run("upgrade", str(old_file)).stdout


def test_check_reports_what_sqlite_found_in_a_damaged_file(damaged_project):
    result = run("check", str(damaged_project))
    assert result.exit_code == 1
    assert "SQLite integrity check: " in result.stdout
    assert "problem(s) found; the file was not changed" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["stats"], ["export", "-o", "OUT"], ["export", "--format", "csv", "-o", "OUT"]])
def test_reading_a_damaged_file_says_it_is_damaged(damaged_project, tmp_path, command):
    args = [str(tmp_path / "out.txt") if a == "OUT" else a for a in command]
    args.insert(1, str(damaged_project))
    result = run(*args)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "is damaged" in line and "annotator check" in line
    assert "Traceback" not in result.output


def test_a_damaged_file_can_still_be_backed_up_and_restored(damaged_project, tmp_path):
    good = Project.open(tmp_path / "good.annotator")
    backup = good.backup()
    good.close()
    assert run("backup", str(damaged_project)).exit_code == 0
    result = run("restore", str(damaged_project), str(backup))
    assert result.exit_code == 0, result.output
    assert run("check", str(damaged_project)).exit_code == 0


@pytest.mark.parametrize("kind", ["empty", "text", "other program"])
@pytest.mark.parametrize("command", [
    ["check"], ["stats"], ["export", "-o", "OUT"], ["search", "@", "x"], ["agreement"], ["import", "@", "SAMPLE"],
    ["merge", "@", "SAMPLE"], ["codebook", "export", "@", "OUT"], ["codebook", "import", "@", "CODEBOOK"],
    ["backup"], ["upgrade"],
])
def test_empty_and_foreign_files_are_refused_by_every_command(tmp_path, kind, command):
    path = tmp_path / "x.annotator"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("just some notes", encoding="utf-8")
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE things (id INTEGER)")
        conn.close()
    saved = digest(path)
    codebook = tmp_path / "codebook.json"
    codebook.write_text(json.dumps({"labels": [{"name": "X"}]}), encoding="utf-8")
    values = {"@": str(path), "OUT": str(tmp_path / "out.json"), "SAMPLE": str(SAMPLE), "CODEBOOK": str(codebook)}
    args = [values.get(a, a) for a in command]
    if "@" not in command:
        args.insert(1, str(path))
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert digest(path) == saved


def test_init_makes_an_empty_file_a_project(tmp_path):
    path = tmp_path / "empty.annotator"
    path.write_bytes(b"")
    assert run("init", str(path)).exit_code == 0
    assert run("stats", str(path)).exit_code == 0
