"""Units for agreement and CoNLL: tokens or characters, identified by their start offset (code points).

A token is, by the same rule in every script:

- a run of word characters (``\\w``: letters, digits, ``_``) together with the combining marks
  in and after them (Devanagari vowel signs and virama, Arabic and Hebrew vowel points, accents
  typed apart: ``साम्राज्यवाद`` and ``الأمريكيّةَ`` are one token each);
- a single letter of a script written without spaces (Chinese, Japanese, Thai …:
  ``model.offsets.written_without_spaces``) with its marks, as the window snaps there;
- a single other character that is not white space (punctuation, a symbol, an emoji) with the
  marks after it (``❤️`` is one token).

Most texts have neither marks nor such letters; for them the rule is ``TOKEN`` (``\\w+|[^\\w\\s]``),
asked of the text at C speed (``pattern_for`` says which applies). Only the units a span
touches are ever listed, so agreement work grows with the annotated text, not with the article.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from annotator.model.offsets import UNSPACED_RANGES, written_without_spaces

TOKEN = re.compile(r"\w+|[^\w\s]")
"""The token rule for a text without combining marks or letters of scripts written without spaces."""
UNITS = ("token", "char")

_ASTRAL_CANDIDATES = re.compile("[\U00010000-\U0001efff\U00020000-\U0003ffff\U000e0100-\U000e01ef]")
"""Where marks and letters of unspaced scripts lie beyond the BMP (``_Rule.applies``)."""


class _Rule:
    """The full token rule, built on first use (listing the marks takes about 20 ms)."""

    def __init__(self) -> None:
        marks = [code for code in range(0x10000) if unicodedata.category(chr(code))[0] == "M"]
        astral_marks = [code for code in range(0x10000, 0x30000) if unicodedata.category(chr(code))[0] == "M"]
        astral_marks += range(0xE0100, 0xE01F0)  # variation selectors supplement
        mark_class = class_ranges(marks) + class_ranges(astral_marks)
        unspaced = "".join(f"{_escape(low)}-{_escape(high)}" for low, high in UNSPACED_RANGES)
        bmp_unspaced = "".join(f"{_escape(low)}-{_escape(high)}" for low, high in UNSPACED_RANGES if high <= 0xFFFF)
        # A class reaching beyond the Basic Multilingual Plane is checked range by range at each
        # character (tens of times slower): the quick look for texts that need this rule asks
        # the BMP with a class and the few characters beyond it with a set.
        self.special_bmp = re.compile(f"[{bmp_unspaced}{class_ranges(marks)}]")
        self.astral_marks = frozenset(map(chr, astral_marks))
        mark = f"[{mark_class}]"
        self.pattern = re.compile(rf"(?:[^\W{unspaced}]|{mark})+|[{unspaced}]{mark}*|[^\w\s]{mark}*")
        self.marks = frozenset(map(chr, [*marks, *astral_marks]))

    def applies(self, text: str) -> bool:
        if text.isascii():
            return False
        if self.special_bmp.search(text):
            return True
        # Beyond the BMP only these planes' blocks hold marks or unspaced letters (emoji, at
        # U+1F000 and up, are passed over by the class, whose three ranges are quick to ask).
        beyond = set(_ASTRAL_CANDIDATES.findall(text))
        return not beyond.isdisjoint(self.astral_marks) or any("\U00020000" <= c <= "\U0003ffff" for c in beyond)


def class_ranges(codes: list[int]) -> str:
    """``codes`` (sorted) as the inside of a regex class, consecutive runs as ranges."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in runs)


def _escape(code: int) -> str:
    """A code point as a regex escape (``\\u0301``, ``\\U0001f525``)."""
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


@lru_cache(maxsize=1)
def _rule() -> _Rule:
    return _Rule()


def pattern_for(text: str) -> re.Pattern[str]:
    """The regular expression that cuts ``text`` into tokens: ``TOKEN`` when it holds no
    combining mark and no letter of a script written without spaces, else the full rule."""
    if text.isascii():
        return TOKEN
    rule = _rule()
    return rule.pattern if rule.applies(text) else TOKEN


def tokens(text: str) -> list[str]:
    """``text`` cut into tokens, in order."""
    return pattern_for(text).findall(text)


def splits_token(text: str, position: int, full: bool) -> bool:
    """Whether ``position`` falls inside a token (between two of its characters); ``full``:
    the text needs the full rule (``pattern_for(text) is not TOKEN``)."""
    if not 0 < position < len(text):
        return False
    before, after = text[position - 1], text[position]
    if not full:  # Python's \w is exactly str.isalnum() or "_"
        return (before.isalnum() or before == "_") and (after.isalnum() or after == "_")
    marks = _rule().marks
    if after in marks:
        return not before.isspace()  # a mark goes with what it follows
    if not (after.isalnum() or after == "_") or written_without_spaces(after):
        return False  # such a character always begins a token
    # A word character continues a run of word characters and marks; marks after a letter of
    # an unspaced script or after a symbol went with that one instead.
    at = position - 1
    while at >= 0 and text[at] in marks:
        at -= 1
    if at < 0 or text[at].isspace():
        return at < position - 1  # marks before it began its run
    base = text[at]
    return (base.isalnum() or base == "_") and not written_without_spaces(base)


def unit_count(text: str, unit: str) -> int:
    if unit == "char":
        return len(text)
    return len(tokens(text))


def units_overlapping(text: str, start: int, end: int, unit: str) -> Iterator[int]:
    """Start offsets of the units that share at least one character with ``[start, end)``."""
    if unit == "char":
        yield from range(start, end)
        return
    pattern = pattern_for(text)
    full = pattern is not TOKEN
    position = start
    while splits_token(text, position, full):  # the token that holds ``start`` begins further left
        position -= 1
    for match in pattern.finditer(text, position):
        if match.start() >= end:
            break
        yield match.start()


def all_units(text: str, unit: str) -> list[int]:
    """Every unit's start offset (for reference computations in tests and small texts)."""
    if unit == "char":
        return list(range(len(text)))
    return [m.start() for m in pattern_for(text).finditer(text)]


def unit_intervals(text: str, bounds: list[tuple[int, int]], unit: str) -> tuple[list[tuple[int, int]], int]:
    """For each ``(start, end)`` in code points, the half-open range of unit *indices* it
    overlaps (empty when it covers only white space); and the text's number of units.

    Tokens are counted with one left-to-right pass of the regular expression over the text
    between sorted boundaries (C speed), never one Python step per token: agreement over
    10,000 articles depends on it.
    """
    if unit == "char":
        return list(bounds), len(text)
    pattern = pattern_for(text)
    full = pattern is not TOKEN
    positions = sorted({len(text), *(p for bound in bounds for p in bound)})
    before: dict[int, int] = {}  # position -> number of tokens that start before it
    inside: dict[int, bool] = {}  # position -> it falls inside a token (asked once each)
    count, previous, previous_inside, length = 0, 0, False, len(text)
    findall = pattern.findall
    for position in positions:
        if position > previous:
            found = len(findall(text, previous, position))
            if previous_inside:
                found -= 1  # the match at ``previous`` is the tail of a token counted already
            count += found
        before[position] = count
        previous = position
        if full:
            previous_inside = splits_token(text, position, True)
        elif 0 < position < length:  # asked of both characters at once first: the usual answer
            pair = text[position - 1:position + 1]
            previous_inside = pair.isalnum() or ("_" in pair and splits_token(text, position, False))
        else:
            previous_inside = False
        inside[position] = previous_inside
    result = []
    for start, end in bounds:
        first = before[start] - inside[start]  # tokens ending by ``start``
        result.append((first, max(first, before[end])))
    return result, before[len(text)]
