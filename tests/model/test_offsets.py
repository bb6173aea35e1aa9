"""Offsets are code points; UTF-16 conversion must agree with Python's own UTF-16 encoder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.errors import InvalidSpan
from annotator.model.offsets import (
    LineEndingShift,
    OffsetMap,
    character_step,
    check_span,
    codepoint_to_utf16,
    snap_to_words,
    utf16_length,
    utf16_to_codepoint,
    word_step,
)

# Pieces that break naive offset code: astral emoji, ZWJ family, flags, VS16, combining marks,
# Arabic with tanween, Hebrew, bidi controls, CJK, and line endings.
TRICKY = [
    "a", "b", " ", "\n", "\r\n", "\r", "é", "e\u0301", "😀", "👩\u200d👩\u200d👧", "🇮🇩", "🇺🇸",
    "❤\ufe0f", "🏄🏾\u200d♀️", "كتبتٌ", "\u064b", "שלום", "\u200f", "\u202e", "\u2066", "한국",
    "𝔘", "\u200b", "\u00a0", "\U0010ffff",
]
texts = st.lists(st.sampled_from(TRICKY) | st.text(max_size=3), max_size=40).map("".join)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@given(texts)
def test_utf16_length_matches_encoder(text):
    assert utf16_length(text) == utf16_units(text) == OffsetMap(text).utf16_length


@given(texts, st.data())
def test_codepoint_to_utf16_matches_encoder_and_round_trips(text, data):
    position = data.draw(st.integers(0, len(text)))
    offsets = OffsetMap(text)
    utf16 = offsets.to_utf16(position)
    assert utf16 == utf16_units(text[:position])
    assert offsets.to_codepoint(utf16) == position
    assert codepoint_to_utf16(text, position) == utf16
    assert utf16_to_codepoint(text, utf16) == position


@given(texts)
@settings(max_examples=50)
def test_every_utf16_position_maps_or_is_inside_a_pair(text):
    offsets = OffsetMap(text)
    inside_pair = set()
    for i, char in enumerate(text):
        if ord(char) > 0xFFFF:
            inside_pair.add(utf16_units(text[:i]) + 1)
    for utf16 in range(offsets.utf16_length + 1):
        if utf16 in inside_pair:
            with pytest.raises(InvalidSpan, match="surrogate pair"):
                offsets.to_codepoint(utf16)
        else:
            assert utf16_units(text[: offsets.to_codepoint(utf16)]) == utf16


def test_known_example_from_formats_doc():
    text = "🇺🇸 sanctions? Officials called for negotiations."
    start = text.index("called")
    assert (start, start + 23) == (24, 47)
    assert OffsetMap(text).span_to_utf16(24, 47) == (26, 49)


def test_out_of_range_positions_are_errors():
    offsets = OffsetMap("ab😀")
    with pytest.raises(InvalidSpan):
        offsets.to_utf16(4)
    with pytest.raises(InvalidSpan):
        offsets.to_codepoint(5)
    with pytest.raises(InvalidSpan):
        offsets.to_utf16(-1)


@given(texts, st.data())
def test_check_span_accepts_any_valid_codepoint_span(text, data):
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    check_span(text, start, end, text[start:end])  # even inside a grapheme cluster


@pytest.mark.parametrize(
    ("start", "end", "covered", "message"),
    [
        (3, 2, None, "outside the text"),
        (0, 99, None, "outside the text"),
        (-1, 2, None, "outside the text"),
        (1, 1, None, "empty"),
        (0, 2, "xx", "covers 'ab'"),
        (0.0, 2, None, "whole numbers"),
        (True, 2, None, "whole numbers"),
    ],
)
def test_check_span_rejects(start, end, covered, message):
    with pytest.raises(InvalidSpan, match=message):
        check_span("abc", start, end, covered)


@given(st.lists(st.sampled_from(["a", "é", "😀", "\r\n", "\n", "\r", " "]), max_size=30).map("".join))
def test_line_ending_shift_keeps_every_character_in_place(original):
    shift = LineEndingShift(original)
    assert shift.text == original.replace("\r\n", "\n").replace("\r", "\n")
    for i, char in enumerate(original):
        if char == "\n" and original[i - 1 : i] == "\r" and i > 0:
            # The LF of a CR LF pair: its position lies between CR and LF.
            with pytest.raises(InvalidSpan):
                shift.map(i)
            continue
        mapped = shift.map(i)
        assert shift.text[mapped] == ("\n" if char == "\r" else char)
    assert shift.map(len(original)) == len(shift.text)


@pytest.mark.parametrize(
    ("text", "selection", "expected"),
    [
        ("Lavrov mengkritik AS", (2, 9), "Lavrov mengkritik"),
        ("  padded  ", (0, 10), "padded"),
        ("kerja sama bilateral", (6, 8), "sama"),
        ("café au lait", (1, 3), "café"),
        ("e\u0301t\u00e9 x", (0, 2), "e\u0301t\u00e9"),
        ("كتبت كوري", (1, 2), "كتبت"),
        ("hi 😀 there", (3, 4), "😀"),
        # Scripts without spaces: a run of letters is a phrase, so each character is a word
        ("美国霸权主义是地区不稳定的根源", (5, 9), "义是地区"),
        ("北朝鮮は声明を出した", (4, 6), "声明"),
        ("ประเทศไทยเป็น", (1, 3), "ระ"),
        ("ที่นี่", (1, 2), "ที่"),  # the marks go with their letter, either side
        ("AS美国", (0, 1), "AS"),
        ("   ", (0, 3), ""),
    ],
)
def test_snap_to_words(text, selection, expected):
    start, end = snap_to_words(text, *selection)
    assert text[start:end] == expected


def _snap(text: str, selected: str) -> str:
    """Snap the first occurrence of ``selected`` in ``text``."""
    start = text.index(selected)
    snapped_start, snapped_end = snap_to_words(text, start, start + len(selected))
    return text[snapped_start:snapped_end]


@pytest.mark.parametrize(
    ("text", "selected", "expected"),
    [
        # Latin: lone punctuation and half a pair dropped; a whole pair kept, with “No.”'s stop
        ('He said "no", twice.', '"no",', '"no"'),
        ('He said "no", twice.', '"no', "no"),
        ('He said "no", twice.', 'no"', "no"),
        ("She said “No.” Then left.", "“No.”", "“No.”"),
        ("She said “No.” Then left.", "“No.", "No"),
        ("Then (see above), he left.", "(see above),", "(see above)"),
        ("Then (see above), he left.", "(see", "see"),
        ("Lavrov: “the West lies”, then", "Lavrov: “the West lies”,", "Lavrov: “the West lies”"),
        ("“Peace now”, said Kim", "“Peace now”, said Kim", "“Peace now”, said Kim"),
        ("It's Qur'an time.", "It's Qur'an time.", "It's Qur'an time"),
        ("Er sagte „nein“ dazu", "„nein“", "„nein“"),
        ("Er sagte „nein dazu", "„nein", "nein"),
        ("Nyata, kata dia", "Nyata,", "Nyata"),
        ("Costs $5 and 10%.", "$5 and 10%.", "$5 and 10%"),
        # Cyrillic with guillemets, in either direction of use
        ("Лавров назвал это «провокацией».", "«провокацией».", "«провокацией»"),
        ("Лавров назвал это «провокацией».", "«провокацией", "провокацией"),
        ("Лавров назвал это «провокацией».", "провокацией»", "провокацией"),
        ("Он сказал: «Нет!» и ушёл", "«Нет!»", "«Нет!»"),
        ("Dansk »nej« her", "»nej«", "»nej«"),
        # Arabic: Arabic comma and question mark, guillemets, harakat
        ("قال «لا»، ثم غادر", "«لا»،", "«لا»"),
        ("قال «لا»، ثم غادر", "«لا", "لا"),
        ("هل كتبتٌ؟ نعم", "كتبتٌ؟", "كتبتٌ"),
        ("قال \ufd3eنعم\ufd3f هنا", "\ufd3eنعم\ufd3f", "\ufd3eنعم\ufd3f"),
        # CJK: corner brackets, ideographic full stop and comma
        ("他说「不行」。然后", "「不行」。", "「不行」"),
        ("他说「不行」。然后", "「不行", "不行"),
        ("『東京』、大阪", "『東京』、", "『東京』"),
        ("北朝鮮は《声明》を", "《声明》", "《声明》"),
        # Emoji are symbols, never dropped; punctuation after them is
        ("I love 🍕! Really", "🍕!", "🍕"),
        ("fam 👩\u200d👩\u200d👧, ok", "👩\u200d👩\u200d👧,", "👩\u200d👩\u200d👧"),
        ("wow “🔥” ok", "“🔥”", "“🔥”"),
        # punctuation alone is left as selected
        ("a -- b", "--", "--"),
    ],
)
def test_snap_keeps_or_drops_paired_marks_together(text, selected, expected):
    assert _snap(text, selected) == expected


@given(texts, st.data())
def test_snap_never_leaves_half_a_pair_at_an_edge(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    snapped_start, snapped_end = snap_to_words(text, start, end)
    assert 0 <= snapped_start <= snapped_end <= len(text)


def test_word_and_character_steps():
    text = "Lavrov, e\u0301te 🇷🇺 كتبتٌ"
    assert text[:word_step(text, 0, 1)] == "Lavrov"
    assert text[:word_step(text, 6, 1)] == "Lavrov, e\u0301te"  # the accent stays in its word
    assert text[:word_step(text, len(text), -1)] == "Lavrov, e\u0301te 🇷🇺"  # an emoji is a word
    assert word_step(text, len(text), 1) == len(text)
    assert text[word_step(text, len(text), -1, "start"):] == "كتبتٌ"
    assert text[word_step(text, 0, 1, "start"):].startswith("e\u0301te")
    assert word_step(text, 0, -1, "start") == 0
    chinese = "美国霸权主义 是"
    assert word_step(chinese, 0, 1) == 1 and word_step(chinese, 1, 1) == 2  # a character a word
    assert word_step(chinese, 6, -1, "start") == 5
    thai = "ที่นี่"
    assert word_step(thai, 0, 1) == 3  # its marks stay with it
    e = text.index("e\u0301")
    assert character_step(text, e, 1) == e + 2  # the accent goes with its e
    assert character_step(text, e + 2, -1) == e
    assert character_step(text, len(text), 1) == len(text)
    assert character_step(text, 0, -1) == 0
    flag = text.index("🇷🇺")
    assert character_step(text, flag, 1) == flag + 2 and character_step(text, flag + 2, -1) == flag
    family = "a👩\u200d👩\u200d👧🏾b"
    assert character_step(family, 1, 1) == len(family) - 1
    assert character_step(family, len(family) - 1, -1) == 1
    flags = "🇮🇩🇷🇺🇺🇸"
    assert [character_step(flags, i, 1) for i in (0, 2, 4)] == [2, 4, 6]


@given(texts)
def test_many_to_utf16_agrees_with_one_at_a_time(text):
    offsets = OffsetMap(text)
    positions = list(range(len(text) + 1))[::-1]  # any order
    assert offsets.many_to_utf16(positions) == [offsets.to_utf16(p) for p in positions]
    with pytest.raises(InvalidSpan, match="outside the text"):
        offsets.many_to_utf16([0, len(text) + 1])
