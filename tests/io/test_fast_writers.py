"""The exporters' fast paths write exactly what the plain algorithms write.

Exports of 100,000 articles read spans as plain rows, quote texts from their UTF-8 bytes,
count UTF-16 offsets only where asked, write JSON (doccano, Label Studio) from templates,
CoNLL a chunk of text at a time, brat a span without line breaks in one piece, CSV a row from
pre-written parts and spaCy's DocBin as the docs come; each is checked here against the
obvious way (``json.dumps``, ``OffsetMap``, a loop per token or span, the csv module per row,
``DocBin.add``) on inputs chosen to break them.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import zlib
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.io import brat, conll, csv_export, doccano, labelstudio, spacy_docbin
from annotator.io.csv_safety import neutralise
from annotator.io.exporters import FORMATS
from annotator.io.exporting import ExportFilter, has_astral_utf8, utf16_positions
from annotator.io.jsonl import quote_text, quote_utf8
from annotator.io.naming import NameMap, file_stem
from annotator.io.records import ArticleRecord
from annotator.model.errors import InvalidSpan
from annotator.model.offsets import OffsetMap, Utf16Counter
from annotator.model.tokens import pattern_for
from annotator.model.types import Annotation, Article, AttributeDef, Codebook, DocLabel
from annotator.project import Project
from tests.conftest import write_jsonl

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
        tokens = [(m.start(), m.end()) for m in pattern_for(text).finditer(text)]
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


# -- span rows: what the exports read is what the objects hold ------------------------------


@given(texts, st.lists(st.integers(0, 60), max_size=12))
@settings(max_examples=300, deadline=None)
def test_utf16_positions_agree_with_offset_map(text, positions):
    offsets = OffsetMap(text)
    if any(position > len(text) for position in positions):
        with pytest.raises(InvalidSpan):
            utf16_positions(text, positions)
    else:
        assert utf16_positions(text, positions) == {p: offsets.to_utf16(p) for p in positions}


@given(texts)
@settings(max_examples=300, deadline=None)
def test_astral_characters_are_found_in_utf8_exactly_when_utf16_offsets_differ(text):
    """doccano and Label Studio skip decoding a text when its UTF-16 offsets are its code
    points: what the lead-byte search answers must be exactly that."""
    differ = len(text.encode("utf-16-le")) // 2 != len(text)
    assert has_astral_utf8(text.encode()) == differ


NAMES = ["ana", "budi", "citra ő", None]
ATTRIBUTE_VALUES = [{}, {}, {"speaker": "Lavrov"}, {"speaker": "=x\t\\", "n": 3, "z": [1, "é"], "b": True},
                    {"a": None, "speaker": "Лавров 😀"}]


@st.composite
def rich_articles(draw):
    """An article with spans of several annotators, with and without ids, attributes and notes,
    doc labels and done marks, over text that breaks writers."""
    text = draw(st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=60))
    spans, seen = [], set()
    for _ in range(draw(st.integers(0, 7))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        label = draw(st.sampled_from(["A b", "C", "D/E", "Ü 🙂"]))
        annotator = draw(st.sampled_from(NAMES))
        if (start, end, label, annotator) in seen:
            continue
        seen.add((start, end, label, annotator))
        spans.append(Annotation(start, end, label, text[start:end], annotator=annotator,
                                annotator_uuid=None if annotator is None else f"id-{annotator}",
                                attributes=dict(draw(st.sampled_from(ATTRIBUTE_VALUES))),
                                note=draw(st.sampled_from(["", "", "cek\tlagi\n", "note \\ x", "é"])),
                                uuid=draw(st.sampled_from([None, f"span-{len(spans)}"]))))
    done = draw(st.lists(st.sampled_from(["ana", "dewi", "budi"]), unique=True, max_size=2))
    doc_labels = [DocLabel("Overall", name, f"id-{name}") for name in draw(st.lists(st.sampled_from(NAMES[:3]),
                                                                                  unique=True, max_size=2))]
    article = Article(text=text, title=draw(cells), id=draw(st.integers(1, 10**6)),
                      external_id=draw(st.sampled_from([None, "ext/1", "x"])), url=draw(st.sampled_from([None, "u"])))
    return ArticleRecord(article, spans, doc_labels, done)


def _reference_doccano(records: list[ArticleRecord], unit: str) -> str:
    """The doccano writer the plain way: json.dumps of each line's object."""
    lines = []
    for record in records:
        article = record.article
        by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
        ids: dict[str, str | None] = {}
        for span in record.annotations:
            by_annotator.setdefault(span.annotator or "", []).append(span)
            ids[span.annotator or ""] = span.annotator_uuid
        offsets = OffsetMap(article.text)
        for name, spans in by_annotator.items():
            labels = [[*(offsets.span_to_utf16(s.start, s.end) if unit == "utf16" else (s.start, s.end)), s.label]
                      for s in spans]
            lines.append(json.dumps({"id": article.id, "text": article.text, "label": labels, "annotator": name,
                                     "annotator_id": ids.get(name), "article_id": article.id,
                                     "external_id": article.external_id, "title": article.title, "Comments": []},
                                    ensure_ascii=False) + "\n")
    return "".join(lines)


@given(st.lists(rich_articles(), max_size=4), st.sampled_from(["utf16", "codepoint"]))
@settings(max_examples=200, deadline=None)
def test_doccano_writes_what_json_dumps_writes(tmp_path_factory, records, unit):
    out = tmp_path_factory.mktemp("doccano") / "out.jsonl"
    doccano.write(records, out, offset_unit=unit)
    assert out.read_bytes().decode("utf-8") == _reference_doccano(records, unit)


@given(st.lists(rich_articles(), max_size=4), st.sampled_from(["codepoint", "utf16"]))
@settings(max_examples=200, deadline=None)
def test_label_studio_writes_what_json_dumps_of_its_tasks_writes(tmp_path_factory, records, unit):
    out = tmp_path_factory.mktemp("labelstudio") / "out.json"
    labelstudio.write(records, out, codebook=Codebook([]), offset_unit=unit)
    numbers: dict[str, int] = {}
    tasks = [json.dumps(labelstudio._task(record, unit, numbers), ensure_ascii=False) for record in records]
    expected = "[" + os.linesep + ("," + os.linesep).join(tasks) + (os.linesep if tasks else "") + "]" + os.linesep
    assert out.read_bytes().decode("utf-8") == expected


def _reference_brat(records: list[ArticleRecord], unit: str) -> dict[str, str]:
    """The .ann files of a brat export, a span at a time as the writer did before it read rows:
    fragments at line breaks, each span's attributes sorted, its note escaped."""
    types, attribute_names, values, annotators = NameMap(), NameMap(), {}, NameMap()
    files = {}
    for record in records:
        text = record.article.text
        offsets = OffsetMap(text)
        by_annotator: dict[str, list[Annotation]] = {}
        for span in record.annotations:
            by_annotator.setdefault(span.annotator or "", []).append(span)
        for name, spans in by_annotator.items():
            lines, attribute_number, note_number = [], 0, 0
            for number, span in enumerate(spans, start=1):
                pieces = brat.fragments(text, span.start, span.end)
                covered = " ".join(text[s:e] for s, e in pieces)
                if unit == "utf16":
                    pieces = [offsets.span_to_utf16(s, e) for s, e in pieces]
                where = ";".join(f"{s} {e}" for s, e in pieces)
                lines.append(f"T{number}\t{types(span.label)} {where}\t{brat._escape(covered)}\n")
                for attribute, value in sorted(span.attributes.items()):
                    attribute_number += 1
                    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    safe_value = values.setdefault(attribute, NameMap(unicode_letters=True))(shown)
                    lines.append(f"A{attribute_number}\t{attribute_names(attribute)} T{number} {safe_value}\n")
                if span.note:
                    note_number += 1
                    lines.append(f"#{note_number}\tAnnotatorNotes T{number}\t{brat._escape(span.note)}\n")
            stem = file_stem(record.article.id or 0, record.article.external_id)
            files[f"{annotators(name)}/{stem}.ann"] = "".join(lines)
    return files


@given(st.lists(rich_articles(), max_size=4, unique_by=lambda r: r.article.id),
       st.sampled_from(["codepoint", "utf16"]))
@settings(max_examples=150, deadline=None)
def test_brat_writes_what_a_span_at_a_time_writes(tmp_path_factory, records, unit):
    out = tmp_path_factory.mktemp("brat") / "out"
    brat.write(records, out, codebook=Codebook([]), offset_unit=unit)
    written = {str(path.relative_to(out)).replace(os.sep, "/"): path.read_bytes().decode("utf-8")
               for path in out.rglob("*.ann")}
    assert written == {name: text.replace("\n", os.linesep) for name, text in _reference_brat(records, unit).items()}
    for record in records:
        for path in out.rglob(file_stem(record.article.id or 0, record.article.external_id) + ".txt"):
            assert path.read_bytes() == record.article.text.encode("utf-8")


def test_brat_file_writing_failure_fails_the_export(tmp_path, monkeypatch):
    """A file that cannot be written fails the export, after the files before it."""
    written = []

    def failing(path: str, data: bytes, *, text_mode: bool = False) -> None:
        if len(written) == 150:
            raise OSError(28, "No space left on device")
        written.append(path)

    monkeypatch.setattr(brat, "_write_file", failing)
    records = [ArticleRecord(Article(text=f"kata {i}", id=i), [Annotation(0, 4, "C", "kata", annotator="ana")])
               for i in range(1, 500)]
    with pytest.raises(OSError, match="No space left"):
        brat.write(records, tmp_path / "out", codebook=Codebook([]))
    assert len(written) == 150


def test_writers_write_the_same_from_rows_and_from_objects(tmp_path, rich_records):
    """The exports read span rows (``records(raw="id_rows")``, and for brat, doccano and Label
    Studio the texts as UTF-8 too); given the same spans as objects (an importer's records),
    every writer writes the same bytes (spaCy: the same DocBin)."""
    project = Project.open(tmp_path / "p.annotator")
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    codebook = project.codebook()
    for fmt in ("brat", "conll", "labelstudio", "doccano", "spacy"):
        if fmt == "spacy" and importlib.util.find_spec("spacy") is None:
            continue
        for unit in ("codepoint", "utf16") if fmt in ("brat", "labelstudio", "doccano") else (None,):
            options = {"codebook": codebook, "offset_unit": unit or "codepoint"}
            rows, objects = tmp_path / f"rows-{fmt}-{unit}", tmp_path / f"objects-{fmt}-{unit}"
            FORMATS[fmt].write(project.records(raw="id_rows"), rows, **options)
            FORMATS[fmt].write(project.records(), objects, **options)
            assert _contents(rows) == _contents(objects), (fmt, unit)
            if fmt in ("brat", "labelstudio", "doccano"):
                utf8 = tmp_path / f"utf8-{fmt}-{unit}"
                FORMATS[fmt].write(project._kept(ExportFilter(), "id_rows", "utf8"), utf8, **options)
                assert _contents(utf8) == _contents(objects), (fmt, unit)
    project.close()


def _contents(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    data = path.read_bytes()
    return {"": zlib.decompress(data) if path.name.startswith(("rows-spacy", "objects-spacy")) else data}


# -- CoNLL: the chunk-at-a-time way and the token-at-a-time way ----------------------------


WORDS = ["kata", "Lavrov", "AS", "kata.", "lagi,", "(AS)", "ab.cd", "😀", "🇮🇩", "Москва", "переговоры?", "x_y",
         "dan!", "…", "...", "\"kutip\"", "2024", "é", "한국.", "Ⅻ", "--"]
SPACES = [" "] * 12 + ["  ", "\n", "\n\n", " \n ", "\t", "\u00a0", "\u2028", "\x1c", "\u3000"]


@st.composite
def news_like(draw):
    """Text of words and white space as news has it (mostly single spaces), so the chunk-at-a-
    time way takes it, with spans that start and end anywhere."""
    parts = [draw(st.sampled_from(WORDS))]
    for _ in range(draw(st.integers(0, 40))):
        parts += (draw(st.sampled_from(SPACES)), draw(st.sampled_from(WORDS)))
    text = draw(st.sampled_from(["", " ", "\n"])) + "".join(parts) + draw(st.sampled_from(["", "", " ", ".\n", "\n"]))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 40)))
        spans.append(Annotation(start, end, draw(st.sampled_from(["A b", "C", "D/E"])), text[start:end],
                                annotator=draw(st.sampled_from(["ana", "budi"]))))
    return ArticleRecord(Article(text=text, id=1), spans, [], draw(st.lists(st.sampled_from(["ana"]), max_size=1)))


@given(st.lists(news_like(), min_size=1, max_size=3))
@settings(max_examples=400, deadline=None)
def test_conll_chunk_at_a_time_writes_what_a_loop_per_token_writes(tmp_path_factory, records):
    out = tmp_path_factory.mktemp("conll") / "out.conll"
    conll.write(records, out)
    assert out.read_text(encoding="utf-8") == _reference_conll(records, NameMap())


def test_conll_takes_news_the_chunk_at_a_time_way():
    """The fast way takes ordinary text (it is not only the fallback that the tests exercise),
    with or without paragraphs, odd white space and regions, and gives way to the token-by-token
    way for texts holding its markers or a region glued to a sentence end."""
    text = "Lavrov mengkritik AS.  Seruan\u00a0perundingan (damai)!\n\nMenteri berkata: ‘lagi’… 😀🇮🇩 x_y."
    tags = NameMap()
    regions, _ = conll._regions(text, [(7, 17, "C"), (30, 42, "A b"), (text.index("lagi"), len(text), "C")], tags)
    breaks = [(m.start() + 1, m.end(), "sentence", "") if m.group()[0] != "\n" else (m.start(), m.end(), "line", "")
              for m in conll._BREAK.finditer(text)]
    for chosen in ([], regions):
        fast = conll._fast_document(text, chosen, conll._Chunks())
        assert fast is not None and fast.decode() == conll._document(text, breaks, chosen)
    assert conll._fast_document("marker \x01 inside", [], conll._Chunks()) is None
    assert conll._fast_document("AS.Seruan", [(3, 9, "C")], conll._Chunks()) is None  # ends a sentence if set off


def test_conll_knows_the_white_space_str_split_knows():
    """``bytes.split`` splits at ASCII white space only: the rest (U+0085, U+00A0, U+2000…) is
    found by ``_SUSPECT`` and ``_WIDE_SPACE`` in UTF-8, exactly where ``str.isspace`` says."""
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        character = chr(code)
        encoded = character.encode()
        wide = character.isspace() and character not in " \t\n\r\x0b\x0c"
        assert (conll._WIDE_SPACE.fullmatch(encoded) is not None) == wide, hex(code)
        if wide:
            assert encoded.translate(None, conll._SUSPECT)


# -- spaCy: the DocBin written as the docs come is DocBin's ---------------------------------


def _plain_doc_bin(records: list[ArticleRecord], attrs: Any) -> Any:
    """The DocBin the spaCy export wrote before it streamed: a Doc per article and annotator,
    spans by ``char_span``, entities set, ``DocBin.add``."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    nlp = spacy.blank("xx")
    doc_bin = DocBin(attrs=attrs, store_user_data=True)
    for record in records:
        by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
        for span in record.annotations:
            by_annotator.setdefault(span.annotator or "", []).append(span)
        for annotator, spans in by_annotator.items():
            doc = nlp.make_doc(record.article.text)
            built = []
            for span in spans:
                made = doc.char_span(span.start, span.end, label=span.label) or \
                    doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
                if made is not None:
                    built.append(made)
            doc.spans["sc"] = built
            doc.ents = filter_spans(built)
            doc.user_data.update({"article_id": record.article.id, "external_id": record.article.external_id,
                                  "title": record.article.title, "annotator": annotator})
            doc_bin.add(doc)
    return doc_bin


@given(st.lists(st.one_of(rich_articles(), news_like()), max_size=5))
@settings(max_examples=60, deadline=None)
def test_spacy_file_holds_what_doc_bin_writes(tmp_path_factory, records):
    pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    out = tmp_path_factory.mktemp("spacy") / "out.spacy"
    spacy_docbin.write(records, out)
    expected = _plain_doc_bin(records, spacy_docbin.ATTRS)
    assert zlib.decompress(out.read_bytes()) == zlib.decompress(expected.to_bytes())
    assert DocBin().from_disk(out).strings == expected.strings


def test_spacy_docs_read_back_are_those_of_doc_bins_defaults(tmp_path, rich_records):
    """``ATTRS`` leave out only columns that hold zeros: a reader gets the same docs, every token
    attribute the same, as from a DocBin with spaCy's default attributes."""
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin
    from spacy.tokens.doc import DOCBIN_ALL_ATTRS

    project = Project.open(tmp_path / "p.annotator")
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    records = list(project.records())
    out = tmp_path / "out.spacy"
    project.export("spacy", out)
    default = _plain_doc_bin(records, DOCBIN_ALL_ATTRS)
    ours = DocBin().from_disk(out)
    assert ours.strings == default.strings
    vocab = spacy.blank("xx").vocab
    every = sorted({*DOCBIN_ALL_ATTRS, "SPACY", "IDX", "LOWER", "SHAPE"})
    pairs = list(zip(ours.get_docs(vocab), default.get_docs(vocab), strict=True))
    assert pairs
    for mine, theirs in pairs:
        assert mine.text == theirs.text and mine.user_data == theirs.user_data
        assert (mine.to_array(every) == theirs.to_array(every)).all()
        assert [(s.start, s.end, s.label_) for s in mine.spans["sc"]] == \
            [(s.start, s.end, s.label_) for s in theirs.spans["sc"]]
        assert [(e.start, e.end, e.label_) for e in mine.ents] == [(e.start, e.end, e.label_) for e in theirs.ents]
        for attribute in ("TAG", "POS", "MORPH", "LEMMA", "DEP", "ENT_IOB", "SENT_START"):
            assert mine.has_annotation(attribute) == theirs.has_annotation(attribute)
    project.close()


def test_spacy_file_is_the_same_with_a_fresh_vocabulary_every_few_articles(tmp_path, rich_records, monkeypatch):
    pytest.importorskip("spacy")
    project = Project.open(tmp_path / "p.annotator")
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)]).ok
    records = list(project.records())
    monkeypatch.setattr(spacy_docbin, "_FRESH_VOCAB", 2)
    spacy_docbin.write(records, tmp_path / "out.spacy")
    expected = _plain_doc_bin(records, spacy_docbin.ATTRS)
    assert zlib.decompress((tmp_path / "out.spacy").read_bytes()) == zlib.decompress(expected.to_bytes())
    project.close()


@given(st.binary(max_size=3000), st.binary(max_size=70000))
@settings(max_examples=100, deadline=None)
def test_adler32_of_pieces_combines_to_the_whole(first, second):
    combined = spacy_docbin._adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(first + second)


def test_spacy_exports_an_article_longer_than_spacys_own_limit(tmp_path):
    """spaCy refuses texts over a million characters (its parser's guard): the export of a
    project with one such article ended in a traceback."""
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    text = ("Lavrov mengkritik AS dan NATO. " * 34_000)[:1_000_005] + " akhir"
    record = ArticleRecord(Article(text=text, id=1),
                           [Annotation(len(text) - 5, len(text), "Blame", "akhir", "ana")], [], ["ana"])
    summary = spacy_docbin.write([record], tmp_path / "long.spacy")
    assert summary.spans == 1
    [doc] = DocBin().from_disk(tmp_path / "long.spacy").get_docs(spacy.blank("xx").vocab)
    assert doc.text == text and [(s.text, s.label_) for s in doc.spans["sc"]] == [("akhir", "Blame")]
