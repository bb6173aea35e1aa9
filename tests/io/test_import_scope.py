"""Imports stay inside what the user chose (issue 10): in a chosen folder, symbolic links that
lead outside it are reported and never followed, brat's ``.txt`` and the export's mapping are
read only from inside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.io.sources import expand_paths, walk
from annotator.project import Project

TEXT = "Officials rejected Western hegemony and called for negotiations.\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """``chosen/`` with one article, and ``outside/`` beside it with a secret and a folder."""
    chosen, outside = tmp_path / "chosen", tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text("The secret, never to be imported.\n", encoding="utf-8")
    (outside / "folder" / "more.txt").write_text("Also secret.\n", encoding="utf-8")
    (chosen / "sub").mkdir(parents=True)
    (chosen / "article.txt").write_text(TEXT, encoding="utf-8")
    return chosen, outside


@pytest.fixture
def project():
    p = Project.memory()
    yield p
    p.close()


def texts(project: Project) -> list[str]:
    return sorted(a.text for a in project._store.iter_articles())


def test_links_leading_outside_the_chosen_folder_are_reported_not_followed(layout, project):
    chosen, outside = layout
    (chosen / "sub" / "leak.txt").symlink_to(outside / "secret.txt")
    (chosen / "folder-link").symlink_to(outside / "folder", target_is_directory=True)
    (chosen / "relative.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    report = project.import_paths([chosen])
    assert texts(project) == [TEXT]
    refused = {Path(f.path).name: f.reason for f in report.failed}
    assert sorted(refused) == ["folder-link", "leak.txt", "relative.txt"]
    assert all("outside the chosen folder; not followed" in reason for reason in refused.values())
    assert str(outside / "secret.txt") in refused["leak.txt"]


def test_links_inside_the_chosen_folder_are_read(layout, project):
    chosen, _ = layout
    (chosen / "sub" / "real.md").write_text("# Talks\n\nA second article.\n", encoding="utf-8")
    (chosen / "alias.md").symlink_to(chosen / "sub" / "real.md")
    (chosen / "sub-link").symlink_to(chosen / "sub", target_is_directory=True)  # not walked twice
    report = project.import_paths([chosen])
    assert report.ok, report.failed
    assert sorted(Path(p).name for p in report.files_imported) == ["alias.md", "article.txt", "real.md"]
    assert report.imported == 2 and report.skipped == 1


def test_a_file_named_itself_is_read_wherever_its_link_leads(layout, project):
    chosen, outside = layout
    (chosen / "named.txt").symlink_to(outside / "secret.txt")
    report = project.import_paths([chosen / "named.txt"])
    assert report.ok and texts(project) == ["The secret, never to be imported.\n"]


def test_walk_lists_links_outside_apart(layout):
    chosen, outside = layout
    (chosen / "leak.txt").symlink_to(outside / "secret.txt")
    (chosen / "broken.txt").symlink_to(outside / "gone.txt")
    found = walk([chosen])
    assert [f.name for f, _ in found.files] == ["article.txt"]
    assert all(root == chosen for _, root in found.files)
    assert [p.name for p in found.outside] == ["broken.txt", "leak.txt"]
    assert expand_paths([chosen]) == ([chosen / "article.txt"], [])


def brat_folder(folder: Path, *, text: str = TEXT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.txt").write_text(text, encoding="utf-8")
    (folder / "doc.ann").write_text("T1\tAnti_imperialist 10 35\trejected Western hegemony\n", encoding="utf-8")
    return folder


def test_a_brat_text_file_linked_outside_the_folder_is_refused(layout, project):
    chosen, outside = layout
    folder = chosen / "brat"
    folder.mkdir()
    (outside / "doc.txt").write_text(TEXT, encoding="utf-8")
    (folder / "doc.txt").symlink_to(outside / "doc.txt")
    (folder / "doc.ann").write_text("T1\tAnti 10 35\trejected Western hegemony\n", encoding="utf-8")
    report = project.import_paths([folder], format="brat", annotator="ana")
    failures = {Path(f.path).name: f.reason for f in report.failed}
    assert failures["doc.txt"].endswith("outside the chosen folder; not followed")  # reported by the walk
    assert failures["doc.ann"].startswith("doc.txt: a symbolic link to ") and "not followed" in failures["doc.ann"]
    assert texts(project) == []


def test_a_brat_ann_file_linked_outside_the_folder_is_not_followed(layout, project):
    chosen, outside = layout
    brat_folder(outside / "brat")
    folder = chosen / "brat"
    folder.mkdir()
    (folder / "doc.ann").symlink_to(outside / "brat" / "doc.ann")
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    report = project.import_paths([folder], format="brat", annotator="ana")
    assert [Path(f.path).name for f in report.failed] == ["doc.ann"]
    assert "outside the chosen folder" in report.failed[0].reason and texts(project) == []


def mapping(folder: Path, label: str) -> None:
    (folder / "stance-annotator.json").write_text(json.dumps({"labels": {"Anti_imperialist": label}}),
                                                  encoding="utf-8")


def test_the_brat_mapping_is_read_inside_the_chosen_folder_only(tmp_path, project):
    export = tmp_path / "export"
    brat_folder(export / "ana")
    mapping(export, "Anti-imperialist (from the export)")
    report = project.import_paths([export / "ana"], format="brat", annotator="ana")
    assert report.ok, report.failed
    [span] = project.annotations(1)
    assert span.label == "Anti_imperialist"  # the parent folder's mapping was not read
    other = Project.memory()
    other.import_paths([export], format="brat", annotator="ana")
    assert other.annotations(1)[0].label == "Anti-imperialist (from the export)"
    other.close()


def test_a_named_brat_file_reads_the_mapping_beside_it_but_not_above(tmp_path, project):
    export = tmp_path / "export"
    brat_folder(export / "ana")
    mapping(export, "from above")
    project.import_paths([export / "ana" / "doc.ann"], format="brat", annotator="ana")
    assert project.annotations(1)[0].label == "Anti_imperialist"
    mapping(export / "ana", "from beside")
    brat_folder(export / "ana", text=TEXT + "Again.\n")
    project.import_paths([export / "ana" / "doc.ann"], format="brat", annotator="ana")
    assert project.annotations(2)[0].label == "from beside"


def test_a_brat_mapping_linked_outside_the_folder_is_refused(layout, project):
    chosen, outside = layout
    mapping(outside, "leaked")
    folder = brat_folder(chosen / "brat")
    (folder / "stance-annotator.json").symlink_to(outside / "stance-annotator.json")
    report = project.import_paths([folder], format="brat", annotator="ana")
    failures = {Path(f.path).name: f.reason for f in report.failed}
    assert "outside the chosen folder" in failures["stance-annotator.json"]
    assert "stance-annotator.json is a symbolic link leading outside" in failures["doc.ann"]
    assert texts(project) == []
