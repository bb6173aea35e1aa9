"""INCEpTION / WebAnno TSV 3.x import (offsets in UTF-16 code units).

The article text is rebuilt from the ``#Text=`` lines placed at their first token's offset
(a sentence written as several ``#Text=`` lines had line breaks; gaps between sentences, which
TSV does not record, become spaces), so offsets land exactly where INCEpTION had them.
Span layers (``#T_SP``) become spans: the label is the first non-empty feature value, or the
layer's short name for ``*`` (an annotation without a value). Multi-token spans are joined by
their ``[n]`` ids; stacked values (``A[1]|B[2]``) give several spans. Relation and chain layers
are skipped (counted in a note), and so are zero-length spans, which our model cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from annotator.io import guards
from annotator.io.guards import clip, decode_utf8
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import OffsetMap, check_span, utf16_length
from annotator.model.types import Annotation, Article

_UNESCAPE = re.compile(r"\\([\\\[\]|_*>\-tnr])")
_STACK_ITEM = re.compile(r"^(.*?)(?:\[(\d{1,9})\])?$")
_OFFSETS = re.compile(r"(\d{1,10})-(\d{1,10})")


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def _split_unescaped(value: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current + ("\\" if escaped else ""))
    return parts


def read(path: Path, fields: FieldMap, notes: list[str], **_: object) -> Iterator[ArticleRecord]:
    lines = decode_utf8(path.read_bytes(), "WebAnno TSV").split("\n")
    if not lines or not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        raise ImportFormatError("not a WebAnno TSV 3 file (no '#FORMAT=WebAnno TSV 3' header)", line=1)
    columns: list[tuple[str, str, int]] = []  # (layer, feature, span-layer index or -1)
    span_layers: list[tuple[str, list[str]]] = []
    sentences: list[tuple[list[str], int | None, int]] = []  # (#Text lines, first token begin, its line)
    tokens: list[tuple[int, int, int, list[str]]] = []  # (line, begin, end, cells)
    skipped_layers = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if line.startswith("#T_SP="):
            layer, *features = line[6:].split("|")
            span_layers.append((layer, features))
            for feature in features or ["*"]:
                columns.append((layer, feature, len(span_layers) - 1))
        elif line.startswith(("#T_RL=", "#T_CH=")):
            layer, *features = line[6:].split("|")
            skipped_layers += 1
            columns += [(layer, feature, -1) for feature in features or ["*"]]
        elif line.startswith("#Text="):
            if sentences and sentences[-1][1] is None:
                sentences[-1][0].append(line[6:])
            else:
                sentences.append(([line[6:]], None, number))
        elif line and not line.startswith("#"):
            cells = line.split("\t")
            if len(cells) < 3 or "-" not in cells[1]:
                raise ImportFormatError(f"malformed token line {clip(line)}", line=number)
            offsets_cell = _OFFSETS.fullmatch(cells[1])
            if offsets_cell is None:
                raise ImportFormatError(f"bad offsets {clip(cells[1])}", line=number)
            begin, end = int(offsets_cell[1]), int(offsets_cell[2])
            if sentences and sentences[-1][1] is None:
                sentences[-1] = (sentences[-1][0], begin, number)
            tokens.append((number, begin, end, cells[3:]))
    if not sentences:
        raise ImportFormatError("no #Text= lines")
    text = _rebuild_text(sentences)
    offsets = OffsetMap(text)
    for number, begin, end, _cells in tokens:  # the rebuilt text must hold every token where it says
        token_text = _unescape(lines[number - 1].split("\t")[2])
        try:
            start, stop = offsets.span_to_codepoint(begin, end)
        except InvalidSpan:
            start, stop = -1, -1
        if text[start:stop] != token_text and not (begin == end and token_text == ""):
            raise ImportFormatError(
                f"token {clip(token_text)} is not at {begin}-{end} of the sentence text; the file is inconsistent",
                line=number)
    article = Article(text=text, title=path.stem)
    record = ArticleRecord(article)
    joined: dict[tuple[int, int, str], list[int]] = {}  # (layer, id, label) -> [begin, end]
    zero_length = 0
    for number, begin, end, cells in tokens:
        for column, cell in enumerate(cells[: len(columns)]):
            layer, feature, layer_index = columns[column]
            if layer_index < 0 or cell in ("_", ""):
                continue
            for item in _split_unescaped(cell, "|"):
                match = _STACK_ITEM.match(item)
                value, ident = (match.group(1), match.group(2)) if match else (item, None)
                label = layer.rsplit(".", 1)[-1] if value in ("*", "") else _unescape(value)
                if end <= begin:
                    zero_length += 1
                    continue
                key = (layer_index, int(ident) if ident else -number, label)
                if key in joined:
                    joined[key][0] = min(joined[key][0], begin)
                    joined[key][1] = max(joined[key][1], end)
                else:
                    joined[key] = [begin, end]
    seen = set()
    for (_layer, _ident, label), (begin, end) in sorted(joined.items(), key=lambda item: (item[1], item[0][2])):
        try:
            start, stop = offsets.span_to_codepoint(begin, end)
            check_span(text, start, stop)
        except InvalidSpan as error:
            raise ImportFormatError(f"span {clip(label)} at {begin}-{end} (UTF-16): {error}") from None
        if (start, stop, label) not in seen:
            seen.add((start, stop, label))
            record.annotations.append(Annotation(start, stop, label, text[start:stop], origin="imported"))
    if skipped_layers:
        notes.append(f"{path.name}: skipped {skipped_layers} relation/chain layer(s)")
    if zero_length:
        notes.append(f"{path.name}: skipped {zero_length} zero-length span value(s)")
    yield record


def _rebuild_text(sentences: list[tuple[list[str], int | None, int]]) -> str:
    """Place each sentence at its first token's UTF-16 offset; gaps become spaces.

    Raises:
        ImportFormatError: an offset would make the article longer than an article may be
            (a token at offset 50,000,000 in a small file must not make 50 million spaces).
    """
    parts: list[str] = []
    length16 = length = 0
    for text_lines, begin, number in sentences:
        sentence = "\n".join(_unescape(line) for line in text_lines)
        gap = begin - length16 if begin is not None and begin > length16 else 0
        if length + gap + len(sentence) > guards.MAX_ARTICLE_CHARS:
            cause = f"a token at UTF-16 offset {begin:,}" if gap else "this sentence"
            raise ImportFormatError(f"{cause} would make the article longer than {guards.MAX_ARTICLE_CHARS:,} "
                                    "characters, the most allowed", line=number)
        if gap:
            parts.append(" " * gap)
            length16 += gap
            length += gap
        parts.append(sentence)
        length16 += utf16_length(sentence)
        length += len(sentence)
    return "".join(parts)
