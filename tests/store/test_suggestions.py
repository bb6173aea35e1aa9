"""Schema 5 (assisted labelling): the migration from a schema-4 file, reading schema-4 files as
they are, rejections and the sources of accepted spans."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from sqlite_utils import Database

from annotator.model.types import Article, Codebook
from annotator.project import Project
from annotator.store import Store
from annotator.store.migrations import migrations
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION

TEXT = "Lavrov mengkritik kekuatan imperialis. Operasi militer khusus."


def make_schema_4(path) -> None:
    """A project file as schema 4 made it: migrations 1-4 applied by this code, rows written in
    SQL (the store's own writers now write schema-5 columns)."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(Database(conn), stop_before="m005_assist")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    stamp = "2024-01-17T10:00:00.000Z"
    conn.executescript(f"""
        INSERT INTO project_info(key, value) VALUES ('project_uuid', 'p-4'), ('created_at', '{stamp}'),
            ('codebook_seeded', 'yes');
        INSERT INTO articles(id, external_id, title, text, text_hash, imported_at)
            VALUES (1, 'ext-1', 'v4', '{TEXT}', 'hash-1', '{stamp}');
        INSERT INTO annotators(id, uuid, name, created_at) VALUES (1, 'u-ana', 'ana', '{stamp}');
        INSERT INTO labels(id, name, color, position) VALUES (1, 'Anti-imperialist framing', '#E69F00', 0),
            (2, 'Quotation', '#EE8866', 1);
        INSERT INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, end_offset, text,
            created_at, updated_at) VALUES ('s-1', 1, 1, 1, 0, 6, 'Lavrov', '{stamp}', '{stamp}');
    """)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()  # test only: no connection to it is open


def test_schema_4_file_migrates_to_5_keeping_its_data(tmp_path):
    path = tmp_path / "v4.annotator"
    make_schema_4(path)
    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION and store.upgraded_from == 4
    [span] = store.annotations(1)
    assert (span.text, span.annotator, span.source) == ("Lavrov", "ana", None)
    assert [label.patterns for label in store.codebook().labels] == [(), ()]
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(suggestion_rejections)")}
    assert {"annotator_id", "article_id", "label_id", "start_offset", "end_offset", "source", "rejected_at"} <= columns
    assert store.verify() == []
    store.close()


def test_schema_4_file_is_read_as_it_is_by_read_only_commands(tmp_path):
    path = tmp_path / "v4.annotator"
    make_schema_4(path)
    before = digest(path)
    reader = Project.open(path, create=False, read_only=True)
    assert reader.annotations(1)[0].source is None
    assert reader.codebook().labels[0].patterns == ()
    assert reader.suggestions(1, annotator="ana", quotes=False) == []  # no patterns yet, no rejections table
    assert reader.count_matches(label="Quotation", text="imperialis").hits == 1
    reader.close()
    assert digest(path) == before


def test_rejections_are_kept_once_per_annotator_article_offsets_and_label(store):
    with store.write():
        article_id, _ = store.add_article(Article(text=TEXT))
        ana, _ = store.ensure_annotator("ana")
        budi, _ = store.ensure_annotator("budi")
        label_id = store.label_id("Quotation") or store.ensure_label("Quotation")[0]
        row = (ana.id, article_id, label_id, 0, 6, "quotes/1")
        assert store.add_rejections([row, (*row[:5], "rule/1:Quotation")]) == [True, False]
    assert store.rejected_keys(annotator_id=ana.id, article_id=article_id) == {(0, 6, "Quotation")}
    assert store.rejected_keys(annotator_id=budi.id, article_id=article_id) == set()
    with store.write():
        assert store.remove_rejections([row, row]) == [True, False]
    assert store.rejected_keys(annotator_id=ana.id, article_id=article_id) == set()


def test_rejections_go_with_their_label(store):
    with store.write():
        article_id, _ = store.add_article(Article(text=TEXT))
        ana, _ = store.ensure_annotator("ana")
        store.merge_codebook(Codebook.from_dict({"labels": ["Gone", "Kept"]}))
        store.add_rejections([(ana.id, article_id, store.label_id("Gone"), 0, 6, "x"),
                              (ana.id, article_id, store.label_id("Kept"), 0, 6, "x")])
        store.replace_codebook(Codebook.from_dict({"labels": ["Kept"]}))
    assert store.rejected_keys(annotator_id=ana.id, article_id=article_id) == {(0, 6, "Kept")}


def test_patterns_are_stored_with_the_codebook(store):
    codebook = Codebook.from_dict({"labels": [{"name": "A", "patterns": ["imperialis*", {"regex": "x+"}]}]})
    with store.write():
        store.merge_codebook(codebook)
    assert store.codebook().labels[-1].patterns == codebook.labels[0].patterns
    with store.write():
        store.conn.execute("UPDATE labels SET patterns = 'not json' WHERE name = 'A'")
    assert store.codebook().labels[-1].patterns == ()  # damaged by another program: read as none


def test_a_span_keeps_its_source(store):
    with store.write():
        article_id, _ = store.add_article(Article(text=TEXT))
        ana, _ = store.ensure_annotator("ana")
        label_id, _ = store.ensure_label("Quotation")
        uuid, _ = store.add_annotation(article_id=article_id, annotator_id=ana.id, label_id=label_id, start=0, end=6,
                                       text="Lavrov", origin="suggestion", source="quotes/1")
    assert store.annotation(uuid).source == "quotes/1"
    assert store.annotations(article_id)[0].source == "quotes/1"


@pytest.mark.parametrize("query", ["imperialis", "operasi militer"])
def test_match_candidates_come_from_the_index_in_id_order(store, query):
    with store.write():
        for i in range(5):
            store.add_article(Article(text=f"{i}: " + (TEXT if i % 2 else "nothing here")))
    rows = list(store.match_candidates(f'"{query}"', titles=False))
    assert [row[0] for row in rows] == [2, 4]
    assert [row[0] for row in store.match_candidates(f'"{query}"', first_id=3)] == [4]
    assert [row[0] for row in store.match_candidates(None, only=3, titles=False)] == [3]
