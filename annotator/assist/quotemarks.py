"""Quotation marks and sentences of a paragraph, for the quotation detector (``quotes.py``).

Offsets are code points, half-open ``[start, end)``, into the text as given.

A *segment* is a top-level quoted stretch: from its opening mark through its closing mark. Marks
nested inside it (``"… 'anti-christ' …"``) belong to it. Pairing is done per paragraph, so an
unbalanced mark never swallows the rest of an article:

- double marks (``" “ ” „ ‟ « » ‹ › 「 」 『 』``) are paired first, on a stack. A straight ``"``
  closes an open straight mark and opens otherwise; a typographic mark that faces the wrong way
  (``decision.“ However``) is read by the characters around it. An opening mark left open at the
  paragraph's end makes a segment to the end (the convention for a quotation that goes on in
  the next paragraph); in that next paragraph, a closing mark with no opener makes one from the
  paragraph's start, flagged ``opened=False``;
- single marks (``‘ ’ ' ` ‚``) are paired only outside double segments, and only as marks that
  face a word (``'quasi-state of war'``), so apostrophes (``don't``, ``parents'``) stay apostrophes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.assist.cues import words_of

_DOUBLE = re.compile(r"[\"“”„‟«»‹›「」『』]")
_SINGLE = re.compile(r"[‘’'`‚]")
_OPEN_PUNCT = "([{<—–-/"
_CLOSE_PUNCT = ".,;:!?)]}>—–-/…"
_ANY_MARK = "\"“”„‟«»‹›「」『』‘’'`‚"

_SENTENCE_END = re.compile(r"[.!?…]+(?=[\"“”„‟«»‹›」』‘’')\]]*\s+[\"“„«‹「『‘'(\[]*[^\W_a-z])")
_LAST_WORD = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]")
_ABBREVIATIONS = words_of("""
    mr mrs ms dr prof st jr sr tn ny nn no vol vs etc inc ltd co corp pte gen col lt sgt rev gov sen rep jan feb
    mar apr jun jul aug sep sept oct nov dec u.s u.k d.c a.s h hj ir drs sdr kh dll dsb yth
""")


@dataclass(frozen=True, slots=True)
class Segment:
    """A top-level quoted stretch ``text[start:end]``, its marks included when it has them."""

    start: int
    end: int
    opened: bool = True
    closed: bool = True

    @property
    def inner(self) -> tuple[int, int]:
        """Offsets of the quoted words without the marks."""
        return (self.start + (1 if self.opened else 0), self.end - (1 if self.closed else 0))


def _flanks(text: str, i: int, start: int, end: int) -> tuple[bool, bool]:
    """(opens, closes) as read from the neighbours of the mark at ``i``."""
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < end else " "
    opens = not after.isspace() and (before.isspace() or before in _OPEN_PUNCT or before in _ANY_MARK)
    closes = not before.isspace() and (after.isspace() or after in _CLOSE_PUNCT or after in _ANY_MARK)
    return opens, closes


def segments(text: str, start: int, end: int, *, continued: bool = False) -> list[Segment]:
    """Top-level quoted segments of the paragraph ``text[start:end]``, in order. ``continued``: the
    previous paragraph ended inside a quotation, so a closing mark met before any opening one ends
    a quotation begun there (else such a mark is read as opening)."""
    found: list[Segment] = []
    stack: list[tuple[int, str]] = []
    for match in _DOUBLE.finditer(text, start, end):
        i, mark = match.start(), match.group()
        opens, closes = _flanks(text, i, start, end)
        top = stack[-1][1] if stack else ""
        if mark == '"':
            if continued and not stack and not found and closes and not opens:
                found.append(Segment(start, i + 1, opened=False))  # the end of a quotation begun earlier
                continue
            close = top == '"' or (bool(stack) and not (opens and not closes))
        elif mark == "“":
            close = top == "„" or (bool(stack) and closes and not opens)
        elif mark in "”»":
            if not stack:
                if (opens and not closes) or found:
                    stack.append((i, mark))  # Swedish ”…”, Danish »…«, or a stray mark opening
                else:
                    found.append(Segment(start, i + 1, opened=False))  # the end of a quotation begun earlier
                continue
            close = not (mark == top == "»" and opens and not closes)
        elif mark == "«":
            close = top == "»"
        elif mark in "„‟‹「『":
            close = False
        else:  # › 」 』
            close = bool(stack)
        if close:
            opener, _ = stack.pop()
            if not stack:
                found.append(Segment(opener, i + 1))
        else:
            stack.append((i, mark))
    if stack:
        found.append(Segment(stack[0][0], _trim_end(text, stack[0][0], end), closed=False))
    return _with_singles(text, start, end, found)


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _with_singles(text: str, start: int, end: int, doubles: list[Segment]) -> list[Segment]:
    """``doubles`` plus the single-mark segments in the gaps between them."""
    result: list[Segment] = []
    gap = start
    for seg in [*doubles, Segment(end, end)]:
        opener = -1
        for match in _SINGLE.finditer(text, gap, seg.start):
            i, mark = match.start(), match.group()
            opens, closes = _flanks(text, i, start, end)
            after = text[i + 1] if i + 1 < end else " "
            if opener < 0:
                if opens and not closes and mark != "’" and not after.isdigit():
                    opener = i
            elif closes and not opens:
                result.append(Segment(opener, i + 1))
                opener = -1
        if seg.end > seg.start:
            result.append(seg)
        gap = seg.end
    return result


def sentences(text: str, start: int, end: int, quoted: list[Segment]) -> list[tuple[int, int]]:
    """Sentence spans of the paragraph ``text[start:end]`` (no outer white space); a sentence
    never ends inside a quoted segment, so a quotation of several sentences stays whole."""
    spans: list[tuple[int, int]] = []
    begin = start
    inside = [(seg.start, seg.end) for seg in quoted]
    current = 0  # boundaries come in order: the segments before them are never looked at again
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        while cut < end and text[cut] in "\"“”„‟«»‹›」』‘’')]":
            cut += 1
        while current < len(inside) and inside[current][1] <= cut:
            current += 1
        if current < len(inside) and inside[current][0] < cut:
            continue  # inside a quotation
        word = _LAST_WORD.search(text, max(begin, match.start() - 12), match.start())
        if word and (word.group(1).lower() in _ABBREVIATIONS or _INITIALS.fullmatch(word.group(1))):
            continue
        spans.append((begin, cut))
        begin = cut
    spans.append((begin, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        b = _trim_end(text, a, b)
        if b > a:
            out.append((a, b))
    return out
