"""One window writing per person and project: a claim per window open for writing.

To use it::

    session, holder = claim(store, "ana")
    if holder is not None:
        ...  # ana already writes elsewhere (holder.where()): open read-only instead
    ...
    release(store, session)

Two windows of one annotator on one file would each keep their own undo stack and view of the
same spans; an undo in one would take back what the other shows. So a window claims a row of
``writer_sessions`` (annotator, pid, host) when it opens a project for writing, and a second
window of the same annotator finds a live claim and opens read-only. Other annotators are not
affected. A claim is stale, and taken over, when its process is gone: on this host, when its pid
is not running (as ``import_runs.recover_runs`` decides); on another host, whose processes we
cannot see, when it has not been renewed (``renew``) for ``STALE_AFTER_SECONDS``.

Why a table and not a lock file beside the project: checking and claiming are one SQLite
transaction, so two windows starting at once cannot both win; there is no second file in the
user's folder to travel with copies of the project or to need locking of its own; and nothing
ever opens the project file with another descriptor. The price was a schema change (migration 4).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from annotator.store.base import new_uuid, now
from annotator.store.import_runs import _alive

if TYPE_CHECKING:
    from annotator.store.store import Store

RENEW_SECONDS = 300
"""How often an open window renews its claim."""
STALE_AFTER_SECONDS = 1800
"""A claim from another host not renewed for this long belongs to a window that is gone."""


@dataclass(frozen=True)
class WriterSession:
    """A window that has a project open for writing."""

    session: str
    annotator: str
    pid: int
    host: str
    started_at: str
    seen_at: str

    def where(self) -> str:
        """Where it runs, for a message: ``process 4242 on host lab-3, since 2024-01-17 10:15 UTC``."""
        since = self.started_at[:16].replace("T", " ")
        return f"process {self.pid} on {self.host}, since {since} UTC"

    def is_stale(self) -> bool:
        if self.host == socket.gethostname():
            return self.pid != os.getpid() and not _alive(self.pid)
        try:
            seen = datetime.fromisoformat(self.seen_at)
        except ValueError:
            return True
        return (datetime.now(UTC) - seen).total_seconds() > STALE_AFTER_SECONDS


_COLUMNS = "session, annotator, pid, host, started_at, seen_at"


def _holder(store: Store, annotator: str, *, ignore: str | None) -> WriterSession | None:
    """Inside a write: the live claim of ``annotator`` (stale ones, and ``ignore``, are removed)."""
    for row in store.conn.execute(f"SELECT {_COLUMNS} FROM writer_sessions WHERE annotator = ?",
                                  (annotator,)).fetchall():
        session = WriterSession(*row)
        if session.session == ignore or session.is_stale():
            store.conn.execute("DELETE FROM writer_sessions WHERE session = ?", (session.session,))
            continue
        return session
    return None


def claim(store: Store, annotator: str, *, replacing: str | None = None) -> tuple[str | None, WriterSession | None]:
    """Claim the project for ``annotator``'s window.

    Args:
        replacing: the claim of the window's previous store on this file (reopened for the same
            person), which this one takes over.

    Returns:
        ``(session id, None)`` when claimed, or ``(None, live claim)`` when the annotator already
        has the project open for writing elsewhere.
    """
    with store.write():
        holder = _holder(store, annotator, ignore=replacing)
        if holder is not None:
            return None, holder
        session, stamp = new_uuid(), now()
        store.conn.execute(f"INSERT INTO writer_sessions({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                           (session, annotator, os.getpid(), socket.gethostname(), stamp, stamp))
    return session, None


def renew(store: Store, session: str, annotator: str) -> WriterSession | None:
    """Say the claim is still in use; if it was taken away meanwhile (after a long sleep on another
    host, say) claim again. Returns the claim that holds the place instead of ``session``, if any."""
    with store.write():
        if store.conn.execute("UPDATE writer_sessions SET seen_at = ? WHERE session = ?",
                              (now(), session)).rowcount:
            return None
        holder = _holder(store, annotator, ignore=None)
        if holder is not None:
            return holder
        store.conn.execute(f"INSERT INTO writer_sessions({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                           (session, annotator, os.getpid(), socket.gethostname(), now(), now()))
    return None


def release(store: Store, session: str) -> None:
    """Give up a claim (the window closes or switches project)."""
    with store.write():
        store.conn.execute("DELETE FROM writer_sessions WHERE session = ?", (session,))


def sessions(store: Store) -> list[WriterSession]:
    """Every claim in the file, stale ones included (``is_stale`` tells)."""
    return [WriterSession(*row) for row in store.conn.execute(
        f"SELECT {_COLUMNS} FROM writer_sessions ORDER BY started_at")]
