"""Which of a text's scripts no installed font can draw: Qt then shows empty boxes, and an
analyst cannot tell a missing font from broken text.

Qt falls back from the window's font to any installed font that has a character, so a
character is lost only when no font has it. Each block of 128 code points a text uses is tried
once with one of its characters (laid out as Qt lays out the text, glyph 0 meaning "none"), and
the answer kept for the session: the fonts do not change while the app runs.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtGui import QFont, QTextLayout

SAMPLED_CHARS = 200_000
"""Characters of a text looked at (its start): enough to meet every script of an article."""
_BLOCK_BITS = 7
_drawable: dict[int, bool] = {}  # block -> whether a font draws it (tried once a session)


def undrawable_scripts(text: str, font: QFont | None = None) -> list[str]:
    """The scripts of ``text`` (by Unicode name: "Hangul", "Ethiopic" …) with a character that
    no installed font has: ``["Hangul"]`` (no example: it would show as a box too). Empty for
    the usual text: ASCII and Latin are never asked about."""
    sample = text[:SAMPLED_CHARS]
    if sample.isascii():
        return []
    blocks: dict[int, str] = {}
    for char in set(sample):
        code = ord(char)
        if code < 0x0250 or char.isspace() or unicodedata.category(char)[0] in "CZM":
            continue  # Latin, spaces, controls, format characters and marks: drawn with their letter
        blocks.setdefault(code >> _BLOCK_BITS, char)
    missing: list[str] = []
    for block, char in sorted(blocks.items()):
        drawable = _drawable.get(block)
        if drawable is None:
            drawable = _drawable[block] = _has_glyph(char, font or QFont())
        if not drawable and _script_name(char) not in missing:
            missing.append(_script_name(char))
    return missing


def _has_glyph(char: str, font: QFont) -> bool:
    layout = QTextLayout(char, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    return bool(runs) and all(0 not in run.glyphIndexes() for run in runs)


def _script_name(char: str) -> str:
    """A script's name as people know it, from the character's Unicode name ("HANGUL SYLLABLE
    GA" -> "Hangul"; "CJK UNIFIED IDEOGRAPH-4E2D" -> "CJK")."""
    name = unicodedata.name(char, "")
    first = name.split(" ")[0] if name else f"U+{ord(char):04X}"
    return first if first in ("CJK",) else first.capitalize()
