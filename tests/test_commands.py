"""Every edit applied and then its inverse applied leaves the project as it was."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.commands import (
    AddSpan,
    EditCodebook,
    RemoveSpan,
    SetDocLabel,
    SetStatus,
    UpdateSpan,
)
from annotator.model.errors import AnnotatorError, InvalidSpan
from annotator.model.types import Article, Label
from annotator.project import Project

TEXT = "Lavrov 🇷🇺 mengkritik AS: \"kerja sama\" e\u0301 👩\u200d👩\u200d👧 كتبتٌ"


def snapshot(project: Project) -> dict:
    """The project's content by names, not row ids (a deleted and restored label gets a new id)."""
    conn = project._store.conn
    queries = {
        "annotations": "SELECT a.uuid, a.article_id, n.name, l.name, a.start_offset, a.end_offset, "
        "a.text, a.attributes, a.note, a.origin, a.created_at FROM annotations a "
        "JOIN labels l ON l.id = a.label_id JOIN annotators n ON n.id = a.annotator_id",
        "doc_labels": "SELECT d.article_id, n.name, l.name FROM doc_labels d "
        "JOIN labels l ON l.id = d.label_id JOIN annotators n ON n.id = d.annotator_id",
        "labels": "SELECT l.name, l.scope, l.color, l.hotkey, l.description, l.examples, "
        "p.name, l.position FROM labels l LEFT JOIN labels p ON p.id = l.parent_id",
        "attributes": "SELECT name, allowed_values, position FROM attribute_defs",
        "status": "SELECT article_id, annotator_id, status FROM article_status WHERE status != 'not_started'",
    }
    return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in queries.items()}


def fresh_project() -> tuple[Project, int]:
    project = Project.memory()
    with project._store.write():
        article_id, _ = project._store.add_article(Article(text=TEXT))
    project.annotator("ana")
    return project, article_id


def test_add_span_stores_code_point_offsets_and_text():
    project, article_id = fresh_project()
    start = TEXT.index("mengkritik")
    changes, inverse = project.execute(AddSpan(article_id, "ana", start, start + 10, "Quotation"))
    [span] = project.annotations(article_id)
    assert (span.start, span.text, span.origin) == (start, "mengkritik", "manual")
    assert changes.article_ids == {article_id}
    assert inverse == RemoveSpan(span.uuid)
    with pytest.raises(InvalidSpan, match="already labelled"):
        project.execute(AddSpan(article_id, "ana", start, start + 10, "Quotation"))
    with pytest.raises(InvalidSpan, match="outside"):
        project.execute(AddSpan(article_id, "ana", 0, 999, "Quotation"))


def test_every_edit_is_logged():
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation"))
    assert project._store.events(1)[0]["action"] == "AddSpan"


def test_a_value_outside_an_attributes_list_is_refused_and_nothing_changes():
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation", attributes={"voice": "direct quote"}))
    before = snapshot(project)
    uuid = project.annotations(article_id)[0].uuid
    for command in (UpdateSpan(uuid, attributes={"voice": "direct quote5"}),
                    AddSpan(article_id, "ana", 7, 9, "Quotation", attributes={"polarity": "Negative"}),
                    AddSpan(article_id, "ana", 7, 9, "Quotation", attributes={"voice": 1})):
        with pytest.raises(InvalidSpan, match=r"attribute '(voice|polarity)' cannot be .*: the codebook allows"):
            project.execute(command)
    assert snapshot(project) == before
    # Free-text attributes, and ones the codebook does not define, take anything.
    project.execute(UpdateSpan(uuid, attributes={"voice": "outlet", "speaker": "Лавров", "extra": [1]}))
    assert project.annotations(article_id)[0].attributes == {"voice": "outlet", "speaker": "Лавров", "extra": [1]}


def test_a_stored_value_from_before_the_check_stays_editable_and_undoable():
    """A value that is outside the list already (an old file, a changed codebook) does not block
    editing the span's other fields, and a removed span comes back with it on undo."""
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation"))
    span = project.annotations(article_id)[0]
    with project._store.write():
        project._store.update_annotation(span.uuid, attributes={"voice": "quote"})
    project.execute(UpdateSpan(span.uuid, note="lama"))
    project.execute(UpdateSpan(span.uuid, attributes={"voice": "quote", "speaker": "Lavrov"}))
    before = snapshot(project)
    _, restore = project.execute(RemoveSpan(span.uuid))
    project.execute(restore)
    assert snapshot(project) == before
    with pytest.raises(InvalidSpan, match="'voice' cannot be 'quote2'"):
        project.execute(UpdateSpan(span.uuid, attributes={"voice": "quote2", "speaker": "Lavrov"}))


def test_attribute_values_are_the_used_ones_most_used_first():
    project, article_id = fresh_project()
    for start, speaker in ((0, "Lavrov"), (7, "Sergey Lavrov"), (9, "Sergey Lavrov"), (11, " ")):
        project.execute(AddSpan(article_id, "ana", start, start + 1, "Quotation",
                                attributes={"speaker": speaker, "odd. \"key": speaker}))
    project.execute(AddSpan(article_id, "budi", 13, 14, "Quotation", attributes={"speaker": "lavrov", "target": "AS"}))
    assert project.attribute_values("speaker") == ["Sergey Lavrov", "Lavrov", "lavrov"]
    assert project.attribute_values('odd. "key') == ["Sergey Lavrov", "Lavrov"]
    assert project.attribute_values("target") == ["AS"]
    assert project.attribute_values("polarity") == []


label_names = st.sampled_from(["Quotation", "Cooperation praise", "Bloc / NATO criticism"])


@st.composite
def edit_sequences(draw):
    steps = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["add", "remove", "relabel", "attrs", "note", "status", "doc", "codebook"]))
        start = draw(st.integers(0, len(TEXT) - 1))
        end = draw(st.integers(start + 1, len(TEXT)))
        steps.append((kind, start, end, draw(label_names), draw(st.text(max_size=5)), draw(st.booleans())))
    return steps


@settings(max_examples=60, deadline=None)
@given(edit_sequences())
def test_inverse_edits_restore_the_project(steps):
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation", attributes={"speaker": "Lavrov"}))
    before = snapshot(project)
    inverses = []
    for kind, start, end, label, text, flag in steps:
        spans = project.annotations(article_id)
        command = None
        if kind == "add":
            command = AddSpan(article_id, "ana", start, end, label, note=text)
        elif kind == "remove" and spans:
            command = RemoveSpan(spans[start % len(spans)].uuid)
        elif kind == "relabel" and spans:
            command = UpdateSpan(spans[start % len(spans)].uuid, label=label)
        elif kind == "attrs" and spans:
            # A free-text value and a listed one (values outside the list are refused: see below).
            polarity = ("positive", "negative", "neutral")[end % 3]
            command = UpdateSpan(spans[start % len(spans)].uuid, attributes={"speaker": text, "polarity": polarity})
        elif kind == "note" and spans:
            command = UpdateSpan(spans[start % len(spans)].uuid, note=text)
        elif kind == "status":
            command = SetStatus(article_id, "ana", "done" if flag else "in_progress")
        elif kind == "doc":
            command = SetDocLabel(article_id, "ana", "Overall: neutral report", flag)
        elif kind == "codebook":
            codebook = project.codebook()
            if flag:  # rename a label that may be in use
                codebook.labels[0] = Label("Renamed", codebook.labels[0].color, codebook.labels[0].hotkey)
                command = EditCodebook(codebook, renames=((project.codebook().labels[0].name, "Renamed"),))
            else:  # delete the Quotation label and its spans
                codebook.labels = [lab for lab in codebook.labels if lab.name != "Quotation"]
                command = EditCodebook(codebook)
        if command is None:
            continue
        try:
            _, inverse = project.execute(command)
        except AnnotatorError:
            continue  # refused edits change nothing
        inverses.append(inverse)
    for inverse in reversed(inverses):
        project.execute(inverse)
    assert snapshot(project) == before


def test_deleting_a_label_removes_its_spans_and_undo_brings_them_back():
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation", note="n"))
    assert project._store.label_usage("Quotation") == 1
    codebook = project.codebook()
    codebook.labels = [label for label in codebook.labels if label.name != "Quotation"]
    _, inverse = project.execute(EditCodebook(codebook))
    assert project.annotations(article_id) == []
    project.execute(inverse)
    [span] = project.annotations(article_id)
    assert (span.label, span.note) == ("Quotation", "n")


def test_renaming_a_label_keeps_its_spans():
    project, article_id = fresh_project()
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation"))
    codebook = project.codebook()
    index = [label.name for label in codebook.labels].index("Quotation")
    old = codebook.labels[index]
    codebook.labels[index] = Label("Reported speech", old.color, old.hotkey, old.description)
    project.execute(EditCodebook(codebook, renames=(("Quotation", "Reported speech"),)))
    assert [s.label for s in project.annotations(article_id)] == ["Reported speech"]


def test_update_span_moves_boundaries_keeping_uuid_attributes_and_note():
    project, article_id = fresh_project()
    start = TEXT.index("mengkritik")
    project.execute(AddSpan(article_id, "ana", start, start + 10, "Quotation",
                            attributes={"speaker": "Lavrov"}, note="cek"))
    [span] = project.annotations(article_id)
    before = snapshot(project)
    end = TEXT.index(":") + 1
    changes, inverse = project.execute(UpdateSpan(span.uuid, end=end))
    [moved] = project.annotations(article_id)
    assert (moved.uuid, moved.start, moved.end, moved.text) == (span.uuid, start, end, "mengkritik AS:")
    assert (moved.attributes, moved.note) == ({"speaker": "Lavrov"}, "cek")
    assert changes.span_uuids == {span.uuid}
    assert inverse == UpdateSpan(span.uuid, start=start, end=start + 10)
    assert UpdateSpan(span.uuid, start=1).description == "Move span boundary"
    project.execute(inverse)
    assert snapshot(project) == before
    # astral characters count once: the flag is two code points
    flag = TEXT.index("🇷🇺")
    project.execute(UpdateSpan(span.uuid, start=flag))
    assert project.annotations(article_id)[0].text == "🇷🇺 mengkritik"


def test_update_span_refuses_bad_offsets_and_a_twin():
    project, article_id = fresh_project()
    start = TEXT.index("mengkritik")
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation"))
    project.execute(AddSpan(article_id, "ana", start, start + 10, "Quotation"))
    project.execute(AddSpan(article_id, "budi", start, start + 13, "Quotation"))
    project.execute(AddSpan(article_id, "ana", start, start + 13, "Cooperation praise"))
    span = next(s for s in project.annotations(article_id) if s.start == start and s.annotator == "ana"
                and s.label == "Quotation")
    before = snapshot(project)
    for command in (UpdateSpan(span.uuid, end=999), UpdateSpan(span.uuid, start=start + 10),
                    UpdateSpan(span.uuid, start=start + 11), UpdateSpan(span.uuid, start=0, end=6)):
        with pytest.raises(InvalidSpan):
            project.execute(command)
    with pytest.raises(InvalidSpan, match="already labelled Quotation by ana"):
        project.execute(UpdateSpan(span.uuid, start=0, end=6))
    assert snapshot(project) == before
    # another annotator's span or another label is no twin
    project.execute(UpdateSpan(span.uuid, end=start + 13))
    assert any((s.uuid, s.end) == (span.uuid, start + 13) for s in project.annotations(article_id))
