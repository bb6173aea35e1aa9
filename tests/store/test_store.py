"""The project file: pragmas, migrations, refusal of foreign or damaged files, crash safety."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from annotator.model.errors import ConstraintViolated, IdentityClash, ProjectFileError
from annotator.model.types import Article
from annotator.store import Store
from annotator.store.migrations import migrations
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION
from tests.conftest import DATA


def test_new_file_has_wal_foreign_keys_version_and_uuid(project_path):
    store = Store.open(project_path)
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert len(store.project_uuid) == 36
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "annotators", "labels", "attribute_defs", "annotations", "doc_labels",
            "article_status", "events", "articles_fts", "project_info"} <= tables
    project_uuid = store.project_uuid
    store.close()
    assert Store.open(project_path).project_uuid == project_uuid


def test_schema_v1_file_migrates_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.annotator"
    shutil.copy(DATA / "schema-v1.annotator", path)
    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION
    article = store.article(1)
    assert article.text.startswith("Lavrov 🇷🇺")
    [span] = store.annotations(1)
    assert (span.start, span.end, span.text, span.annotator) == (0, 6, "Lavrov", "ana")
    assert store.done_by(1) == [("ana", "00000000-0000-4000-8000-000000000001")]
    assert store.verify() == []


def test_not_a_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.annotator"
    path.write_bytes(b"just some text, not SQLite")
    with pytest.raises(ProjectFileError, match="not a SQLite database"):
        Store.open(path)
    assert path.read_bytes() == b"just some text, not SQLite"


def test_other_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectFileError, match="another program"):
        Store.open(path)


def test_newer_schema_is_refused(project_path):
    Store.open(project_path).close()
    conn = sqlite3.connect(project_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectFileError, match="newer"):
        Store.open(project_path)


def test_truncated_file_is_reported_as_damaged(project_path):
    store = Store.open(project_path)
    with store.write():
        for i in range(200):
            store.add_article(Article(text=f"article {i} " * 200))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = project_path.read_bytes()
    project_path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectFileError, match=r"damaged|not a SQLite"):  # noqa: PT012 - opening or verifying says so
        opened = Store.open(project_path)
        problems = opened.verify()
        opened.close()
        if problems:
            raise ProjectFileError("damaged: " + problems[0])


def test_missing_file_without_create(tmp_path):
    with pytest.raises(ProjectFileError, match="no such project"):
        Store.open(tmp_path / "absent.annotator", create=False)


def test_event_log_is_append_only(store):
    with store.write():
        store.log_event("test", annotator="ana", details={"n": 1})
    with pytest.raises(ConstraintViolated, match="append-only"), store.write():
        store.conn.execute("DELETE FROM events")
    with pytest.raises(ConstraintViolated, match="append-only"), store.write():
        store.conn.execute("UPDATE events SET action = 'x'")
    assert store.events()[0]["action"] == "test"


def test_same_text_is_one_article(store):
    with store.write():
        first, created = store.add_article(Article(text="Sama teks.", title="a"))
        second, created_again = store.add_article(Article(text="Sama teks.", title="b"))
    assert (first, created) == (second, not created_again) == (first, True)
    assert store.article_count() == 1


def test_identity_clash_is_refused(store):
    with store.write():
        store.ensure_annotator("ana", "uuid-1")
    with pytest.raises(IdentityClash, match="already has a different 'ana'"), store.write():
        store.ensure_annotator("ana", "uuid-2")


def test_verify_reports_covered_text_mismatch(store):
    with store.write():
        article_id, _ = store.add_article(Article(text="Lavrov mengkritik AS"))
        ana, _ = store.ensure_annotator("ana")
        label_id, _ = store.ensure_label("X")
        store.add_annotation(article_id=article_id, annotator_id=ana.id, label_id=label_id,
                             start=0, end=6, text="Lavrov")
    assert store.verify() == []
    with store.write():
        store.conn.execute("UPDATE annotations SET start_offset = 1")
    [problem] = store.verify()
    assert "differs" in problem


def test_search_uses_fts(store):
    with store.write():
        store.add_article(Article(text="Lavrov mengkritik Washington", title="Kritik"))
        store.add_article(Article(text="Kerja sama bilateral", title="Kerja"))
    assert [r["title"] for r in store.search("washington")] == ["Kritik"]
    with pytest.raises(ValueError, match="cannot search"):
        store.search('"unbalanced')


def test_killed_process_leaves_the_file_intact(project_path):
    """A process killed mid-transaction loses only its uncommitted write."""
    Store.open(project_path).close()
    script = textwrap.dedent(
        f"""
        import os
        from annotator.model.types import Article
        from annotator.store import Store
        store = Store.open({str(project_path)!r})
        with store.write():
            store.add_article(Article(text="committed before the crash"))
        store.conn.execute("BEGIN IMMEDIATE")
        store.conn.execute(
            "INSERT INTO articles(title, text, text_hash, imported_at) VALUES ('x', 'lost', 'h', 'now')"
        )
        os._exit(9)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    store = Store.open(project_path)
    texts = [a.text for a in store.iter_articles()]
    assert texts == ["committed before the crash"]
    assert store.verify() == []


def test_two_connections_write_in_turn(project_path):
    """The window and a CLI run may share a file: short transactions, busy timeout."""
    first = Store.open(project_path)
    second = Store.open(project_path)
    with first.write():
        first.add_article(Article(text="from the window"))
    with second.write():
        second.add_article(Article(text="from the command line"))
    assert first.article_count() == second.article_count() == 2


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "p.annotator")


def test_bulk_import_indexes_at_the_end_and_leaves_no_flag(store):
    with store.write(), store.bulk_import():
        store.add_articles([Article(text=f"kerja sama {i}") for i in range(3)] + [Article(text="kerja sama 0")])
        assert store.search("kerja") == []  # not indexed yet
    assert len(store.search("kerja")) == 3
    assert store.info("bulk_import_in_progress") is None
    with pytest.raises(RuntimeError), store.write(), store.bulk_import():  # noqa: PT012 - raises to roll back
        store.add_articles([Article(text="dibatalkan")])
        raise RuntimeError("boom")
    assert store.info("bulk_import_in_progress") is None
    assert store.article_count() == 3
    with store.write():
        store.add_article(Article(text="perundingan damai"))
    assert len(store.search("perundingan")) == 1  # the trigger indexes single writes again



def test_schema_version_counts_the_migrations():
    assert len(migrations._migrations) == SCHEMA_VERSION


def test_nested_writes_are_savepoints(store):
    with store.write():
        store.add_article(Article(text="luar"))
        with pytest.raises(RuntimeError), store.write():  # noqa: PT012 - raises to roll back
            store.add_article(Article(text="dalam"))
            raise RuntimeError("undo the inner part only")
    assert [a.text for a in store.iter_articles()] == ["luar"]


def test_opening_an_up_to_date_project_does_not_load_sqlite_utils(project_path):
    Store.open(project_path).close()
    code = (f"import sys; from annotator.store import Store; Store.open({str(project_path)!r}).close(); "
            "print('sqlite_utils' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
