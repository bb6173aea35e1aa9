"""CoNLL / BIO: one token per line, ``token<TAB>tag``, a blank line between sentences and
``-DOCSTART-\\tO`` before each article and annotator.

Tokenizer: the agreement tokenizer (``model.tokens``): a maximal run of word characters, or a
single character that is neither a word character nor white space. Sentences end at line breaks
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

from annotator.io.exporting import ExportSummary
from annotator.io.naming import NameMap
from annotator.io.records import ArticleRecord
from annotator.model.tokens import TOKEN
from annotator.model.types import Annotation, Codebook

# Where a blank line goes: after a sentence end followed by white space or the end of the text
# (taking that white space along, line breaks included), and at a line break between tokens.
_BREAK = re.compile(r"[.!?…](?:\s+|\Z)|\n\s*")


def write(records: Iterable[ArticleRecord], output: Path, *, codebook: Codebook | None = None,
          **_: object) -> ExportSummary:
    summary = ExportSummary(offset_unit="token")
    tags = NameMap()
    for label in (codebook.labels if codebook else []):
        tags(label.name)
    dropped = 0
    with open(output, "w", encoding="utf-8", newline="\n") as out:
        for record in records:
            text = record.article.text
            by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
            for span in record.annotations:
                by_annotator.setdefault(span.annotator or "", []).append(span)
            summary.add_article(len(record.annotations), written=bool(by_annotator))
            breaks: list[tuple[int, int, str, str]] | None = None  # the text's, for all its layers
            for spans in by_annotator.values():
                regions, lost = _regions(text, spans, tags)
                dropped += lost
                summary.spans += len(spans) - lost
                summary.left_out += lost
                if breaks is None:
                    breaks = [(m.start() + 1, m.end(), "sentence", "") if m.group()[0] != "\n"
                              else (m.start(), m.end(), "line", "") for m in _BREAK.finditer(text)]
                out.write(_document(text, breaks, regions))
    if dropped:
        summary.notes.append(f"{dropped} span(s) left out: they overlap a longer span (one tag per token)")
    renamed = {name: safe for name, safe in tags.safe.items() if name != safe}
    if renamed:
        summary.notes.append("tags: " + "; ".join(f"{safe} = {name}" for name, safe in renamed.items()))
    summary.files.append(str(output))
    return summary


def _document(text: str, breaks: list[tuple[int, int, str, str]], regions: list[tuple[int, int, str]]) -> str:
    """One layer's lines: ``-DOCSTART-``, a line per token, blank lines between sentences.

    The text is cut where something changes (a blank line, a tagged region's edge) and the
    tokens between two cuts written with one join, so the work per token stays in C.
    """
    cuts = sorted([*breaks, *((start, start, "open", tag) for start, _, tag in regions),
                   *((end, end, "close", "") for _, end, _ in regions)])
    parts = ["-DOCSTART-\tO\n\n"]
    cursor, tag, first, pending, seen = 0, "", False, False, False
    for cut, resume, kind, label in [*cuts, (len(text), len(text), "end", "")]:
        if cut > cursor:
            words = TOKEN.findall(text, cursor, cut)
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


def _regions(text: str, spans: list[Annotation], tags: NameMap) -> tuple[list[tuple[int, int, str]], int]:
    """The tagged regions of one layer, ``(start, end, tag)`` from the first character of a
    span's first token to the last of its last token, longest span first; a span that shares a
    token with a longer one, or covers only white space, is left out (counted)."""
    regions: list[tuple[int, int, str]] = []
    lost = 0
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start, s.label)):
        extent = _token_extent(text, span.start, span.end)
        if extent is None:
            lost += 1  # white space only
            continue
        start, end = extent
        if any(start < taken_end and taken_start < end for taken_start, taken_end, _ in regions):
            lost += 1
            continue
        regions.append((start, end, tags(span.label)))
    return regions, lost


def _token_extent(text: str, start: int, end: int) -> tuple[int, int] | None:
    """From the start of the first token that shares a character with ``[start, end)`` to the
    end of the last one (None when none does)."""
    covered = text[start:end]
    first = start + len(covered) - len(covered.lstrip())  # tokens are runs of non-space
    last = start + len(covered.rstrip())
    if first >= last:
        return None
    while first > 0 and _is_word(text[first]) and _is_word(text[first - 1]):
        first -= 1  # inside a word: its token begins further left
    while last < len(text) and _is_word(text[last - 1]) and _is_word(text[last]):
        last += 1
    return first, last


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"  # exactly what \w matches
