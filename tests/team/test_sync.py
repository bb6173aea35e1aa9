"""Team sync through the real API: several people, each with their own project file, label
offline and sync in any order, as often as they like, and end up with the same files."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from annotator.model.commands import AddSpan, EditCodebook, RemoveSpan, SetDocLabel, SetStatus, UpdateSpan
from annotator.model.errors import AnnotatorError
from annotator.model.types import GOLD, Article, Label
from annotator.project import Project
from annotator.project.team import SyncReport, add_member, assign, create_team, join_team
from annotator.store import spans as store_spans
from annotator.team.address import HubOffline, HubRefused
from tests.team.conftest import project_file

psycopg = pytest.importorskip("psycopg")

TEXTS = [
    "Satu dua tiga. Empat lima enam. Tujuh delapan.",
    "Menteri itu berkata: kami menolak tuduhan tersebut.",
    "Pertemuan puncak berakhir tanpa kesepakatan baru.",
]
ANALYSTS = ("ana", "bob", "cai")
REVIEWER = "rev"
LEAD = "lea"


class Team:
    """A hub, its superuser's project file (the one that created it), and one file per member."""

    def __init__(self, tmp_path: Path, server: Any, hub_url: str):
        self.tmp = tmp_path
        self.server = server
        self.hub_url = hub_url
        self.database = hub_url.split("/")[3].split("?")[0]
        self.projects: dict[str, Project] = {}

    def url(self, member: str) -> str:
        return self.server.url(self.database, member, self.password(member))

    @staticmethod
    def password(member: str) -> str:
        return f"pw-{member}"

    def path(self, machine: str) -> Path:
        return self.tmp / f"{machine}.annotator"

    def join(self, member: str, machine: str | None = None) -> SyncReport:
        return join_team(self.path(machine or member), self.url(member))

    def open(self, machine: str) -> Project:
        if machine not in self.projects:
            self.projects[machine] = Project.open(self.path(machine))
        return self.projects[machine]

    def sync(self, machine: str, member: str | None = None) -> SyncReport:
        return self.open(machine).sync(password=self.password(member or machine))

    def close(self) -> None:
        for project in self.projects.values():
            project.close()
        self.projects.clear()

    def hub(self) -> psycopg.Connection:
        return psycopg.connect(self.hub_url, autocommit=True)


@pytest.fixture
def team(tmp_path, pg_server, hub_url):
    lead_file = project_file(tmp_path / "owner.annotator",
                             [Article(text=text, title=text.split()[0]) for text in TEXTS])
    create_team(hub_url, lead_file)
    result = Team(tmp_path, pg_server, hub_url)
    for name in ANALYSTS:
        add_member(hub_url, name, "annotator", password=result.password(name))
    add_member(hub_url, REVIEWER, "reviewer", password=result.password(REVIEWER))
    add_member(hub_url, LEAD, "lead", password=result.password(LEAD))
    yield result
    result.close()


def article_id(project: Project, index: int) -> int:
    return project._store.conn.execute(
        "SELECT id FROM articles WHERE text = ?", (TEXTS[index],)).fetchone()[0]


def span(project: Project, member: str, index: int, start: int, end: int, label: str | None = None,
         **fields: Any) -> str:
    label = label or project.codebook().labels[0].name
    command = AddSpan(article_id=article_id(project, index), annotator=member, start=start, end=end, label=label,
                      **fields)
    project.execute(command)
    return command.uuid


def annotations(project: Project) -> set[tuple]:
    return set(project._store.conn.execute(
        "SELECT s.uuid, a.text_hash, n.name, l.name, s.start_offset, s.end_offset, s.attributes, s.note "
        "FROM annotations s JOIN articles a ON a.id = s.article_id JOIN annotators n ON n.id = s.annotator_id "
        "JOIN labels l ON l.id = s.label_id"))


def statuses(project: Project) -> set[tuple]:
    return set(project._store.conn.execute(
        "SELECT a.text_hash, n.name, s.status FROM article_status s JOIN articles a ON a.id = s.article_id "
        "JOIN annotators n ON n.id = s.annotator_id"))


def doc_labels(project: Project) -> set[tuple]:
    return set(project._store.conn.execute(
        "SELECT d.uuid, a.text_hash, n.name, l.name FROM doc_labels d JOIN articles a ON a.id = d.article_id "
        "JOIN annotators n ON n.id = d.annotator_id JOIN labels l ON l.id = d.label_id"))


def labels(project: Project) -> set[tuple]:
    return set(project._store.conn.execute("SELECT uuid, scope, name, hotkey, position FROM labels"))


def hub_annotations(team: Team) -> set[tuple]:
    with team.hub() as conn:
        return {(str(r[0]), *r[1:6], json.dumps(r[6], sort_keys=True), r[7]) for r in conn.execute(
            "SELECT s.uuid, a.text_hash, n.name, l.name, s.start_offset, s.end_offset, s.attributes, s.note "
            "FROM annotations s JOIN articles a ON a.id = s.article_id JOIN annotators n ON n.uuid = s.annotator_uuid "
            "JOIN labels l ON l.uuid = s.label_uuid")}


def normal(rows: set[tuple]) -> set[tuple]:
    """Local annotations with their attributes in a comparable form."""
    return {(*r[:6], json.dumps(json.loads(r[6]), sort_keys=True), r[7]) for r in rows}


def assert_same(team: Team, machines: list[str]) -> None:
    first = team.open(machines[0])
    for machine in machines[1:]:
        other = team.open(machine)
        assert annotations(other) == annotations(first), machine
        assert statuses(other) == statuses(first), machine
        assert doc_labels(other) == doc_labels(first), machine
        assert labels(other) == labels(first), machine
    assert normal(annotations(first)) == hub_annotations(team)


def quiet(report: SyncReport) -> bool:
    return not report.pushed and not report.pulled and not report.conflicts and not report.refused \
        and report.in_step


# -- everyone ends up with the same files -------------------------------------------------------

def _label_offline(team: Team) -> dict[str, set[str]]:
    """Each analyst and the reviewer label (and judge) articles without syncing; the spans' uuids
    by person."""
    made: dict[str, set[str]] = {}
    for number, name in enumerate(ANALYSTS):
        project = team.open(name)
        book = project.codebook()
        made[name] = {
            span(project, name, 0, 0, 4, book.labels[number].name, note=f"by {name}"),
            span(project, name, 0, 5, 8, book.labels[0].name, attributes={"polarity": "negative"}),
            span(project, name, 1 + number % 2, 0, 7, book.labels[1].name),
        }
        project.execute(SetStatus(article_id(project, 0), name, "done"))
        project.execute(SetStatus(article_id(project, 1), name, "in_progress"))
        project.execute(SetDocLabel(article_id(project, 0), name, book.doc_labels[number].name, True))
    reviewer = team.open(REVIEWER)
    made[GOLD] = {span(reviewer, GOLD, 0, 0, 4, reviewer.codebook().labels[0].name, reviewer=REVIEWER)}
    reviewer.execute(SetStatus(article_id(reviewer, 0), GOLD, "done"))
    return made


def test_four_people_label_offline_and_sync_in_any_order_to_the_same_files(team):
    machines = [*ANALYSTS, REVIEWER]
    for name in machines:
        team.join(name)
    made = _label_offline(team)
    for order in (["bob", "rev", "ana", "cai"], ["cai", "ana", "bob", "rev"]):
        for name in order:
            report = team.sync(name)
            assert not report.conflicts and not report.refused and report.in_step, (name, report)
    assert_same(team, machines)
    everything = annotations(team.open("ana"))
    assert {row[0] for row in everything} == set().union(*made.values())
    assert {(row[2], row[0]) for row in everything} == {(who, uuid) for who, uuids in made.items() for uuid in uuids}
    assert len(statuses(team.open("ana"))) == 2 * len(ANALYSTS) + 1
    # The lead's (owner's) file gets them too.
    owner = Project.open(team.path("owner"))
    team.projects["owner"] = owner
    owner.sync()
    assert_same(team, [*machines, "owner"])
    # Nothing new: a sync pushes and pulls nothing, however often.
    for name in [*machines, *machines]:
        assert quiet(team.sync(name)), name


def test_repeated_syncs_between_edits_converge(team):
    machines = [*ANALYSTS, REVIEWER]
    for name in machines:
        team.join(name)
    _label_offline(team)
    team.sync("ana")
    # More work while others sync, then everybody syncs twice, in changing orders.
    bob = team.open("bob")
    team.sync("bob")
    span(bob, "bob", 2, 0, 10, note="second pass")
    bob.execute(SetStatus(article_id(bob, 2), "bob", "done"))
    cai = team.open("cai")
    cai_span = next(s.uuid for s in cai.annotations(article_id(cai, 0), "cai") if s.start == 5)
    cai.execute(UpdateSpan(cai_span, note="on reflection", attributes={"polarity": "neutral"}))
    for order in (["rev", "cai", "bob", "ana"], ["ana", "bob", "rev", "cai"]):
        for name in order:
            team.sync(name)
    assert_same(team, machines)
    ana = team.open("ana")
    assert ("bob", "done") in {(row[1], row[2]) for row in statuses(ana) if row[0] == Article(TEXTS[2]).text_hash}
    changed = [row for row in annotations(ana) if row[0] == cai_span]
    assert changed and changed[0][7] == "on reflection" and json.loads(changed[0][6]) == {"polarity": "neutral"}


def test_a_deletion_reaches_everyone_as_a_tombstone(team):
    for name in ANALYSTS:
        team.join(name)
    ana = team.open("ana")
    gone = span(ana, "ana", 0, 0, 4)
    kept = span(ana, "ana", 0, 5, 8)
    doc_label = ana.codebook().doc_labels[0].name
    ana.execute(SetDocLabel(article_id(ana, 0), "ana", doc_label, True))
    team.sync("ana")
    for name in ("bob", "cai"):
        team.sync(name)
        assert gone in {row[0] for row in annotations(team.open(name))}
    ana.execute(RemoveSpan(gone))
    ana.execute(SetDocLabel(article_id(ana, 0), "ana", doc_label, False))
    report = team.sync("ana")
    assert report.pushed.get("annotation_deletions") == 1 and report.pushed.get("doc_label_deletions") == 1
    with team.hub() as conn:
        kinds = {row[0] for row in conn.execute("SELECT kind FROM tombstones WHERE deleted_by = 'ana'")}
        assert conn.execute("SELECT key FROM tombstones WHERE kind = 'annotation'").fetchall() == [(gone,)]
    assert kinds == {"annotation", "doc_label"}
    for name in ("bob", "cai"):
        report = team.sync(name)
        assert report.pulled.get("deletions") == 2
        spans = {row[0] for row in annotations(team.open(name))}
        assert gone not in spans and kept in spans
        assert not doc_labels(team.open(name))
    assert_same(team, list(ANALYSTS))
    for name in ANALYSTS:
        assert quiet(team.sync(name)), name


def test_an_annotator_cannot_delete_a_colleagues_span_through_sync(team):
    for name in ("ana", "bob"):
        team.join(name)
    ana = team.open("ana")
    theirs = span(ana, "ana", 0, 0, 4)
    team.sync("ana")
    team.sync("bob")
    bob = team.open("bob")
    bob.execute(RemoveSpan(theirs))  # locally bob may do it (a merge, an old file), the hub keeps it
    team.sync("bob")
    with team.hub() as conn:
        assert conn.execute("SELECT count(*) FROM annotations WHERE uuid = %s", (theirs,)).fetchone()[0] == 1
    assert theirs in {row[0] for row in annotations(team.open("ana"))}


# -- the same person on two machines --------------------------------------------------------------

def _two_machines(team: Team, monkeypatch) -> tuple[Project, Project, str]:
    team.join("ana", "ana-office")
    office = team.open("ana-office")
    uuid = span(office, "ana", 0, 0, 4, note="first")
    team.sync("ana-office", "ana")
    team.join("ana", "ana-laptop")
    laptop = team.open("ana-laptop")
    assert uuid in {row[0] for row in annotations(laptop)}
    return office, laptop, uuid


def _edit_at(monkeypatch, project: Project, stamp: str, uuid: str, note: str) -> None:
    monkeypatch.setattr("annotator.store.spans.now", lambda: stamp)
    project.execute(UpdateSpan(uuid, note=note))
    monkeypatch.undo()


@pytest.mark.parametrize("first", ["older", "newer"])
def test_same_person_on_two_machines_last_writer_wins(team, monkeypatch, first):
    office, laptop, uuid = _two_machines(team, monkeypatch)
    team.join("bob")
    _edit_at(monkeypatch, office, "2099-01-01T10:00:00.000Z", uuid, "from the office")
    _edit_at(monkeypatch, laptop, "2099-01-01T18:00:00.000Z", uuid, "from the laptop")
    order = ["ana-office", "ana-laptop"] if first == "older" else ["ana-laptop", "ana-office"]
    reports = {machine: team.sync(machine, "ana") for machine in order}
    for machine in (*order, "bob"):
        team.sync(machine, "bob" if machine == "bob" else "ana")
    for machine in ("ana-office", "ana-laptop", "bob"):
        notes = {row[7] for row in annotations(team.open(machine)) if row[0] == uuid}
        assert notes == {"from the laptop"}, machine
    conflicts = [c for report in reports.values() for c in report.conflicts]
    assert [c["key"] for c in conflicts] == [uuid], reports
    with team.hub() as conn:
        events = conn.execute("SELECT member, target, details FROM events WHERE action = 'sync-conflict'").fetchall()
    assert [(member, target) for member, target, _details in events] == [("ana", uuid)]
    assert events[0][2]["lost"]["note"] == "from the office"
    assert_same(team, ["ana-office", "ana-laptop", "bob"])
    for machine in ("ana-office", "ana-laptop"):
        assert quiet(team.sync(machine, "ana")), machine


def test_same_person_deletes_on_one_machine_and_edits_later_on_the_other(team, monkeypatch):
    office, laptop, uuid = _two_machines(team, monkeypatch)
    office.execute(RemoveSpan(uuid))
    team.sync("ana-office", "ana")
    _edit_at(monkeypatch, laptop, "2099-01-01T18:00:00.000Z", uuid, "kept after all")
    team.sync("ana-laptop", "ana")
    team.sync("ana-office", "ana")
    for machine in ("ana-office", "ana-laptop"):
        assert {row[7] for row in annotations(team.open(machine)) if row[0] == uuid} == {"kept after all"}
    assert_same(team, ["ana-office", "ana-laptop"])


# -- the codebook --------------------------------------------------------------------------------

def test_a_leads_rename_and_new_label_reach_everyone_with_the_spans(team):
    for name in [*ANALYSTS, LEAD]:
        team.join(name)
    book = team.open("ana").codebook()
    old = book.labels[0].name
    for name in ANALYSTS:
        span(team.open(name), name, 0, 0, 4, old)
        team.sync(name)
    lead = team.open(LEAD)
    team.sync(LEAD)
    before = {row[0]: row for row in labels(lead)}
    renamed = dataclasses.replace(book.labels[0], name="Renamed")
    new_book = dataclasses.replace(book, labels=[renamed, *book.labels[1:], Label(name="Brand new", color="#123456")])
    lead.execute(EditCodebook(new_book, renames=((old, "Renamed"),)))
    report = team.sync(LEAD)
    assert report.pushed.get("labels", 0) >= 2 and not report.refused
    for name in ANALYSTS:
        team.sync(name)
    for name in [*ANALYSTS, LEAD]:
        project = team.open(name)
        names = [label.name for label in project.codebook().labels]
        assert "Renamed" in names and "Brand new" in names and old not in names, name
        assert {row[3] for row in annotations(project)} == {"Renamed"}, name
        assert len(annotations(project)) == len(ANALYSTS), name
        # The renamed label is the same label (same UUID) everywhere.
        uuid_of = {row[2]: row[0] for row in labels(project) if row[1] == "span"}
        assert before[uuid_of["Renamed"]][2] == old
    assert_same(team, [*ANALYSTS, LEAD])


def test_an_annotators_codebook_change_is_refused_and_kept_locally(team):
    team.join("ana")
    ana = team.open("ana")
    book = ana.codebook()
    ana.execute(EditCodebook(dataclasses.replace(book, labels=[*book.labels, Label(name="Mine", color="#abcdef")])))
    span(ana, "ana", 0, 0, 4, "Mine")
    report = team.sync("ana")
    assert {item["kind"] for item in report.refused} >= {"label"}
    assert not report.in_step
    assert "Mine" in {label.name for label in ana.codebook().labels}
    assert "Mine" in {row[3] for row in annotations(ana)}
    with team.hub() as conn:
        assert conn.execute("SELECT count(*) FROM labels WHERE name = 'Mine'").fetchone()[0] == 0
    # Reported again next time, never dropped.
    again = team.sync("ana")
    assert {item["kind"] for item in again.refused} >= {"label"} and again.waiting == report.waiting


# -- articles, assignments -------------------------------------------------------------------------

def test_an_annotators_imported_article_is_refused_and_nothing_is_lost(team, tmp_path):
    team.join("ana")
    ana = team.open("ana")
    source = tmp_path / "local.txt"
    source.write_text("Artikel baru yang hanya ada di sini.\n", encoding="utf-8")
    assert ana.import_paths([source]).ok
    new_id = ana._store.conn.execute("SELECT id FROM articles WHERE text LIKE 'Artikel baru%'").fetchone()[0]
    ana.execute(AddSpan(article_id=new_id, annotator="ana", start=0, end=7, label=ana.codebook().labels[0].name))
    report = team.sync("ana")
    assert "article" in {item["kind"] for item in report.refused}
    assert "annotation" in {item["kind"] for item in report.refused}
    assert not report.in_step and report.waiting >= 2
    assert ana.article(new_id).text.startswith("Artikel baru")
    assert len(ana.annotations(new_id, "ana")) == 1
    with team.hub() as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(TEXTS)
    assert ana.team_status().last_error


def test_assignments_show_in_the_project(team):
    for name in ANALYSTS:
        team.join(name)
    spread = assign(team.hub_url, list(ANALYSTS), 2)
    assert sum(spread.values()) == 2 * len(TEXTS)
    with team.hub() as conn:
        assigned = {}
        for member, text in conn.execute(
                "SELECT s.member, a.text FROM assignments s JOIN articles a ON a.id = s.article_id"):
            assigned.setdefault(member, set()).add(text)
    for name in ANALYSTS:
        project = team.open(name)
        assert project.assigned_article_ids() == set()  # not synced since
        team.sync(name)
        expected = {article_id(project, TEXTS.index(text)) for text in assigned.get(name, ())}
        assert project.assigned_article_ids() == expected and len(expected) == spread[name], name


# -- joining -------------------------------------------------------------------------------------

def test_joining_with_a_copy_of_the_project_links_it_and_pushes_its_work(tmp_path, pg_server, hub_url):
    owner_file = project_file(tmp_path / "owner.annotator", [Article(text=text) for text in TEXTS])
    copy = tmp_path / "ana.annotator"
    shutil.copy(owner_file, copy)
    # Ana labels in her copy before the hub exists.
    mine = Project.open(copy)
    made = span(mine, "ana", 1, 0, 7, note="before the hub")
    mine.close()
    create_team(hub_url, owner_file)
    team = Team(tmp_path, pg_server, hub_url)
    add_member(hub_url, "ana", "annotator", password=team.password("ana"))
    add_member(hub_url, "bob", "annotator", password=team.password("bob"))
    report = team.join("ana")
    assert report.pushed.get("annotations") == 1 and not report.refused and report.in_step, report
    team.join("bob")
    try:
        assert made in {row[0] for row in annotations(team.open("bob"))}
        assert team.open("ana").team_status().linked
        assert_same(team, ["ana", "bob"])
    finally:
        team.close()


def test_joining_with_another_projects_file_is_refused(team):
    other = team.path("other")
    Project.open(other).close()
    with pytest.raises(AnnotatorError, match="another project"):
        join_team(other, team.url("ana"))
    project = Project.open(other)
    try:
        assert not project.team_status().linked
    finally:
        project.close()


def test_a_wrong_password_is_refused(team):
    with pytest.raises(HubRefused):
        join_team(team.path("ana"), team.server.url(team.database, "ana", "not-the-password"))
    team.join("ana")
    with pytest.raises(HubRefused):
        team.open("ana").sync(password="not-the-password")
    assert team.open("ana").team_status().last_error


def test_an_unreachable_hub_is_offline_and_the_changes_wait(team, tmp_path):
    with pytest.raises(HubOffline):
        join_team(team.path("ana"), f"postgresql://ana:x@/{team.database}?host={tmp_path}/nowhere")
    with pytest.raises(HubOffline):
        join_team(team.path("ana"), "postgresql://ana:x@127.0.0.1:1/hub?connect_timeout=2")
    team.join("ana")
    ana = team.open("ana")
    span(ana, "ana", 0, 0, 4)
    waiting = ana.team_status().waiting
    assert waiting
    with ana._store.write():
        ana._store.set_sync_state(url=f"postgresql://ana@/{team.database}?host={tmp_path}/nowhere")
    with pytest.raises(HubOffline):
        ana.sync(password="x")
    status = ana.team_status()
    assert status.waiting == waiting and status.last_error


# -- more codebook changes ----------------------------------------------------------------------

def test_a_lead_deletes_a_label_and_its_spans_go_everywhere(team):
    for name in [*ANALYSTS, LEAD]:
        team.join(name)
    book = team.open("ana").codebook()
    doomed, kept = book.labels[0].name, book.labels[1].name
    for name in ANALYSTS:
        span(team.open(name), name, 0, 0, 4, doomed)
        span(team.open(name), name, 0, 5, 8, kept)
        team.sync(name)
    team.sync(LEAD)
    lead = team.open(LEAD)
    lead.execute(EditCodebook(dataclasses.replace(book, labels=book.labels[1:])))
    report = team.sync(LEAD)
    assert not report.refused, report
    for name in ANALYSTS:
        team.sync(name)
    for name in [*ANALYSTS, LEAD]:
        project = team.open(name)
        assert doomed not in {label.name for label in project.codebook().labels}, name
        assert {row[3] for row in annotations(project)} == {kept}, name
        assert len(annotations(project)) == len(ANALYSTS)
    assert_same(team, [*ANALYSTS, LEAD])
    for name in [*ANALYSTS, LEAD]:
        assert quiet(team.sync(name)), name


def test_a_lead_swaps_two_label_names(team):
    for name in ("ana", LEAD):
        team.join(name)
    ana = team.open("ana")
    book = ana.codebook()
    first, second = book.labels[0].name, book.labels[1].name
    on_first = span(ana, "ana", 0, 0, 4, first)
    team.sync("ana")
    team.sync(LEAD)
    lead = team.open(LEAD)
    swapped = [dataclasses.replace(book.labels[0], name=second), dataclasses.replace(book.labels[1], name=first),
               *book.labels[2:]]
    lead.execute(EditCodebook(dataclasses.replace(book, labels=swapped), renames=((first, second), (second, first))))
    assert not team.sync(LEAD).refused
    team.sync("ana")
    assert [label.name for label in ana.codebook().labels] == [label.name for label in lead.codebook().labels]
    assert {row[3] for row in annotations(ana) if row[0] == on_first} == {second}
    assert_same(team, ["ana", LEAD])
    assert not any("(local" in label.name for label in ana.codebook().labels)


# -- blind mode through sync --------------------------------------------------------------------

def test_blind_mode_keeps_colleagues_layers_out_of_a_file_until_done(team):
    for name in ("ana", "bob"):
        team.join(name)
    assign(team.hub_url, ["ana", "bob"], 2, blind=True)
    ana, bob = team.open("ana"), team.open("bob")
    bobs = span(bob, "bob", 0, 0, 4)
    team.sync("bob")
    span(ana, "ana", 0, 5, 8)
    team.sync("ana")
    assert team.open("ana").team_status().blind
    assert {row[2] for row in annotations(ana)} == {"ana"}
    # Ana judges the article: bob's layer on it opens for her, with the same sync.
    ana.execute(SetStatus(article_id(ana, 0), "ana", "done"))
    team.sync("ana")
    assert bobs in {row[0] for row in annotations(ana)}
    # Bob has not finished: he still sees only his own.
    team.sync("bob")
    assert {row[2] for row in annotations(bob)} == {"bob"}


# -- the same span made twice, and an undone removal --------------------------------------------

def test_the_same_span_made_on_two_machines_becomes_one(team, monkeypatch):
    team.join("ana", "ana-office")
    team.join("ana", "ana-laptop")
    office, laptop = team.open("ana-office"), team.open("ana-laptop")
    span(office, "ana", 0, 0, 4, note="office")
    span(laptop, "ana", 0, 0, 4, note="laptop")
    for _round in range(2):
        for machine in ("ana-office", "ana-laptop"):
            team.sync(machine, "ana")
    assert len(annotations(office)) == 1
    assert_same(team, ["ana-office", "ana-laptop"])
    for machine in ("ana-office", "ana-laptop"):
        assert quiet(team.sync(machine, "ana")), machine


def test_versions_with_the_same_time_stamp_end_up_the_same_everywhere(team, monkeypatch):
    """Two machines change the same span and the same status within one millisecond (the time
    stamps' resolution): the hub keeps the version it got first, and the other machine takes it
    from the hub, rather than each keeping its own for ever."""
    team.join("ana", "ana-office")
    team.join("ana", "ana-laptop")
    office, laptop = team.open("ana-office"), team.open("ana-laptop")
    monkeypatch.setattr(store_spans, "now", lambda: "2026-11-30T10:00:00.000Z")
    span(office, "ana", 0, 0, 4, note="office")
    span(laptop, "ana", 0, 0, 4, note="laptop")
    office.execute(SetStatus(article_id(office, 1), "ana", "done"))
    laptop.execute(SetStatus(article_id(laptop, 1), "ana", "in_progress"))
    monkeypatch.undo()
    team.sync("ana-office", "ana")
    report = team.sync("ana-laptop", "ana")
    assert sorted((c["kind"], c["kept"]) for c in report.conflicts) == [("annotation", "hub"), ("status", "hub")]
    for machine in ("ana-office", "ana-laptop"):
        team.sync(machine, "ana")
    assert_same(team, ["ana-office", "ana-laptop"])
    assert {row[-1] for row in annotations(laptop)} == {"office"}  # the office reached the hub first
    assert {row[2] for row in statuses(laptop)} == {"done"}
    for machine in ("ana-office", "ana-laptop"):
        assert quiet(team.sync(machine, "ana")), machine


def test_undoing_a_removal_after_syncing_it_brings_the_span_back_everywhere(team):
    for name in ("ana", "bob"):
        team.join(name)
    ana = team.open("ana")
    uuid = span(ana, "ana", 0, 0, 4)
    team.sync("ana")
    team.sync("bob")
    _changes, undo = ana.execute(RemoveSpan(uuid))
    team.sync("ana")
    team.sync("bob")
    assert uuid not in {row[0] for row in annotations(team.open("bob"))}
    ana.execute(undo)  # the span comes back as it was, with its old times
    team.sync("ana")
    team.sync("bob")
    assert_same(team, ["ana", "bob"])
    assert uuid in {row[0] for row in annotations(team.open("bob"))}
