"""A sync killed at any moment (SIGKILL) and run again leaves no duplicate and no loss.

A child process syncs (or joins) with small batches, so that its work spans many hub and local
transactions; the test watches its progress from outside (rows on the hub, entries left in the
local outbox, rows in the joining file) and kills it once it is partway. Where exactly the
kill lands is up to the machine's timing, so the tests assert only what must hold wherever it
lands: after a sync run again in this process, the hub and the file hold the same rows
(compared by UUID, content version and count on both sides), the outbox is empty, and one more
sync moves nothing."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from annotator.model.types import Article
from annotator.project import Project
from annotator.project.team import add_member, create_team, join_team, sync_file
from annotator.store import Store
from annotator.store.base import now

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "secret-ana"
CHILD = """
import sys
import annotator.project.team as team
import annotator.team.hub as hub
team.PUSH_BATCH = team.LOCAL_CHUNK = hub.PULL_BATCH = 150  # many transactions: many places to land
if sys.argv[1] == "sync":
    team.sync_file(sys.argv[2], password=sys.argv[3])
else:
    team.join_team(sys.argv[2], sys.argv[3])
"""


# -- building a team --------------------------------------------------------------------------

def _lead_project(path: Path, articles: int, spans: int) -> None:
    project = Project.open(path)
    store = project._store
    rng = random.Random(1)
    with store.write():
        store.add_articles([Article(text=f"Artikel {i}. " + "kata lain dan seterusnya " * 20, title=f"Judul {i}")
                            for i in range(articles)])
        if spans:
            lead, _ = store.ensure_annotator("lead")
            _add_spans(store, lead.id, spans, rng)
    project.close()


def _add_spans(store: Store, annotator_id: int, count: int, rng: random.Random) -> None:
    """Inside ``write()``: ``count`` new spans of this annotator at random places."""
    articles = [row[0] for row in store.conn.execute("SELECT id FROM articles")]
    labels = [row[0] for row in store.conn.execute("SELECT id FROM labels WHERE scope = 'span'")]
    stamp = now()
    rows = []
    for _ in range(count):
        start = rng.randrange(400)
        rows.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.choice(articles), annotator_id,
                     rng.choice(labels), start, start + rng.randint(2, 60), "kata", "{}", "", "manual", stamp,
                     stamp, None))
    store.add_annotations(rows)


def _offline_work(path: Path, *, new: int, changed: int, deleted: int, seed: int) -> int:
    """Ana's edits while offline: new spans, changes and deletions of her own. Returns the
    outbox entries waiting."""
    rng = random.Random(seed)
    store = Store.open(path, create=False)
    try:
        ana = store.annotator_by_name("ana")
        assert ana is not None
        with store.write():
            own = [row[0] for row in store.conn.execute("SELECT id FROM annotations WHERE annotator_id = ?",
                                                        (ana.id,))]
            picked = rng.sample(own, min(len(own), changed + deleted))
            stamp = now()
            store.conn.executemany("UPDATE annotations SET note = ?, updated_at = ? WHERE id = ?",
                                   [(f"changed {seed}", stamp, span) for span in picked[:changed]])
            store.conn.executemany("DELETE FROM annotations WHERE id = ?", [(span,) for span in picked[changed:]])
            _add_spans(store, ana.id, new, rng)
        return store.outbox_count()
    finally:
        store.close()


@pytest.fixture
def team(tmp_path, pg_server, hub_url) -> Callable[..., tuple[Path, str]]:
    """``team(articles, lead_spans)``: a hub made from a lead's project, with member ana;
    returns the path ana's file is to be and her address (with her password)."""
    def make(articles: int = 60, lead_spans: int = 0) -> tuple[Path, str]:
        lead_file = tmp_path / "lead.annotator"
        _lead_project(lead_file, articles, lead_spans)
        create_team(hub_url, lead_file)
        add_member(hub_url, "ana", "annotator", password=PASSWORD)
        database = hub_url.split("/")[3].split("?")[0]
        return tmp_path / "ana.annotator", pg_server.url(database, "ana", PASSWORD)

    return make


# -- watching and killing a child -------------------------------------------------------------

def _spawn(*args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 60) -> bool:
    """SIGKILL the child as soon as ``ready()`` holds. Returns whether it was killed while still
    running (it may finish first on a fast machine: the checks hold either way)."""
    deadline = time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        try:
            hit = ready()
        except (sqlite3.Error, psycopg.Error):
            hit = False  # the file or the hub is not there yet
        if hit:
            break
        time.sleep(0.002)
    killed = child.poll() is None
    if killed:
        os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    if not killed:
        assert child.returncode == 0, child.stderr.read().decode() if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    return killed


def _local_count(path: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.05) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _hub_count(hub_url: str, sql: str) -> int:
    with psycopg.connect(hub_url, autocommit=True) as conn:
        return int(conn.execute(sql).fetchone()[0])  # type: ignore[index]


# -- the invariants ---------------------------------------------------------------------------

def _assert_in_step(path: Path, hub_url: str) -> None:
    """The hub and the file hold the same spans, articles and statuses (no duplicate, no loss,
    same versions), nothing waits in the outbox, and one more sync moves nothing."""
    with psycopg.connect(hub_url, autocommit=True) as conn:
        hub_spans = conn.execute("SELECT uuid::text, updated_at, note FROM annotations").fetchall()
        hub_articles = [row[0] for row in conn.execute("SELECT text_hash FROM articles")]
        hub_statuses = conn.execute("SELECT a.text_hash, s.annotator_uuid::text, s.status FROM article_status s "
                                    "JOIN articles a ON a.id = s.article_id").fetchall()
    store = Store.open(path, create=False)
    try:
        local_spans = store.conn.execute("SELECT uuid, updated_at, note FROM annotations").fetchall()
        local_articles = [row[0] for row in store.conn.execute("SELECT text_hash FROM articles")]
        local_statuses = store.conn.execute(
            "SELECT a.text_hash, n.uuid, s.status FROM article_status s JOIN articles a ON a.id = s.article_id "
            "JOIN annotators n ON n.id = s.annotator_id").fetchall()
        waiting = store.outbox_count()
    finally:
        store.close()
    assert len(hub_spans) == len(local_spans) == len({row[0] for row in hub_spans})
    assert {tuple(row) for row in hub_spans} == {tuple(row) for row in local_spans}
    assert len(hub_articles) == len(local_articles) == len(set(hub_articles))
    assert set(hub_articles) == set(local_articles)
    assert {tuple(row) for row in hub_statuses} == {tuple(row) for row in local_statuses}
    assert waiting == 0
    again = sync_file(path, password=PASSWORD)
    assert again.pushed == {} and again.pulled == {} and again.refused == [] and again.waiting == 0


# -- the tests --------------------------------------------------------------------------------

PUSH_MOMENTS: dict[str, Callable[[Path, str, int, int], bool]] = {
    # name: ready(ana's file, superuser's hub address, spans on the hub before, outbox before)
    "at start": lambda path, hub, before, waiting: True,
    "logged in": lambda path, hub, before, waiting: _hub_count(
        hub, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'ana'") > 0,
    "first batch on the hub": lambda path, hub, before, waiting: _hub_count(
        hub, "SELECT count(*) FROM annotations") > before,
    "outbox partly sent": lambda path, hub, before, waiting: _local_count(
        path, "SELECT count(*) FROM sync_outbox") < waiting,
    "outbox half sent": lambda path, hub, before, waiting: _local_count(
        path, "SELECT count(*) FROM sync_outbox") < waiting // 2,
    "outbox sent, pulling": lambda path, hub, before, waiting: _local_count(
        path, "SELECT count(*) FROM sync_outbox") == 0,
}


@pytest.mark.parametrize("moment", list(PUSH_MOMENTS))
def test_push_killed_and_run_again(team, hub_url, moment):
    path, url = team(articles=60, lead_spans=300)
    join_team(path, url)
    _offline_work(path, new=1000, changed=0, deleted=0, seed=1)
    sync_file(path, password=PASSWORD)  # some of ana's spans are on the hub: changes and deletions to push
    waiting = _offline_work(path, new=2500, changed=400, deleted=200, seed=2)
    before = _hub_count(hub_url, "SELECT count(*) FROM annotations")
    child = _spawn("sync", str(path), PASSWORD)
    _kill_when(child, lambda: PUSH_MOMENTS[moment](path, hub_url, before, waiting))
    sync_file(path, password=PASSWORD)
    _assert_in_step(path, hub_url)


def test_push_killed_again_and_again(team, hub_url):
    """Killed at several moments in a row, with more offline work between, then run to the end."""
    path, url = team(articles=60)
    join_team(path, url)
    for round_number, moment in enumerate(["first batch on the hub", "outbox partly sent", "outbox half sent",
                                           "at start", "outbox sent, pulling"]):
        waiting = _offline_work(path, new=800, changed=150, deleted=80, seed=10 + round_number)
        before = _hub_count(hub_url, "SELECT count(*) FROM annotations")
        child = _spawn("sync", str(path), PASSWORD)
        _kill_when(child, lambda moment=moment, before=before, waiting=waiting: PUSH_MOMENTS[moment](
            path, hub_url, before, waiting))
    sync_file(path, password=PASSWORD)
    _assert_in_step(path, hub_url)


PULL_MOMENTS: dict[str, Callable[[Path], bool]] = {
    "at start": lambda path: True,
    "file made": lambda path: path.exists() and path.stat().st_size > 0,
    "articles partly in": lambda path: _local_count(path, "SELECT count(*) FROM articles") > 0,
    "spans partly in": lambda path: _local_count(path, "SELECT count(*) FROM annotations") > 0,
    "spans half in": lambda path: _local_count(path, "SELECT count(*) FROM annotations") > 2000,
}


@pytest.mark.parametrize("moment", list(PULL_MOMENTS))
def test_join_killed_and_run_again(team, hub_url, moment):
    """A first join of a hub with many rows, killed while it pulls; the member runs the join again."""
    path, url = team(articles=1500, lead_spans=4000)
    child = _spawn("join", str(path), url)
    _kill_when(child, lambda: PULL_MOMENTS[moment](path))
    join_team(path, url)
    _assert_in_step(path, hub_url)
    # and the file works on: ana's own edits go up
    _offline_work(path, new=300, changed=0, deleted=0, seed=3)
    report = sync_file(path, password=PASSWORD)
    assert report.pushed.get("annotations") == 300
    _assert_in_step(path, hub_url)


def test_sync_killed_while_pulling_others_work(team, hub_url, pg_server, tmp_path):
    """Ana's sync killed while it pulls a colleague's thousands of new spans, then run again."""
    path, url = team(articles=200)
    join_team(path, url)
    add_member(hub_url, "budi", "annotator", password="secret-budi")
    database = hub_url.split("/")[3].split("?")[0]
    budi_file = tmp_path / "budi.annotator"
    join_team(budi_file, pg_server.url(database, "budi", "secret-budi"))
    store = Store.open(budi_file, create=False)
    with store.write():
        budi = store.annotator_by_name("budi")
        assert budi is not None
        _add_spans(store, budi.id, 4000, random.Random(5))
    store.close()
    sync_file(budi_file, password="secret-budi")
    child = _spawn("sync", str(path), PASSWORD)
    _kill_when(child, lambda: _local_count(path, "SELECT count(*) FROM annotations") > 1000)
    sync_file(path, password=PASSWORD)
    _assert_in_step(path, hub_url)


def test_span_deleted_and_made_again_at_its_place_in_one_push(team, hub_url):
    """Found by the kill tests (one big push after a kill): a span deleted and a new one made at
    the same place in the same millisecond, pushed together, must leave the new one on the hub
    (not be taken for the deleted one's twin and deleted with it)."""
    path, url = team(articles=5)
    join_team(path, url)
    store = Store.open(path, create=False)
    ana = store.annotator_by_name("ana")
    assert ana is not None
    with store.write():
        _add_spans(store, ana.id, 1, random.Random(1))
    store.close()
    sync_file(path, password=PASSWORD)
    store = Store.open(path, create=False)
    with store.write():
        old = store.conn.execute("SELECT uuid, article_id, label_id, start_offset, end_offset FROM annotations "
                                 "WHERE annotator_id = ?", (ana.id,)).fetchone()
        store.conn.execute("DELETE FROM annotations WHERE uuid = ?", (old[0],))
        stamp = store.conn.execute("SELECT at FROM sync_outbox WHERE op = 'delete'").fetchone()[0]
        store.add_annotations([(str(uuid.uuid4()), old[1], ana.id, old[2], old[3], old[4], "kata", "{}", "",
                                "manual", stamp, stamp, None)])
    store.close()
    sync_file(path, password=PASSWORD)
    _assert_in_step(path, hub_url)
    assert _hub_count(hub_url, "SELECT count(*) FROM annotations") == 1
