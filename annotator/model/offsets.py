"""Offset maths. Offsets are Unicode code points, half-open ``[start, end)``, as in ``text[start:end]``.

WAIT: this is the only module that knows about UTF-16 code units (what Qt, doccano and
INCEpTION count). Every other module speaks code points; convert here and nowhere else.

Use ``OffsetMap`` when converting many positions in one text::

    offsets = OffsetMap(text)
    qt_position = offsets.to_utf16(span.start)
    start = offsets.to_codepoint(cursor.selectionStart())
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right

from annotator.model.errors import InvalidSpan

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_WORD = re.compile(r"\w", re.UNICODE)


def utf16_length(text: str) -> int:
    """Number of UTF-16 code units in ``text`` (astral characters count twice)."""
    return len(text) + sum(1 for _ in _ASTRAL.finditer(text))


class OffsetMap:
    """Converts positions in one text between code points and UTF-16 code units.

    Builds a sorted list of the code-point positions of astral characters once, so each
    conversion costs a binary search; a text without astral characters converts for free.
    """

    def __init__(self, text: str):
        self.text = text
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        # UTF-16 position of each astral character's high surrogate.
        self._astral_utf16 = [pos + i for i, pos in enumerate(self._astral)]
        self.utf16_length = len(text) + len(self._astral)

    def to_utf16(self, codepoint: int) -> int:
        """UTF-16 position of code-point position ``codepoint`` (0 ≤ codepoint ≤ len(text))."""
        if not 0 <= codepoint <= len(self.text):
            raise InvalidSpan(f"position {codepoint} is outside the text (length {len(self.text)})")
        return codepoint + bisect_left(self._astral, codepoint)

    def to_codepoint(self, utf16: int) -> int:
        """Code-point position of UTF-16 position ``utf16``.

        Raises:
            InvalidSpan: the position is outside the text or between the two halves of a
                surrogate pair (no code-point position corresponds to it).
        """
        if not 0 <= utf16 <= self.utf16_length:
            raise InvalidSpan(
                f"UTF-16 position {utf16} is outside the text (length {self.utf16_length})"
            )
        before = bisect_right(self._astral_utf16, utf16 - 1)
        if before and self._astral_utf16[before - 1] == utf16 - 1:
            raise InvalidSpan(f"UTF-16 position {utf16} falls inside a surrogate pair")
        return utf16 - before

    def span_to_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.to_utf16(start), self.to_utf16(end)

    def span_to_codepoint(self, start: int, end: int) -> tuple[int, int]:
        return self.to_codepoint(start), self.to_codepoint(end)


def codepoint_to_utf16(text: str, codepoint: int) -> int:
    """One-off conversion; prefer ``OffsetMap`` for many positions in the same text."""
    return OffsetMap(text).to_utf16(codepoint)


def utf16_to_codepoint(text: str, utf16: int) -> int:
    """One-off conversion; prefer ``OffsetMap`` for many positions in the same text."""
    return OffsetMap(text).to_codepoint(utf16)


def check_span(text: str, start: object, end: object, covered: object = None) -> None:
    """Check that ``[start, end)`` is a non-empty span inside ``text`` covering ``covered``.

    Any valid code-point offsets pass, even inside a grapheme cluster: imported data is
    stored as given, never snapped.

    Raises:
        InvalidSpan: with a message naming the offsets and, for a mismatch, both texts.
    """
    if type(start) is not int or type(end) is not int:
        raise InvalidSpan(f"offsets must be whole numbers, got start={start!r} end={end!r}")
    if not 0 <= start < end <= len(text):
        raise InvalidSpan(
            f"span [{start}, {end}) is outside the text (length {len(text)}) or empty"
        )
    if covered is not None and text[start:end] != covered:
        raise InvalidSpan(
            f"span [{start}, {end}) covers {text[start:end]!r} in the article, "
            f"but the file says {covered!r}"
        )


class LineEndingShift:
    """Maps offsets in a text with CR LF / CR line endings to the text with ``\\n`` only.

    Imported texts are stored with ``\\n`` line endings; offsets given against the original
    text move left by one for every CR LF pair before them.
    """

    def __init__(self, original: str):
        if "\r" not in original:  # the common case, kept cheap for bulk imports
            self._crlf: list[int] = []
            self.text = original
            return
        self._crlf = [m.start() for m in re.finditer("\r\n", original)]
        self.text = original.replace("\r\n", "\n").replace("\r", "\n")

    @property
    def changed(self) -> bool:
        return bool(self._crlf)

    def map(self, offset: int) -> int:
        """Offset in the normalised text; an offset between CR and LF is an error."""
        # The CR of each pair is dropped, so every CR before ``offset`` shifts it left by one.
        shift = bisect_right(self._crlf, offset - 1)
        if shift and self._crlf[shift - 1] == offset - 1:
            raise InvalidSpan(f"offset {offset} falls between CR and LF of a line ending")
        return offset - shift


def normalise_line_endings(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a selection to whole words and drop surrounding white space.

    A GUI convenience for hand selections; never applied to imported data. Returns the
    selection unchanged when it holds no word character.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _in_word(text[start - 1]) and _in_word(text[start]):
        start -= 1
    while end < len(text) and _in_word(text[end]) and _in_word(text[end - 1]):
        end += 1
    # Keep combining marks, ZWJ and variation selectors with the character they modify.
    while end < len(text) and _is_combining(text[end]):
        end += 1
    return start, end


def _in_word(char: str) -> bool:
    # Python's \w misses combining marks (Arabic harakat, decomposed accents).
    return bool(_WORD.match(char)) or _is_combining(char)


def _is_combining(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me") or char in "\u200d\ufe0f"
