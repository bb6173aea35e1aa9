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

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from pathlib import Path

from annotator.io.exporting import ExportSummary
from annotator.io.naming import NameMap
from annotator.io.records import ArticleRecord
from annotator.model.tokens import TOKEN
from annotator.model.types import Annotation, Codebook

_SENTENCE_END = {".", "!", "?", "…"}


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
            tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
            for spans in by_annotator.values():
                out.write("-DOCSTART-\tO\n\n")
                token_tags, lost = _tag(tokens, spans, tags)
                dropped += lost
                summary.spans += len(spans) - lost
                summary.left_out += lost
                previous_end = 0
                for (start, end), tag in zip(tokens, token_tags, strict=True):
                    if previous_end and "\n" in text[previous_end:start]:
                        out.write("\n")
                    out.write(f"{text[start:end]}\t{tag}\n")
                    previous_end = end
                    if text[start:end] in _SENTENCE_END and (end == len(text) or text[end].isspace()):
                        out.write("\n")
                        previous_end = 0
                out.write("\n")
    if dropped:
        summary.notes.append(f"{dropped} span(s) left out: they overlap a longer span (one tag per token)")
    renamed = {name: safe for name, safe in tags.safe.items() if name != safe}
    if renamed:
        summary.notes.append("tags: " + "; ".join(f"{safe} = {name}" for name, safe in renamed.items()))
    summary.files.append(str(output))
    return summary


def _tag(tokens: list[tuple[int, int]], spans: list[Annotation], tags: NameMap) -> tuple[list[str], int]:
    result = ["O"] * len(tokens)
    taken = [False] * len(tokens)
    lost = 0
    ends = [end for _, end in tokens]
    starts = [start for start, _ in tokens]
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start, s.label)):
        first = bisect_right(ends, span.start)
        last = bisect_left(starts, span.end)
        if first >= last:
            lost += 1  # white space only
            continue
        if any(taken[first:last]):
            lost += 1
            continue
        tag = tags(span.label)
        for index in range(first, last):
            taken[index] = True
            result[index] = ("B-" if index == first else "I-") + tag
    return result, lost
