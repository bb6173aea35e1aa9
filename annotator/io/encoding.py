"""Turn a file's bytes into text, detecting undeclared encodings and checking the pick.

charset-normalizer is good on long text but, on short Western-European text, often names a
Central-European or Mac code page that decodes accents wrongly (e.g. cp1252 French read as
cp1250 or mac_latin2). So a cp1252 reading is preferred when it is plausible: it decodes,
every non-ASCII character is one that Western-European text uses, and those characters are a
minority of the letters (Cyrillic or Greek bytes read as cp1252 are almost all accented).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from annotator.model.errors import ImportFormatError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Codecs that decode escapes, not a character set; a page declaring one is read as undeclared.
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode"}
_WESTERN_ENCODINGS = {"cp1252", "latin_1", "iso8859_15", "iso8859_1", "ascii"}
_WESTERN_PUNCTUATION = set("\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±´µ¶·¸º»¼½¾¿×÷€‚„…†‡ˆ‰‹›‘’“”•–—˜™")
_WESTERN_LETTERS = set("ŒœŠšŽžŸƒ") | {chr(c) for c in range(0xC0, 0x100)} - set("×÷")
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    detected: bool  # True when the encoding was guessed, not declared or plain UTF-8


def decode_bytes(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode file contents.

    Order: byte-order mark, then a declared charset (e.g. HTML ``<meta charset>``), then strict
    UTF-8, then detection with a cross-check for Western-European legacy files.

    Raises:
        ImportFormatError: the bytes look binary or no encoding reads them.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding, False)
            except UnicodeDecodeError as error:
                raise ImportFormatError(f"starts with a {encoding} byte-order mark but {error}") from None
    if declared:
        try:
            name = codecs.lookup(declared).name
            if name not in _NOT_CHARSETS:
                return Decoded(data.decode(declared), name, False)
        except (LookupError, UnicodeError):  # punycode raises a bare UnicodeError
            pass  # a wrong declaration is common on the web; fall through to detection
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ImportFormatError("looks like a binary file (it contains NUL bytes), not text")
    return Decoded(*_detect(data), True)


def _detect(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    western = _western_reading(data)
    if best is None:
        if western is not None:
            return western, "cp1252"
        raise ImportFormatError("the text encoding could not be detected; convert the file to UTF-8")
    name = codecs.lookup(best.encoding).name
    if western is not None:
        if name in _WESTERN_ENCODINGS:
            return western, "cp1252"
        cp1252 = next((m for m in matches if codecs.lookup(m.encoding).name == "cp1252"), None)
        # Chaos (mess) is the dependable signal; on short text the language "coherence" is
        # not (Spanish latin-1 scores 0.0 as cp1252 and 0.56 as iso8859_10).
        near_equal = cp1252 is not None and cp1252.chaos <= best.chaos + 0.1
        if near_equal or best.coherence < 0.2:
            return western, "cp1252"
    return str(best), name


def _western_reading(data: bytes) -> str | None:
    """The cp1252 reading of ``data`` if it is plausible Western-European text, else None."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = accented = 0
    for char in text:
        if char.isascii():
            letters += char.isalpha()
            continue
        if char in _WESTERN_LETTERS:
            letters += 1
            accented += 1
        elif char not in _WESTERN_PUNCTUATION:
            return None
    if letters and accented / letters > 0.4:
        return None
    return text


def declared_html_charset(data: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
