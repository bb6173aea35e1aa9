"""The exporters' fast paths write exactly what the plain algorithms write.

Exports of 100,000 articles quote texts from their UTF-8 bytes, count UTF-16 offsets only
where asked, write CoNLL a run of tokens at a time and CSV a row from pre-written parts; each
is checked here against the obvious way (``json.dumps``, ``OffsetMap``, a loop per token, the
csv module per row) on inputs chosen to break them.
"""

from __future__ import annotations

import csv
import io
import json
from bisect import bisect_left, bisect_right
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.io import brat, conll, csv_export
from annotator.io.csv_safety import neutralise
from annotator.io.jsonl import quote_text, quote_utf8
from annotator.io.naming import NameMap
from annotator.io.records import ArticleRecord
from annotator.model.errors import InvalidSpan
from annotator.model.offsets import OffsetMap, Utf16Counter
from annotator.model.tokens import TOKEN
from annotator.model.types import Annotation, Article, AttributeDef, Codebook

# Characters that matter to one writer or another: JSON escapes, line breaks of all kinds,
# sentence ends, CSV quoting and formula starts, word and non-word characters, astral ones.
TRICKY = list('"\\\n\r\t\x00\x01\x1f\x7f\u2028\u2029\x85\x0b\x0c .!?…,;=+-@\'_aZ9éЖ한😀🇮🇩\u200b\u00a0')
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=60)
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def test_quote_matches_json_dumps_for_every_code_point():
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(characters), 4096):
        chunk = "".join(characters[i:i + 4096])
        assert quote_text(chunk) == _dumps(chunk).encode()
    assert quote_utf8(None) == b"null"


@given(texts)
@settings(max_examples=400, deadline=None)
def test_quote_matches_json_dumps(text):
    assert quote_utf8(text.encode()) == _dumps(text).encode()


@given(texts, st.lists(st.integers(0, 60), max_size=12))
@settings(max_examples=300, deadline=None)
def test_utf16_counter_agrees_with_offset_map(text, positions):
    counter, offsets = Utf16Counter(text), OffsetMap(text)
    for position in positions:
        if position > len(text):
            with pytest.raises(InvalidSpan):
                counter(position)
        else:
            assert counter(position) == offsets.to_utf16(position)


# -- CoNLL: one line per token, written the plain way ------------------------------------


def _reference_conll(records: list[ArticleRecord], tags: NameMap) -> str:
    """The CoNLL writer as one loop per token (how it was written before it had to be fast)."""
    out = []
    for record in records:
        text = record.article.text
        by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
        for span in record.annotations:
            by_annotator.setdefault(span.annotator or "", []).append(span)
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        for spans in by_annotator.values():
            out.append("-DOCSTART-\tO\n\n")
            result = ["O"] * len(tokens)
            taken = [False] * len(tokens)
            ends, starts = [e for _, e in tokens], [s for s, _ in tokens]
            for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start, s.label)):
                first, last = bisect_right(ends, span.start), bisect_left(starts, span.end)
                if first >= last or any(taken[first:last]):
                    continue
                tag = tags(span.label)
                for index in range(first, last):
                    taken[index] = True
                    result[index] = ("B-" if index == first else "I-") + tag
            previous_end = 0
            for (start, end), tag in zip(tokens, result, strict=True):
                if previous_end and "\n" in text[previous_end:start]:
                    out.append("\n")
                out.append(f"{text[start:end]}\t{tag}\n")
                previous_end = end
                if text[start:end] in {".", "!", "?", "…"} and (end == len(text) or text[end].isspace()):
                    out.append("\n")
                    previous_end = 0
            out.append("\n")
    return "".join(out)


@st.composite
def articles_with_spans(draw):
    text = draw(texts)
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        if len(text) < 1:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append(Annotation(start, end, draw(st.sampled_from(["A b", "C", "D/E"])), text[start:end],
                                annotator=draw(st.sampled_from(["ana", "budi"]))))
    done = draw(st.lists(st.sampled_from(["ana", "citra"]), unique=True))
    return ArticleRecord(Article(text=text, id=1), spans, [], done)


@given(st.lists(articles_with_spans(), max_size=4))
@settings(max_examples=300, deadline=None)
def test_conll_writes_what_a_loop_per_token_writes(tmp_path_factory, records):
    out = tmp_path_factory.mktemp("conll") / "out.conll"
    summary = conll.write(records, out)
    assert out.read_text(encoding="utf-8") == _reference_conll(records, NameMap())
    assert summary.spans + summary.left_out == sum(len(r.annotations) for r in records)


# -- CSV: a row from parts is the csv module's row -------------------------------------


cells = st.text(alphabet=st.sampled_from(TRICKY), max_size=12)


@given(st.lists(st.tuples(cells, cells, cells, cells, cells), min_size=1, max_size=5), cells, cells)
@settings(max_examples=300, deadline=None)
def test_csv_rows_from_parts_are_the_csv_modules_rows(tmp_path_factory, spans, title, speaker):
    text = "x" * 40
    codebook = Codebook([], [AttributeDef("speaker"), AttributeDef("target")])
    rows = [(i, i + 1, label, covered, annotator, None, json.dumps({"speaker": speaker}) if i % 2 else "", note,
             "manual", reviewer) for i, (label, covered, annotator, note, reviewer) in enumerate(spans)]
    record = ArticleRecord(Article(text=text, title=title, id=7, external_id=title or None), [], [], [])
    record.span_rows = rows
    out = tmp_path_factory.mktemp("csv") / "out.csv"
    csv_export.write([record], out, codebook=codebook)
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow([*csv_export.COLUMNS, "attr_speaker", "attr_target"])
    for start, end, label, covered, annotator, _, attributes, note, origin, reviewer in rows:
        writer.writerow([7, neutralise(title), neutralise(title), "", "", "", neutralise(annotator), "",
                         neutralise(label), start, end, neutralise(covered), neutralise(attributes),
                         neutralise(note) if note else "", origin, neutralise(reviewer),
                         neutralise(speaker) if attributes and speaker else "", ""])
    assert Path(out).read_bytes().decode("utf-8") == expected.getvalue()


# -- brat: escapes and line-break fragments ----------------------------------------------


@given(texts, st.data())
@settings(max_examples=300, deadline=None)
def test_brat_escape_and_fragments(text, data):
    assert brat._escape(text) == "".join({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(c, c) for c in text)
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    pieces, position = [], start
    for index in range(start, end):
        if text[index] in "\n\r\u2029\u2028\x0b\x0c\x85":
            if index > position:
                pieces.append((position, index))
            position = index + 1
    if end > position:
        pieces.append((position, end))
    assert brat.fragments(text, start, end) == (pieces or [(start, end)])
