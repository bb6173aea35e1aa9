"""Import fills in the language of articles that name none, and the article list filters on it."""

from __future__ import annotations

import json

import pytest

from annotator.io.records import FieldMap
from annotator.model.errors import NotFound
from tests.conftest import DATA, SAMPLE, conllu_documents, write_jsonl
from tests.io.test_language import english_wikinews


def pud_article(name: str) -> str:
    return " ".join(text for _, text in conllu_documents(DATA / "multilingual" / f"{name}.conllu")[:3])


def test_language_is_detected_for_articles_that_name_none(tmp_path, project):
    wikinews = (DATA / "multilingual" / "ru_wikinews_107771.txt").read_text(encoding="utf-8")
    records = [{"text": pud_article("id_pud")}, {"text": wikinews}, {"text": pud_article("ar_pud")},
               {"text": pud_article("ko_pud")}, {"text": english_wikinews()}, {"text": "Singkat saja."}]
    report = project.import_paths([write_jsonl(tmp_path / "mixed.jsonl", records)])
    assert report.ok and report.imported == 6
    assert [project.article(i).language for i in range(1, 7)] == ["id", "ru", "ar", "ko", "en", None]


def test_a_given_language_is_never_overridden(tmp_path, project):
    text = pud_article("id_pud")
    source = write_jsonl(tmp_path / "given.jsonl", [{"text": text, "language": "ms"},
                                                    {"text": english_wikinews(), "language": "en-GB"}])
    assert project.import_paths([source]).ok
    assert [project.article(1).language, project.article(2).language] == ["ms", "en-GB"]


def test_plain_text_and_csv_imports_detect_too(tmp_path, project):
    dump = tmp_path / "dump.csv"
    dump.write_text("uid,body,lang\n1,\"" + pud_article("ko_pud") + "\",\n", encoding="utf-8")
    project.import_paths([SAMPLE])
    project.import_paths([dump], fields=FieldMap(text="body", id="uid", generic=True))
    assert [project.article(1).language, project.article(2).language] == ["id", "ko"]


def test_article_ids_filter_by_language(tmp_path, project):
    wikinews = (DATA / "multilingual" / "ru_wikinews_107771.txt").read_text(encoding="utf-8")
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [
        {"text": pud_article("id_pud")}, {"text": wikinews}, {"text": pud_article("ru_taiga_instagram")},
        {"text": english_wikinews()}])])
    me = project.annotator("ana").id or 0
    assert project.article_ids(annotator_id=me, language="ru") == [2, 3]
    assert project.article_ids(annotator_id=me, language="en") == [4]
    assert project.article_ids(annotator_id=me, language="fr") == []
    assert project.article_ids(annotator_id=me) == [1, 2, 3, 4]


def test_export_keeps_only_the_chosen_languages_and_counts_agree(tmp_path, project):
    records = [{"id": "i1", "text": "Lavrov mengkritik AS.", "language": "id",
                "annotations": [{"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"}]},
               {"id": "r1", "text": "Лавров раскритиковал США.", "language": "ru",
                "annotations": [{"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"},
                                {"start": 21, "end": 24, "label": "Quotation", "annotator": "ana"}]},
               {"id": "i2", "text": "Seruan perundingan.", "language": "id"}]
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", records)]).ok
    assert project.count_export(languages=["ru"]) == (2, 1)
    assert project.count_export(languages=["id", "ru"]) == (3, 2)
    out = tmp_path / "ru.jsonl"
    summary = project.export("jsonl", out, languages=["ru"])
    assert (summary.spans, summary.articles) == (2, 1)
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["r1"]
    summary = project.export("csv", tmp_path / "id.csv", languages=["id"])
    assert (summary.spans, summary.articles) == (1, 1)
    with pytest.raises(NotFound, match="no article in language 'fr'"):
        project.count_export(languages=["fr"])
    assert project.stats()["languages"] == {"id": 2, "ru": 1}


def test_export_takes_languages_as_stats_lists_them(tmp_path, project):
    """``stats`` lists "unknown" for articles without a language, but ``export --language
    unknown`` was refused; ``HE`` did not find ``he``."""
    records = [{"id": "h1", "text": "שלום", "language": "he",
                "annotations": [{"start": 0, "end": 4, "label": "Quotation", "annotator": "ana"}]},
               {"id": "x1", "text": "ok", "annotations": [{"start": 0, "end": 2, "label": "Quotation",
                                                            "annotator": "ana"}]}]
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", records)]).ok
    assert project.stats()["languages"] == {"he": 1, "unknown": 1}
    assert project.count_export(languages=["unknown"]) == (1, 1)
    assert project.count_export(languages=["HE"]) == (1, 1)
    out = tmp_path / "unknown.jsonl"
    project.export("jsonl", out, languages=["unknown", "he"])
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["h1", "x1"]
    with pytest.raises(NotFound, match=r"no article in language 'fr' \(present: he, unknown\)"):
        project.count_export(languages=["fr"])
