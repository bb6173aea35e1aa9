"""The native JSONL line is built key by key: nothing in an article can be taken for its spans."""

from __future__ import annotations

import json

import pytest

from annotator.io.jsonl import record_line, record_to_dict
from annotator.project import Project
from tests.conftest import write_jsonl

# Strings that look like the serialised spans array, or like the keys around it.
TRICKY = '"annotations": [] | "annotations": [ | ], "doc_labels": [] | {"annotations": []} \\"annotations\\": []'


def tricky_record(meta: dict) -> dict:
    text = f"Lavrov 😀 berkata: {TRICKY} — selesai."
    spans = [(0, 6), (7, 8), (text.index('"annotations"'), text.index('"annotations"') + 17), (0, len(text))]
    return {
        "id": "tricky-1", "title": f"Judul {TRICKY}", "text": text, "url": "https://example.org/a",
        "source": '"annotations": []', "published": "2024-01-17", "language": "id", "meta": meta,
        "annotations": [
            {"id": f"span-{i}", "start": start, "end": end, "label": "Quotation", "text": text[start:end],
             "annotator": ("ana", "budi")[i % 2], "attributes": {"annotations": []} if i == 1 else {},
             "note": '"annotations": []' if i == 2 else ""}
            for i, (start, end) in enumerate(spans)
        ],
        "doc_labels": [{"label": "Overall: neutral report", "annotator": "ana"}],
        "done_by": ["ana"],
    }


def export_lines(project: Project, path) -> list[dict]:
    summary = project.export("jsonl", path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert summary.articles == len(lines)
    return [json.loads(line) for line in lines]


def comparable(record: dict) -> dict:
    """The fields a round trip keeps, spans keyed by id (ids and uuids are kept as given)."""
    spans = {span["id"]: (span["start"], span["end"], span["label"], span["text"], span["annotator"],
                          span["attributes"], span["note"]) for span in record["annotations"]}
    return {**{key: record[key] for key in ("id", "title", "text", "url", "source", "published", "language",
                                            "meta", "done_by")}, "annotations": spans}


@pytest.mark.parametrize("meta", [
    {"annotations": "x", "nested": {"annotations": [1]}},
    {"annotations": [], "nested": {"annotations": []}, "doc_labels": []},
])
def test_meta_and_text_that_look_like_spans_round_trip(tmp_path, meta):
    source = tricky_record(meta)
    first = Project.open(tmp_path / "first.annotator")
    assert first.import_paths([write_jsonl(tmp_path / "in.jsonl", [source])]).ok
    (out,) = export_lines(first, tmp_path / "out.jsonl")
    first.close()
    assert out["meta"] == meta
    assert len(out["annotations"]) == len(source["annotations"])
    assert comparable(out) == comparable(source)

    second = Project.open(tmp_path / "second.annotator")
    report = second.import_paths([tmp_path / "out.jsonl"])
    assert report.ok, report.failed
    assert report.annotations_added == len(source["annotations"])
    (again,) = export_lines(second, tmp_path / "again.jsonl")
    second.close()
    assert again == out


def test_fast_line_is_the_line_of_the_record(tmp_path, rich_records):
    """The line from SQLite-built spans decodes to ``record_to_dict`` of the same record."""
    project = Project.open(tmp_path / "p.annotator")
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", [*rich_records, tricky_record({"annotations": []})])])
    pairs = list(zip(project.records(raw="json"), project.records(), strict=True))
    project.close()
    assert any(fast.annotations_json for fast, _ in pairs)
    for fast, slow in pairs:
        line = record_line(fast)
        assert line.endswith("}\n") and line.count("\n") == 1
        assert json.loads(line) == record_to_dict(slow)
        assert list(json.loads(line)) == list(record_to_dict(slow))  # same keys, same order
