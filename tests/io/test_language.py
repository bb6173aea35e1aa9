"""Language detection on real news text in the project's languages (offline model)."""

from __future__ import annotations

import pytest

from annotator.io.language import MIN_LETTERS, detect_language
from tests.conftest import DATA, SAMPLE, conllu_documents


def english_wikinews() -> str:
    path = DATA / "multilingual" / "en_gum_news_worship.tsv"
    return "\n".join(line[len("#Text="):] for line in path.read_text(encoding="utf-8").splitlines()
                     if line.startswith("#Text="))


@pytest.mark.parametrize("name", ["ar_pud", "id_pud", "ko_pud"])
def test_each_news_sentence_of_twenty_letters_or_more(name):
    language = name[:2]
    sentences = [text for _, text in conllu_documents(DATA / "multilingual" / f"{name}.conllu")]
    checked = [text for text in sentences if sum(c.isalpha() for c in text) >= MIN_LETTERS]
    assert len(checked) >= 10
    assert [detect_language(text) for text in checked] == [language] * len(checked)


def test_whole_articles():
    assert detect_language(SAMPLE.read_text(encoding="utf-8")) == "id"
    assert detect_language((DATA / "multilingual" / "ru_wikinews_107771.txt").read_text(encoding="utf-8")) == "ru"
    assert detect_language(english_wikinews()) == "en"
    assert detect_language(" ".join(t for _, t in conllu_documents(DATA / "multilingual" / "ko_pud.conllu"))) == "ko"


def test_russian_social_posts_with_emoji():
    posts = [t for _, t in conllu_documents(DATA / "multilingual" / "ru_taiga_instagram.conllu")]
    long_ones = [t for t in posts if sum(c.isalpha() for c in t) >= MIN_LETTERS]
    assert long_ones and all(detect_language(t) == "ru" for t in long_ones)


@pytest.mark.parametrize("text", ["", "Putin:", "Ya, benar.", "2024-01-17 10:00 +07:00 — 12 345 678 €",
                                  "🇷🇺 🇰🇵 👍🏽 ❤️ " * 40, "نعم، قال", "Short title here"])
def test_short_or_letterless_text_stays_undetected(text):
    assert detect_language(text) is None
