"""Import batches, the lossless JSONL round trip, export filters."""

from __future__ import annotations

import io
import itertools
import json

import pytest

from annotator.io.exporting import ExportFilter
from annotator.io.records import FieldMap
from annotator.model.errors import AnnotatorError, NotFound
from annotator.project import Project
from tests.conftest import SAMPLE, write_jsonl


def exported(project: Project, **filters) -> list[dict]:
    out = io.StringIO()
    project.export_jsonl(out, **filters)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def normalised(records: list[dict]) -> list[dict]:
    """Order-independent form: annotations sorted by id."""
    result = []
    for record in records:
        record = dict(record)
        record["annotations"] = sorted(record["annotations"], key=lambda a: a["id"])
        record["done_by"] = sorted(record["done_by"])
        result.append(record)
    return result


def test_native_jsonl_round_trip_is_lossless(tmp_path, rich_records, project_path):
    source = write_jsonl(tmp_path / "in.jsonl", rich_records)
    project = Project.open(project_path)
    report = project.import_paths([source])
    assert report.ok, report.failed
    assert report.imported == len(rich_records)
    assert report.annotations_added == sum(len(r["annotations"]) for r in rich_records)
    assert "Label with spaces & ümlauts" in report.labels_added
    out = exported(project)
    assert normalised(out) == normalised(rich_records)
    for record in out:
        for span in record["annotations"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
    project.close()

    # Exported file into a fresh project, and out again: identical.
    second_source = write_jsonl(tmp_path / "out.jsonl", out)
    fresh = Project.open(tmp_path / "fresh.annotator")
    assert fresh.import_paths([second_source]).ok
    assert normalised(exported(fresh)) == normalised(rich_records)


def test_importing_twice_changes_nothing(tmp_path, rich_records, project):
    source = write_jsonl(tmp_path / "in.jsonl", rich_records)
    project.import_paths([source])
    before = exported(project)
    again = project.import_paths([source])
    assert (again.imported, again.skipped, again.annotations_added) == (0, len(rich_records), 0)
    assert exported(project) == before


def test_spans_without_ids_match_by_article_annotator_offsets_and_label(tmp_path, project):
    record = {"text": "Lavrov mengkritik AS", "annotations": [
        {"start": 0, "end": 6, "label": "Quotation", "annotator": "ana"}]}
    source = write_jsonl(tmp_path / "a.jsonl", [record])
    project.import_paths([source])
    report = project.import_paths([source])
    assert (report.annotations_added, report.annotations_existing) == (0, 1)
    assert len(project.annotations(1)) == 1


def test_reimported_text_merges_new_annotations_into_the_existing_article(tmp_path, project):
    text = "Lavrov mengkritik AS"
    project.import_paths([write_jsonl(tmp_path / "a.jsonl", [{"text": text}])])
    report = project.import_paths([write_jsonl(tmp_path / "b.jsonl", [{"text": text, "title": "other", "annotations": [
        {"start": 7, "end": 17, "label": "Blame / threat attribution", "annotator": "budi"}]}])])
    assert (report.imported, report.skipped, report.annotations_added) == (0, 1, 1)
    assert project._store.article_count() == 1


def test_bad_records_are_skipped_and_broken_files_reported_and_the_rest_imported(tmp_path, project):
    good = tmp_path / "good.txt"
    good.write_text("Artikel yang baik.", encoding="utf-8")
    bad = write_jsonl(tmp_path / "bad.jsonl", [
        {"text": "first article is fine"},
        {"text": "abc", "annotations": [{"start": 0, "end": 2, "label": "X", "text": "zz", "annotator": "ana"}]},
    ])
    broken_json = tmp_path / "broken.jsonl"
    broken_json.write_text('{"text": "ok"}\n{"text": \n')
    missing = tmp_path / "missing.txt"
    report = project.import_paths([good, bad, broken_json, missing])
    assert report.imported == 3
    assert [f.path.rsplit("/", 1)[-1] for f in report.failed] == ["missing.txt"]
    assert "no such file" in report.failed[0].reason
    bad_records = {b.path.rsplit("/", 1)[-1]: b for b in report.bad_records}
    assert set(bad_records) == {"bad.jsonl", "broken.jsonl"}
    assert bad_records["bad.jsonl"].line == 2
    assert "covers 'ab' in the article, but the file says 'zz'" in bad_records["bad.jsonl"].reason
    assert (bad_records["broken.jsonl"].line, bad_records["broken.jsonl"].column) == (2, 10)
    assert [(f.kept, f.bad) for f in report.files] == [(1, 0), (1, 1), (1, 1)]
    # The bad record's article is not stored; the good records of both files are.
    assert sorted(a.text for a in project._store.iter_articles()) == [
        "Artikel yang baik.", "first article is fine", "ok"]
    assert not report.ok


def test_offsets_inside_grapheme_clusters_are_stored_as_given(tmp_path, project):
    text = "Keluarga 👩\u200d👩\u200d👧 dan bendera 🇮🇩 e\u0301"
    family = text.index("👩")
    flag = text.index("🇮🇩")
    spans = [(family, family + 1), (flag + 1, flag + 2), (len(text) - 1, len(text))]
    record = {"text": text, "annotations": [
        {"start": s, "end": e, "label": "Quotation", "annotator": "ana", "text": text[s:e]} for s, e in spans]}
    assert project.import_paths([write_jsonl(tmp_path / "a.jsonl", [record])]).ok
    assert [(a.start, a.end) for a in project.annotations(1)] == spans


def test_annotations_without_annotator_need_one(tmp_path, project):
    source = write_jsonl(tmp_path / "a.jsonl", [{"text": "abc", "annotations": [{"start": 0, "end": 1, "label": "X"}]}])
    report = project.import_paths([source])
    assert "names no annotator; give one with --annotator" in report.bad_records[0].reason
    assert project._store.article_count() == 0 and not report.ok
    report = project.import_paths([source], annotator="citra")
    assert report.ok
    assert project.annotations(1)[0].annotator == "citra"


def test_identity_clash_rejects_the_file(tmp_path, project):
    project.annotator("ana")
    source = write_jsonl(tmp_path / "a.jsonl", [{"text": "abc", "annotations": [
        {"start": 0, "end": 1, "label": "X", "annotator": "ana",
         "annotator_id": "99999999-9999-4999-8999-999999999999"}]}])
    report = project.import_paths([source])
    assert "already has a different 'ana'" in report.failed[0].reason
    assert project._store.article_count() == 0


def test_folder_import_with_csv_and_html_and_generic_fields(tmp_path, project):
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.txt").write_text("Satu.")
    (folder / "nested" / "b.md").write_text("# Dua\n\nIsi.")
    (folder / "c.csv").write_text("headline,body\nTiga,Isi tiga\n")
    report = project.import_paths([folder], fields=FieldMap(text="body", title="headline", generic=True))
    assert report.ok, report.failed
    assert sorted(a.title for a in project._store.iter_articles()) == ["Dua", "Satu.", "Tiga"]


def test_export_filters(tmp_path, rich_records, project):
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)])
    only_budi = exported(project, annotators=["budi"])
    assert {a["annotator"] for r in only_budi for a in r["annotations"]} == {"budi"}
    assert all(r["doc_labels"] == [] for r in only_budi)
    quotes = exported(project, labels=["Quotation"])
    assert {a["label"] for r in quotes for a in r["annotations"]} == {"Quotation"}
    done_budi = exported(project, annotators=["budi"], done_only=True)
    assert len(done_budi) == sum(1 for r in rich_records if "budi" in r["done_by"])
    assert all(r["done_by"] == ["budi"] for r in done_budi)
    done_any = exported(project, done_only=True)
    assert len(done_any) == len(rich_records)
    with pytest.raises(NotFound, match="no annotator called 'nobody'"):
        exported(project, annotators=["nobody"])
    with pytest.raises(NotFound, match="no label called"):
        exported(project, labels=["Nope"])


def test_stats_and_search(tmp_path, project):
    project.import_paths([SAMPLE])
    figures = project.stats()
    assert figures["articles"] == 1
    assert "Quotation" in figures["labels"]
    assert project.search("perundingan")[0]["title"] == "choe-lavrov-2024-01-17.id"


def test_stats_count_in_progress_as_the_article_list_shows_it(project):
    """The list shows an article with your spans as in progress until you mark it done; stats
    counted only articles marked in progress (0 where the window listed 2)."""
    from annotator.model.commands import AddSpan, SetStatus
    from annotator.model.types import Article

    with project._store.write():
        ids = [project._store.add_article(Article(text=f"Artikel {n} tentang NATO."))[0] for n in range(4)]
    label = project.codebook().labels[0].name
    for article_id in ids[:3]:
        project.execute(AddSpan(article_id, "ana", 0, 7, label))
    project.execute(SetStatus(ids[2], "ana", "done"))  # spans, but done
    project.execute(SetStatus(ids[3], "ana", "in_progress"))  # marked, no spans
    assert project.stats()["annotators"]["ana"] == {
        "annotations": 3, "done": 1, "in_progress": 3}


def test_codebook_import_keeps_spans_and_export_round_trips(tmp_path, project):
    out = tmp_path / "cb.json"
    project.export_codebook(out)
    data = json.loads(out.read_text())
    data["labels"].append({"name": "New label", "hotkey": "q"})
    data["labels"][0]["color"] = "#000000"
    out.write_text(json.dumps(data))
    result = project.import_codebook(out)
    assert result["added"] == ["New label"]
    codebook = project.codebook()
    assert codebook.labels[0].color == "#000000"
    assert codebook.labels[-1].name == "New label"


def test_codebook_import_refuses_to_strand_stored_values_and_says_where_a_hotkey_went(tmp_path, project):
    """A narrower list for 'voice' was applied silently although a span had a value it left
    out (the project's own export then no longer imported under it), and a new label took
    hotkey 1 from another without a word."""
    record = {"text": "The minister said: we want peace talks now.", "annotations": [
        {"start": 19, "end": 43, "label": "Quotation", "annotator": "ana", "attributes": {"voice": "direct quote"}}]}
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", [record])]).ok
    before = project.codebook()
    narrower = tmp_path / "narrow.json"
    narrower.write_text(json.dumps({"attributes": [{"name": "voice", "values": ["outlet"]}],
                                    "labels": [{"name": "New label", "hotkey": "1"}]}))
    with pytest.raises(AnnotatorError, match=r"attribute 'voice': 1 span\(s\) have 'direct quote', which the new "
                                             r"list leaves out"):
        project.import_codebook(narrower)
    assert project.codebook() == before  # nothing of it was applied
    other_scope = tmp_path / "scope.json"
    other_scope.write_text(json.dumps({"doc_labels": [{"name": "Quotation"}]}))
    with pytest.raises(AnnotatorError, match="'Quotation' is a span label here"):
        project.import_codebook(other_scope)
    wider = tmp_path / "wide.json"
    wider.write_text(json.dumps({"attributes": [{"name": "voice", "values": ["direct quote", "outlet"]}],
                                 "labels": [{"name": "New label", "hotkey": "1"}]}))
    result = project.import_codebook(wider)
    assert result["added"] == ["New label"]
    assert result["notes"] == ["hotkey 1 moved from 'Anti-imperialist framing' to 'New label'"]


def test_progress_reports_bytes_and_cancel_stops_cleanly(tmp_path, project):
    records = [{"text": f"artikel nomor {i} " * 20} for i in range(1000)]
    source = write_jsonl(tmp_path / "many.jsonl", records)
    seen = []
    report = project.import_paths([source], progress=lambda done, total: seen.append((done, total)))
    assert report.imported == 1000
    assert seen[-1][0] == seen[-1][1] == source.stat().st_size
    assert all(a <= b for (a, _), (b, _) in itertools.pairwise(seen))

    other = write_jsonl(tmp_path / "other.jsonl", [{"text": f"lain {i}"} for i in range(1000)])
    calls = iter(range(10**6))
    report = project.import_paths([other], is_cancelled=lambda: next(calls) >= 1)
    assert report.cancelled and report.imported == 0
    assert project._store.article_count() == 1000


def test_raw_records_give_the_same_jsonl_as_objects(tmp_path, rich_records, project):
    from annotator.io.jsonl import record_line

    text = "NUL\x00 inside, tab\t, quote \", backslash \\, control \x01, emoji 😀"
    rich_records = [*rich_records, {"text": text, "annotations": [
        {"start": 0, "end": len(text), "label": "Quotation", "annotator": "ana", "note": "a\x00b\n\"c\"",
         "attributes": {"x": [1, 2.5, None, True], "y": {"z": "ü"}}}]}]
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)])
    for fast, slow in zip(project.records(raw="json"), project.records(), strict=True):
        assert json.loads(record_line(fast)) == json.loads(record_line(slow))


EXPORT_FILTERS = [
    ExportFilter(),
    ExportFilter(annotators=("ana",)),
    ExportFilter(annotators=()),  # nobody: the articles without spans
    ExportFilter(annotators=("budi",), labels=("Quotation", "🙂 emoji label")),
    ExportFilter(labels=()),
    ExportFilter(done_only=True),
    ExportFilter(annotators=("budi",), done_only=True),
    ExportFilter(gold=True),
    ExportFilter(annotators=("ana",), gold=True),
    ExportFilter(annotators=(), gold=True, labels=("Quotation",)),
    ExportFilter(done_only=True, gold=True),
]


@pytest.mark.parametrize("chosen", EXPORT_FILTERS, ids=repr)
def test_count_export_is_what_the_export_writes(tmp_path, rich_records, project, chosen):
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)])
    spans, articles = project.count_export(chosen)
    summary = project.export("jsonl", tmp_path / "out.jsonl", filter=chosen)
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert spans == summary.spans == sum(len(r["annotations"]) for r in written)
    assert articles == sum(1 for r in written if r["annotations"])
    # The same filter as loose keywords (how the CLI passes it) counts and writes the same.
    keywords = {"annotators": chosen.annotators, "labels": chosen.labels, "done_only": chosen.done_only,
                "gold": chosen.gold}
    assert project.count_export(**keywords) == (spans, articles)
    assert normalised(exported(project, **keywords)) == normalised(written)


def test_export_filter_nobody_and_everyone(tmp_path, rich_records, project):
    project.import_paths([write_jsonl(tmp_path / "in.jsonl", rich_records)])
    everyone = project.count_export(ExportFilter())
    assert everyone[0] == sum(len(r["annotations"]) for r in rich_records)
    assert project.count_export(ExportFilter(annotators=())) == (0, 0)
    assert project.count_export(ExportFilter(labels=())) == (0, 0)
    assert ExportFilter.of(annotators=["ana"], gold=True).annotator_names() == ("ana", "gold")
    assert ExportFilter(gold=True).annotator_names() == ("gold",)
    with pytest.raises(NotFound, match="no annotator called 'nobody'"):
        project.count_export(ExportFilter(annotators=("nobody",)))
    with pytest.raises(TypeError, match="not both"):
        project.count_export(ExportFilter(), annotators=["ana"])


def test_someone_first_named_in_done_by_keeps_their_id_through_export_import_and_merge(tmp_path):
    """``done_by`` lists names only: an analyst who marked an article done without spans, and
    labelled a later one, was first added with a made-up id, and their own id on the later
    span then "clashed": the export could not be imported back, nor the file merged."""
    records = [{"text": "budi read this and found nothing to label.", "done_by": ["budi"]},
               {"text": "Lavrov mengkritik AS.", "done_by": ["budi"], "annotations": [
                   {"start": 0, "end": 6, "label": "Quotation", "annotator": "budi",
                    "annotator_id": "5700ddfa-0000-4000-8000-000000000001"}]}]
    project = Project.open(tmp_path / "budi.annotator")
    assert project.import_paths([write_jsonl(tmp_path / "in.jsonl", records)]).ok
    budi = project._store.annotator_by_name("budi")
    assert budi.uuid == "5700ddfa-0000-4000-8000-000000000001"
    out = exported(project)
    assert [r["done_by"] for r in out] == [["budi"], ["budi"]]
    fresh = Project.open(tmp_path / "fresh.annotator")
    report = fresh.import_paths([write_jsonl(tmp_path / "out.jsonl", out)])
    assert report.ok, report.failed
    assert fresh._store.annotator_by_name("budi").uuid == budi.uuid
    assert normalised(exported(fresh)) == normalised(out)
    fresh.close()
    project.close()
    review = Project.open(tmp_path / "review.annotator")
    merged = review.merge_paths([tmp_path / "budi.annotator"])
    assert merged.ok, merged.failed
    assert review._store.annotator_by_name("budi").uuid == budi.uuid
    assert normalised(exported(review)) == normalised(out)
    # Someone of that name already here with another id is still a clash, named as one.
    other = Project.open(tmp_path / "other.annotator")
    assert other.import_paths([write_jsonl(tmp_path / "budi.jsonl", [{"text": "x y", "done_by": ["budi"]}])]).ok
    clash = other.import_paths([write_jsonl(tmp_path / "out2.jsonl", out)])
    assert not clash.ok and "already has a different 'budi'" in clash.failed[0].reason
