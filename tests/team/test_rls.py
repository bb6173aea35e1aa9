"""Who may write what on a hub, checked with plain SQL as each member: the rules live in
PostgreSQL (roles, grants, row-level security), so they hold for someone who bypasses the
program. Every refused write is checked twice: it fails (an error or no row touched), and the
hub's rows are unchanged afterwards, as the superuser sees them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from annotator.model.types import GOLD_UUID, Article
from annotator.project.team import add_member, assign, create_team
from annotator.team.hub import connect
from tests.team.conftest import project_file

psycopg = pytest.importorskip("psycopg")

TEXTS = ["Satu dua tiga. Empat lima enam.", "Tujuh delapan sembilan. Sepuluh sebelas."]
MEMBERS = {"ana": "annotator", "bob": "annotator", "rev": "reviewer", "lea": "lead"}
STAMP = "2024-01-01T00:00:00.000Z"


@dataclass
class Hub:
    server: Any
    database: str
    url: str  # the superuser's
    uuids: dict[str, str]  # member -> annotator uuid
    articles: list[int]
    span_label: str
    doc_label: str

    def connect(self, member: str) -> psycopg.Connection:
        return psycopg.connect(self.server.url(self.database, member, f"pw-{member}"), autocommit=True)

    @contextmanager
    def as_member(self, member: str) -> Iterator[psycopg.Connection]:
        conn = self.connect(member)
        try:
            yield conn
        finally:
            conn.close()

    def superuser(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def rows(self, table: str) -> list[tuple]:
        with self.superuser() as conn:
            return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()

    def snapshot(self) -> dict[str, list[tuple]]:
        return {table: self.rows(table) for table in (
            "annotations", "doc_labels", "article_status", "articles", "labels", "attribute_defs", "members",
            "assignments", "events", "tombstones", "hub_info", "annotators")}


def _span(hub: Hub, owner: str, article: int = 0, start: int = 0, end: int = 4) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "article_id": hub.articles[article], "annotator_uuid": owner,
            "label_uuid": hub.span_label, "start_offset": start, "end_offset": end,
            "text": TEXTS[article][start:end], "created_at": STAMP, "updated_at": STAMP}


INSERT_SPAN = ("INSERT INTO annotations(uuid, article_id, annotator_uuid, label_uuid, start_offset, end_offset, "
               "text, created_at, updated_at) VALUES (%(uuid)s, %(article_id)s, %(annotator_uuid)s, "
               "%(label_uuid)s, %(start_offset)s, %(end_offset)s, %(text)s, %(created_at)s, %(updated_at)s)")


@pytest.fixture
def hub(tmp_path, pg_server, hub_url) -> Hub:
    lead_file = project_file(tmp_path / "lead.annotator", [Article(text=text) for text in TEXTS])
    create_team(hub_url, lead_file)
    database = hub_url.split("/")[3].split("?")[0]
    uuids = {}
    for name, role in MEMBERS.items():
        uuids[name], _ = add_member(hub_url, name, role, password=f"pw-{name}")
    with psycopg.connect(hub_url, autocommit=True) as conn:
        articles = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY id")]
        span_label = conn.execute("SELECT uuid::text FROM labels WHERE scope = 'span' ORDER BY position").fetchone()[0]
        doc_label = conn.execute(
            "SELECT uuid::text FROM labels WHERE scope = 'document' ORDER BY position").fetchone()[0]
    result = Hub(pg_server, database, hub_url, uuids, articles, span_label, doc_label)
    # Everyone's rows, written by the superuser: a span on each article, a document label and a
    # status on the first; a gold span too.
    with result.superuser() as conn:
        for owner in [*uuids.values(), GOLD_UUID]:
            for article in range(len(TEXTS)):
                conn.execute(INSERT_SPAN, _span(result, owner, article))
            conn.execute("INSERT INTO doc_labels(uuid, article_id, annotator_uuid, label_uuid, created_at) "
                         "VALUES (%s, %s, %s, %s, %s)", (str(uuid.uuid4()), articles[0], owner, doc_label, STAMP))
            conn.execute("INSERT INTO article_status(article_id, annotator_uuid, status, updated_at) "
                         "VALUES (%s, %s, 'in_progress', %s)", (articles[0], owner, STAMP))
    return result


def _refused(conn: psycopg.Connection, statement: str, params: Any = None) -> None:
    """The statement fails for lack of rights, or touches no row."""
    try:
        cursor = conn.execute(statement, params)
    except psycopg.errors.InsufficientPrivilege as error:
        refusal = str(error)
    else:
        assert cursor.rowcount == 0, f"{statement!r} changed {cursor.rowcount} rows"
        return
    assert "permission denied" in refusal or "row-level security" in refusal, refusal


def _uuid_of(hub: Hub, table: str, owner: str, article: int = 0) -> str:
    with hub.superuser() as conn:
        return conn.execute(f"SELECT uuid::text FROM {table} WHERE annotator_uuid = %s AND article_id = %s",
                            (owner, hub.articles[article])).fetchone()[0]


# -- annotators: their own layer only ----------------------------------------------------------

@pytest.mark.parametrize("victim", ["bob", "rev", "lea", "gold"])
def test_annotator_cannot_touch_anyone_elses_rows(hub, victim):
    other = GOLD_UUID if victim == "gold" else hub.uuids[victim]
    span = _uuid_of(hub, "annotations", other)
    doc = _uuid_of(hub, "doc_labels", other)
    before = hub.snapshot()
    with hub.as_member("ana") as conn:
        _refused(conn, INSERT_SPAN, _span(hub, other, 1, 5, 8))
        _refused(conn, "UPDATE annotations SET note = 'mine now' WHERE uuid = %s", (span,))
        _refused(conn, "UPDATE annotations SET note = 'mine now' WHERE annotator_uuid = %s", (other,))
        _refused(conn, "DELETE FROM annotations WHERE uuid = %s", (span,))
        _refused(conn, "DELETE FROM annotations WHERE annotator_uuid = %s", (other,))
        _refused(conn, "INSERT INTO doc_labels(uuid, article_id, annotator_uuid, label_uuid, created_at) "
                       "VALUES (%s, %s, %s, %s, %s)", (str(uuid.uuid4()), hub.articles[1], other, hub.doc_label, STAMP))
        _refused(conn, "UPDATE doc_labels SET created_at = 'x' WHERE uuid = %s", (doc,))
        _refused(conn, "DELETE FROM doc_labels WHERE uuid = %s", (doc,))
        _refused(conn, "INSERT INTO article_status(article_id, annotator_uuid, status, updated_at) "
                       "VALUES (%s, %s, 'done', %s)", (hub.articles[1], other, STAMP))
        _refused(conn, "UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s", (other,))
        _refused(conn, "DELETE FROM article_status WHERE annotator_uuid = %s", (other,))
        # Nor by making an own row someone else's, or someone's row their own.
        own = _uuid_of(hub, "annotations", hub.uuids["ana"])
        _refused(conn, "UPDATE annotations SET annotator_uuid = %s WHERE uuid = %s", (other, own))
        _refused(conn, "UPDATE annotations SET annotator_uuid = %s WHERE uuid = %s", (hub.uuids["ana"], span))
        _refused(conn, "UPDATE article_status SET annotator_uuid = %s WHERE annotator_uuid = %s",
                 (other, hub.uuids["ana"]))
    assert hub.snapshot() == before


def test_annotator_changes_their_own_rows(hub):
    me = hub.uuids["ana"]
    with hub.as_member("ana") as conn:
        conn.execute(INSERT_SPAN, _span(hub, me, 1, 5, 8))
        assert conn.execute("UPDATE annotations SET note = 'checked' WHERE annotator_uuid = %s", (me,)).rowcount == 3
        assert conn.execute("DELETE FROM annotations WHERE annotator_uuid = %s AND article_id = %s",
                            (me, hub.articles[0])).rowcount == 1
        conn.execute("INSERT INTO doc_labels(uuid, article_id, annotator_uuid, label_uuid, created_at) "
                     "VALUES (%s, %s, %s, %s, %s)", (str(uuid.uuid4()), hub.articles[1], me, hub.doc_label, STAMP))
        assert conn.execute("DELETE FROM doc_labels WHERE annotator_uuid = %s AND article_id = %s",
                            (me, hub.articles[0])).rowcount == 1
        conn.execute("INSERT INTO article_status(article_id, annotator_uuid, status, updated_at) "
                     "VALUES (%s, %s, 'done', %s)", (hub.articles[1], me, STAMP))
        assert conn.execute("UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s",
                            (me,)).rowcount == 2
        assert conn.execute("DELETE FROM article_status WHERE annotator_uuid = %s AND article_id = %s",
                            (me, hub.articles[1])).rowcount == 1
    with hub.superuser() as conn:
        assert conn.execute("SELECT article_id, note FROM annotations WHERE annotator_uuid = %s ORDER BY 1",
                            (me,)).fetchall() == [(hub.articles[1], "checked")] * 2
        assert conn.execute("SELECT article_id, status FROM article_status WHERE annotator_uuid = %s",
                            (me,)).fetchall() == [(hub.articles[0], "done")]
        assert conn.execute("SELECT count(*) FROM doc_labels WHERE annotator_uuid = %s", (me,)).fetchone()[0] == 1


def test_reviewer_writes_gold_but_not_a_colleagues_rows(hub):
    gold_span = _uuid_of(hub, "annotations", GOLD_UUID)
    with hub.as_member("rev") as conn:
        conn.execute(INSERT_SPAN, _span(hub, GOLD_UUID, 1, 5, 8))
        assert conn.execute("UPDATE annotations SET note = 'adjudicated' WHERE uuid = %s", (gold_span,)).rowcount == 1
        assert conn.execute("UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s",
                            (GOLD_UUID,)).rowcount == 1
        assert conn.execute("DELETE FROM doc_labels WHERE annotator_uuid = %s", (GOLD_UUID,)).rowcount == 1
    before = hub.snapshot()
    with hub.as_member("rev") as conn:
        for victim in ("ana", "bob", "lea"):
            other = hub.uuids[victim]
            _refused(conn, INSERT_SPAN, _span(hub, other, 1, 5, 8))
            _refused(conn, "UPDATE annotations SET note = 'x' WHERE annotator_uuid = %s", (other,))
            _refused(conn, "DELETE FROM annotations WHERE annotator_uuid = %s", (other,))
            _refused(conn, "DELETE FROM doc_labels WHERE annotator_uuid = %s", (other,))
            _refused(conn, "UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s", (other,))
            _refused(conn, "DELETE FROM article_status WHERE annotator_uuid = %s", (other,))
        # Reviewers adjudicate; the articles, codebook and team are the leads'.
        _refused(conn, "DELETE FROM articles")
        _refused(conn, "UPDATE labels SET name = name || '!'")
        _refused(conn, "INSERT INTO members(name, role, annotator_uuid) VALUES ('rev2', 'lead', %s)",
                 (str(uuid.uuid4()),))
        _refused(conn, "UPDATE members SET role = 'lead' WHERE name = 'rev'")
    assert hub.snapshot() == before


@pytest.mark.parametrize("member", ["ana", "rev"])
def test_only_leads_change_articles_codebook_members_and_assignments(hub, member):
    with hub.superuser() as conn:
        conn.execute("INSERT INTO assignments(article_id, member) VALUES (%s, 'ana')", (hub.articles[0],))
        conn.execute("INSERT INTO attribute_defs(uuid, name) VALUES (%s, 'speaker2')", (str(uuid.uuid4()),))
    before = hub.snapshot()
    new_uuid = str(uuid.uuid4())
    with hub.as_member(member) as conn:
        for statement, params in [
            ("INSERT INTO articles(text_hash, text, imported_at) VALUES ('h', 'text', %s)", (STAMP,)),
            ("UPDATE articles SET title = 'mine'", None),
            ("DELETE FROM articles", None),
            ("INSERT INTO labels(uuid, name) VALUES (%s, 'New')", (new_uuid,)),
            ("UPDATE labels SET name = name || '!'", None),
            ("DELETE FROM labels", None),
            ("INSERT INTO attribute_defs(uuid, name) VALUES (%s, 'new')", (new_uuid,)),
            ("UPDATE attribute_defs SET allowed_values = '[\"a\"]'", None),
            ("DELETE FROM attribute_defs", None),
            ("INSERT INTO members(name, role, annotator_uuid) VALUES ('eve', 'lead', %s)", (new_uuid,)),
            ("UPDATE members SET role = 'lead'", None),
            ("DELETE FROM members", None),
            ("INSERT INTO assignments(article_id, member) VALUES (%s, %s)", (hub.articles[1], member)),
            ("UPDATE assignments SET member = %s", (member,)),
            ("DELETE FROM assignments", None),
            ("UPDATE hub_info SET value = 'off' WHERE key = 'blind'", None),
            ("DELETE FROM annotators WHERE name = 'bob'", None),
            ("UPDATE annotators SET name = 'bobby' WHERE name = 'bob'", None),
            ("INSERT INTO annotators(uuid, name, created_at) VALUES (%s, 'eve', %s)", (new_uuid, STAMP)),
            ("INSERT INTO tombstones(kind, key, deleted_at, deleted_by, change_seq) VALUES ('x', 'y', 'z', 'w', 1)",
             None),
            ("DELETE FROM tombstones", None),
        ]:
            _refused(conn, statement, params)
    assert hub.snapshot() == before


def test_a_lead_changes_articles_codebook_members_and_assignments(hub):
    new_label = str(uuid.uuid4())
    with hub.as_member("lea") as conn:
        conn.execute("INSERT INTO articles(text_hash, text, imported_at) VALUES ('h', 'text', %s)", (STAMP,))
        assert conn.execute("UPDATE articles SET title = 'Titled'").rowcount == 3
        conn.execute("INSERT INTO labels(uuid, name) VALUES (%s, 'New')", (new_label,))
        assert conn.execute("UPDATE labels SET description = 'd' WHERE uuid = %s", (new_label,)).rowcount == 1
        conn.execute("INSERT INTO attribute_defs(uuid, name) VALUES (%s, 'new')", (str(uuid.uuid4()),))
        assert conn.execute("UPDATE attribute_defs SET allowed_values = '[\"a\"]' WHERE name = 'new'").rowcount == 1
        assert conn.execute("DELETE FROM attribute_defs WHERE name = 'new'").rowcount == 1
        conn.execute("INSERT INTO assignments(article_id, member) VALUES (%s, 'ana'), (%s, 'bob')",
                     tuple(hub.articles))
        assert conn.execute("UPDATE assignments SET member = 'rev' WHERE member = 'bob'").rowcount == 1
        assert conn.execute("DELETE FROM assignments WHERE member = 'ana'").rowcount == 1
        assert conn.execute("UPDATE members SET role = 'reviewer' WHERE name = 'bob'").rowcount == 1
        # Deleting an article takes everyone's rows on it along, leaving tombstones.
        assert conn.execute("DELETE FROM articles WHERE id = %s", (hub.articles[1],)).rowcount == 1
        assert conn.execute("DELETE FROM labels WHERE uuid = %s", (new_label,)).rowcount == 1
    with hub.superuser() as conn:
        assert conn.execute("SELECT count(*) FROM annotations WHERE article_id = %s",
                            (hub.articles[1],)).fetchone()[0] == 0
        assert conn.execute("SELECT role FROM members WHERE name = 'bob'").fetchone()[0] == "reviewer"
        assert conn.execute("SELECT article_id, member FROM assignments").fetchall() == []  # went with it
        kinds = dict(conn.execute("SELECT kind, count(*) FROM tombstones GROUP BY kind").fetchall())
    assert kinds == {"article": 1, "annotation": len(MEMBERS) + 1, "label": 1, "attribute": 1}  # + gold


def test_nobody_rewrites_the_event_log(hub):
    with hub.as_member("ana") as conn:
        conn.execute("INSERT INTO events(at, action) VALUES (%s, 'note')", (STAMP,))
        # Not in someone else's name.
        _refused(conn, "INSERT INTO events(at, action, member) VALUES (%s, 'note', 'bob')", (STAMP,))
    before = hub.rows("events")
    assert [row[2] for row in before] == ["ana"]
    for member in MEMBERS:
        with hub.as_member(member) as conn:
            _refused(conn, "UPDATE events SET action = 'rewritten'")
            _refused(conn, "DELETE FROM events")
    assert hub.rows("events") == before


COLUMNS = "uuid, article_id, annotator_uuid, label_uuid, start_offset, end_offset, text, created_at, updated_at"


def test_deleting_a_row_leaves_a_tombstone_and_adding_it_back_removes_it(hub):
    me = hub.uuids["ana"]
    span = _uuid_of(hub, "annotations", me)
    doc = _uuid_of(hub, "doc_labels", me)
    with hub.superuser() as conn:
        text_hash = conn.execute("SELECT text_hash FROM articles WHERE id = %s", (hub.articles[0],)).fetchone()[0]
        restored = conn.execute(f"SELECT {COLUMNS} FROM annotations WHERE uuid = %s", (span,)).fetchone()
        highest = conn.execute("SELECT max(change_seq) FROM annotations").fetchone()[0]
    with hub.as_member("ana") as conn:
        conn.execute("DELETE FROM annotations WHERE uuid = %s", (span,))
        conn.execute("DELETE FROM doc_labels WHERE uuid = %s", (doc,))
        conn.execute("DELETE FROM article_status WHERE annotator_uuid = %s", (me,))
    tombstones = {(kind, key): (by, seq) for kind, key, _at, by, seq in hub.rows("tombstones")}
    assert set(tombstones) == {("annotation", span), ("doc_label", doc), ("status", f"{text_hash}/{me}")}
    assert {by for by, _seq in tombstones.values()} == {"ana"}
    assert all(seq > highest for _by, seq in tombstones.values())
    # Its owner adds it again: it is one of the table and the tombstones, never both.
    with hub.as_member("ana") as conn:
        conn.execute(INSERT_SPAN, {**_span(hub, me), "uuid": span})
    assert ("annotation", span) not in {(kind, key) for kind, key, *_rest in hub.rows("tombstones")}
    with hub.superuser() as conn:
        again = conn.execute(f"SELECT {COLUMNS}, pushed_by, change_seq FROM annotations WHERE uuid = %s",
                             (span,)).fetchone()
    assert again[:-2] == restored and again[-2] == "ana" and again[-1] > highest


def test_members_cannot_forge_the_tombstones_or_the_change_numbers(hub):
    me = hub.uuids["ana"]
    with hub.as_member("ana") as conn:
        conn.execute(INSERT_SPAN, _span(hub, me, 1, 5, 8))
        conn.execute("UPDATE annotations SET change_seq = 1 WHERE annotator_uuid = %s", (me,))
        _refused(conn, "SELECT setval('change_seq', 1)")
        _refused(conn, "SELECT hub_tombstone()")
    with hub.superuser() as conn:
        seqs = [row[0] for row in conn.execute("SELECT change_seq FROM annotations WHERE annotator_uuid = %s", (me,))]
    assert all(seq > 1 for seq in seqs)


def test_temporary_tables_do_not_lend_a_member_anothers_rights(hub):
    """Names in the hub's functions are not looked up in a member's own temporary tables: a
    temporary ``members`` claiming the lead's annotator gives no right to the lead's rows."""
    lead = hub.uuids["lea"]
    before = hub.snapshot()
    with hub.as_member("ana") as conn:
        try:
            conn.execute("CREATE TEMP TABLE members (name text, role text, annotator_uuid uuid)")
            conn.execute("INSERT INTO members VALUES (session_user, 'lead', %s)", (lead,))
            conn.execute("CREATE TEMP TABLE hub_info (key text, value text)")
        except psycopg.errors.InsufficientPrivilege:
            pass  # a hub that refuses temporary tables is safe too
        _refused(conn, "UPDATE annotations SET note = 'forged' WHERE annotator_uuid = %s", (lead,))
        _refused(conn, "DELETE FROM annotations WHERE annotator_uuid = %s", (lead,))
        _refused(conn, INSERT_SPAN, _span(hub, lead, 1, 5, 8))
    assert hub.snapshot() == before


# -- blind mode ---------------------------------------------------------------------------------

def _visible_layers(conn: psycopg.Connection, table: str, article: int) -> set[str]:
    return {row[0] for row in conn.execute(
        f"SELECT m.name FROM {table} t JOIN annotators m ON m.uuid = t.annotator_uuid WHERE t.article_id = %s",
        (article,))}


def test_blind_mode_hides_colleagues_until_the_article_is_done(hub):
    first, second = hub.articles
    everyone = {*MEMBERS, "gold"}
    with hub.as_member("ana") as conn:
        assert _visible_layers(conn, "annotations", first) == everyone  # not blind yet
    with connect(hub.url) as owner:
        owner.assign(["ana", "bob"], 2, blind=True)
    with hub.superuser() as conn:
        assert conn.execute("SELECT value FROM hub_info WHERE key = 'blind'").fetchone()[0] == "on"
    with hub.as_member("ana") as conn:
        assert _visible_layers(conn, "annotations", first) == {"ana"}
        assert _visible_layers(conn, "doc_labels", first) == {"ana"}
        assert _visible_layers(conn, "annotations", second) == {"ana"}
        # Statuses stay visible: who has finished is no hint about what they labelled.
        assert len(conn.execute("SELECT * FROM article_status").fetchall()) == len(MEMBERS) + 1
        conn.execute("UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s AND article_id = %s",
                     (hub.uuids["ana"], first))
        assert _visible_layers(conn, "annotations", first) == everyone
        assert _visible_layers(conn, "doc_labels", first) == everyone
        assert _visible_layers(conn, "annotations", second) == {"ana"}
        # Marking another's article done does not open it (it is refused).
        _refused(conn, "UPDATE article_status SET status = 'done' WHERE annotator_uuid = %s",
                 (hub.uuids["bob"],))
    with hub.as_member("bob") as conn:
        assert _visible_layers(conn, "annotations", first) == {"bob"}
    for member in ("rev", "lea"):
        with hub.as_member(member) as conn:
            assert _visible_layers(conn, "annotations", second) == everyone
    with connect(hub.url) as owner:
        owner.assign(["ana", "bob"], 2, blind=False)
    with hub.as_member("bob") as conn:
        assert _visible_layers(conn, "annotations", second) == everyone


def test_assign_spreads_articles_and_members_see_only_their_own(hub, pg_server):
    spread = assign(hub.url, ["ana", "bob", "rev"], 2)
    assert sum(spread.values()) == 2 * len(hub.articles)
    with connect(pg_server.url(hub.database, "ana", "pw-ana")) as member:
        mine = member.assignments()
    with hub.superuser() as conn:
        expected = {row[0] for row in conn.execute(
            "SELECT a.text_hash FROM assignments s JOIN articles a ON a.id = s.article_id WHERE member = 'ana'")}
    assert set(mine) == expected and len(mine) == spread["ana"]
