"""Similar passages: sentence splitting and the character n-gram TF-IDF index."""

from __future__ import annotations

import pytest

from annotator.assist.similar import SimilarityIndex, fold, split_sentences
from tests.conftest import SAMPLE

TEXT = SAMPLE.read_text(encoding="utf-8")


def test_sentences_are_trimmed_code_point_spans():
    text = '  Kata dia: "Cukup." Lalu pergi!\nBaris 😀 baru tanpa titik  '
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ['Kata dia: "Cukup."', "Lalu pergi!", "Baris 😀 baru tanpa titik"]


def test_folding_drops_case_and_diacritics():
    assert fold("İMPERIALÍS Ñoño") == fold("imperialis nono")


def test_the_same_statement_ranks_first_across_inflection_and_diacritics():
    index = SimilarityIndex()
    index.add([(1, TEXT), (2, "Cuaca cerah di Jakarta hari ini. Harga beras naik lagi di pasar induk.")])
    best = index.query("Lavrov mengecam Washington karena menciptakan format tertutup berbasis blok")[0]
    assert best.article_id == 1
    assert TEXT[best.start:best.end].startswith("Lavrov juga mengecam Washington")
    # Paraphrase with other affixes and an accent: still the same sentence.
    again = index.query("kecaman Lavrov atas Washington yang mencipta format tertutup berbasis blók")[0]
    assert (again.article_id, again.start) == (1, best.start)
    assert 0 < again.score < best.score <= 1


def test_the_query_place_itself_can_be_left_out():
    index = SimilarityIndex()
    index.add([(1, TEXT)])
    best = index.query("Lavrov juga mengecam Washington")[0]
    rest = index.query("Lavrov juga mengecam Washington", exclude=(1, best.start + 3, best.start + 10))
    assert best.start not in {m.start for m in rest}


def test_articles_come_and_go_and_scores_follow():
    index = SimilarityIndex()
    index.add([(1, TEXT)])
    assert index.article_ids() == {1}
    index.add([(2, TEXT)])
    top = index.query("Lavrov mengecam Washington", limit=2)
    assert {m.article_id for m in top} == {1, 2} and top[0].score == pytest.approx(top[1].score)
    index.remove([1])
    assert {m.article_id for m in index.query("Lavrov mengecam Washington")} == {2}
    index.add([(2, "Tidak ada yang serupa di sini sama sekali, hanya cuaca.")])  # replaced
    assert index.query("Lavrov mengecam Washington") == []
    assert [m.article_id for m in index.query("hanya cuaca")] == [2]
    assert index.sentence_count == 1


def test_empty_queries_and_an_empty_index_find_nothing():
    index = SimilarityIndex()
    assert index.query("apa saja") == []
    index.add([(1, TEXT)])
    assert index.query("   ") == []
    assert index.query("!!!") == []
