"""The bulk write path of imports and merges (``Project._store_records`` over
``Store.add_articles_with_ids`` / ``add_annotations``): rows go in a statement per batch, yet
every span is checked and deduplicated as when it was stored alone, and a failing file leaves
the project file as it was. Each test reads the project file itself after the import."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

import annotator.project.imports as imports_module
from annotator.model.commands import SetStatus
from annotator.model.types import Article
from annotator.project import Project
from annotator.store import Store
from annotator.store.spans import ordered_uuids
from tests.conftest import write_jsonl
from tests.store.test_import_runs import content

TEXT = "Lavrov mengkritik AS dan NATO di Moskow."
CLASHING_ID = "33333333-3333-4333-8333-333333333333"


def rows(path: Path, sql: str) -> list[tuple]:
    """Read the project file with a connection of its own (the import's connection is closed)."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def article(i: int, *, spans: list[dict] | None = None, **more) -> dict:
    text = f"{TEXT} Nomor {i}."
    default = [{"start": 0, "end": 6, "label": "Speaker", "text": "Lavrov", "annotator": "ana"},
               {"start": 18, "end": 20, "label": "Target", "text": "AS", "annotator": "ana"}]
    return {"id": f"a{i}", "text": text, "annotations": default if spans is None else spans, **more}


@pytest.fixture
def small_chunks(monkeypatch):
    """Many parse batches and a chunk per round of writes, so a file spans several commits."""
    monkeypatch.setattr(imports_module, "PARSE_BATCH_RECORDS", 7)
    monkeypatch.setattr(imports_module, "CHUNK_SECONDS", 0.0)


def test_add_annotations_tells_new_spans_from_stored_ones_and_clashes(project_path):
    store = Store.open(project_path)
    with store.write():
        article_id, _ = store.add_article(Article(text=TEXT))
        ana, _ = store.ensure_annotator("ana")
        label, _ = store.ensure_label("Speaker")

    def row(span_id: str, start: int, end: int) -> tuple:
        return (span_id, article_id, ana.id, label, start, end, TEXT[start:end], "{}", "", "imported",
                "2024-01-17T00:00:00.000Z", "2024-01-17T00:00:00.000Z", None)

    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    with store.write():
        assert store.add_annotations([row(first, 0, 6), row(second, 7, 17)]) == [True, True]
    with store.write():
        outcomes = store.add_annotations([
            row(first, 0, 6),    # the same span again, same id
            row(third, 0, 6),    # the same span under another id
            row(first, 21, 24),  # a stored id on another span: a clash
            row(third, 25, 29),  # new
            row(third, 25, 29),  # new, then the same again in one call
        ])
    assert outcomes == [False, False, None, True, False]
    store.close()
    assert rows(project_path, "SELECT uuid, start_offset, end_offset FROM annotations ORDER BY id") == [
        (first, 0, 6), (second, 7, 17), (third, 25, 29)]


def test_ordered_uuids_are_version_7_and_unique():
    made = ordered_uuids(5000)
    assert len(set(made)) == 5000
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (7, uuid.RFC_4122, text)
    assert len({text[:13] for text in made}) == 1  # one time stamp a call: they sort together


def test_a_file_imported_twice_adds_nothing_the_second_time(project_path, tmp_path, small_chunks):
    records = [article(i, doc_labels=[{"label": "Neutral", "annotator": "ana"}], done_by=["ana"])
               for i in range(30)]
    records[3]["annotations"].append(dict(records[3]["annotations"][0]))  # the same span twice in a record
    records.append(dict(records[5], id="copy-of-5"))  # the same text again: one article, its spans once
    source = write_jsonl(tmp_path / "twice.jsonl", records)
    project = Project.open(project_path)
    first = project.import_paths([source])
    assert first.ok and (first.imported, first.skipped) == (30, 1)
    assert (first.annotations_added, first.annotations_existing) == (60, 3)
    project.close()
    spans = "SELECT article_id, uuid, start_offset, end_offset FROM annotations ORDER BY id"
    stored = rows(project_path, spans)
    assert len(stored) == 60 and len({span_id for _, span_id, _, _ in stored}) == 60
    assert all(uuid.UUID(span_id).version == 7 for _, span_id, _, _ in stored)

    project = Project.open(project_path)
    again = project.import_paths([source])
    assert again.ok and (again.imported, again.skipped) == (0, 31)
    assert (again.annotations_added, again.annotations_existing) == (0, 63)
    project.close()
    assert rows(project_path, spans) == stored
    assert rows(project_path, "SELECT COUNT(*) FROM doc_labels") == [(30,)]
    assert rows(project_path, "SELECT COUNT(*), MIN(status) FROM article_status") == [(30, "done")]
    assert rows(project_path, "SELECT COUNT(*) FROM import_runs") == [(0,)]


def seeded(project_path: Path, tmp_path: Path) -> Project:
    """A project with one article whose span has the id ``CLASHING_ID``, and a status a failed
    import must give back."""
    project = Project.open(project_path)
    seed = article(0, spans=[{"id": CLASHING_ID, "start": 0, "end": 6, "label": "Speaker", "annotator": "ana"}])
    assert project.import_paths([write_jsonl(tmp_path / "seed.jsonl", [seed])]).ok
    project.execute(SetStatus(1, "ana", "in_progress"))
    return project


@pytest.mark.parametrize("where", [1, 17, 33])
def test_a_span_id_used_by_another_span_fails_the_whole_file(project_path, tmp_path, small_chunks, where):
    project = seeded(project_path, tmp_path)
    before = content(project)
    records = [article(i, doc_labels=["Neutral"], done_by=["ana"]) for i in range(1, 41)]
    records.insert(0, article(0, done_by=["ana"]))  # the seeded article: its status is overwritten first
    records[where]["annotations"][1]["id"] = CLASHING_ID  # another place: the id names a different span
    report = project.import_paths([write_jsonl(tmp_path / "clash.jsonl", records)], annotator="ana")
    [failure] = report.failed
    assert failure.line == where + 1
    assert f"annotation id {CLASHING_ID} is already used by a different span" in failure.reason
    assert content(project) == before
    project.close()
    assert rows(project_path, "SELECT COUNT(*) FROM articles") == [(1,)]
    assert rows(project_path, "SELECT uuid, start_offset FROM annotations") == [(CLASHING_ID, 0)]
    assert rows(project_path, "SELECT status FROM article_status") == [("in_progress",)]
    assert rows(project_path, "SELECT COUNT(*) FROM doc_labels") == [(0,)]


def test_two_records_of_one_file_giving_one_id_to_two_spans_clash(project_path, tmp_path):
    project = Project.open(project_path)
    records = [article(i) for i in range(5)]
    records[1]["annotations"][0]["id"] = records[3]["annotations"][1]["id"] = CLASHING_ID  # one batch, one chunk
    report = project.import_paths([write_jsonl(tmp_path / "twice-one-id.jsonl", records)])
    assert [f.line for f in report.failed] == [4] and "already used by a different span" in report.failed[0].reason
    project.close()
    assert rows(project_path, "SELECT COUNT(*) FROM articles") == [(0,)]
    assert rows(project_path, "SELECT COUNT(*) FROM annotations") == [(0,)]


def test_a_span_not_covering_its_text_is_a_bad_record_and_stores_nothing(project_path, tmp_path, small_chunks):
    records = [article(i) for i in range(20)]
    records[12]["annotations"][1]["text"] = "US"  # the article says "AS" at [18, 20)
    records[15]["annotations"][0]["end"] = 500  # outside the text
    project = Project.open(project_path)
    report = project.import_paths([write_jsonl(tmp_path / "covers.jsonl", records)])
    assert [(bad.line, bad.reason.split(":")[0]) for bad in report.bad_records] == [
        (13, "annotation 2 (Target)"), (16, "annotation 1 (Speaker)")]
    assert "covers 'AS' in the article, but the file says 'US'" in report.bad_records[0].reason
    assert (report.imported, report.annotations_added) == (18, 36)
    project.close()
    texts = {text for (text,) in rows(project_path, "SELECT text FROM articles")}
    assert f"{TEXT} Nomor 12." not in texts and f"{TEXT} Nomor 15." not in texts and len(texts) == 18
    assert rows(project_path, "SELECT COUNT(*) FROM annotations a JOIN articles t ON t.id = a.article_id "
                              "WHERE a.text != substr(t.text, a.start_offset + 1, a.end_offset - a.start_offset)"
                ) == [(0,)]


@pytest.mark.parametrize(("damage", "reason"), [
    ("UPDATE annotations SET text = 'zz' WHERE id = 3", "covers 'Lavrov' in the article, but the file says 'zz'"),
    ("UPDATE annotations SET end_offset = 500 WHERE id = 3", "[0, 500) is outside the text"),
])
def test_a_merge_refuses_a_colleague_file_whose_span_does_not_cover_its_text(project_path, tmp_path, damage,
                                                                             reason):
    """Spans that no reader checked (a colleague's project file) are checked where they are stored."""
    colleague_path = tmp_path / "colleague.annotator"
    colleague = Project.open(colleague_path)
    assert colleague.import_paths([write_jsonl(tmp_path / "theirs.jsonl", [article(i) for i in range(4)])]).ok
    with colleague._store.write():
        colleague._store.conn.execute(damage)
    colleague.close()
    project = Project.open(project_path)
    before = content(project)
    report = project.merge_paths([colleague_path])
    [failure] = report.failed
    assert failure.reason.startswith("annotation 1 (Speaker): span [0, ") and reason in failure.reason
    assert content(project) == before
    project.close()
    assert rows(project_path, "SELECT COUNT(*) FROM articles") == [(0,)]
    assert rows(project_path, "SELECT COUNT(*) FROM annotations") == [(0,)]


def test_a_cancelled_bulk_import_takes_back_spans_doc_labels_and_statuses(project_path, tmp_path, small_chunks):
    project = seeded(project_path, tmp_path)
    before = content(project)
    records = [article(0, done_by=["ana"], doc_labels=["Neutral"])]
    records += [article(i, doc_labels=["Neutral"], done_by=["ana", "budi"]) for i in range(1, 60)]
    asked = []

    def cancel_after_some() -> bool:
        asked.append(1)
        return len(asked) > 5

    report = project.import_paths([write_jsonl(tmp_path / "many.jsonl", records)], is_cancelled=cancel_after_some)
    assert report.cancelled and report.imported == 0
    assert content(project) == before
    project.close()
    assert rows(project_path, "SELECT name FROM annotators ORDER BY name") == [("ana",)]
    assert rows(project_path, "SELECT status FROM article_status") == [("in_progress",)]
    assert rows(project_path, "SELECT COUNT(*) FROM doc_labels") == [(0,)]
    assert rows(project_path, "SELECT action FROM events ORDER BY id DESC LIMIT 1") == [("import_rolled_back",)]


def test_the_import_event_counts_what_the_bulk_path_stored(project_path, tmp_path):
    records = [article(i) for i in range(10)] + [article(3)]
    records[7]["annotations"][0]["annotator"] = None  # names nobody: a bad record
    project = Project.open(project_path)
    report = project.import_paths([write_jsonl(tmp_path / "counted.jsonl", records)])
    assert (report.imported, report.skipped, len(report.bad_records)) == (9, 1, 1)
    project.close()
    [(details,)] = rows(project_path, "SELECT details FROM events WHERE action = 'import'")
    assert json.loads(details) == {"imported": 9, "skipped": 1, "annotations": 18, "bad_records": 1}


def test_an_import_writes_with_a_bigger_cache_and_fewer_checkpoints_and_restores_them(project_path, tmp_path,
                                                                                   monkeypatch, small_chunks):
    from annotator.store import store as store_module

    seen: list[tuple[int, int]] = []
    add_annotations = Store.add_annotations

    def watched(self, spans):
        seen.append((self.conn.execute("PRAGMA cache_size").fetchone()[0],
                     self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))
        return add_annotations(self, spans)

    monkeypatch.setattr(Store, "add_annotations", watched)
    project = Project.open(project_path)
    conn = project._store.conn
    before = (conn.execute("PRAGMA cache_size").fetchone()[0], conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    report = project.import_paths([write_jsonl(tmp_path / "a.jsonl", [article(i) for i in range(20)])])
    assert report.imported == 20 and len(seen) > 1
    assert set(seen) == {(-store_module.LONG_WRITE_CACHE_KIB, store_module.LONG_WRITE_CHECKPOINT_PAGES)}
    assert (conn.execute("PRAGMA cache_size").fetchone()[0],
            conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == before == (-2000, 1000)
    bad = write_jsonl(tmp_path / "b.jsonl", [article(100), {"id": "clash", "text": "x y", "annotations": [
        {"id": CLASHING_ID, "start": 0, "end": 1, "label": "L", "annotator": "ana"},
        {"id": CLASHING_ID, "start": 2, "end": 3, "label": "L", "annotator": "ana"}]}])
    assert project.import_paths([bad]).failed  # a failed file restores them too
    assert (conn.execute("PRAGMA cache_size").fetchone()[0],
            conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == before
    project.close()
    assert rows(project_path, "SELECT COUNT(*) FROM articles") == [(20,)]
