"""Finding words in a text whatever their case and diacritics, with offsets into the text as stored.

Offsets are code points, half-open ``[start, end)``, into the *original* text, always: a match
is never reported in a folded copy's positions.

Folding a character decomposes it (NFD), drops its combining marks, recomposes what is left
(NFC) and case-folds it (``str.casefold``): "Í", "í", "I" and "i" fold to "i", "İ" to "i", "ß" to
"ss", "ḿ" to "m", and a combining mark alone (Arabic vowel signs, say) to nothing; Cyrillic
letters are only case-folded ("й" and "ё" stay letters of their own). A text folds character
by character (``fold``), so the same rule applies to a pattern and to the texts it is looked
for in.

Two ways to match, with the same results:

- ``LiteralMatcher`` (keywords, the selected text of "annotate all matches") compiles the folded
  words into a regular expression that runs on the original text itself: each letter becomes
  the class of every character that folds to it, followed by any combining marks, so texts are
  never folded or copied (this is what lets a count read 100,000 articles in seconds).
- ``FoldedText`` folds a text once and maps offsets in the folded copy back to the original;
  user regular expressions run on it (``assist/rules.py``), since a regex cannot be rewritten
  letter by letter.

Words are ``\\w`` runs (Unicode letters, digits, underscore) together with any combining marks
in them; a match that must be "whole words" neither starts nor ends inside one.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from annotator.model.offsets import written_without_spaces
from annotator.model.tokens import class_ranges

# Blocks whose characters fold to other characters (Latin, Greek, Cyrillic and their extensions,
# letterlike symbols such as the Kelvin sign, ligatures). A character outside them that folds
# to something else is still found through its own case variants and ``fold``.
_FOLDING_BLOCKS = ((0x0000, 0x0590), (0x10A0, 0x1100), (0x1E00, 0x2000), (0x2100, 0x2190),
                   (0x2C00, 0x2D30), (0xA640, 0xA800), (0xAB30, 0xAB70), (0xFB00, 0xFB18), (0xFF00, 0xFF5F))


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """One character folded: marks dropped after canonical decomposition, then case-folded."""
    if char.isascii():
        return char.lower()
    if "\u0400" <= char <= "\u052f":  # Cyrillic: й, ё, ї are letters of their own, not и, е, і with a mark
        return char.casefold()
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFC", bare).casefold()
    if folded != bare and not folded.isascii():  # case folding may bring marks back ("İ" -> "i̇")
        folded = unicodedata.normalize(
            "NFC", "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c)))
    return folded


def fold(text: str) -> str:
    """``text`` folded character by character (see the module docstring); short texts only
    (patterns, queries): a long one is folded by ``FoldedText``."""
    if text.isascii():
        return text.lower()
    return "".join(fold_char(c) for c in text)


class _Tables:
    """What the matchers need to know about all characters, worked out once (about 0.1 s)."""

    def __init__(self) -> None:
        marks = [c for c in range(0x10000) if unicodedata.combining(chr(c))]
        self.marks = "[" + class_ranges(marks) + "]"
        """A class of every combining mark of the Basic Multilingual Plane."""
        self.mark_set = frozenset(map(chr, marks))
        self.folds_to: dict[str, set[str]] = {}
        """Folded text (one or two characters) -> the characters that fold to it."""
        # The folding blocks, and every other character of the Basic Multilingual Plane that
        # is a letter with a mark composed in (Arabic أ إ آ ؤ ئ, kana ガ パ, Devanagari क़):
        # a text may hold either form, and the pattern is folded to the bare letter.
        codes = {code for first, last in _FOLDING_BLOCKS for code in range(first, last)}
        codes.update(code for code in range(0x10000) if unicodedata.decomposition(chr(code))[:1] not in ("", "<"))
        for code in sorted(codes):
            char = chr(code)
            folded = fold_char(char)
            if folded != char and 1 <= len(folded) <= 2:
                self.folds_to.setdefault(folded, set()).add(char)
        # Characters that lower() leaves as they are but folding changes (an accented letter, a
        # mark, a final sigma, a ligature): a lower-cased text without any is already folded.
        unfolded = []
        for code in [*range(0x20000), *range(0x2F800, 0x2FA20)]:
            char = chr(code)
            if (char.casefold() != char or unicodedata.combining(char) or (
                    unicodedata.decomposition(char)[:1] not in ("", "<"))) and fold_char(char) != char:
                unfolded.append(code)
        # One class per plane: a class reaching beyond the Basic Multilingual Plane is checked
        # range by range at each character (measured: 35 times slower).
        self.unfolded = re.compile("[" + class_ranges([c for c in unfolded if c <= 0xFFFF]) + "]")
        self.unfolded_astral = frozenset(chr(c) for c in unfolded if c > 0xFFFF)

    def is_folded(self, lowered: str) -> bool:
        """Whether a lower-cased text is folded already (nothing in it that folding changes)."""
        if self.unfolded.search(lowered) is not None:
            return False
        return not any(char in self.unfolded_astral for char in _ASTRAL.findall(lowered))


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def tables() -> _Tables:
    return _Tables()


def _is_wordish(char: str) -> bool:
    return char.isalnum() or char == "_" or char in tables().mark_set


def starts_word_ok(text: str, start: int) -> bool:
    """Whether a whole-word match may start at ``start``: not inside a word."""
    return start == 0 or not (_is_wordish(text[start - 1]) and _is_wordish(text[start]))


def ends_word_ok(text: str, end: int) -> bool:
    """Whether a whole-word match may end at ``end``: not inside a word."""
    return end == len(text) or not (_is_wordish(text[end - 1]) and _is_wordish(text[end]))


@lru_cache(maxsize=4096)
def _char_class(char: str) -> str:
    """A regex for every character that folds to ``char`` (a folded character)."""
    members = {char} | tables().folds_to.get(char, set())
    for variant in (char.upper(), char.title()):
        if len(variant) == 1 and fold_char(variant) == char:
            members.add(variant)
    if len(members) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(member) for member in sorted(members)) + "]"


def _units(word: str) -> list[str]:
    """Regexes, in order, that match a folded word (no white space) in original text: each
    character as its class, followed by any combining marks; a pair such as "ss" also as the
    one character that folds to it ("ß")."""
    marks = tables().marks + "*"
    units = []
    position = 0
    while position < len(word):
        pair = word[position:position + 2]
        if len(pair) == 2 and pair in tables().folds_to:
            singles = "".join(re.escape(c) for c in sorted(tables().folds_to[pair]))
            units.append(f"(?:{_char_class(pair[0])}{marks}{_char_class(pair[1])}{marks}|[{singles}]{marks})")
            position += 2
        else:
            units.append(_char_class(word[position]) + marks)
            position += 1
    return units


class LiteralMatcher:
    """Finds a literal (a keyword, a selected text) as whole words, ignoring case and diacritics.

    To use it::

        matcher = LiteralMatcher("operasi militer khusus")
        matcher.spans("… mendukung “Operasi Militer Khusus” …")   # [(12, 34)]

    The literal's words may be separated by any white space in the text. With ``stars``, a word
    ending in ``*`` may go on (``imperialis*`` finds "imperialisme"; ``специальн* военн*
    операци*`` finds "специальной военной операции"). It must neither start nor end inside a
    word of the text (where its first or last character is a letter or digit), except in a
    script written without spaces (Chinese, Thai …: ``model.offsets.written_without_spaces``),
    where each character is a word, as for snapping.
    """

    def __init__(self, literal: str, *, stars: bool = False):
        self.literal = literal
        self.words: list[tuple[str, bool]] = []
        """The literal's words as written, each with whether it is a prefix (``word*``)."""
        for word in literal.split():
            prefix = stars and len(word) > 1 and word.endswith("*")
            self.words.append((word[:-1] if prefix else word, prefix))
        marks = tables().marks[1:-1]
        folded = [(fold(word), prefix) for word, prefix in self.words if fold(word)]  # a lone mark folds away
        if not folded:
            raise ValueError("nothing to search for")
        parts = []
        for number, (word, prefix) in enumerate(folded):
            units = _units(word)
            if number == 0 and (word[0].isalnum() or word[0] == "_") and not written_without_spaces(word[0]):
                # Not inside a word: asserted just after the first character (the character
                # before it is no letter, digit or mark), so that the regex still starts with a
                # plain class and the engine skips quickly to its candidates; an assertion in
                # front would be tried at every position (measured: 2.5 times slower on
                # Indonesian news). A first pair ("ss", also "ß") takes the slow way.
                if units[0].startswith("(?:"):
                    units[0] = rf"(?<![\w{marks}])" + units[0]
                else:
                    units[0] = _char_class(word[0]) + rf"(?<![\w{marks}][\s\S])" + tables().marks + "*"
            if prefix:
                units.append(rf"[\w{marks}]*")
            parts.append("".join(units))
        body = r"\s+".join(parts)
        last_word, last_prefix = folded[-1]
        if not last_prefix and (last_word[-1].isalnum() or last_word[-1] == "_") \
                and not written_without_spaces(last_word[-1]):
            body += r"(?!\w)"
        self.regex = re.compile(body)
        self._needles = [word for word, _ in folded]

    def may_occur(self, view: TextView) -> bool:
        """False when the literal cannot occur in the text: one of its words is missing from the
        text folded the fast way (``plain``), which a substring search tells in microseconds,
        against tens of them for the regex. True when it may, or the fast way does not apply."""
        plain = view.plain
        return plain is None or all(needle in plain for needle in self._needles)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the literal occurs in ``text``, in text order, never overlapping."""
        return [found.span() for found in self.regex.finditer(text)]

    def count(self, text: str) -> int:
        """How many times ``spans`` would find the literal (without building the list)."""
        return len(self.regex.findall(text))


def plain_fold(text: str) -> str | None:
    """``text.lower()`` if that is ``text`` folded (no accented letter, mark, final sigma,
    ligature ... in it), else None: the fast way to fold most texts."""
    lowered = text.lower()
    if text.isascii() or (len(lowered) == len(text) and tables().is_folded(lowered)):
        return lowered
    return None


class TextView:
    """One text as the matchers read it, each form worked out once, on first need: ``plain``
    (``plain_fold``) and ``folded`` (``FoldedText``)."""

    def __init__(self, text: str):
        self.text = text
        self._plain: str | None = None
        self._plain_known = False
        self._folded: FoldedText | None = None

    @property
    def plain(self) -> str | None:
        if not self._plain_known:
            self._plain = plain_fold(self.text)
            self._plain_known = True
        return self._plain

    @property
    def folded(self) -> FoldedText:
        if self._folded is None:
            self._folded = FoldedText(self.text, plain=self.plain)
        return self._folded


class FoldedText:
    """A text folded once (``fold``), and the way back from the folded copy's offsets.

    To use it::

        folded = FoldedText("Straße der Imperialisten")
        found = re.search("strasse", folded.folded)
        folded.original(*found.span())     # (0, 6): "Straße"

    Most characters fold to exactly one character; only the positions of the others (a mark
    dropped, "ß" becoming "ss") are kept, so mapping back costs a binary search among them.
    A span mapped back takes any combining marks that follow its last character, so that it
    never ends inside a letter.
    """

    def __init__(self, text: str, *, plain: str | None = None):
        """``plain``: ``TextView.plain`` of the text, when known (then nothing is worked out again)."""
        self.text = text
        self._positions: list[int] = []  # original positions of the characters folding to other than one
        self._starts: list[int] = []  # where each of them starts in the folded copy
        self._lengths: list[int] = []  # how long each of them is folded
        self._shifts: list[int] = []  # folded minus original offset just after each of them
        if plain is None:
            plain = plain_fold(text)
        if plain is not None:
            self.folded = plain  # most texts: lower() is all the folding they need, at C speed
            return
        translation = _translation(frozenset(text))
        self.folded = text.translate(translation)
        uneven = {c for c in frozenset(text) if len(translation.get(ord(c), c)) != 1}
        if not uneven:
            return
        finder = re.compile("[" + "".join(re.escape(c) for c in sorted(uneven)) + "]")
        shift = 0
        for found in finder.finditer(text):
            position = found.start()
            length = len(translation[ord(text[position])])
            self._positions.append(position)
            self._starts.append(position + shift)
            self._lengths.append(length)
            shift += length - 1
            self._shifts.append(shift)

    def _original_start(self, offset: int) -> int:
        """The original position of the character whose folded form holds ``offset``."""
        index = bisect_right(self._starts, offset) - 1
        if index < 0:
            return offset
        if offset < self._starts[index] + self._lengths[index]:
            return self._positions[index]
        return offset - self._shifts[index]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """``[start, end)`` of the folded copy (non-empty) as code points of the original text."""
        if not self._positions:
            return start, end
        first = self._original_start(start)
        after = self._original_start(end - 1) + 1
        marks = tables().mark_set
        while after < len(self.text) and self.text[after] in marks:
            after += 1
        return first, after


_TRANSLATION: dict[int, str] = {}
"""``str.translate`` table of every character seen so far that folds to something else."""
_SEEN: set[str] = set()


def _translation(chars: frozenset[str]) -> dict[int, str]:
    new = chars - _SEEN
    for char in new:
        folded = fold_char(char)
        if folded != char:
            _TRANSLATION[ord(char)] = folded
    _SEEN.update(new)
    return _TRANSLATION
