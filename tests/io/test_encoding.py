"""Undeclared encodings are detected, and Western-European legacy files read correctly."""

from __future__ import annotations

import codecs

import pytest

from annotator.io.encoding import decode_bytes
from annotator.model.errors import ImportFormatError

WESTERN = [
    # Short French cp1252/latin-1 text is what charset-normalizer 3.5 misreads as mac_latin2/cp1250.
    ("Le président a déclaré qu'il était très préoccupé.", "cp1252"),
    ("Élève à l'école, où ça?", "cp1252"),
    ("Déjà vu — « très » cher€", "cp1252"),
    ("naïve coöperation", "latin-1"),
    ("Die Straße ist größer als das Übel.", "cp1252"),
    ("El año pasado el señor niño dijo «¡basta!»", "latin-1"),
    ("Café", "cp1252"),
]
OTHERS = [
    ("Президент заявил, что ситуация очень сложная.", "cp1251"),
    ("Ο πρόεδρος δήλωσε ότι η κατάσταση είναι δύσκολη.", "cp1253"),
    ("Prezydent powiedział, że sytuacja jest źle.", "cp1250"),
]


@pytest.mark.parametrize(("text", "encoding"), WESTERN + OTHERS)
def test_legacy_encodings_decode_to_the_original_text(text, encoding):
    decoded = decode_bytes(text.encode(encoding))
    assert decoded.text == text
    assert decoded.detected


@pytest.mark.parametrize(("text", "encoding"), WESTERN)
def test_western_text_is_read_as_cp1252(text, encoding):
    assert decode_bytes(text.encode(encoding)).encoding == "cp1252"


def test_utf8_is_not_guessed():
    decoded = decode_bytes("Lavrov 🇷🇺 ١٢٣".encode())
    assert (decoded.encoding, decoded.detected) == ("utf-8", False)


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_byte_order_marks_are_honoured_and_dropped(bom, encoding):
    text = "Kim Jong-un 🚀 ثم"
    assert decode_bytes(bom + text.encode(encoding)).text == text


def test_declared_charset_wins_when_it_decodes():
    assert decode_bytes("été".encode("cp1252"), declared="windows-1252").text == "été"
    assert decode_bytes("été".encode(), declared="no-such-charset").text == "été"


def test_binary_is_refused():
    with pytest.raises(ImportFormatError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
