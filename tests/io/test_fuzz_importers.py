"""Every importer fed hostile input (issue 10): random bytes, truncations and mutations of a
valid file (NULs, byte-order marks, bytes that are not UTF-8, escaped lone surrogates, deep
nesting, numbers of thousands of digits), and hand-made cases of each kind of damage.

Whatever comes in, only ``AnnotatorError`` comes out; the report names the file (and the line,
where there is one); a file refused whole leaves the project file byte for byte as it was; a
good file later in the same batch is still imported. Hypothesis runs derandomized, without an
example database and without deadlines, so the runs are the same every time and never flake.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.io import guards
from annotator.io.records import FieldMap
from annotator.io.sources import READERS, RECORD_FORMATS
from annotator.model.errors import AnnotatorError, ImportFormatError
from annotator.project import Project

TEXT = "Officials rejected Western hegemony and called for negotiations."
TOKENS = [("Officials", 0, 9), ("rejected", 10, 18), ("Western", 19, 26), ("hegemony", 27, 35), ("and", 36, 39),
          ("called", 40, 46), ("for", 47, 50), ("negotiations", 51, 63), (".", 63, 64)]


def _lines(*objects: object) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")


def _webanno() -> bytes:
    labels = {1: "AntiImperialist[1]", 2: "AntiImperialist[1]", 3: "AntiImperialist[1]", 5: "Call[2]", 6: "Call[2]",
              7: "Call[2]"}
    rows = [f"1-{i + 1}\t{b}-{e}\t{t}\t{labels.get(i, '_')}" for i, (t, b, e) in enumerate(TOKENS)]
    return ("#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.Stance|label\n\n\n#Text=" + TEXT + "\n"
            + "\n".join(rows) + "\n").encode("utf-8")


PAGE = ("<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        + "".join(f"<p>{TEXT} Paragraph {i} says more about the talks in the capital.</p>" for i in range(4))
        + "</article></body></html>").encode("utf-8")

# A valid file of each format: (file name, bytes). brat's .ann goes with BRAT_TEXT beside it.
BRAT_TEXT = TEXT.encode("utf-8")
SAMPLES: dict[str, tuple[str, bytes]] = {
    "txt": ("a.txt", (TEXT + "\n").encode()),
    "md": ("a.md", f"# Talks\n\n{TEXT}\n".encode()),
    "html": ("a.html", PAGE),
    "jsonl": ("a.jsonl", _lines(
        {"id": "x1", "title": "Talks", "text": TEXT, "meta": {"desk": "world", "n": [1, 2]},
         "annotations": [{"start": 10, "end": 35, "label": "Anti", "text": "rejected Western hegemony",
                          "annotator": "ana", "attributes": {"speaker": "MFA"}, "note": "quote"}],
         "doc_labels": [{"label": "Talks", "annotator": "ana"}], "done_by": ["ana"]},
        {"text": TEXT + " Again."})),
    "json": ("a.json", json.dumps([{"text": TEXT, "title": "Talks"}, {"text": TEXT + " Twice."}]).encode()),
    "csv": ("a.csv", f'id,title,text\n1,Talks,"{TEXT}"\n2,More,"{TEXT} More."\n'.encode()),
    "doccano": ("a.jsonl", _lines(
        {"id": 1, "text": TEXT, "label": [[10, 35, "Anti"], [40, 63, "Call"]], "Comments": []},
        {"id": 2, "text": TEXT + " Again.",
         "entities": [{"id": 0, "start_offset": 10, "end_offset": 35, "label": "Anti"}],
         "relations": [{"id": 0, "from_id": 0, "to_id": 0, "type": "R"}]})),
    "prodigy": ("a.jsonl", _lines(
        {"text": TEXT, "spans": [{"start": 10, "end": 35, "label": "ANTI"}], "answer": "accept",
         "meta": {"source": "wire"}, "_annotator_id": "stance-alice", "_input_hash": 1},
        {"text": TEXT + " No.", "answer": "reject"})),
    "labelstudio": ("a.json", json.dumps([{"id": 1, "data": {"text": TEXT, "title": "Talks"}, "annotations": [
        {"id": 7, "completed_by": 2, "result": [
            {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": 10, "end": 35, "text": "rejected Western hegemony", "labels": ["Anti"]}},
            {"id": "r1", "from_name": "note", "to_name": "text", "type": "textarea",
             "value": {"start": 10, "end": 35, "text": ["a note"]}},
            {"id": "d", "from_name": "doc_label", "to_name": "text", "type": "choices",
             "value": {"choices": ["Talks"]}}]}], "predictions": []}]).encode()),
    "brat": ("a.ann", (b"T1\tAntiImperialist 10 35\trejected Western hegemony\n"
                       b"T2\tCall 40 63\tcalled for negotiations\n"
                       b"A1\tIntensity T1 Strong\nR1\tRespondsTo Arg1:T2 Arg2:T1\n#1\tAnnotatorNotes T2\tMFA\n"
                       b"T3\tTrigger 0 9\tOfficials\nE1\tTrigger:T3\n")),
    "webanno-tsv3": ("a.tsv", _webanno()),
}
FORMATS = list(SAMPLES)

# Pieces that break parsers, inserted into valid files.
NASTY = [b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"\\ud800"', b"\\udc00",
         b"\\u0000", b"\t", b"\r", b"\n", b"\r\n", b'"', b"{", b"[", b"]", b"}", b",", b":", b"-", b";", b"\\",
         b"[" * 3000, b"{\"a\":" * 2000, b"9" * 5000, b"-" + b"1" * 4400, b"1e999", b"NaN", b"null", b"5",
         b'"abc"', b"[]", b"{}", b"true", b"\t\t\t", b"E1\t", b"T9\tX 5 1\tx", b"1-1\t99999999-99999999\tx\t_",
         b"#Text=", b"#T_SP=a|b", "\u2028".encode(), "🇺🇸".encode()]


def _mutations(sample: bytes) -> st.SearchStrategy[bytes]:
    edit = st.tuples(st.integers(0, len(sample)), st.one_of(st.sampled_from(NASTY), st.binary(max_size=8)),
                     st.integers(0, 6))

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = sample
        for position, piece, cut in draw(st.lists(edit, min_size=1, max_size=3)):
            position = min(position, len(data))
            data = data[:position] + piece + data[position + cut:]
        return data

    return mutated()


# Values of the wrong type (or a right type with a wrong value) for any place in a JSON record.
WRONG_VALUES = st.one_of(
    st.sampled_from([5, -1, 0, "abc", "", [], {}, None, True, 10**40, 1.5, float("nan"), float("inf"), "\ud800",
                     "\x00", [[[]]], {"a": None}, [5, 1, "X"], [0, 10**6, "X"], [10, 35, 7], {"start": 9, "end": 2},
                     ["Anti", 5], "x" * 2000]),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                 max_leaves=6))
JSON_LINES = {"jsonl", "doccano", "prodigy"}
JSON_DOCUMENTS = {"json", "labelstudio"}


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place in a JSON value, as the keys and indexes that lead to it."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replaced(value: object, path: tuple[object, ...], new: object) -> object:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)  # type: ignore[call-overload]
    copy[head] = _replaced(copy[head], tuple(rest), new)
    return copy


def _json_mutations(fmt: str) -> st.SearchStrategy[bytes]:
    """The sample's records with one to three places given a value of the wrong type."""
    sample = SAMPLES[fmt][1]
    lines = fmt in JSON_LINES
    parsed: object = [json.loads(line) for line in sample.splitlines()] if lines else json.loads(sample)

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        value = parsed
        for _ in range(draw(st.integers(1, 3))):
            value = _replaced(value, draw(st.sampled_from(_paths(value))), draw(WRONG_VALUES))
        if lines and isinstance(value, list):
            return "".join(json.dumps(item) + "\n" for item in value).encode()
        return json.dumps(value).encode()

    return mutated()


def inputs(fmt: str) -> st.SearchStrategy[bytes]:
    """Random bytes, a truncation of the valid sample, the sample with nasty pieces put in, or
    (JSON formats) with values of the wrong type put in its records."""
    sample = SAMPLES[fmt][1]
    choices = [st.binary(max_size=300), st.integers(0, len(sample)).map(lambda n: sample[:n]), _mutations(sample)]
    if fmt in JSON_LINES | JSON_DOCUMENTS:
        choices += [_json_mutations(fmt), _json_mutations(fmt)]  # twice: the likeliest to find a bug
    return st.one_of(choices)


FUZZ = settings(max_examples=45, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FUZZ_PROJECT = settings(FUZZ, max_examples=15)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def fuzz_project():
    """One in-memory project for every generated example: they only need somewhere to go."""
    project = Project.memory()
    yield project
    project.close()


def place(folder: Path, fmt: str, data: bytes, name: str | None = None) -> Path:
    """Write ``data`` as a file of ``fmt`` in ``folder`` (for brat, the .ann beside a good .txt)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or SAMPLES[fmt][0])
    path.write_bytes(data)
    if fmt == "brat":
        path.with_suffix(".txt").write_bytes(BRAT_TEXT)
    return path


def read_everything(fmt: str, path: Path, *, per_record: bool) -> None:
    """Run the reader to its end and check every record it yields, as an import does; only
    ``AnnotatorError`` may come out."""
    options: dict[str, object] = {}
    if per_record and fmt in RECORD_FORMATS:
        options["on_bad_record"] = lambda error: None
    if fmt == "brat":
        options["root"] = path.parent
    with contextlib.suppress(AnnotatorError):
        for record in READERS[fmt](path, FieldMap(), [], **options):
            with contextlib.suppress(ImportFormatError):
                guards.check_record(record)


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_readers_raise_only_annotator_errors(fmt, data, workdir):
    content = data.draw(inputs(fmt))
    path = place(workdir / "readers" / fmt, fmt, content)
    read_everything(fmt, path, per_record=True)
    if fmt in RECORD_FORMATS:
        read_everything(fmt, path, per_record=False)


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ_PROJECT
@given(data=st.data())
def test_imports_report_every_failure_and_go_on_to_the_next_file(fmt, data, workdir, fuzz_project):
    content = data.draw(inputs(fmt))
    bad = place(workdir / "project" / fmt / "bad", fmt, content)
    good = place(workdir / "project" / fmt / "good", fmt, SAMPLES[fmt][1])
    report = fuzz_project.import_paths([bad, good], format=fmt, annotator="fuzz")
    assert str(good) in report.files_imported, report.failed
    for problem in [*report.failed, *report.bad_records]:
        assert problem.path == str(bad) and str(problem).startswith(str(bad))
        assert "please report" not in problem.reason  # no reader broke on the input
        assert "\n" not in str(problem) and len(problem.reason) <= guards.MAX_MESSAGE_CHARS + 3


# -- hand-made damage ------------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b"7" * 1_000_000


def _task(start: int, end: int, **value: object) -> dict[str, object]:
    return {"data": {"text": TEXT}, "annotations": [{"result": [
        {"id": "r", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": start, "end": end, "labels": ["Anti"], **value}}]}]}


# (case, format, file content, the line the report must name or None): each refused whole.
WHOLE = [
    ("doccano-not-utf8", "doccano", b'{"text": "ok"}\n' + '{"text": "déjà vu"}\n'.encode("cp1252"), 2),
    ("prodigy-not-utf8", "prodigy", '{"text": "Übereinkommen"}\n'.encode("cp1252"), 1),
    ("webanno-not-utf8", "webanno-tsv3", b"#FORMAT=WebAnno TSV 3.3\n\n#Text=d\xe9j\xe0\n1-1\t0-4\td\xe9j\xe0\t_\n", 3),
    ("brat-ann-not-utf8", "brat", b"T1\tX 0 9\tOfficials\nT2\tX 10 18\tr\xe9jected\n", 2),
    ("brat-event-without-trigger", "brat", b"T1\tX 0 9\tOfficials\nE1\t\n", 2),
    ("brat-offsets-of-a-million-digits", "brat", b"T1\tX 0 " + HUGE_INT + b"\tOfficials\n", 1),
    ("brat-offset-far-outside", "brat", b"T1\tX 0 50000000\tOfficials\n", 1),
    ("jsonl-nested-100k-deep", "jsonl", DEEP + b"\n", 1),
    ("json-nested-100k-deep", "json", b'[{"text": "a", "meta": ' + DEEP + b"}]", 1),
    ("labelstudio-nested-100k-deep", "labelstudio", DEEP, 1),
    ("doccano-list-nested-100k-deep", "doccano", b"[" + DEEP + b"]", 1),
    ("json-million-digit-number", "json", b'[\n{"text": "a", "n": ' + HUGE_INT + b"}]", 2),
    ("labelstudio-million-digit-number", "labelstudio", b'[{"data": {"text": "a"}, "id": ' + HUGE_INT + b"}]", 1),
    ("webanno-token-at-utf16-offset-5e7", "webanno-tsv3",
     b"#FORMAT=WebAnno TSV 3.3\n#T_SP=x|label\n\n\n#Text=abc\n1-1\t50000000-50000003\tabc\tX\n", 6),
    ("webanno-million-digit-offset", "webanno-tsv3", b"#FORMAT=WebAnno TSV 3.3\n#Text=a\n1-1\t0-" + HUGE_INT
     + b"\ta\t_\n", 3),
    ("webanno-million-digit-stack-id", "webanno-tsv3", b"#FORMAT=WebAnno TSV 3.3\n#T_SP=x|label\n#Text=ab\n"
     b"1-1\t0-2\tab\tX[" + HUGE_INT + b"]\n", None),
    ("txt-nul", "txt", b"Officials\x00 rejected", None),
    ("txt-broken-utf16-bom", "txt", b"\xff\xfea\x00\x00\xd8", None),
    ("html-binary", "html", bytes(range(256)) * 8, None),
    ("csv-without-text-column", "csv", b"id,body\n1,x\n", 1),
    ("jsonl-binary", "jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project file with one article in it, copied for each test that compares bytes."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.annotator"
    project = Project.open(path)
    project.import_paths([place(folder, "jsonl", SAMPLES["jsonl"][1])])
    project.close()
    return path


def digest(path: Path) -> str:
    """The project file's bytes (read only while no connection has it open)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("fmt", "content", "line"), [case[1:] for case in WHOLE], ids=[case[0] for case in WHOLE])
def test_a_file_refused_whole_leaves_the_project_file_unchanged(fmt, content, line, tmp_path, template):
    project_path = tmp_path / "p.annotator"
    shutil.copy(template, project_path)
    before = digest(project_path)
    bad = place(tmp_path / "bad", fmt, content)
    project = Project.open(project_path)
    report = project.import_paths([bad], format=fmt, annotator="ana")
    project.close()
    [failure] = report.failed
    assert not report.files_imported and not report.bad_records
    assert str(failure).startswith(str(bad)) and failure.line == line
    if line:
        assert f"{bad}, line {line}" in str(failure)
    assert "please report" not in failure.reason and len(str(failure)) < 1000
    assert digest(project_path) == before


@pytest.mark.parametrize(("fmt", "content"), [case[1:3] for case in WHOLE[::3]], ids=[case[0] for case in WHOLE[::3]])
def test_a_good_file_after_a_refused_one_is_imported(fmt, content, tmp_path):
    project = Project.open(tmp_path / "p.annotator")
    bad = place(tmp_path / "bad", fmt, content)
    good = place(tmp_path / "good", fmt, SAMPLES[fmt][1])
    report = project.import_paths([bad, good], format=fmt, annotator="ana")
    assert [f.path for f in report.failed] == [str(bad)]
    assert report.files_imported == [str(good)] and report.imported >= 1
    project.close()


SURROGATE = "\ud800"

# Records with a lone surrogate (written as the JSON escape "\ud800") in one field.
SURROGATE_RECORDS = {
    "jsonl": [{"text": f"a{SURROGATE}b"}, {"text": "t", "title": SURROGATE}, {"text": "t", "url": SURROGATE},
              {"text": "t", "id": SURROGATE}, {"text": "t", "source": SURROGATE}, {"text": "t", "language": SURROGATE},
              {"text": "t", "published": SURROGATE}, {"text": "t", "meta": {SURROGATE: 1}},
              {"text": "t", "meta": {"k": [SURROGATE]}}, {"text": "t", "extra": SURROGATE},
              {"text": "tt", "annotations": [{"start": 0, "end": 1, "label": SURROGATE, "annotator": "ana"}]},
              {"text": "tt", "annotations": [{"start": 0, "end": 1, "label": "L", "annotator": SURROGATE}]},
              {"text": "tt", "annotations": [{"start": 0, "end": 1, "label": "L", "annotator": "a",
                                              "note": SURROGATE}]},
              {"text": "tt", "annotations": [{"start": 0, "end": 1, "label": "L", "annotator": "a",
                                              "attributes": {"speaker": SURROGATE}}]},
              {"text": "tt", "annotations": [{"start": 0, "end": 1, "label": "L", "annotator": "a",
                                              "annotator_id": SURROGATE}]},
              {"text": "tt", "doc_labels": [{"label": SURROGATE, "annotator": "a"}]},
              {"text": "tt", "done_by": [SURROGATE]}],
    "doccano": [{"text": f"a{SURROGATE}"}, {"text": "tt", "label": [[0, 1, SURROGATE]]},
                {"text": "tt", "title": SURROGATE}, {"text": "tt", "extra": SURROGATE},
                {"text": "tt", "annotator": SURROGATE, "label": [[0, 1, "L"]]}],
    "prodigy": [{"text": SURROGATE}, {"text": "tt", "spans": [{"start": 0, "end": 1, "label": SURROGATE}]},
                {"text": "tt", "meta": {"k": SURROGATE}}, {"text": "tt", "_annotator_id": SURROGATE,
                                                           "spans": [{"start": 0, "end": 1, "label": "L"}]}],
    "labelstudio": [{"data": {"text": SURROGATE}}, {"data": {"text": "tt", "title": SURROGATE}},
                    _task(0, 1) | {"annotations": [{"completed_by": {"email": SURROGATE}, "result": [
                        {"type": "labels", "value": {"start": 0, "end": 1, "labels": ["L"]}}]}]}],
    "json": [{"text": SURROGATE}, {"text": "t", "meta": {"a": {"b": SURROGATE}}}],
}
SURROGATE_CASES = [(fmt, record) for fmt, records in SURROGATE_RECORDS.items() for record in records]


@pytest.mark.parametrize(("fmt", "record"), SURROGATE_CASES,
                         ids=[f"{fmt}-{i}" for i, (fmt, _) in enumerate(SURROGATE_CASES)])
def test_a_lone_surrogate_in_any_field_is_a_bad_record(fmt, record, tmp_path, fuzz_project):
    good = {"labelstudio": {"data": {"text": TEXT}}}.get(fmt, {"text": TEXT})
    if fmt in ("labelstudio", "json"):
        content = ("[" + json.dumps(good) + ",\n" + json.dumps(record) + "]").encode()
    else:
        content = (json.dumps(good) + "\n" + json.dumps(record) + "\n").encode()
    assert b"\\ud800" in content
    path = place(tmp_path, fmt, content)
    report = fuzz_project.import_paths([path], format=fmt, annotator="ana")
    assert not report.failed
    [bad] = report.bad_records
    assert bad.line == 2 and "surrogate" in bad.reason and str(bad).startswith(f"{path}, line 2")
    assert [(f.kept, f.bad) for f in report.files] == [(1, 1)]


@pytest.mark.parametrize(("fmt", "line", "reason"), [
    ("jsonl", b'{"text": "a\\u0000b"}', "NUL character"),
    ("jsonl", b'{"text": "ab", "meta": {"x": NaN}}', "not a number JSON can hold"),
    ("jsonl", b'{"text": "ab", "n": ' + HUGE_INT + b"}", "more than 4,300 digits"),
    ("jsonl", b'{"text": "ab", "meta": ' + b"[" * 150 + b"]" * 150 + b"}", "nested more than 100 levels"),
    ("doccano", b'{"text": "abc", "entities": 5}', "'entities' must be a list"),
    ("doccano", b'{"text": "abc", "relations": 5}', "'relations' must be a list"),
    ("doccano", b'{"text": "abc", "label": [[0, ' + HUGE_INT + b', "X"]]}', "more than 4,300 digits"),
    ("doccano", b'{"text": "abc", "label": [[0, 50000000, "X"]]}', "outside the text"),
    ("prodigy", b'{"text": "abc", "meta": "abc"}', "'meta' must be an object"),
    ("prodigy", b'{"text": "abc", "spans": 5}', "'spans' must be a list"),
    ("prodigy", b'{"text": "abc", "spans": [{"start": 2, "end": 1, "label": "X"}]}', "outside the text"),
])
def test_bad_records_of_every_kind_are_skipped_with_their_line(fmt, line, reason, tmp_path, fuzz_project):
    path = place(tmp_path, fmt, SAMPLES[fmt][1] + line + b"\n")
    report = fuzz_project.import_paths([path], format=fmt, annotator="ana")
    assert not report.failed
    [bad] = report.bad_records
    assert reason in bad.reason and bad.line == SAMPLES[fmt][1].count(b"\n") + 1
    assert len(bad.reason) <= guards.MAX_MESSAGE_CHARS + 3


def test_label_studio_region_with_start_after_end_is_a_bad_task(tmp_path, fuzz_project):
    content = ("[\n" + json.dumps({"data": {"text": TEXT + " One."}}) + ",\n " + json.dumps(_task(35, 10))
               + "\n]").encode()
    path = place(tmp_path, "labelstudio", content)
    report = fuzz_project.import_paths([path], format="labelstudio", annotator="ana")
    [bad] = report.bad_records
    assert bad.reason.startswith("task 2: ") and "[35, 10)" in bad.reason
    assert (bad.line, bad.column) == (3, 2) and report.files[0].kept == 1


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "prodigy", "csv", "webanno-tsv3", "brat", "json", "txt"])
def test_a_byte_order_mark_is_read_past(fmt, tmp_path):
    project = Project.memory()
    path = place(tmp_path, fmt, b"\xef\xbb\xbf" + SAMPLES[fmt][1])
    report = project.import_paths([path], format=fmt, annotator="ana")
    assert report.ok, report.failed or report.bad_records
    assert not any(a.text.startswith("\ufeff") for a in project._store.iter_articles())
    project.close()


# -- documented limits -------------------------------------------------------------------------


def test_a_file_larger_than_the_limit_is_refused_whole(tmp_path, monkeypatch, template):
    monkeypatch.setattr(guards, "MAX_FILE_BYTES", 1024)
    shutil.copy(template, tmp_path / "p.annotator")
    before = digest(tmp_path / "p.annotator")
    big = place(tmp_path / "big", "txt", (TEXT + "\n").encode() * 40)
    small = place(tmp_path / "small", "txt", b"A small one.\n")
    project = Project.open(tmp_path / "p.annotator")
    report = project.import_paths([big], format="txt")
    project.close()
    assert "files read whole may be at most 1,024 bytes" in report.failed[0].reason
    assert digest(tmp_path / "p.annotator") == before
    project = Project.open(tmp_path / "p.annotator")
    assert project.import_paths([big, small]).files_imported == [str(small)]
    project.close()


def test_jsonl_streams_past_the_file_limit_but_not_the_line_limit(tmp_path, monkeypatch, fuzz_project):
    monkeypatch.setattr(guards, "MAX_FILE_BYTES", 1024)
    monkeypatch.setattr(guards, "MAX_LINE_BYTES", 512)
    lines = [json.dumps({"text": f"Article {i} on the talks."}) for i in range(60)]
    lines.insert(30, json.dumps({"text": "long " * 200}))
    path = place(tmp_path, "jsonl", ("\n".join(lines) + "\n").encode())
    report = fuzz_project.import_paths([path], format="jsonl")
    [bad] = report.bad_records
    assert bad.line == 31 and "longer than 512 bytes" in bad.reason
    assert report.files[0].kept == 60


def test_an_article_longer_than_the_limit_is_refused(tmp_path, monkeypatch, fuzz_project):
    monkeypatch.setattr(guards, "MAX_ARTICLE_CHARS", 100)
    path = place(tmp_path, "jsonl", _lines({"text": "short"}, {"text": "x" * 101}))
    report = fuzz_project.import_paths([path], format="jsonl")
    [bad] = report.bad_records
    assert bad.line == 2 and "at most 100 are allowed" in bad.reason
    txt = place(tmp_path, "txt", b"y" * 101)
    assert "101 characters" in fuzz_project.import_paths([txt]).failed[0].reason


def test_a_fifo_named_or_in_a_folder_is_never_read(tmp_path, fuzz_project):
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    place(tmp_path, "txt", (TEXT + "\n").encode())
    report = fuzz_project.import_paths([fifo])
    assert "not a regular file" in report.failed[0].reason
    report = fuzz_project.import_paths([tmp_path])
    assert not report.failed and [Path(p).name for p in report.files_imported] == ["a.txt"]
