"""CoNLL / BIO: one token per line, ``token<TAB>tag``, a blank line between sentences and
``-DOCSTART-\\tO`` before each article and annotator.

Tokenizer: the agreement tokenizer (``model.tokens``): a run of word characters with their
combining marks, a letter of a script written without spaces, or a single other character that
is not white space (with its marks). Sentences end at line breaks
and after a ``.``, ``!``, ``?`` or ``…`` token followed by white space.

A token belongs to a span when they share a character; the first such token is ``B-``, the rest
``I-``. Overlap policy (CoNLL has one tag per token): longest span first — a span that overlaps
a longer one already tagged is left out and counted in a note. Tags use label names with runs of
characters other than letters, digits, ``_`` and ``-`` replaced by ``_`` (the summary lists the
mapping). Each annotator's layer is a document of its own, in article order; filter with
``--annotator`` or ``--gold`` for one layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from annotator.io.exporting import ExportSummary, SpanRow, layers, span_rows
from annotator.io.naming import NameMap
from annotator.io.records import ArticleRecord
from annotator.model.tokens import pattern_for, splits_token, tokens
from annotator.model.types import Codebook

# Where a blank line goes: after a sentence end followed by white space or the end of the text
# (taking that white space along, line breaks included), and at a line break between tokens.
_BREAK = re.compile(r"[.!?…](?:\s+|\Z)|\n\s*")
_SENTENCE_ENDS = frozenset(".!?…")


def write(records: Iterable[ArticleRecord], output: Path, *, codebook: Codebook | None = None,
          **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit="token")
    tags = NameMap()
    for label in (codebook.labels if codebook else []):
        tags(label.name)
    dropped = 0
    chunks = _Chunks()
    with open(output, "wb") as out:
        for record in records:
            text = record.article.text
            rows = span_rows(record)
            by_annotator = layers(record, rows)
            summary.add_article(len(rows), written=bool(by_annotator))
            for spans in by_annotator.values():
                regions, lost = _regions(text, spans, tags)
                dropped += lost
                summary.spans += len(spans) - lost
                summary.left_out += lost
                document = _fast_document(text, regions, chunks)
                if document is None:  # a text the fast way does not take: token by token
                    breaks = [(m.start() + 1, m.end(), "sentence", "") if m.group()[0] != "\n"
                              else (m.start(), m.end(), "line", "") for m in _BREAK.finditer(text)]
                    document = _document(text, breaks, regions).encode()
                out.write(document)
    if dropped:
        summary.notes.append(f"{dropped} span(s) left out: they overlap a longer span (one tag per token)")
    renamed = {name: safe for name, safe in tags.safe.items() if name != safe}
    if renamed:
        summary.notes.append("tags: " + "; ".join(f"{safe} = {name}" for name, safe in renamed.items()))
    summary.files.append(str(output))
    return summary


# -- the fast way: a chunk (a run of non-white-space) at a time -----------------------------
#
# A token never crosses white space, so the lines of a text are the lines of its chunks (what
# ``bytes.split()`` cuts it into) in order, and a chunk's lines depend only on the chunk and its
# tag: ``kata.`` is ``kata\tO\n.\tO\n\n`` wherever it stands (a chunk is followed by white space
# or the end of the text, so a sentence end closing it always ends a sentence). The lines of
# each chunk are worked out once and looked up after that, so a text costs one split, one
# lookup per chunk and one join, all in C. Regions and line breaks become chunks of their own:
# ``\x01`` before a region, ``\x02`` after it (both set off by spaces, which never changes the
# tokens: a region's edges are token edges) and ``\x03`` for each line break.

_LINE = b"\x03"
# Bytes that may begin white space ``bytes.split`` does not know: the ASCII separators \x1c-\x1f
# and the lead bytes of U+0085, U+00A0, U+1680, U+2000-U+205F and U+3000 in UTF-8.
_SUSPECT = bytes(b for b in range(256) if b not in b"\x1c\x1d\x1e\x1f\xc2\xe1\xe2\xe3")
# All bytes but those and the other white space, and the markers.
_USUAL = bytes(b for b in range(256) if b in _SUSPECT and b not in b"\t\n\r\x0b\x0c\x01\x02\x03")
_WIDE_SPACE = re.compile(rb"[\x1c-\x1f]|\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|"
                         rb"\xe3\x80\x80")
_MARKS = {b"\x01": b"", b"\x02": b"", _LINE: _LINE}  # the lines of the marker chunks
_CACHE_LIMIT = 20_000  # chunks remembered per tag: the common words (a corpus has more, its numbers and names)


class _Chunks(dict[str | None, "_Lines"]):
    """The lines of chunks, by tag (``None``: outside any region)."""

    def __missing__(self, tag: str | None) -> _Lines:
        if tag is None:
            lines = self[tag] = _Lines("\tO\n")
        else:
            lines = self[tag] = _Lines(f"\tI-{tag}\n")
            lines.first = _Lines(f"\tI-{tag}\n", f"\tB-{tag}\n")
        return lines


class _Lines(dict[bytes, bytes]):
    """``lines[chunk]``: the CoNLL lines of a chunk (UTF-8) with this tag (the first token's
    with ``first_line``, when given); ``first[chunk]`` the same with the first token ``B-``."""

    first: _Lines

    def __init__(self, tag_line: str, first_line: str | None = None):
        super().__init__(_MARKS)
        self.tag_line, self.first_line = tag_line, first_line

    def __missing__(self, chunk: bytes) -> bytes:
        found = tokens(chunk.decode())
        tag_line = self.tag_line
        lines = (found[0] + (self.first_line or tag_line) + "".join(token + tag_line for token in found[1:]) +
                 ("\n" if found[-1] in _SENTENCE_ENDS else ""))
        if len(self) > _CACHE_LIMIT:
            self.clear()
            self.update(_MARKS)
        encoded = self[chunk] = lines.encode()
        return encoded


def _fast_document(text: str, regions: list[tuple[int, int, str]], chunks: _Chunks) -> bytes | None:
    """``_document(text, …, regions)`` as UTF-8 (regions in text order), a chunk at a time; None
    for the rare text it does not take (one holding a marker, a region edge right after a sentence
    end glued to the next token)."""
    length = len(text)
    if regions:
        parts: list[str] = []
        at = 0
        for start, end, _ in regions:
            if start > 0 and text[start - 1] in _SENTENCE_ENDS and not text[start].isspace():
                return None  # a space set before the region would end the sentence
            if end < length and text[end - 1] in _SENTENCE_ENDS and not text[end].isspace():
                return None
            # Set off by a space where there is none already, so one space stays one space.
            parts += (text[at:start], "\x01 " if start == 0 or text[start - 1] == " " else " \x01 ", text[start:end],
                      " \x02" if end == length or text[end] == " " else " \x02 ")
            at = end
        parts.append(text[at:])
        encoded = "".join(parts).encode()
    else:
        encoded = text.encode()
    marks = encoded.translate(None, _USUAL)  # the markers in order, and bytes that need a closer look
    if marks == b"\x01\x02" * len(regions) and encoded and b"  " not in encoded and encoded[:1] != b" " \
            and encoded[-1:] != b" ":
        lines = False
        words = encoded.split(b" ")  # white space is single spaces: the quick split
    else:
        if marks.count(b"\x01") != len(regions) or marks.count(b"\x02") != len(regions) or _LINE in marks:
            return None  # the text holds a marker of its own
        if marks.translate(None, _SUSPECT):  # perhaps white space only str.split() knows
            encoded = _WIDE_SPACE.sub(b" ", encoded)
        lines = b"\n" in marks
        if lines:
            encoded = encoded.replace(b"\n", b" \x03 ")
        words = encoded.split()
    lines_of = list(map(chunks[None].__getitem__, words))  # the markers' lines are empty
    if regions:
        index = words.index
        at = 0
        for _, _, tag in regions:  # the tokens between the markers with their tag
            opened = index(b"\x01", at)
            at = index(b"\x02", opened)
            tagged = chunks[tag]
            lines_of[opened + 1] = tagged.first[words[opened + 1]]
            lines_of[opened + 2:at] = map(tagged.__getitem__, words[opened + 2:at])
    lines_of.insert(0, b"-DOCSTART-\tO\n\n")
    lines_of.append(b"\n")
    document = b"".join(lines_of)
    if lines:  # a blank line at a line break after a token, unless a sentence end made one
        while b"\x03\x03" in document:
            document = document.replace(b"\x03\x03", _LINE)
        document = document.replace(b"\n\n\x03", b"\n\n")
        if document.endswith(b"\x03\n"):  # no token after it
            document = document[:-2] + b"\n"
        document = document.replace(_LINE, b"\n")
    return document


# -- the token-by-token way ----------------------------------------------------------------


def _document(text: str, breaks: list[tuple[int, int, str, str]], regions: list[tuple[int, int, str]]) -> str:
    """One layer's lines: ``-DOCSTART-``, a line per token, blank lines between sentences.

    The text is cut where something changes (a blank line, a tagged region's edge) and the
    tokens between two cuts written with one join, so the work per token stays in C.
    """
    cuts = sorted([*breaks, *((start, start, "open", tag) for start, _, tag in regions),
                   *((end, end, "close", "") for _, end, _ in regions)])
    parts = ["-DOCSTART-\tO\n\n"]
    findall = pattern_for(text).findall
    cursor, tag, first, pending, seen = 0, "", False, False, False
    for cut, resume, kind, label in [*cuts, (len(text), len(text), "end", "")]:
        if cut > cursor:
            words = findall(text, cursor, cut)
            if words:
                if pending:  # a line break between this token and the one before
                    parts.append("\n")
                    pending = False
                if not tag:
                    parts += ("\tO\n".join(words), "\tO\n")
                else:
                    if first:
                        parts.append(f"{words[0]}\tB-{tag}\n")
                        words, first = words[1:], False
                    if words:
                        inside = f"\tI-{tag}\n"
                        parts += (inside.join(words), inside)
                seen = True
        if kind == "sentence":
            parts.append("\n")
        elif kind == "line":
            pending = seen
        elif kind == "open":
            tag, first = label, True
        elif kind == "close":
            tag = ""
        cursor = max(cursor, resume)
    parts.append("\n")
    return "".join(parts)


def _regions(text: str, spans: list[SpanRow], tags: NameMap) -> tuple[list[tuple[int, int, str]], int]:
    """The tagged regions of one layer, ``(start, end, tag)`` from the first character of a
    span's first token to the last of its last token, in text order; a span that shares a token
    with a longer one (longest first), or covers only white space, is left out (counted)."""
    regions: list[tuple[int, int, str]] = []
    lost = 0
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0], s[2])):
        extent = _token_extent(text, span[0], span[1])
        if extent is None:
            lost += 1  # white space only
            continue
        start, end = extent
        if any(start < taken_end and taken_start < end for taken_start, taken_end, _ in regions):
            lost += 1
            continue
        tag = tags.safe.get(span[2]) or tags(span[2])
        regions.append((start, end, tag))
    regions.sort()
    return regions, lost


def _token_extent(text: str, start: int, end: int) -> tuple[int, int] | None:
    """From the start of the first token that shares a character with ``[start, end)`` to the
    end of the last one (None when none does)."""
    covered = text[start:end]
    first = start + len(covered) - len(covered.lstrip())  # tokens are runs of non-space
    last = start + len(covered.rstrip())
    if first >= last:
        return None
    # Inside a token: it begins further left (ends further right). Between two ASCII characters
    # the quick rule is the whole rule (``\w`` is exactly ``str.isalnum()`` or ``_``; no marks,
    # no letters of unspaced scripts), asked inline: spans imported from elsewhere often start
    # inside words; elsewhere the full rule (``model.tokens.splits_token``) is asked.
    while first > 0:
        before, after = text[first - 1], text[first]
        if before.isascii() and after.isascii():
            if not ((before.isalnum() or before == "_") and (after.isalnum() or after == "_")):
                break
        elif not splits_token(text, first, True):
            break
        first -= 1
    length = len(text)
    while last < length:
        before, after = text[last - 1], text[last]
        if before.isascii() and after.isascii():
            if not ((before.isalnum() or before == "_") and (after.isalnum() or after == "_")):
                break
        elif not splits_token(text, last, True):
            break
        last += 1
    return first, last
