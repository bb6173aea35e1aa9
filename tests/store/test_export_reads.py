"""``Store.export_batches`` reads what the per-article readers read, in batches.

Exports read a million spans through it; these tests hold it to the readers it replaced
(``iter_articles``, ``annotations``, ``annotations_json``, ``span_rows`` (with ids or not), ``doc_labels``,
``done_by``), whatever the batch size, filters and shape, and check that one export sees one
state of the project even while another connection writes.
"""

from __future__ import annotations

import pytest

from annotator.model.types import Article
from annotator.project import Project
from annotator.store import Store
from tests.conftest import write_jsonl

FILTERS = [
    {},
    {"annotator_ids": ("ana",)},
    {"annotator_ids": ("budi", "gold")},
    {"annotator_ids": ()},
    {"labels": ("Quotation",)},
    {"labels": ()},
    {"annotator_ids": ("ana",), "labels": ("Quotation", "Label with spaces & ümlauts")},
    {"languages": ("ru", "ko")},
]


@pytest.fixture
def rich_store(tmp_path, rich_records):
    project = Project.open(tmp_path / "rich.annotator")
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    project.close()
    store = Store.open(tmp_path / "rich.annotator", create=False, read_only=True)
    yield store
    store.close()


def _expected(store: Store, annotator_ids, labels, languages):
    """Per article, in id order: what the per-article readers return."""
    for article in store.iter_articles():
        if languages is not None and article.language not in languages:
            continue
        assert article.id is not None
        yield article, {
            "objects": store.annotations(article.id, annotator_ids=annotator_ids, labels=labels),
            "json": store.annotations_json(article.id, annotator_ids=annotator_ids, labels=labels),
            "rows": store.span_rows(article.id, annotator_ids=annotator_ids, labels=labels),
        }


@pytest.mark.parametrize("size", [1, 3, 500])
@pytest.mark.parametrize("chosen", FILTERS, ids=repr)
def test_batches_hold_what_the_article_readers_read(rich_store, chosen, size):
    ids = {a.name: a.id for a in rich_store.annotators()}
    annotator_ids = None if "annotator_ids" not in chosen else [ids[n] for n in chosen["annotator_ids"]]
    labels, languages = chosen.get("labels"), chosen.get("languages")
    expected = list(_expected(rich_store, annotator_ids, labels, languages))
    assert expected
    for shape in ("objects", "json", "rows", "id_rows"):
        got = [(article, batch) for batch in rich_store.export_batches(
            spans=shape, annotator_ids=annotator_ids, labels=labels, languages=languages, size=size)
            for article in batch.articles]
        assert [article for article, _ in got] == [article for article, _ in expected]
        for (article, batch), (_, spans) in zip(got, expected, strict=True):
            found = [span for _, span in batch.spans.get(article.id, [])]
            wanted = spans["rows" if shape == "id_rows" else shape]
            if shape == "json":
                wanted = [span.encode() for span in wanted]  # the same bytes SQLite built
            elif shape == "id_rows":  # span_rows with each span's id last
                wanted = [(*row, span.uuid) for row, span in zip(wanted, spans["objects"], strict=True)]
            assert found == wanted
            assert [(label, name, uuid) for _, label, name, uuid in batch.doc_labels.get(article.id, [])] == \
                rich_store.doc_labels(article.id)
            assert [(name, uuid) for _, name, uuid in batch.done.get(article.id, [])] == rich_store.done_by(article.id)


def test_utf8_and_no_text_shapes(rich_store):
    articles = list(rich_store.iter_articles())
    rows = [row for batch in rich_store.export_batches(articles="utf8", size=4) for row in batch.articles]
    assert [row[0] for row in rows] == [a.id for a in articles]
    for row, article in zip(rows, articles, strict=True):
        assert row[1:8] == tuple(None if value is None else value.encode() for value in (
            article.external_id, article.title, article.text, article.url, article.source, article.published,
            article.language))
    bare = [a for batch in rich_store.export_batches(articles="no_text", spans="rows") for a in batch.articles]
    assert [(a.id, a.title, a.external_id, a.url, a.text, a.meta) for a in bare] == \
        [(a.id, a.title, a.external_id, a.url, "", {}) for a in articles]


def test_one_export_sees_one_state_of_the_project(tmp_path):
    """A write committed by another connection halfway through is not half in the export, even
    in the last batch, read after the article cursor has run out."""
    path = tmp_path / "p.annotator"
    project = Project.open(path)  # the default codebook
    store = project._store
    with store.write():
        store.add_articles([Article(text=f"teks nomor {i}") for i in range(6)])
        ana = store.ensure_annotator("ana")[0].id or 0
        quotation = store.label_id("Quotation") or 0
    reader = Store.open(path, create=False, read_only=True)
    batches = reader.export_batches(size=4)
    first = next(batches)
    with store.write():
        store.add_articles([Article(text="teks yang datang kemudian")])
        store.add_annotation(article_id=6, annotator_id=ana, label_id=quotation, start=0, end=4, text="teks")
        store.set_status(article_id=6, annotator_id=ana, status="done")
    last = next(batches)
    assert [a.id for a in first.articles + last.articles] == [1, 2, 3, 4, 5, 6]
    assert (last.spans, last.done) == ({}, {})
    assert next(batches, None) is None
    now = [batch for batch in reader.export_batches()]
    assert [a.id for a in now[0].articles] == [1, 2, 3, 4, 5, 6, 7]
    assert 6 in now[0].spans and 6 in now[0].done
    reader.close()
    project.close()
