"""One window writing per person: claims, and stale claims of dead processes or silent hosts."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from annotator.store import Store
from annotator.store.writers import STALE_AFTER_SECONDS, claim, release, renew, sessions


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def put_claim(store: Store, annotator: str, *, pid: int, host: str, seen: datetime) -> None:
    stamp = seen.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with store.write():
        store.conn.execute("INSERT INTO writer_sessions VALUES (?, ?, ?, ?, ?, ?)",
                           (f"old-{annotator}-{pid}", annotator, pid, host, stamp, stamp))


def test_one_claim_per_annotator(project_path):
    store = Store.open(project_path)
    session, holder = claim(store, "ana")
    assert session and holder is None
    again, holder = claim(store, "ana")
    assert again is None and holder.session == session and holder.host == socket.gethostname()
    assert "process" in holder.where()
    other, holder = claim(store, "budi")  # other people are not affected
    assert other and holder is None
    release(store, session)
    assert claim(store, "ana")[0] is not None
    store.close()


def test_a_claim_of_a_dead_process_on_this_host_is_taken_over(project_path):
    store = Store.open(project_path)
    put_claim(store, "ana", pid=dead_pid(), host=socket.gethostname(), seen=datetime.now(UTC))
    session, holder = claim(store, "ana")
    assert holder is None and session
    assert [s.session for s in sessions(store)] == [session]
    store.close()


def test_a_claim_from_another_host_is_live_until_it_stops_being_renewed(project_path):
    store = Store.open(project_path)
    put_claim(store, "ana", pid=1, host="other-host", seen=datetime.now(UTC))
    assert claim(store, "ana")[1].host == "other-host"
    put_claim(store, "budi", pid=1, host="other-host",
              seen=datetime.now(UTC) - timedelta(seconds=STALE_AFTER_SECONDS + 60))
    assert claim(store, "budi")[1] is None
    store.close()


def test_renewing_keeps_or_takes_the_claim_back(project_path):
    store = Store.open(project_path)
    session, _ = claim(store, "ana")
    assert renew(store, session, "ana") is None
    release(store, session)  # taken away meanwhile (say, stale after a long sleep)
    assert renew(store, session, "ana") is None
    assert [s.session for s in sessions(store)] == [session]
    with store.write():
        store.conn.execute("DELETE FROM writer_sessions")
    other, _ = claim(store, "ana")  # another window got in first
    assert renew(store, session, "ana").session == other
    store.close()
