"""The quotation and speaker detector (``annotator.assist.quotes``).

The texts are short made-up sentences in the style of the news it is meant for, plus the sample
article as kept in the dev set (``tests/data/quotes/``, with its attribution); quality figures
over the whole dev set live in ``bench/suggest_quality.py``, not here.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from annotator.assist import Suggestion
from annotator.assist.quotes import DIRECT, REPORTED, SOURCE, find_quotations

DATA = Path(__file__).resolve().parent.parent / "data" / "quotes"


def _dev_document(name: str) -> dict[str, Any]:
    for part in DATA.glob("*.jsonl"):
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["id"] == name:
                return record
    raise LookupError(name)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    """The project's sample article (Choe and Lavrov, 17 January 2024) with its hand-marked quotations."""
    return _dev_document("choe-lavrov-2024-01-17")


def _one(text: str, language: str | None = None) -> Suggestion:
    found = find_quotations(text, language)
    assert len(found) == 1, found
    return found[0]


def _spans(found: list[Suggestion]) -> list[tuple[str, str, str]]:
    return [(s.text, s.attributes["speaker"], s.attributes["voice"]) for s in found]


# -- the sample article ----------------------------------------------------------------------------

def test_sample_lavrov_direct_quote_with_full_name(sample: dict[str, Any]) -> None:
    found = find_quotations(sample["text"], "id")
    quote = next(s for s in found if s.text.startswith('"Kami akan terus menyerukan'))
    assert quote.text.endswith('meningkatkan ketegangan,"')
    assert quote.attributes == {"speaker": "Sergey Lavrov", "voice": DIRECT}


def test_sample_choe_quotations(sample: dict[str, Any]) -> None:
    found = find_quotations(sample["text"], "id")
    choe = [s for s in found if s.attributes["speaker"] == "Choe"]
    texts = [s.text for s in choe]
    assert any(t.endswith('provokasi kekuatan imperialis yang bersatu,"') for t in texts)  # "…," kata Choe
    assert any(t.startswith("Pyongyang dan Moskow akan meningkatkan") for t in texts)  # menyatakan … bahwa
    assert any(t.startswith("DPRK dan Rusia akan memperingati") for t in texts)  # Ia mencatat bahwa


def test_sample_every_marked_quotation_found_with_its_speaker(sample: dict[str, Any]) -> None:
    found = find_quotations(sample["text"], "id")
    for gold in sample["quotes"]:
        match = [s for s in found if min(s.end, gold["end"]) - max(s.start, gold["start"])
                 >= 0.5 * max(s.end - s.start, gold["end"] - gold["start"])]
        assert match, gold["text"]
        assert match[0].attributes["speaker"] == gold["speaker"], gold["text"]


def test_sample_scare_quotes_are_no_quotations(sample: dict[str, Any]) -> None:
    found = find_quotations(sample["text"], "id")
    assert not [s for s in found if s.text in ('"imperialis"', '"satelit regionalnya"', '"kesepakatan"')]
    assert not [s for s in found if "kekuatan \"imperialis\" pimpinan" in s.text]


# -- quotation marks -------------------------------------------------------------------------------

@pytest.mark.parametrize(("opening", "closing"), [
    ('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("‘", "’"), ("”", "”"), ("»", "«"), ("「", "」"),
])
def test_each_quote_mark_style(opening: str, closing: str) -> None:
    text = f"{opening}Kami tidak akan mundur dari perundingan ini,{closing} kata Menteri Luar Negeri Retno Marsudi."
    quote = _one(text, "id")
    assert quote.text == f"{opening}Kami tidak akan mundur dari perundingan ini,{closing}"
    assert quote.attributes == {"speaker": "Retno Marsudi", "voice": DIRECT}


def test_quote_within_a_quote_stays_one_suggestion() -> None:
    text = "\"They told us 'this is not negotiable' and left the room,\" said union leader Maria Santos."
    quote = _one(text, "en")
    assert quote.text == "\"They told us 'this is not negotiable' and left the room,\""
    assert quote.attributes["speaker"] == "Maria Santos"


def test_unclosed_quotation_runs_to_the_end_of_its_paragraph() -> None:
    text = ('Minister Ahmad Rahman said: "We will not accept this deal. The talks are over.\n'
            'The ministry did not comment further.')
    quote = _one(text, "en")
    assert quote.text == '"We will not accept this deal. The talks are over.'
    assert quote.attributes == {"speaker": "Ahmad Rahman", "voice": DIRECT}


def test_quotation_going_on_in_the_next_paragraph() -> None:
    text = ('After the match, coach Luis Ortega said, "We played well in the first half.\n'
            'Then we lost our focus and they punished us."\n'
            'The team travels to Madrid next week.')
    found = find_quotations(text, "en")
    assert _spans(found) == [
        ('"We played well in the first half.', "Luis Ortega", DIRECT),
        ('Then we lost our focus and they punished us."', "Luis Ortega", DIRECT),
    ]


@pytest.mark.parametrize("text", [
    'He said "', '"', '""', '" "', "«»„“", 'A stray closing mark" in the middle.', "’Twas the night ‘before",
    '"Unbalanced "nested" marks, said Ali.', "‘‘‘’’’", '"A," "B," "C," kata dia',
])
def test_odd_marks_never_crash(text: str) -> None:
    for s in find_quotations(text):
        assert text[s.start:s.end] == s.text
        assert s.end > s.start


def test_interrupted_quotation_is_two_direct_quotes() -> None:
    text = ('"We are so proud of them," team member Sara Noori told the press, '
            '"and we will be back next year."')
    found = find_quotations(text, "en")
    assert _spans(found) == [
        ('"We are so proud of them,"', "Sara Noori", DIRECT),
        ('"and we will be back next year."', "Sara Noori", DIRECT),
    ]


def test_floating_quotation_takes_the_previous_speaker() -> None:
    text = ('"The river rose by two metres in one night," said mayor Jonas Berg.\n'
            '"Nobody here has seen anything like it."')
    found = find_quotations(text, "en")
    assert [s.attributes["speaker"] for s in found] == ["Jonas Berg", "Jonas Berg"]


# -- reported speech -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "language", "content", "speaker"), [
    ("Menurut Kepala BPS Amalia Adininggar, inflasi tahun ini akan tetap rendah.", "id",
     "inflasi tahun ini akan tetap rendah", "Amalia Adininggar"),
    ("Harga beras naik sepuluh persen, menurut Badan Pangan Nasional.", "id",
     "Harga beras naik sepuluh persen", "Badan Pangan Nasional"),
    ("Menteri Perdagangan Zulkifli Hasan mengatakan bahwa impor gula akan dibatasi.", "id",
     "impor gula akan dibatasi", "Zulkifli Hasan"),
    ("According to the World Health Organization, the outbreak is under control.", "en",
     "the outbreak is under control", "World Health Organization"),
    ("The bridge will reopen in May, according to city engineer Paula Grant.", "en",
     "The bridge will reopen in May", "Paula Grant"),
    ("Finance Minister Anna Berg said that the budget would be balanced next year.", "en",
     "the budget would be balanced next year", "Anna Berg"),
    ("Police said the driver had fled the scene.", "en", "the driver had fled the scene", "Police"),
])
def test_reported_speech(text: str, language: str, content: str, speaker: str) -> None:
    quote = _one(text, language)
    assert quote.text == content
    assert quote.attributes == {"speaker": speaker, "voice": REPORTED}


def test_frame_inside_the_sentence_covers_the_whole_sentence() -> None:
    quote = _one("Transaksi tersebut, kata dia, tidak mengandung benturan kepentingan.", "id")
    assert quote.text == "Transaksi tersebut, kata dia, tidak mengandung benturan kepentingan"
    assert quote.attributes["voice"] == REPORTED


def test_mixed_quote_is_reported_speech_with_its_marks() -> None:
    text = ('Lavrov juga mengecam Washington karena "menciptakan format tertutup dan berbasis blok" '
            "di kawasan Asia-Pasifik.")
    quote = _one(text, "id")
    assert quote.text == ('Washington karena "menciptakan format tertutup dan berbasis blok" '
                          "di kawasan Asia-Pasifik")
    assert quote.attributes == {"speaker": "Lavrov", "voice": REPORTED}


def test_negated_speech_is_no_quotation() -> None:
    assert find_quotations("Officials have not said why the visas were denied.", "en") == []


# -- speakers --------------------------------------------------------------------------------------

def test_short_name_resolved_to_the_fullest_mention() -> None:
    text = ("Menteri Luar Negeri Rusia Sergey Lavrov tiba di Pyongyang pada Senin.\n"
            '"Kami datang untuk bekerja sama," kata Lavrov.')
    assert _one(text, "id").attributes["speaker"] == "Sergey Lavrov"


def test_acronym_resolved_to_the_name_spelt_out() -> None:
    text = ("The Korean Central News Agency (KCNA) published the statement on Friday.\n"
            '"The enemy must stop the broadcasts within 48 hours," said KCNA.')
    assert _one(text, "en").attributes["speaker"] == "Korean Central News Agency"


@pytest.mark.parametrize(("text", "language", "speaker"), [
    ('Gubernur Bank Indonesia Perry Warjiyo menyatakan bahwa rupiah stabil.\nIa mengatakan, '
     "inflasi akan turun pada akhir tahun.", "id", "Perry Warjiyo"),
    ('Ketua KPU Hasyim Asyari membuka rapat pleno.\n"Semua suara sudah dihitung," katanya.', "id",
     "Hasyim Asyari"),
    ('Dr Helen Park leads the vaccine trial.\n"The results are encouraging," she said.', "en", "Helen Park"),
])
def test_pronoun_speaker_resolved_to_the_named_person(text: str, language: str, speaker: str) -> None:
    found = find_quotations(text, language)
    assert found[-1].attributes["speaker"] == speaker


def test_pronoun_with_no_one_named_stays_empty() -> None:
    assert _one('"Kami akan menambah lima pesawat lagi," ujarnya.', "id").attributes["speaker"] == ""


def test_unnamed_source_stays_as_written_without_determiners() -> None:
    assert _one("Para pengamat mengatakan harga minyak akan naik.", "id").attributes["speaker"] == "pengamat"
    assert _one("A police spokesman said the road was closed.", "en").attributes["speaker"] == "police spokesman"


# -- scare quotes and titles -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'Kedua negara bersatu dalam menentang kekuatan "imperialis" pimpinan Amerika Serikat.',
    'Lavrov mengkritik AS dan "satelit regionalnya" di kawasan itu.',
    'The 10-week course has been "certified" by the agency.',
    'Her new album "Blue Horizons" entered the charts in March.',
])
def test_scare_quotes_and_titles_are_not_suggested(text: str) -> None:
    assert find_quotations(text) == []


def test_called_with_a_quoted_word_is_a_quotation() -> None:
    quote = _one('Bishop Marco Rossi has called the ruling "dangerous".', "en")
    assert quote.text == 'the ruling "dangerous"'
    assert quote.attributes == {"speaker": "Marco Rossi", "voice": REPORTED}


# -- offsets, shape, size --------------------------------------------------------------------------

def test_offsets_are_code_points_after_astral_characters() -> None:
    prefix = "🙂🎉 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👍🏽\n"
    quote = '"Kami siap bekerja sama,"'
    text = prefix + quote + " kata Budi Santoso."
    found = _one(text, "id")
    assert found.start == len(prefix)  # code points, not UTF-16 units (which would be more)
    assert text[found.start:found.end] == found.text == quote


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "Tidak ada kutipan di sini."])
def test_text_without_quotations(text: str) -> None:
    assert find_quotations(text) == []


def test_suggestion_shape() -> None:
    text = ('"Harga akan turun," kata Sri Mulyani.\n'
            "Menurut dia, defisit tetap terkendali.\n"
            '"We will see," said Janet Yellen.')
    found = find_quotations(text, label="Kutipan")
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert all(a.end <= b.start for a, b in pairwise(found))
    for s in found:
        assert s.label == "Kutipan" and s.source == SOURCE
        assert set(s.attributes) == {"speaker", "voice"}
        assert s.attributes["voice"] in (DIRECT, REPORTED)
        assert text[s.start:s.end] == s.text


def test_language_guessed_when_not_given(sample: dict[str, Any]) -> None:
    assert find_quotations(sample["text"]) == find_quotations(sample["text"], "id")
    english = '"The talks went well," said Sergey Lavrov.'
    assert find_quotations(english) == find_quotations(english, "en")


def test_a_60000_character_article_runs(sample: dict[str, Any]) -> None:
    """Only that it runs and stays consistent; the time is measured by bench/suggest_quality.py."""
    text = (sample["text"] + "\n") * (60_000 // len(sample["text"]) + 1)
    found = find_quotations(text[:60_000], "id")
    assert len(found) > 100
    assert all(text[s.start:s.end] == s.text for s in found)


def test_dev_set_offsets_match_their_texts() -> None:
    """The hand-marked dev set (tests/data/quotes) is consistent: every quotation's offsets give its text."""
    count = 0
    for part in DATA.glob("*.jsonl"):
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for quote in record["quotes"]:
                assert record["text"][quote["start"]:quote["end"]] == quote["text"]
                assert quote["voice"] in (DIRECT, REPORTED)
                count += 1
    assert count >= 500
