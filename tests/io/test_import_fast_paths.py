"""The import's fast paths (issue 11: import at storage speed) decide as the field-by-field
checks they stand in for: the same records pass, and a bad one fails with the same first reason.

Each fast path is compared with a reference that is the check as it was before it had one
(copied here): ``guards.check_record``, the native reader's spans (``records._annotation``), the bracket count
that decides whether a JSONL line's depth is looked at; and the shortcuts beside them are
pinned: a record's text hash from the bytes ``check_record`` encoded, the importer's own span
check reporting an annotator problem before a span's, and parse batches sized to a chunk.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.io import guards, jsonio, records
from annotator.io.records import ArticleRecord
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, check_span
from annotator.model.types import ORIGINS, Annotation, Article, DocLabel, text_hash
from annotator.project import imports

CHECKS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])

LONG = "x" * (guards.MAX_NAME_CHARS + 1)
TEXTS = [None, "", " ", "ana", "Ан", "😀", "a\ud800b", "\ud83d", LONG, 5, 2.5, True, [], {}]
ATTRIBUTES = [{}, {"k": "v"}, {"k": "\ud800"}, {"\ud800": 1}, {"": 1}, {"k": math.nan}, {"k": [[{}]]}, [], "x",
              {LONG: 1}]
META = [{}, {"a": 1}, {"a": math.inf}, [], {"\ud800": 1}, {"a": [{"b": "\udfff"}]}, "m"]
ARTICLE_TEXTS = ["tt", "a\x00b", "a\ud800b", "a\ud800\x00", "😀 text", "", 7, "Ан " * 5]


def _reference_check_record(record: ArticleRecord) -> None:
    """``guards.check_record`` before its fast paths, field by field."""
    line, article = record.line, record.article

    def fail(reason: str) -> NoReturn:
        raise ImportFormatError(reason, line=line)

    text = article.text
    if not isinstance(text, str) or not text:
        fail("the article has no text")
    if len(text) > guards.MAX_ARTICLE_CHARS:
        fail(f"the article text has {len(text):,} characters; at most {guards.MAX_ARTICLE_CHARS:,} are allowed")
    if "\x00" in text:
        fail(f"the article text contains a NUL character (U+0000) at position {text.index(chr(0))}")
    guards._string(text, "the article text", fail, optional=False)
    guards._string(article.title, "the title", fail, optional=False)
    for name in ("external_id", "source", "url", "published", "language"):
        guards._string(getattr(article, name), f"'{name}'", fail)
    if not isinstance(article.meta, dict):
        fail("'meta' must be an object")
    guards._json_value(article.meta, "'meta'", fail)
    for number, span in enumerate(record.annotations, start=1):
        where = f"annotation {number}"
        if type(span.start) is not int or type(span.end) is not int:
            fail(f"{where}: offsets must be whole numbers")
        guards._name(span.label, f"{where}: the label", fail, optional=False)
        guards._name(span.annotator, f"{where}: the annotator", fail)
        guards._name(span.reviewer, f"{where}: the reviewer", fail)
        for name in ("text", "annotator_uuid", "note", "uuid", "created", "updated"):
            guards._string(getattr(span, name), f"{where}: '{name}'", fail)
        if not isinstance(span.attributes, dict):
            fail(f"{where}: 'attributes' must be an object")
        for key in span.attributes:
            guards._name(key, f"{where}: an attribute name", fail, optional=False)
        guards._json_value(span.attributes, f"{where}: 'attributes'", fail)
    for doc_label in record.doc_labels:
        guards._name(doc_label.label, "a document label", fail, optional=False)
        guards._name(doc_label.annotator, "a document label's annotator", fail)
        guards._string(doc_label.annotator_uuid, "a document label's annotator_id", fail)
    for name in record.done_by:
        guards._name(name, "a 'done_by' name", fail, optional=False)


def _outcome(check: Any, *args: Any) -> Any:
    """What ``check`` returns, or the message and line of the ``ImportFormatError`` it raises."""
    try:
        return check(*args)
    except ImportFormatError as error:
        return ("failed", error.message, error.line)


GOOD_TEXTS = [None, "ana", "Ан", "😀", "2024-01-17T00:00:00.000Z"]
SPAN_FIELDS = {"start": [-2, 12, True, 1.0, "1", None], "end": [-2, 12, True, 1.0, None],
               "label": TEXTS, "text": TEXTS, "annotator": TEXTS, "annotator_uuid": TEXTS, "attributes": ATTRIBUTES,
               "note": TEXTS, "uuid": TEXTS, "created": TEXTS, "updated": TEXTS, "reviewer": TEXTS}
ARTICLE_FIELDS = {"text": ARTICLE_TEXTS, "title": TEXTS, "external_id": TEXTS, "source": TEXTS, "url": TEXTS,
                  "published": TEXTS, "language": TEXTS, "meta": META}


@st.composite
def faulty_records(draw: st.DrawFn) -> ArticleRecord:
    """A record every check passes, then up to three of its fields set to anything (often bad)."""
    good = st.sampled_from(GOOD_TEXTS)
    article = Article(draw(st.sampled_from(["tt", "Ан 😀 x"])), draw(st.sampled_from(["", "T", "Ан"])),
                      draw(good), draw(good), draw(good), draw(good), draw(good))
    spans = [Annotation(draw(st.integers(0, 3)), draw(st.integers(1, 9)), draw(st.sampled_from(["Speaker", "😀"])),
                        draw(good), draw(good), draw(good), {}, draw(st.sampled_from(["", "n"])), "imported",
                        draw(good), draw(good), draw(good), None, draw(good))
             for _ in range(draw(st.integers(0, 3)))]
    doc_labels = [DocLabel("Stance", draw(good), draw(good)) for _ in range(draw(st.integers(0, 1)))]
    done_by = [draw(st.sampled_from(["ana", "😀"])) for _ in range(draw(st.integers(0, 1)))]
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["article", "span", "doc_label", "done_by"]))
        if where == "article":
            name = draw(st.sampled_from(sorted(ARTICLE_FIELDS)))
            setattr(article, name, draw(st.sampled_from(ARTICLE_FIELDS[name])))
        elif where == "span" and spans:
            name = draw(st.sampled_from(sorted(SPAN_FIELDS)))
            setattr(draw(st.sampled_from(spans)), name, draw(st.sampled_from(SPAN_FIELDS[name])))
        elif where == "doc_label" and doc_labels:
            name = draw(st.sampled_from(["label", "annotator", "annotator_uuid"]))
            setattr(doc_labels[0], name, draw(st.sampled_from(TEXTS)))
        elif where == "done_by" and done_by:
            done_by[0] = draw(st.sampled_from(TEXTS))
    return ArticleRecord(article, spans, doc_labels, done_by, line=3)


@CHECKS
@given(record=faulty_records())
def test_check_record_fails_as_the_field_by_field_check(record):
    assert _outcome(guards.check_record, record) == _outcome(_reference_check_record, record)


def test_each_field_set_to_each_bad_value_fails_as_the_field_by_field_check():
    def good() -> ArticleRecord:
        spans = [Annotation(0, 2, "Speaker", "Ан", "ana", "u1", {}, "n", "imported", "s1", "2024", "2024", None, "budi")
                 for _ in range(2)]
        return ArticleRecord(Article("Ан 😀 x", "T", "a1", "s", "u", "2024", "id"), spans,
                             [DocLabel("Stance", "ana", "u1")], ["ana"], line=3)

    cases = [("article", name, value) for name, values in ARTICLE_FIELDS.items() for value in values]
    cases += [(f"span {n}", name, value) for n in (0, 1) for name, values in SPAN_FIELDS.items() for value in values]
    cases += [("doc_label", name, value) for name in ("label", "annotator", "annotator_uuid") for value in TEXTS]
    cases += [("done_by", "0", value) for value in TEXTS]
    assert _outcome(guards.check_record, good()) is None
    for where, name, value in cases:
        record = good()
        if where == "article":
            setattr(record.article, name, value)
        elif where.startswith("span"):
            setattr(record.annotations[int(where[-1])], name, value)
        elif where == "doc_label":
            setattr(record.doc_labels[0], name, value)
        else:
            record.done_by[0] = value
        assert _outcome(guards.check_record, record) == _outcome(_reference_check_record, record), (where, name)


def test_a_record_with_every_field_usual_passes_and_keeps_the_bytes_it_encoded():
    article = Article("Lavrov bertemu Choe 😀.", "Judul", "a1", "bench", None, "2024-01-17", "id")
    span = Annotation(0, 6, "Speaker", "Lavrov", "ana", None, {}, "", "imported", None, "2024", None, None, None)
    record = ArticleRecord(article, [span], line=1)
    guards.check_record(record)
    assert record.checked_utf8 == (article.text, article.text.encode())


def _reference_annotation(item: Any, number: int, shift: LineEndingShift, line: int | None) -> Annotation:
    """``records._annotation`` before its fast path."""
    if not isinstance(item, dict):
        raise ImportFormatError(f"annotation {number} is not an object", line=line)
    get = item.get
    label = get("label")
    if label is not None and not isinstance(label, str):
        raise ImportFormatError(f"annotation {number}: 'label' must be text, got {guards.clip(label)}", line=line)
    if not isinstance(label, str) or not (name := label.strip()):
        raise ImportFormatError(f"annotation {number} has no label", line=line)
    start, end = get("start"), get("end")
    covered = get("text")
    try:
        if type(start) is not int or type(end) is not int:
            raise InvalidSpan(f"offsets must be whole numbers, got start={guards.clip(start)} end={guards.clip(end)}")
        if covered is not None and not isinstance(covered, str):
            raise InvalidSpan("'text' must be a string")
        if shift.changed:
            start, end = shift.map(start), shift.map(end)
            covered = covered if covered is None else LineEndingShift(covered).text
        check_span(shift.text, start, end, covered)
    except InvalidSpan as error:
        raise ImportFormatError(f"annotation {number} ({label}): {error}", line=line) from None
    attributes = get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ImportFormatError(f"annotation {number}: 'attributes' must be an object", line=line)
    origin = get("origin") or "imported"
    if origin not in ORIGINS:
        raise ImportFormatError(f"annotation {number}: origin must be one of {', '.join(ORIGINS)}", line=line)
    annotator, annotator_uuid, note, span_uuid, created, updated, reviewer = records._strings(
        item, records._SPAN_STRINGS, line)
    for stamp, key in ((created, "created"), (updated, "updated")):
        try:
            if stamp is not None:
                datetime.fromisoformat(stamp)
        except ValueError:
            raise ImportFormatError(f"annotation {number}: '{key}' must be a date and time (ISO 8601, as "
                                    f"2024-05-14T09:30:00Z), got {guards.clip(stamp)}", line=line) from None
    return Annotation(start, end, name, shift.text[start:end], annotator, annotator_uuid, attributes, note or "",
                      origin, span_uuid, created, updated, None, reviewer)


SOURCE_TEXTS = ["Lavrov bertemu Choe 😀 di Moskow.", "Lavrov\r\nbertemu\rChoe.\r\n", "Ан"]
SPAN_KEYS = {"start": [-1, 40, 1.0, True, "2", None], "end": [-1, 40, 2.0, None], "label": [" Speaker ", "", " ", 3],
             "text": ["Lavrov", "avrov", "\r\n", "\n", "", 5], "annotator": [None, 5, 2.5, [], True],
             "annotator_id": [7], "note": [None, 1], "id": [3], "created": [2024, "2024", "later"], "updated": [{}],
             "reviewer": [False],
             "attributes": [{"k": "v"}, None, [], "x"], "origin": ["manual", "", None, "robot", ["x"]]}


@st.composite
def span_items(draw: st.DrawFn) -> tuple[Any, str]:
    """A native span of one of ``SOURCE_TEXTS`` (given as the file has it: offsets and covered
    text against the original line endings), then up to three of its keys set to anything or
    dropped; sometimes not an object at all."""
    source = draw(st.sampled_from(SOURCE_TEXTS))
    start = draw(st.integers(0, len(source) - 1))
    end = draw(st.integers(start + 1, len(source)))
    shift = draw(st.integers(-1, 1))  # the covered text taken one place off, now and then
    item: Any = {"start": start, "end": end, "label": "Speaker",
                 "text": source[max(start + shift, 0):end + shift] if shift else source[start:end],
                 "annotator": "ana", "annotator_id": "u1", "note": "n", "id": "s1", "created": "2024-01-17",
                 "updated": "2024-01-17T09:30:00.000Z", "reviewer": "budi", "attributes": {}, "origin": "imported"}
    for key in draw(st.lists(st.sampled_from(sorted(item)), unique=True)):
        if draw(st.booleans()):
            del item[key]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(sorted(SPAN_KEYS)))
        item[key] = draw(st.sampled_from(SPAN_KEYS[key]))
    return draw(st.sampled_from([item, item, item, item, None, [], "span"])), source


@CHECKS
@given(drawn=span_items())
def test_native_spans_are_read_as_the_field_by_field_reader_read_them(drawn):
    item, source = drawn
    shift = LineEndingShift(source)
    assert _outcome(records._annotation, item, 2, shift, 4) == _outcome(_reference_annotation, item, 2, shift, 4)


def test_a_native_record_keeps_its_fields_and_extra_keys_in_meta():
    data = {"id": 7, "title": "T", "text": "Lavrov.", "source": "s", "published": 2024, "language": "id",
            "meta": {"m": 1}, "extra": [1], "annotations": [{"start": 0, "end": 6, "label": "Speaker",
                                                            "text": "Lavrov", "annotator": "ana"}]}
    record = records.record_from_mapping(data, records.FieldMap(), line=2)
    assert record.article == Article("Lavrov.", "T", "7", "s", None, "2024", "id", {"extra": [1], "m": 1})
    assert record.annotations == [Annotation(0, 6, "Speaker", "Lavrov", "ana")]
    with pytest.raises(ImportFormatError, match="'annotations' must be a list"):
        records.record_from_mapping({"text": "t", "annotations": 0}, records.FieldMap(), line=2)


@CHECKS
@given(raw=st.lists(st.sampled_from([b"[", b"{", b"]", b"}", b"a", "\u00e9".encode(), b"\\[", b'"{"']), max_size=300)
       .map(b"".join), limit=st.sampled_from([3, 16, 17, 100]))
def test_many_brackets_counts_as_counting_every_byte(raw, limit):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(guards, "MAX_JSON_DEPTH", limit)
        assert jsonio.many_brackets(raw) == (raw.count(b"[") + raw.count(b"{") > limit)


@pytest.mark.parametrize("text", ["Lavrov bertemu Choe.", "Ан 😀 café", "a" * 5000])
def test_a_checked_record_hashes_the_bytes_it_was_checked_with_while_its_text_is_the_same(text):
    record = ArticleRecord(Article(text))
    guards.check_record(record)
    assert record.checked_utf8 is not None and record.text_hash() == text_hash(text)
    record.article.text = text + " changed"
    assert record.text_hash() == text_hash(text + " changed")
    assert ArticleRecord(Article(text)).text_hash() == text_hash(text)  # never checked: hashed from the text


def test_the_importer_reports_an_annotator_problem_before_a_span_problem():
    text = "Lavrov bertemu Choe."
    record = ArticleRecord(Article(text), [Annotation(5, 2, "Speaker", None, "ana"),
                                           Annotation(0, 6, "Speaker", "Lavrov", None)])
    known = {}
    with pytest.raises(imports._BadRecord, match="annotation 2 names no annotator"):
        imports._check_record(None, record, None, known, None)  # type: ignore[arg-type]
    with pytest.raises(imports._BadRecord, match=r"annotation 1 \(Speaker\): span \[5, 2\)"):
        imports._check_record(None, record, "budi", known, None)  # type: ignore[arg-type]


def test_parse_batches_are_sized_to_what_a_chunk_writes(monkeypatch):
    pace = imports._Pace()
    assert pace.batch_cost() == math.inf  # no chunk timed yet: the first batch is FIRST_BATCH_RECORDS
    monkeypatch.setattr(imports, "CHUNK_SECONDS", 0.15)
    pace.chunked(30_000, 0.1)
    pace.chunked(30_000, 0.2)
    assert pace.batch_cost() == pytest.approx(0.15 * 60_000 / 0.3)


def test_texts_stored_from_their_checked_bytes_are_text_and_found(tmp_path):
    from annotator.project import Project

    texts = ["Lavrov bertemu Choe 😀 di Москва.", "Plain ASCII text about ASEAN.", "Ан café naïve تعاون 협력"]
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps({"text": text, "language": "id"}, ensure_ascii=False) + "\n"
                              for text in texts), encoding="utf-8")
    project = Project.open(tmp_path / "p.annotator")
    assert project.import_paths([source]).imported == 3
    rows = project._store.conn.execute("SELECT typeof(text), text, text_hash FROM articles ORDER BY id").fetchall()
    assert rows == [("text", text, text_hash(text)) for text in texts]
    assert [hit["id"] for hit in project._store.search("Москва")] == [1]
    assert [hit["id"] for hit in project._store.search("cafe")] == [3]
    project.close()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12)
LINE_TEXTS = st.sampled_from(["1e400", "-1e999", '"\\ud800"', '"a\\udfffb"', "NaN", "-Infinity", "18446744073709551616",
                              "-0", "0.1", "1E-400", '"\\u0000"', '"😀"', '"\\ud83d\\ude00"'])


def _lines_of(tmp_path, lines: list[str]) -> tuple[list[tuple[int, Any, int]], list[ImportFormatError]]:
    """What ``json_lines`` reads of a file of ``lines``, and the bad lines it reports."""
    path = tmp_path / "v.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    bad: list[ImportFormatError] = []
    return [*jsonio.json_lines(path, bad.append)], bad


@CHECKS
@given(value=JSON_VALUES, raw=LINE_TEXTS)
def test_a_jsonl_line_is_read_as_json_reads_it(tmp_path_factory, value, raw):
    # msgspec reads a line first; what it refuses (big integers, NaN, lone surrogates, numbers
    # beyond a float) falls back to json, so every line reads as json.loads reads it.
    tmp_path = tmp_path_factory.mktemp("lines")
    lines = [json.dumps({"value": value, "raw": 0}).replace('"raw": 0', f'"raw": {raw}'), json.dumps(value)]
    read, bad = _lines_of(tmp_path, lines)
    assert not bad
    assert [json.dumps(v, sort_keys=True) for _, v, _ in read] == [json.dumps(json.loads(line), sort_keys=True)
                                                                   for line in lines]


def test_lines_orjson_refuses_are_reported_as_json_words_them(tmp_path):
    read, bad = _lines_of(tmp_path, ['{"text": "a"}', "{broken", '{"a": 1} x', "[" * 200 + "]" * 200])
    assert [line for line, _, _ in read] == [1]
    assert [(error.line, error.message.split(":")[0]) for error in bad] == [
        (2, "invalid JSON"), (3, "invalid JSON"), (4, f"JSON nested more than {guards.MAX_JSON_DEPTH} levels deep")]
