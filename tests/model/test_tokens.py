"""The token rule (agreement units, CoNLL lines): combining marks stay in their word, letters
of scripts written without spaces are a token each, the quick rule only where it is the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.model.tokens import TOKEN, _rule, pattern_for, splits_token, tokens, unit_intervals


@pytest.mark.parametrize(("text", "expected"), [
    ("Lavrov mengkritik AS.", ["Lavrov", "mengkritik", "AS", "."]),
    ("साम्राज्यवाद नई दिल्ली", ["साम्राज्यवाद", "नई", "दिल्ली"]),  # vowel signs and virama inside
    ("الأمريكيّةَ قالت", ["الأمريكيّةَ", "قالت"]),  # shadda and fatha inside
    ("הַהֶגְמוֹנְיָה", ["הַהֶגְמוֹנְיָה"]),  # niqqud
    ("café e\u0301x", ["café", "e\u0301x"]),  # an accent typed apart
    ("中方呼吁", ["中", "方", "呼", "吁"]),  # a character a token, as the window snaps
    ("ประเทศไทย", list("ประเทศไทย")),
    ("𠮷野家 AS", ["𠮷", "野", "家", "AS"]),  # beyond the Basic Multilingual Plane too
    ("❤️ 🇮🇩!", ["❤️", "🇮", "🇩", "!"]),  # a variation selector stays with its symbol
])
def test_tokens_in_every_script(text, expected):
    assert tokens(text) == expected


_ALPHABET = "ab_1 \n.,\u0301\u093e\u094dकस中文ไท😀\ufe0f\u200d\U00020000\U0001d165اَМос"


@given(st.text(alphabet=_ALPHABET, max_size=14))
def test_inside_a_token_is_exactly_between_two_characters_of_one_match(text):
    pattern = pattern_for(text)
    inside = {p for m in pattern.finditer(text) for p in range(m.start() + 1, m.end())}
    assert [p for p in range(len(text) + 1) if splits_token(text, p, pattern is not TOKEN)] == sorted(inside)
    assert [p for p in range(len(text) + 1) if splits_token(text, p, True)] == sorted(inside)


@given(st.text(alphabet="ab_1 \n.,-МосAS😀🇮🇩é\u00e9", max_size=30))
def test_the_quick_rule_is_taken_only_where_it_cuts_as_the_full_one(text):
    assert pattern_for(text) is TOKEN
    assert TOKEN.findall(text) == _rule().pattern.findall(text)


def test_agreement_units_of_a_hindi_span_are_its_words():
    text = "भारत ने साम्राज्यवाद की निंदा की"
    start = text.index("साम्राज्यवाद")
    [(first, last)], count = unit_intervals(text, [(start + 2, start + 5)], "token")
    assert (first, last, count) == (2, 3, 6)  # inside one word: that word, of six
