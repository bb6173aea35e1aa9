"""The window's read of an article's spans (``Store.shown_annotations``) holds exactly what the
ordered reader holds, with the covered text taken from the article."""

from __future__ import annotations

from annotator.project import Project
from annotator.store import Store
from tests.conftest import write_jsonl


def test_shown_spans_are_the_stored_spans_in_any_order(tmp_path, rich_records):
    path = tmp_path / "rich.annotator"
    project = Project.open(path)
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    project.close()
    store = Store.open(path, create=False, read_only=True)
    try:
        everyone = [a.id or 0 for a in store.annotators()]
        checked = 0
        for article in store.iter_articles():
            assert article.id is not None
            for ids in (everyone, everyone[:1], []):
                ordered = store.annotations(article.id, annotator_ids=ids) if ids else []
                shown = store.shown_annotations(article.id, article.text, ids)
                key = lambda span: span.uuid  # noqa: E731
                assert sorted(shown, key=key) == sorted(ordered, key=key)
                assert all(span.text == article.text[span.start:span.end] for span in shown)
                checked += len(shown)
        assert checked
    finally:
        store.close()


def test_shown_spans_read_their_details_on_first_use(tmp_path, rich_records):
    """What a view does not draw is read when first asked for, one span at a time; a detail set
    before that stays, and a span deleted meanwhile reads as having none."""
    path = tmp_path / "rich.annotator"
    project = Project.open(path)
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    project.close()
    store = Store.open(path, create=False)
    try:
        article = max(store.iter_articles(), key=lambda a: len(store.annotations(a.id or 0)))
        everyone = [a.id or 0 for a in store.annotators()]
        stored = {span.uuid: span for span in store.annotations(article.id or 0, annotator_ids=everyone)}
        shown = store.shown_annotations(article.id or 0, article.text, everyone)
        assert len(shown) >= 3 and all("_attributes" not in span.__dict__ and "_origin" not in span.__dict__
                                       for span in shown)  # none read yet
        first, second, third, *rest = shown
        assert first.attributes == stored[first.uuid].attributes and first.note == stored[first.uuid].note
        assert first.origin == stored[first.uuid].origin
        assert all("_note" not in span.__dict__ for span in (second, third, *rest))  # one span read
        second.note = "set here"
        assert second.note == "set here" and second.updated == stored[second.uuid].updated
        with store.write():
            store.delete_annotation(third.uuid or "")
        assert third.attributes == {} and third.note == "" and third.updated is None
        assert first == stored[first.uuid] and stored[first.uuid] == first
    finally:
        store.close()
