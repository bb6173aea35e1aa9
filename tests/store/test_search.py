"""Search: plain words never reach FTS5 as syntax; FTS5 queries do, and a bad one is InvalidQuery;
hits are where the index itself matches, in code points."""

from __future__ import annotations

import pytest

from annotator.model.errors import InvalidQuery
from annotator.model.types import Article
from annotator.store.articles import INDEX_TOKENIZER, _marked_ranges, plain_match

TEXTS = {
    "kim": "Keluarga 👩\u200d👩\u200d👧 🇮🇩: Pemimpin Korea Utara Kim Jong-un dan Putin; KIM JONG UN lagi.",
    "as": "Amerika Serikat (AS) menolak; Café résumé; operators AND, NEAR( and * stay text.",
    "ar": "كتبت كوري شولمان، المساعدة الخاصة لأوباما: كتابٌ جديدٌ",
    "ko": "한국과 러시아는 협력 강화에 합의했다.",
    "ru": "Переговоры 🙂 продолжаются, сказал Лавров.",
}


@pytest.fixture
def ids(store):
    """The texts above as articles of ``store``, by key (the title is the key too)."""
    with store.write():
        return {key: store.add_article(Article(text=text, title=key))[0] for key, text in TEXTS.items()}


def listed(store, query, *, plain=True):
    return store.list_article_ids(annotator_id=0, query=query, plain=plain)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kim Jong-un", '"Kim" AND "Jong-un"'),
        ("Amerika Serikat (AS", '"Amerika" AND "Serikat" AND "(AS"'),
        ('say "hi', '"say" AND """hi"'),
        ("AND", '"AND"'),
        ("NEAR(", '"NEAR("'),
        ("  x \t- y\n", '"x" AND "y"'),  # a lone hyphen has no token: left out, not an empty phrase
        ('"', None),
        ("*", None),
        ("-", None),
        ("", None),
        ("🙂", '"🙂"'),  # SQLite's unicode61 makes emoji tokens
    ],
)
def test_plain_match_quotes_every_word(query, expected):
    assert plain_match(query) == expected


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("Kim Jong-un", ["kim"]),
        ("kim jong-UN", ["kim"]),
        ("Amerika Serikat (AS", ["as"]),
        ("(AS)", ["as"]),
        ('"', []),
        ('"AS', ["as"]),
        ("AND", ["as"]),
        ("NEAR(", ["as"]),
        ("*", []),
        ("-", []),
        ("cafe RESUME", ["as"]),  # Latin diacritics and case ignored
        ("كتاب", ["ar"]),  # tanween ignored too
        ("المساعدة الخاصة", ["ar"]),
        ("협력", ["ko"]),
        ("переговоры лавров", ["ru"]),
        ("🙂", ["ru"]),
        ("Kim Putin Лавров", []),  # every word must occur in the same article
    ],
)
def test_plain_words_list_and_search_without_errors(store, ids, query, keys):
    assert listed(store, query) == sorted(ids[k] for k in keys)
    assert sorted(r["id"] for r in store.search(query, plain=True)) == sorted(ids[k] for k in keys)


@pytest.mark.parametrize(
    ("query", "reason"),
    [("Kim Jong-un", "no such column: un"), ("Amerika Serikat (AS", "syntax error"), ('"', "unterminated string"),
     ("AND", "syntax error"), ("NEAR(", "syntax error"), ("*", "unknown special query"), ("-", "syntax error")],
)
def test_fts5_syntax_is_passed_through_and_refused_in_one_line(store, ids, query, reason):
    for run in (lambda: listed(store, query, plain=False), lambda: store.search(query),
                lambda: store.search_hits(ids["kim"], query)):
        with pytest.raises(InvalidQuery, match=reason) as refused:
            run()
        assert "\n" not in str(refused.value) and "cannot search for" in str(refused.value)


def test_fts5_syntax_still_works(store, ids):
    assert listed(store, "perundingan OR лавров", plain=False) == [ids["ru"]]
    assert listed(store, '"Kim Jong-un"', plain=False) == [ids["kim"]]
    assert listed(store, "serik*", plain=False) == [ids["as"]]
    assert listed(store, "NEAR(Kim Putin, 3)", plain=False) == [ids["kim"]]


def spans(text, *needles):
    """``(start, end)`` code points of each needle's occurrences, in text order."""
    found = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0:
            found.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    return sorted(found)


def test_hits_are_code_points_after_emoji(store, ids):
    text = TEXTS["kim"]
    hits = store.search_hits(ids["kim"], "kim jong-un", plain=True)
    assert hits == spans(text, "Kim", "Jong-un", "KIM", "JONG UN")
    assert [text[s:e] for s, e in hits] == ["Kim", "Jong-un", "KIM", "JONG UN"]
    assert hits[0][0] == 40 and len(text[:40].encode("utf-16-le")) // 2 == 45  # code points, not UTF-16


def test_hits_follow_the_index_rule(store, ids):
    text = TEXTS["as"]
    assert [text[s:e] for s, e in store.search_hits(ids["as"], "(AS cafe", plain=True)] == ["AS", "Café"]
    assert [text[s:e] for s, e in store.search_hits(ids["as"], "ser* OR résumé")] == ["Serikat", "résumé"]
    arabic = TEXTS["ar"]
    # The tanween is no token character: the hit is the word without it, as the index has it.
    assert [arabic[s:e] for s, e in store.search_hits(ids["ar"], "كتابٌ", plain=True)] == ["كتاب"]
    russian = TEXTS["ru"]
    assert [russian[s:e] for s, e in store.search_hits(ids["ru"], "🙂 лавров", plain=True)] == ["🙂", "Лавров"]


def test_no_hits_where_nothing_matches(store, ids):
    assert store.search_hits(ids["ru"], "Kim", plain=True) == []  # not a matching article
    assert store.search_hits(ids["kim"], "-", plain=True) == []  # nothing to search for
    assert store.search_hits(999, "Kim", plain=True) == []  # no such article
    assert store.search_hits(ids["kim"], "kim", plain=True) != []


def test_hits_in_a_text_holding_the_first_markers(store):
    text = "a\ufdd0b Kim \ufdd1 kim"
    with store.write():
        article_id, _ = store.add_article(Article(text=text, title="noncharacters"))
    assert store.search_hits(article_id, "KIM", plain=True) == spans(text, "Kim", "kim")


def test_marked_ranges_refuses_what_does_not_fit_the_text():
    assert _marked_ranges("a<b>c", "abc", "<", ">") == [(1, 2)]
    assert _marked_ranges("a<b>c", "abd", "<", ">") == []
    assert _marked_ranges("a<b", "ab", "<", ">") == []
    assert _marked_ranges("a>b", "ab", "<", ">") == []


def test_the_tokenizer_asked_is_the_index_one(store):
    sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    assert f"tokenize='{INDEX_TOKENIZER}'" in sql


def test_a_long_article_with_many_hits_gets_its_snippet_from_a_part(store):
    """SQLite's snippet() weighs every hit against every other: over a 1 MB article where
    "NATO" occurs 31,000 times one search took 12.7 s. A long article's snippet comes from the
    first part of it that matches, made the same way."""
    from annotator.store.articles import SNIPPET_WHOLE_CHARS

    long_text = "Pembukaan tanpa kata itu. " * 200 + "The West lies about NATO talks. " * 31_250
    apart = "perundingan " + "kata lain " * (SNIPPET_WHOLE_CHARS // 10) + "Pyongyang"  # no one part has both
    short = "Kim Jong-un menolak NATO dan perundingan."
    with store.write():
        for title, text in (("long", long_text), ("apart", apart), ("short", short)):
            store.add_article(Article(text=text, title=title))
    snippets = {r["title"]: r["snippet"] for r in store.search("NATO")}
    assert snippets["long"] == "…The West lies about [NATO] talks. The West lies about [NATO] talks…"
    assert snippets["short"] == "Kim Jong-un menolak [NATO] dan perundingan."  # SQLite's own, whole text
    [found] = store.search("perundingan AND Pyongyang")
    assert found["title"] == "apart" and found["snippet"] == "perundingan " + "kata lain " * 5 + "kata…"
    assert [set(r) for r in store.search("NATO", snippets=False)] == [{"id", "title"}] * 2


UNSPACED = {
    "zh": "美国霸权主义是威胁。Xi 说，霸权不行。",
    "ja": "𠮷野家で日米交渉が始まった",  # 𠮷: outside the BMP, two UTF-16 units
    "th": "ประเทศไทยสนับสนุนการเจรจา Putin",
    "title": "Putin and Xi",
}


@pytest.fixture
def unspaced(store):
    titles = {"title": "霸权 in the title"}
    with store.write():
        return {key: store.add_article(Article(text=text, title=titles.get(key, key)))[0]
                for key, text in UNSPACED.items()}


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("霸权", ["zh", "title"]),  # inside a run of letters, and in a title
        ("主义是", ["zh"]),
        ("交渉", ["ja"]),
        ("การเจรจา", ["th"]),
        ("Putin การเจรจา", ["th"]),  # an indexed word and one found as text: both needed
        ("霸权 Putin", ["title"]),
        ("霸权 交渉", []),
        ("美国霸权主义是威胁", ["zh"]),
    ],
)
def test_words_of_scripts_without_spaces_are_found_inside_runs(store, unspaced, query, keys):
    """The index keeps a run of Chinese, Japanese or Thai letters as one word; a plain word of
    such a script is looked for as text, so it is found inside a run too."""
    assert listed(store, query) == sorted(unspaced[k] for k in keys)
    assert sorted(r["id"] for r in store.search(query, plain=True)) == sorted(unspaced[k] for k in keys)


def test_hits_and_snippets_of_words_found_as_text(store, unspaced):
    zh = UNSPACED["zh"]
    assert store.search_hits(unspaced["zh"], "霸权", plain=True) == spans(zh, "霸权")
    assert store.search_hits(unspaced["zh"], "Xi 霸权", plain=True) == spans(zh, "霸权", "Xi")
    assert store.search_hits(unspaced["zh"], "霸 霸权", plain=True) == spans(zh, "霸权")  # overlapping: one hit
    assert store.search_hits(unspaced["ja"], "交渉", plain=True) == [(6, 8)]  # code points: 𠮷 counts one
    assert store.search_hits(unspaced["title"], "霸权", plain=True) == []  # in the title only
    assert store.search_hits(unspaced["zh"], "霸权 Putin", plain=True) == []  # Putin is not in it
    found = {r["id"]: r["snippet"] for r in store.search("霸权", plain=True)}
    assert found[unspaced["zh"]] == "美国[霸权]主义是威胁。Xi 说，[霸权]不行。"
    assert found[unspaced["title"]] == "Putin and Xi"  # no hit in the text: its start
    [mixed] = store.search("Xi 霸权", plain=True, limit=1)
    assert mixed["snippet"] == "美国[霸权]主义是威胁。[Xi] 说，[霸权]不行。"
    # FTS5 syntax stays the index's own matching: the whole word of the title only
    assert listed(store, "霸权", plain=False) == [unspaced["title"]]


def test_a_long_text_gets_a_snippet_around_the_first_hit(store):
    text = "前文" * 500 + "美国霸权主义" + "后文" * 500
    with store.write():
        article_id, _ = store.add_article(Article(text=text, title="long"))
    [found] = store.search("霸权", plain=True)
    assert found["id"] == article_id
    # 40 characters either side of the hit
    assert found["snippet"] == "…" + "前文" * 19 + "美国[霸权]主义" + "后文" * 19 + "…"


def test_symbols_the_index_keeps_no_word_for_are_found_as_text(store, ids):
    """SQLite's tokenizer makes words of some emoji only (🙂 yes, 🔥 and flags no); those it
    drops are looked for as typed. Punctuation alone still has nothing to search for."""
    with store.write():
        fire, _ = store.add_article(Article(text="Harga naik 🔥🔥 dan € 5 lagi", title="fire"))
    assert plain_match("🔥") is None and plain_match("🇮🇩") is None
    assert listed(store, "🇮🇩") == [ids["kim"]]
    assert listed(store, "🔥") == [fire]
    assert listed(store, "€ harga") == [fire]
    assert listed(store, "🔥 Kim") == []
    assert store.search_hits(fire, "🔥", plain=True) == [(11, 12), (12, 13)]  # one hit each, side by side
    assert store.search_hits(ids["kim"], "🇮🇩 kim", plain=True) == spans(TEXTS["kim"], "🇮🇩", "Kim", "KIM")
    assert [r["snippet"] for r in store.search("€", plain=True)] == ["Harga naik 🔥🔥 dan [€] 5 lagi"]
    assert listed(store, "-") == [] and listed(store, "- (") == []
