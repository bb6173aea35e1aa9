"""File › Team in the window, against a real hub: sync now, the background sync, the status-bar
indicator, the password question, joining, the lead's members dialog, and Next unfinished
following the member's assignments.

The hub is a real PostgreSQL (``tests/team/conftest.py``). Automatic syncs are off in these
windows (``team/sync_interval_seconds`` = 0) unless a test turns them on, so each sync starts
when the test says; every wait is on a condition, with a generous timeout.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from annotator.model.commands import AddSpan, EditCodebook
from annotator.model.types import Label
from annotator.project import Project
from annotator.project.team import add_member, assign, create_team, join_team
from annotator.ui.dialogs.team_dialogs import JoinAnswer, TeamMembersDialog
from annotator.ui.window_team import SYNC_INTERVAL_KEY, address_as, address_with_user
from tests.team import conftest as team_conftest
from tests.ui.conftest import TEXT, FakeDialogs, label_first_word
from tests.ui.test_main_window import make_project, stored_spans

psycopg = pytest.importorskip("psycopg")

# The team tests' fixtures: one PostgreSQL per session, a fresh hub database per test, no keyring.
pg_server = team_conftest.pg_server
hub_url = team_conftest.hub_url
no_keyring = team_conftest.no_keyring

WAIT = 30_000
THIRD = "Pertemuan puncak berakhir tanpa kesepakatan baru."


class TeamDialogs(FakeDialogs):
    """``FakeDialogs`` answering the team questions too; records each password question."""

    def __init__(self):
        super().__init__()
        self.password_questions: list[tuple[str, str, str]] = []

    def hub_password(self, parent, hub, member, reason):
        self.password_questions.append((hub, member, reason))
        return self._answer("hub_password")

    def join_team(self, parent, suggested_folder):
        self.join_folder = suggested_folder
        return self._answer("join_team")


@pytest.fixture
def dialogs():
    return TeamDialogs()


@pytest.fixture(autouse=True)
def no_libpq_password(monkeypatch, tmp_path):
    """libpq finds no password of its own: only the window's (or the keyring's, off here)."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.fixture(autouse=True)
def manual_sync(settings):
    """Windows sync only when a test says so."""
    settings.setValue(SYNC_INTERVAL_KEY, 0)


@dataclass
class Team:
    server: Any
    hub_url: str
    database: str
    tmp: Path

    def url(self, member: str, password: str | None = None) -> str:
        return self.server.url(self.database, member, password)

    def file(self, member: str) -> Path:
        return self.tmp / f"{member}.annotator"

    def join(self, member: str) -> Path:
        join_team(self.file(member), self.url(member, f"pw-{member}"))
        return self.file(member)

    def hub_rows(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(self.hub_url, autocommit=True) as conn:
            return conn.execute(sql, args).fetchall()

    def hub_spans(self, member: str) -> list[tuple]:
        return self.hub_rows(
            "SELECT s.start_offset, s.end_offset, s.text FROM annotations s JOIN annotators n "
            "ON n.uuid = s.annotator_uuid WHERE n.name = %s ORDER BY s.start_offset", member)


@pytest.fixture
def team(tmp_path, pg_server, hub_url) -> Team:
    """A hub made from a three-article project by the superuser ``postgres`` (its lead, whose
    file is ``postgres.annotator``), with annotators ``ana`` and ``budi`` (passwords ``pw-NAME``);
    ana has joined."""
    database = hub_url.split("/")[3].split("?")[0]
    made = Team(pg_server, hub_url, database, tmp_path)
    make_project(made.file("postgres"), [TEXT, "Artikel kedua tentang kerja sama.", THIRD])
    create_team(hub_url, made.file("postgres"))
    for member in ("ana", "budi"):
        add_member(hub_url, member, "annotator", password=f"pw-{member}")
    made.join("ana")
    return made


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def indicator(window):
    return window.team_status_label


def sync_and_wait(window, qtbot) -> None:
    """Sync now, and wait until that sync (and any it leads to) has ended."""
    action(window, "actionSyncNow").trigger()
    qtbot.waitUntil(lambda: not window.syncing, timeout=WAIT)


def test_a_project_without_a_hub_shows_no_indicator(make_main_window, path):
    window = make_main_window(path)
    assert window.findChild(type(indicator(window)), "teamStatus") is indicator(window)
    assert not indicator(window).isVisible()
    assert not action(window, "actionSyncNow").isEnabled()
    assert not action(window, "actionTeamMembers").isEnabled()
    assert action(window, "actionJoinTeam").isEnabled()
    window.sync_now()
    assert "not linked" in window.last_message


def test_a_span_labelled_in_the_window_reaches_the_hub_and_a_colleagues_arrives(
        make_main_window, team, dialogs, qtbot):
    dialogs.answers["hub_password"] = "pw-ana"
    window = make_main_window(team.file("ana"), "ana")
    assert indicator(window).isVisible()
    assert indicator(window).text() == "In step"  # the join synced
    tip = indicator(window).toolTip()
    assert team.database in tip and "pw-ana" not in tip and "ana (annotator)" in tip

    label_first_word(window, qtbot)
    assert stored_spans(team.file("ana"))  # stored at once, hub or no hub
    assert indicator(window).text().endswith("waiting")

    sync_and_wait(window, qtbot)
    assert team.hub_spans("ana") == [(0, 6, "Lavrov")]
    assert indicator(window).text() == "In step"
    assert len(dialogs.password_questions) == 1  # asked once, then kept for this project

    # budi labels elsewhere and syncs; ana's window pulls it on the next sync.
    budi = Project.open(team.join("budi"))
    first = budi.article_ids(annotator_id=0)[0]
    budi.execute(AddSpan(article_id=first, annotator="budi", start=7, end=16, label=budi.codebook().labels[0].name))
    budi.sync(password="pw-budi")
    budi.close()
    sync_and_wait(window, qtbot)
    assert ("budi", 7, 16) in {(row[1], row[3], row[4]) for row in stored_spans(team.file("ana"))}
    assert [s.annotator for s in window.project.spans_of(first, ["budi"])] == ["budi"]
    assert len(dialogs.password_questions) == 1
    assert "1 received" in window.last_message or "received" in window.last_message


def test_a_leads_new_label_appears_in_the_palette_after_a_sync(make_main_window, team, dialogs, qtbot):
    dialogs.answers["hub_password"] = "pw-ana"
    window = make_main_window(team.file("ana"), "ana")
    shown = window.current_article_id
    lead = Project.open(team.file("postgres"))
    book = lead.codebook()
    lead.execute(EditCodebook(type(book)(labels=[*book.labels, Label(name="Brand new", color="#123456")],
                                         doc_labels=book.doc_labels, attributes=book.attributes)))
    lead.sync()
    lead.close()
    sync_and_wait(window, qtbot)
    names = [window.label_model.index(row, 0).data() for row in range(window.label_model.rowCount())]
    assert any("Brand new" in str(name) for name in names)
    assert window.current_article_id == shown  # the article stays; nothing reopened under the user


def test_a_refused_login_asks_once_for_automatic_syncs_and_shows_refused(
        make_main_window, team, dialogs, settings, qtbot):
    dialogs.answers["hub_password"] = None  # the user cancels the question
    window = make_main_window(team.file("ana"), "ana")
    synced: list[object] = []
    window.sig_team_synced.connect(synced.append)
    settings.setValue(SYNC_INTERVAL_KEY, 1)
    window.load_project(str(team.file("ana")), "ana")  # automatic syncs now: one at once, then every second
    qtbot.waitUntil(lambda: len(synced) >= 3, timeout=WAIT)
    assert indicator(window).text() == "Refused"
    assert "refused the login" in indicator(window).toolTip()
    assert len(dialogs.password_questions) == 1  # automatic syncs ask once
    settings.setValue(SYNC_INTERVAL_KEY, 0)
    window.load_project(str(team.file("ana")), "ana")
    qtbot.waitUntil(lambda: not window.syncing, timeout=WAIT)

    # Sync now asks again; with the right password the window is in step.
    dialogs.answers["hub_password"] = "pw-ana"
    sync_and_wait(window, qtbot)
    assert len(dialogs.password_questions) == 2
    assert indicator(window).text() == "In step"


def test_an_unreachable_hub_shows_offline_and_labelling_goes_on(make_main_window, path, dialogs, tmp_path, qtbot):
    project = Project.open(path)
    project.link_hub(f"postgresql://ana@/hub?host={tmp_path}/no-server-here", member="ana", role="annotator",
                     annotator_uuid="8d2f7a6e-1b1c-4a57-9a57-2c0f5a0e7b11", everything=False)
    project.close()
    window = make_main_window(path, "ana")
    assert indicator(window).text() == "Not synced yet"
    with qtbot.waitSignal(window.sig_team_synced, timeout=WAIT):
        action(window, "actionSyncNow").trigger()
        assert indicator(window).text().startswith("Syncing")
    assert indicator(window).text() == "Offline"
    assert "cannot reach" in indicator(window).toolTip()
    assert not dialogs.password_questions  # being offline is not a password problem
    label_first_word(window, qtbot)
    assert stored_spans(path)
    assert "Changes waiting to be sent: " in indicator(window).toolTip()
    assert "Changes waiting to be sent: 0" not in indicator(window).toolTip()


def test_only_one_sync_runs_at_a_time(make_main_window, team, dialogs, qtbot):
    dialogs.answers["hub_password"] = "pw-ana"
    window = make_main_window(team.file("ana"), "ana")
    sync_and_wait(window, qtbot)  # the password is known from here on
    synced: list[object] = []
    window.sig_team_synced.connect(synced.append)
    action(window, "actionSyncNow").trigger()
    action(window, "actionSyncNow").trigger()
    action(window, "actionSyncNow").trigger()
    assert list(window.operations.running.values()).count("sync") == 1
    qtbot.waitUntil(lambda: not window.syncing and len(synced) == 2, timeout=WAIT)
    assert list(window.operations.running.values()).count("sync") == 0


def test_joining_a_hub_makes_a_new_project_and_opens_it(make_main_window, path, team, dialogs, qtbot):
    window = make_main_window(path, "someone")
    target = team.tmp / "joined" / "budi-team.annotator"
    target.parent.mkdir()
    dialogs.answers["join_team"] = JoinAnswer(url=team.url("nobody").replace("nobody@", ""), member="budi",
                                              password="pw-budi", path=str(target))
    assert "@" not in dialogs.answers["join_team"].url  # no login in it: the member name is the login
    action(window, "actionJoinTeam").trigger()
    qtbot.waitUntil(lambda: window.project is not None and window.project.path == str(target), timeout=WAIT)
    assert window.annotator == "budi"
    assert indicator(window).isVisible()
    assert window.article_model.rowCount() == 3
    assert window.current_article_id is not None
    conn = sqlite3.connect(target)
    state = dict(conn.execute("SELECT key, value FROM sync_state").fetchall())
    conn.close()
    assert state["member"] == "budi"
    assert "pw-budi" not in " ".join(state.values())  # never in the project file
    # The password typed to join is kept for this project while it is open: no question.
    sync_and_wait(window, qtbot)
    assert indicator(window).text() == "In step"
    assert not dialogs.password_questions


def test_a_refused_join_says_why(make_main_window, path, team, dialogs, qtbot):
    window = make_main_window(path, "someone")
    dialogs.answers["join_team"] = JoinAnswer(url=team.url("budi"), member="budi", password="wrong",
                                              path=str(team.tmp / "x.annotator"))
    dialogs.answers["hub_password"] = None
    with qtbot.waitSignal(window.sig_operation_finished, timeout=WAIT):
        action(window, "actionJoinTeam").trigger()
    assert dialogs.password_questions
    assert dialogs.told and "Could not join" in dialogs.told[-1][1]
    assert window.project.path == str(path)


def test_a_lead_lists_members_adds_one_and_assigns(make_main_window, team, qtbot):
    window = make_main_window(team.file("postgres"), "postgres")
    assert action(window, "actionTeamMembers").isEnabled()
    action(window, "actionTeamMembers").trigger()
    dialog = window.findChild(TeamMembersDialog, "teamMembersDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3 and not dialog.busy, timeout=WAIT)
    names = [dialog.table.item(row, 0).text() for row in range(3)]
    assert names == ["ana", "budi", "postgres"]

    dialog.new_name.setText("citra")
    dialog.new_role.setCurrentText("annotator")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 4 and not dialog.busy, timeout=WAIT)
    assert "password" in dialog.outcome.text() and "citra@" in dialog.outcome.text()
    assert team.hub_rows("SELECT role FROM members WHERE name = 'citra'") == [("annotator",)]

    ticked = [dialog.assignees.item(i).text() for i in range(dialog.assignees.count())
              if dialog.assignees.item(i).checkState().name == "Checked"]
    assert ticked == ["ana", "budi", "citra"]  # the annotators, citra as soon as she is added
    dialog.assignees.item(2).setCheckState(Qt.CheckState.Unchecked)
    dialog.per_article.setValue(2)
    dialog.assign_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Assigned") and not dialog.busy, timeout=WAIT)
    assert team.hub_rows("SELECT count(*) FROM assignments")[0][0] == 6
    assert team.hub_rows("SELECT DISTINCT member FROM assignments ORDER BY member") == [("ana",), ("budi",)]
    qtbot.waitUntil(lambda: dialog.table.item(0, 2) is not None and dialog.table.item(0, 2).text() == "3",
                    timeout=WAIT)
    qtbot.waitUntil(lambda: not window.syncing, timeout=WAIT)
    dialog.reject()


def test_members_and_assignments_are_for_leads(make_main_window, team):
    window = make_main_window(team.file("ana"), "ana")
    assert not action(window, "actionTeamMembers").isEnabled()
    window.show_team_members()
    assert "Only a lead" in window.last_message
    assert window.team_dialog is None


def test_next_unfinished_follows_the_assignments(make_main_window, team, dialogs, qtbot):
    assign(team.hub_url, ["ana"], 1, query="puncak")  # the third article only
    dialogs.answers["hub_password"] = "pw-ana"
    window = make_main_window(team.file("ana"), "ana")
    sync_and_wait(window, qtbot)
    ids = window.article_model.ids()
    assigned = window.project.assigned_article_ids()
    assert len(assigned) == 1
    window.open_article(ids[0])
    action(window, "actionNextUnfinished").trigger()
    assert window.current_article_id in assigned
    action(window, "actionDoneNext").trigger()  # the assigned one done: then the others
    assert window.current_article_id is not None and window.current_article_id not in assigned
    assert "not assigned to you" in window.last_message


def test_addresses_for_members():
    assert address_with_user("postgresql://hub.example.org/news", "ana") == "postgresql://ana@hub.example.org/news"
    assert address_with_user("postgresql://bob@hub/news", "ana") == "postgresql://bob@hub/news"
    assert address_with_user("host=hub dbname=news", "ana") == "host=hub dbname=news user='ana'"
    assert address_as("postgresql://lead:secret@hub:5433/news", "ana") == "postgresql://ana@hub:5433/news"
