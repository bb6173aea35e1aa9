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

    def many_to_utf16(self, codepoints: list[int]) -> list[int]:
        """``to_utf16`` of each position, at a fraction of the cost per position (one range
        check, no call per position): how a view converts thousands of span ends at once."""
        if codepoints and not 0 <= min(codepoints) <= max(codepoints) <= len(self.text):
            bad = next(p for p in codepoints if not 0 <= p <= len(self.text))
            raise InvalidSpan(f"position {bad} is outside the text (length {len(self.text)})")
        if not self._astral:
            return list(codepoints)
        astral = self._astral
        return [p + bisect_left(astral, p) for p in codepoints]

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


class Utf16Counter:
    """UTF-16 positions of code-point positions in one text, counted as they are asked for.

    To use it (exports: a few spans in each of many texts)::

        to_utf16 = Utf16Counter(text)
        start, end = to_utf16(span.start), to_utf16(span.end)

    Same results as ``OffsetMap.to_utf16``, without listing every astral character first
    (a Python step each, which dominated exports of emoji-rich texts): a position is counted
    from the nearest one asked before it, by encoding the text between them in C, so the
    positions of one text cost about one encoding of it in all.
    """

    def __init__(self, text: str):
        self.text = text
        self._plain = text.isascii()
        self._positions = [0]  # asked so far, sorted, with their UTF-16 positions
        self._units = [0]

    def __call__(self, codepoint: int) -> int:
        if not 0 <= codepoint <= len(self.text):
            raise InvalidSpan(f"position {codepoint} is outside the text (length {len(self.text)})")
        if self._plain:
            return codepoint
        index = bisect_right(self._positions, codepoint) - 1
        known = self._positions[index]
        units = self._units[index]
        if known == codepoint:
            return units
        between = self.text[known:codepoint]
        units += len(between) if between.isascii() else len(between.encode("utf-16-le")) // 2
        self._positions.insert(index + 1, codepoint)
        self._units.insert(index + 1, units)
        return units


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


# Paired marks: each opening mark with the marks that may close it. A mark listed as its own
# partner (", ', », ”, ’) pairs with itself, as in Swedish ”ord” or Danish »ord«.
PAIRS: dict[str, str] = {
    '"': '"', "'": "'", "\uff02": "\uff02",
    "“": "”“", "”": "”", "„": "“”", "‘": "’‘", "’": "’", "‚": "‘’",
    "«": "»", "»": "«»", "‹": "›", "›": "‹›",
    "(": ")", "[": "]", "{": "}", "（": "）", "［": "］", "｛": "｝",
    "「": "」", "『": "』", "【": "】", "〈": "〉", "《": "》", "〔": "〕", "〖": "〗",
    "\ufd3e": "\ufd3f", "\ufd3f": "\ufd3e",  # Arabic ornate parentheses, either way round
}
_CLOSERS: dict[str, str] = {}
for _opening, _closings in PAIRS.items():
    for _closing in _closings:
        _CLOSERS[_closing] = _CLOSERS.get(_closing, "") + _opening


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a selection to whole words and trim it by one rule, the same in every script.

    1. White space at either end is dropped.
    2. A word the selection touches is taken whole (combining marks, ZWJ and variation
       selectors stay with their character). In scripts written without spaces between words
       (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) a run of letters is a phrase, not a
       word: each character counts as a word there, so the selection keeps its characters.
    3. Punctuation at either end is dropped (``,`` ``.`` ``!`` ``،`` ``。`` a lone quote ...),
       except paired marks (quotes, guillemets, brackets, 「」 ...; see ``PAIRS``), which are
       kept or dropped together: a closing mark is kept when the selection opens it inside,
       an opening mark when the selection closes it inside, and an opening and a closing
       mark that both lie in the selection and enclose it are kept as a pair (with any
       punctuation between the words and the closing mark, as in “No.”).

    Symbols (``$``, ``%``, ``#``, ``@``, ``&``, emoji) are never dropped. A selection of punctuation alone is
    returned as selected, without white space. A GUI convenience for hand selections; never
    applied to imported data.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _is_combining(text[start]):  # a mark goes with its character
        start -= 1
    while start > 0 and _joined(text[start - 1], text[start]):
        start -= 1
    while end < len(text) and _joined(text[end - 1], text[end]):
        end += 1
    # Keep combining marks, ZWJ and variation selectors with the character they modify.
    while end < len(text) and _is_combining(text[end]):
        end += 1
    return _trim_punctuation(text, start, end)


def _trim_punctuation(text: str, low: int, high: int) -> tuple[int, int]:
    start, end = low, high
    while start < end and _is_punctuation(text[start]):
        start += 1
    while end > start and _is_punctuation(text[end - 1]):
        end -= 1
    if start == end:
        return low, high
    moved = True
    while moved:
        moved = False
        inside = text[start:end]
        for j in range(end, high):  # a closing mark whose opening mark is inside
            if _left_open(inside, text[j]):
                end, moved = j + 1, True
                break
        for i in range(start - 1, low - 1, -1):  # an opening mark whose closing mark is inside
            if _left_open(inside, text[i], closing=False):
                start, moved = i, True
                break
        if moved:
            continue
        for i in range(start - 1, low - 1, -1):  # a pair enclosing the selection
            closing = next((j for j in range(end, high) if text[j] in PAIRS.get(text[i], "")), None)
            if closing is not None:
                start, end, moved = i, closing + 1, True
                break
    return start, end


def _left_open(inside: str, mark: str, *, closing: bool = True) -> bool:
    """Whether ``inside`` holds an unmatched partner of ``mark`` (a closing mark when
    ``closing``, else an opening one)."""
    partners = _CLOSERS.get(mark, "") if closing else PAIRS.get(mark, "")
    if not partners:
        return False
    same = _free_count(inside, mark)
    others = sum(_free_count(inside, p) for p in set(partners) - {mark})
    if mark in partners:  # a mark that pairs with itself: open when the count is odd
        return (same + others) % 2 == 1
    return others > same


def _free_count(text: str, mark: str) -> int:
    """Occurrences of ``mark`` that are not an apostrophe inside a word (don't, Qur'an)."""
    count = 0
    for i, char in enumerate(text):
        if char == mark and not (0 < i < len(text) - 1 and _in_word(text[i - 1]) and _in_word(text[i + 1])):
            count += 1
    return count


_KEPT_MARKS = "%‰‱\u066a#@&"  # punctuation by category, but part of what they follow or lead


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P") and char not in _KEPT_MARKS


def word_step(text: str, position: int, step: int, edge: str = "end") -> int:
    """The nearest word boundary after (``step`` 1) or before (-1) ``position``: where a word
    ends (``edge`` "end", for a span's end) or starts ("start", for a span's start). The
    text's ends count as both; a position at one stays there. Emoji and other symbols are
    words here; white space and punctuation are not; in a script written without spaces each
    character is a word (as for ``snap_to_words``)."""
    position += step
    while 0 < position < len(text):
        before, after = _in_token(text[position - 1]), _in_token(text[position])
        if (before and not after) if edge == "end" else (after and not before):
            break
        if before and after and not _joined(text[position - 1], text[position]) \
                and _in_word(text[position - 1]) and _in_word(text[position]):
            break  # between two characters of a script without spaces: each is a word
        position += step
    return min(max(position, 0), len(text))


def _in_token(char: str) -> bool:
    return not char.isspace() and not _is_punctuation(char)


def character_step(text: str, position: int, step: int) -> int:
    """One character on (``step`` 1) or back (-1), a character being what the reader sees as
    one: combining marks, variation selectors and skin tones stay with their character, a
    ZWJ sequence (👩\u200d👩\u200d👧) and a flag's two letters are never split."""
    position = min(max(position + step, 0), len(text))
    while 0 < position < len(text) and not _cluster_boundary(text, position):
        position += step
    return position


def _cluster_boundary(text: str, position: int) -> bool:
    before, after = text[position - 1], text[position]
    if _is_combining(after) or "\U0001f3fb" <= after <= "\U0001f3ff" or before == "\u200d":
        return False
    if _regional(before) and _regional(after):
        run = 0
        while position - run > 0 and _regional(text[position - run - 1]):
            run += 1
        return run % 2 == 0
    return True


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _joined(before: str, after: str) -> bool:
    """Two neighbouring characters belong to one word: both are word characters and neither
    is of a script written without spaces (there a mark still joins its character)."""
    if not (_in_word(before) and _in_word(after)):
        return False
    return _is_combining(after) or not (written_without_spaces(before) or written_without_spaces(after))


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, the CJK radicals,
# kana and ideographs (with their extensions), half-width katakana. Ranges of code points.
UNSPACED_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x2E80, 0x2FDF), (0x3005, 0x3007),
             (0x3021, 0x3029), (0x3031, 0x3035), (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF),
             (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF))


def written_without_spaces(char: str) -> bool:
    """``char`` is of a script written without spaces between words (Chinese, Japanese, Thai,
    Lao, Khmer, Myanmar): a run of its letters is a phrase, and each character counts as a word."""
    code = ord(char)
    return code >= 0x0E00 and any(low <= code <= high for low, high in UNSPACED_RANGES)


def _in_word(char: str) -> bool:
    # Python's \w misses combining marks (Arabic harakat, decomposed accents).
    return bool(_WORD.match(char)) or _is_combining(char)


def _is_combining(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me") or char in "\u200d\ufe0f"
