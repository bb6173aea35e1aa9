"""The Qt-free session: what the window does, driven without a window."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model.types import GOLD, Annotation, Article
from annotator.project import Project
from annotator.session import EditRefused, Session, ShownSpans

TEXT = "Lavrov mengkritik AS. Choe menyerukan perundingan damai."


@pytest.fixture
def setup(project: Project) -> tuple[Project, list[int], str]:
    with project._store.write():
        ids = [project._store.add_article(Article(text=f"{TEXT} ({i})"))[0] for i in range(200)]
    return project, ids, project.codebook().labels[0].name


def run(session: Session, command) -> None:
    changes, _ = session.project.execute(command)
    session.apply_changes(changes)


def test_label_relabel_delete_keep_the_one_copy_in_step(setup):
    project, ids, label = setup
    other = project.codebook().labels[1].name
    session = Session(project, "ana")
    project.annotator("ana")
    session.open_article(ids[0])
    command = session.label_selection(1, 4, label, snap=True)  # "avr" grows to the word
    assert (command.start, command.end) == (0, 6)
    run(session, command)
    assert [(s.text, s.label) for s in session.spans] == [("Lavrov", label)]
    run(session, session.relabel(command.uuid, other))
    assert session.spans[0].label == other and session.relabel(command.uuid, other) is None
    removal, following = session.delete(command.uuid)
    run(session, removal)
    assert session.spans == [] == project.annotations(ids[0])
    with pytest.raises(EditRefused, match="no text"):
        session.label_selection(6, 7, label, snap=True)


def label_lavrov(project: Project, article_id: int, label: str, names: tuple[str, ...] = ("ana", "budi")) -> None:
    """Each of ``names`` labels the first word ("Lavrov") of the article."""
    for name in names:
        session = Session(project, name)
        project.annotator(name)
        session.open_article(article_id)
        run(session, session.label_selection(0, 6, label, snap=False))


def test_review_mode_accepts_into_gold_and_guards_others_spans(setup):
    project, ids, label = setup
    label_lavrov(project, ids[0], label)
    session = Session(project, "budi")
    session.open_article(ids[0])
    run(session, session.label_selection(22, 26, label, snap=False))  # only budi: "Choe"
    reviewer = Session(project, "rina")
    project.annotator("rina")
    project.annotator(GOLD)
    reviewer.set_review(["ana", "budi"])
    reviewer.open_article(ids[0])
    groups = reviewer.groups()
    assert [(g.text, g.status) for g in groups] == [("Lavrov", "all"), ("Choe", "single")]
    with pytest.raises(EditRefused, match="read-only"):
        reviewer.relabel(groups[0].source.uuid, label)
    run(reviewer, reviewer.accept(groups[0]))
    gold = [s for s in reviewer.spans if s.annotator == GOLD]
    assert [(s.text, s.origin, s.reviewer) for s in gold] == [("Lavrov", "adjudicated", "rina")]
    with pytest.raises(EditRefused, match="Already"):
        reviewer.accept(reviewer.groups()[0])
    run(reviewer, reviewer.reject(reviewer.groups()[0]))
    assert not [s for s in reviewer.spans if s.annotator == GOLD]


def test_someone_compared_who_never_worked_on_the_article_makes_no_disagreement(setup):
    """Two identical spans read "partial" when a third annotator, compared but never at this
    article, had none; one who marked it done without spans still counts (nothing to label)."""
    project, ids, label = setup
    label_lavrov(project, ids[0], label)
    project.annotator("citra")  # compared, never at this article
    reviewer = Session(project, "rina")
    reviewer.set_review(["ana", "budi", "citra"])
    reviewer.open_article(ids[0])
    assert [(g.text, g.status, g.annotators) for g in reviewer.groups()] == [("Lavrov", "all", ("ana", "budi"))]
    citra = Session(project, "citra")
    citra.open_article(ids[0])
    run(citra, citra.set_status("done"))  # read it and found nothing to label
    reviewer.open_article(ids[0])
    assert [(g.text, g.status) for g in reviewer.groups()] == [("Lavrov", "partial")]


def test_next_disagreement_is_one_query_whatever_the_list(setup):
    project, ids, label = setup
    for name, article in (("ana", ids[150]), ("budi", ids[150]), ("ana", ids[120]), ("ana", ids[60])):
        session = Session(project, name)
        project.annotator(name)
        session.open_article(article)
        run(session, session.label_selection(0, 6, label, snap=False))
    budi = Session(project, "budi")
    budi.open_article(ids[120])
    run(budi, budi.set_status("done"))  # without spans: ana's span is a disagreement
    reviewer = Session(project, "rina")
    reviewer.set_review(["ana", "budi"])
    reviewer.open_article(ids[0])
    statements: list[str] = []
    project._store.conn.set_trace_callback(statements.append)
    # ids[60]: budi never worked on it; ids[150]: both agree
    assert reviewer.next_disagreement_article(ids, 1) == ids[120]
    project._store.conn.set_trace_callback(None)
    assert len(statements) <= 4
    reviewer.open_article(ids[120])
    assert reviewer.next_disagreement_article(ids, 1) is None
    assert reviewer.next_disagreement_article(ids, -1) is None
    reviewer.open_article(ids[199])
    assert reviewer.next_disagreement_article(ids, -1) == ids[120]
    reviewer.open_article(ids[120])
    statements.clear()
    project._store.conn.set_trace_callback(statements.append)
    assert reviewer.disagreement_jump(ids, 1) == (ids[120], True)  # round the end, to itself
    project._store.conn.set_trace_callback(None)
    assert len(statements) <= 4


def test_move_boundary_by_word_and_character_keeps_the_span(setup):
    project, ids, label = setup
    session = Session(project, "ana")
    session.open_article(ids[0])
    run(session, session.label_selection(7, 17, label, snap=True))  # "mengkritik"
    [span] = session.spans
    run(session, session.move_boundary(span.uuid, "end", 1, by_word=True))
    assert session.spans[0].text == "mengkritik AS"
    run(session, session.move_boundary(span.uuid, "end", 1, by_word=False))
    assert session.spans[0].text == "mengkritik AS."
    run(session, session.move_boundary(span.uuid, "start", -1, by_word=True))
    assert session.spans[0].text == "Lavrov mengkritik AS."
    run(session, session.move_boundary(span.uuid, "start", 1, by_word=False))
    assert session.spans[0].text == "avrov mengkritik AS."
    run(session, session.move_boundary(span.uuid, "end", -1, by_word=True))  # back to the end of "AS"
    run(session, session.move_boundary(span.uuid, "end", -1, by_word=True))
    assert session.spans[0].text == "avrov mengkritik"
    assert [s.uuid for s in session.spans] == [span.uuid]
    run(session, session.move_boundary(span.uuid, "start", -1, by_word=False))
    with pytest.raises(EditRefused, match="start of the text"):
        session.move_boundary(span.uuid, "start", -1, by_word=False)
    while session.spans[0].end - session.spans[0].start > 1:
        run(session, session.move_boundary(span.uuid, "end", -1, by_word=False))
    with pytest.raises(EditRefused, match="shrink"):
        session.move_boundary(span.uuid, "end", -1, by_word=False)


def test_a_selection_over_a_span_with_its_label_offers_to_extend_it(setup):
    project, ids, label = setup
    other = project.codebook().labels[1].name
    session = Session(project, "ana")
    session.open_article(ids[0])
    run(session, session.label_selection(7, 17, label, snap=True))  # "mengkritik"
    [span] = session.spans
    assert session.extendable(0, 10, other, snap=True) is None  # another label
    assert session.extendable(8, 12, label, snap=True) is None  # inside it: nothing to extend
    assert session.extendable(18, 20, label, snap=True) is None  # no overlap
    assert session.extendable(2, 10, label, snap=True) == span
    command = session.extend(span.uuid, 2, 10, snap=True)
    run(session, command)
    assert [(s.uuid, s.text) for s in session.spans] == [(span.uuid, "Lavrov mengkritik")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "remove", "count", "index"]), st.integers(0, 5),
                          st.sampled_from(["ana", "budi"]), st.sampled_from(["Blame", "Praise"])), max_size=30))
def test_shown_spans_keep_the_edit_layer_count_and_label_index_right_whenever_they_are_made(steps):
    """The window asks for the count after every edit and prepares the label index while idle:
    either may be made before, between or after any edit, and must agree with a recount."""
    shown = ShownSpans([Annotation(0, 3, "Blame", annotator="budi", uuid="u0"),
                        Annotation(1, 4, "Praise", annotator="ana", uuid="u1")], "ana")

    def agrees(count: bool, index: bool) -> None:
        own = [span for span in shown.values() if span.annotator == "ana"]
        if count:
            assert shown.own_count() == len(own)
        if index:
            for name in ("Blame", "Praise"):
                assert sorted(s.uuid or "" for s in shown.own_with_label(name)) == \
                    sorted(s.uuid or "" for s in own if s.label == name)

    for action, number, annotator, label in steps:
        if action == "add":
            shown.add(Annotation(number, number + 2, label, annotator=annotator, uuid=f"u{number}"))
        elif action == "remove":
            shown.remove(f"u{number}")
        elif action == "count":  # the count is made here, if not before, and kept from now on
            agrees(count=True, index=False)
        else:  # the label index likewise
            shown.prepare_for_labelling()
            agrees(count=False, index=True)
    agrees(count=True, index=True)
