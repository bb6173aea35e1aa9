"""Codebook rules and the matching under them: case, diacritics, whole words, exclusions, offsets."""

from __future__ import annotations

import re
import time

import pytest

from annotator.assist.rules import find_rule_matches, rule_source
from annotator.assist.text import FoldedText, LiteralMatcher, fold
from annotator.model.errors import CodebookError
from annotator.model.patterns import LabelPattern, line_patterns
from annotator.model.types import Codebook, Label
from tests.conftest import SAMPLE


def label(name: str, *patterns: object) -> Label:
    return Codebook.from_dict({"labels": [{"name": name, "patterns": list(patterns)}]}).labels[0]


def found(text: str, *labels: Label) -> list[tuple[str, str]]:
    """(label, matched text) of each suggestion, checking its offsets against the text."""
    result = []
    for suggestion in find_rule_matches(text, labels):
        assert text[suggestion.start:suggestion.end] == suggestion.text
        assert suggestion.source == rule_source(suggestion.label)
        result.append((suggestion.label, suggestion.text))
    return result


def test_keywords_ignore_case_and_diacritics():
    rule = label("A", "imperialis")
    text = "kekuatan imperialís, İmperialis, IMPERIALIS, impe\u0301rialis dan Imperialis."
    assert [t for _, t in found(text, rule)] == ["imperialís", "İmperialis", "IMPERIALIS", "impe\u0301rialis",
                                                 "Imperialis"]


def test_keywords_are_whole_words_unless_a_prefix():
    assert found("imperialisme imperialis_x xImperialis imperialis", label("A", "imperialis")) == [
        ("A", "imperialis")]
    assert [t for _, t in found("imperialisme, Imperialist; anti-imperialis", label("A", "imperialis*"))] == [
        "imperialisme", "Imperialist", "imperialis"]


def test_any_word_of_a_keyword_may_be_a_prefix():
    rule = label("E", "специальн* военн* операци*")
    assert found("в ходе специальной военной операции; Специальная  военная операция", rule) == [
        ("E", "специальной военной операции"), ("E", "Специальная  военная операция")]
    assert LiteralMatcher("a* b").words == [("a*", False), ("b", False)]  # a selected text is taken literally


def test_multiword_keywords_take_any_white_space_and_the_longest_match_wins():
    rule = label("E", "operasi militer khusus", "militer")
    text = "mendukung “Operasi\nMiliter   Khusus” dan operasi militer lain"
    assert found(text, rule) == [("E", "Operasi\nMiliter   Khusus"), ("E", "militer")]


def test_folding_keeps_offsets_in_the_original_text():
    text = "Straße e\u0301x İmperialis 🇷🇺 Москва"
    folded = FoldedText(text)
    for pattern, expected in (("strasse", "Straße"), ("ex", "e\u0301x"), ("imperialis", "İmperialis"),
                              ("москва", "Москва")):
        match = re.search(pattern, folded.folded)
        assert match, pattern
        start, end = folded.original(*match.span())
        assert text[start:end] == expected
    assert LiteralMatcher("strasse").spans("STRASSE, Straße, straẞe") == [(0, 7), (9, 15), (17, 23)]
    assert fold("ЙОД") == "йод"  # Cyrillic letters keep their marks: й is not и


@pytest.mark.parametrize(("literal", "text", "found"), [
    ("أمريكا", "قالت أمريكا اليوم", ["أمريكا"]),  # a letter with hamza composed in: the exact text
    ("امريكا", "قالت أمريكا اليوم", ["أمريكا"]),  # and without the hamza, diacritics ignored
    ("إن", "قال إن الأمر", ["إن"]),
    ("ガス", "天然ガスとパイプライン", ["ガス"]),  # kana with the voicing mark composed in
    ("パイプ", "天然ガスとパイプライン", ["パイプ"]),
    ("क़ानून", "नया क़ानून और कानून", ["क़ानून", "कानून"]),  # Devanagari with a nukta, composed or not
])
def test_letters_with_a_mark_composed_in_are_found_in_every_script(literal, text, found):
    """A pattern is folded to its bare letters (أ to ا, ガ to カ), but the class a bare letter
    matched held only the Latin, Greek and Cyrillic letters that fold to it: أمريكا was not found
    even in a text holding exactly that."""
    assert [text[s:e] for s, e in LiteralMatcher(literal).spans(text)] == found


def test_a_literal_in_a_script_without_spaces_is_found_inside_a_run_of_letters():
    """霸权 inside 美国霸权主义是… was never found: it is no whole \\w run, and the index's
    prefilter looked for it as a token. There each character is a word, as for snapping."""
    from annotator.assist.rules import fts_query

    text = "美国霸权主义是地区不稳定的根源。霸权！ ประเทศไทยเป็นประเทศ AS ASEAN"
    assert LiteralMatcher("霸权").spans(text) == [(2, 4), (16, 18)]
    assert [text[s:e] for s, e in LiteralMatcher("ประเทศ").spans(text)] == ["ประเทศ"] * 2
    assert LiteralMatcher("AS").spans(text) == [(text.index("AS"), text.index("AS") + 2)]  # not in ASEAN
    assert fts_query(LiteralMatcher("霸权")) is None  # every article is read: the index cannot tell
    assert fts_query(LiteralMatcher("NATO")) == '"NATO"'


def test_regex_patterns_run_on_folded_text_and_must_sit_on_word_edges():
    rule = label("B", {"regex": r"ekspansi\s+(ke\s+timur\s+)?nato"}, {"regex": "blok"})
    text = "Ekspánsi ke timur NATO; berbasis blok; bloknya; ekspansi NATO."
    assert found(text, rule) == [("B", "Ekspánsi ke timur NATO"), ("B", "blok"), ("B", "ekspansi NATO")]


def test_exclusions_drop_overlapping_matches_of_their_label():
    rule = label("H", "hegemoni", {"keyword": "hegemoni budaya", "exclude": True},
                 {"regex": r"bukan\s+\w+", "exclude": True})
    text = "hegemoni barat, hegemoni budaya, bukan hegemoni, Hegemoni."
    assert found(text, rule, label("X", "hegemoni")) == [
        ("H", "hegemoni"), ("X", "hegemoni"), ("X", "hegemoni"), ("X", "hegemoni"), ("H", "Hegemoni"),
        ("X", "Hegemoni")]


@pytest.mark.parametrize("bad", [{"regex": "(unclosed"}, {"regex": "a(?i)b"}, {"keyword": "  "},
                                 {"keyword": "x", "exclude": "yes"}, {"word": "x"}, 5])
def test_bad_patterns_are_refused_when_the_codebook_is_read(bad):
    with pytest.raises(CodebookError, match="label 'L'"):
        Codebook.from_dict({"labels": [{"name": "L", "patterns": [bad]}]})
    with pytest.raises(CodebookError, match="label 'L'"):  # a codebook built in code is checked too
        Codebook([Label("L", patterns=(LabelPattern("regex", "(unclosed"),))]).validate()


def test_patterns_round_trip_through_json_and_the_dialogs_lines():
    patterns = [{"keyword": "imperialis*"}, {"regex": r"operasi\s+militer"}, {"keyword": "x y", "exclude": True},
                {"regex": "z+", "exclude": True}]
    codebook = Codebook.from_dict({"labels": [{"name": "L", "patterns": [*patterns, "hegemoni"]}]})
    assert codebook.to_dict()["labels"][0]["patterns"] == [*patterns, {"keyword": "hegemoni"}]
    lines = "\n".join(p.to_line() for p in codebook.labels[0].patterns)
    assert line_patterns(lines + "\n\n", "L") == codebook.labels[0].patterns


def test_labels_without_patterns_or_of_documents_suggest_nothing():
    doc = Label("D", scope="document", patterns=(LabelPattern("keyword", "NATO"),))
    assert find_rule_matches("NATO", [Label("plain"), doc]) == []


def test_the_default_codebook_finds_its_examples_in_the_sample_article():
    from annotator.project import default_codebook

    text = SAMPLE.read_text(encoding="utf-8")
    labels = {label for label, _ in found(text, *default_codebook().labels)}
    assert {"Anti-imperialist framing", "Bloc / NATO criticism", "Euphemism / loaded term"} <= labels


def test_rules_for_a_60000_character_article_take_well_under_100_ms():
    from annotator.project import default_codebook

    labels = default_codebook().labels
    text = (SAMPLE.read_text(encoding="utf-8") * 30)[:60_000]
    find_rule_matches(text, labels)  # compiled once per codebook
    started = time.perf_counter()
    suggestions = find_rule_matches(text, labels)
    assert time.perf_counter() - started < 0.1
    assert len(suggestions) > 100
