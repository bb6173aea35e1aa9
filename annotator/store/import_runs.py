"""Long writes in short transactions, undone whole when they do not finish.

An import or merge of a large file must not hold the write lock for seconds (the window's
keypresses and other programs would wait), yet a file is imported whole or not at all. So a
run commits in chunks of a fraction of a second, and each chunk notes, in the same
transaction, which rows it added (id ranges per table, read before and after the chunk while
it holds the write lock, so no other writer's rows are among them) and which statuses it
overwrote. ``finish()`` forgets those notes in the run's last chunk; ``rollback()`` uses them
to take the rows away again, also in bounded transactions. A run whose process died (crash,
kill) is rolled back the next time the project is opened for writing (``recover_runs``).

Other programs see a running import's articles appear chunk by chunk. Whatever they add
meanwhile is theirs and stays: a rollback keeps an article that someone else has labelled,
and a label or annotator that someone else has used.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from annotator.model.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.store.store import Store

CHUNK_SECONDS = 0.15
"""How long one chunk of a run may write before it commits (others wait at most this long)."""

GAP_SECONDS = 0.004
"""A pause after each chunk's commit, in which interactive writers (polling every millisecond)
take the write lock before the import (polling every 10 ms) does again."""

ROLLBACK_BATCH = 2000
"""Rows a rollback removes per transaction."""

_TRACKED = ("articles", "annotations", "doc_labels", "labels", "annotators", "attribute_defs")

# A row is kept when anything outside the run refers to it (the run's own references are
# deleted first).
_STILL_USED = {
    # A rejected suggestion is work too: what someone rejected meanwhile keeps its article,
    # label and annotator (deleting them would take the rejection with them).
    "articles": ("NOT EXISTS (SELECT 1 FROM annotations x WHERE x.article_id = t.id) "
                 "AND NOT EXISTS (SELECT 1 FROM doc_labels x WHERE x.article_id = t.id) "
                 "AND NOT EXISTS (SELECT 1 FROM article_status x WHERE x.article_id = t.id) "
                 "AND NOT EXISTS (SELECT 1 FROM suggestion_rejections x WHERE x.article_id = t.id)"),
    "labels": ("NOT EXISTS (SELECT 1 FROM annotations x WHERE x.label_id = t.id) "
               "AND NOT EXISTS (SELECT 1 FROM doc_labels x WHERE x.label_id = t.id) "
               "AND NOT EXISTS (SELECT 1 FROM suggestion_rejections x WHERE x.label_id = t.id)"),
    "annotators": ("NOT EXISTS (SELECT 1 FROM annotations x WHERE x.annotator_id = t.id OR x.reviewer_id = t.id) "
                   "AND NOT EXISTS (SELECT 1 FROM doc_labels x WHERE x.annotator_id = t.id) "
                   "AND NOT EXISTS (SELECT 1 FROM article_status x WHERE x.annotator_id = t.id) "
                   "AND NOT EXISTS (SELECT 1 FROM suggestion_rejections x WHERE x.annotator_id = t.id)"),
}
_ROLLBACK_ORDER = ("annotations", "doc_labels", "status", "articles", "labels", "annotators", "attribute_defs")


def _max_id(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])


class ImportRun:
    """One source's import or merge, written in chunks.

    To use it::

        run = ImportRun.begin(store, "articles.jsonl")
        try:
            for batch in batches:
                with run.chunk():
                    ...  # store.add_articles_with_ids(...), store.add_annotations(...)
            with run.chunk():
                run.finish()
        except BaseException:
            run.rollback()
            raise
    """

    def __init__(self, store: Store, run_id: int):
        self.store = store
        self.id = run_id
        self.started = time.monotonic()

    @classmethod
    def begin(cls, store: Store, source: str) -> ImportRun:
        from annotator.store.store import now

        with store.write():
            cursor = store.conn.execute(
                "INSERT INTO import_runs(source, pid, host, started_at) VALUES (?, ?, ?, ?)",
                (source, os.getpid(), socket.gethostname(), now()),
            )
        return cls(store, int(cursor.lastrowid or 0))

    @contextmanager
    def chunk(self) -> Iterator[Store]:
        """One short write transaction whose new rows are noted for a rollback. New articles
        are put in the full-text index once, at the end of the chunk."""
        store = self.store
        with store.write(background=True):
            before = {table: _max_id(store, table) for table in _TRACKED}
            with store.bulk_import():
                yield store
            notes = []
            for table in _TRACKED:
                after = _max_id(store, table)
                if after > before[table]:
                    notes.append((self.id, table, before[table] + 1, after, None))
            store.conn.executemany(
                "INSERT INTO import_undo(run_id, kind, first_id, last_id, previous) VALUES (?, ?, ?, ?, ?)", notes
            )
        if store.path is not None:
            time.sleep(GAP_SECONDS)  # let a waiting keypress in before the next chunk

    def note_status(self, article_id: int, annotator_id: int) -> None:
        """Inside a chunk, before the run sets a status: remember the row as it is (or that
        there is none) for a rollback."""
        self.note_statuses([(article_id, annotator_id)])

    def note_statuses(self, pairs: Iterable[tuple[int, int]]) -> None:
        """``note_status`` for many ``(article id, annotator id)`` pairs in one statement."""
        self.store.conn.executemany(
            "INSERT INTO import_undo(run_id, kind, first_id, last_id, previous) SELECT ?, 'status', ?, ?, "
            "(SELECT json_array(status, updated_at) FROM article_status WHERE article_id = ? AND annotator_id = ?)",
            [(self.id, article_id, annotator_id, article_id, annotator_id) for article_id, annotator_id in pairs],
        )

    def finish(self) -> None:
        """Inside the run's last chunk: the run is complete, its notes are dropped."""
        self.store.conn.execute("DELETE FROM import_runs WHERE id = ?", (self.id,))

    def rollback(self) -> None:
        """Take away what the run added, in short transactions, and forget the run."""
        rollback_run(self.store, self.id)


def rollback_run(store: Store, run_id: int) -> None:
    """Undo a run from its notes (see the module docstring); safe to repeat after a crash."""
    conn = store.conn
    notes = conn.execute(
        "SELECT kind, first_id, last_id, previous FROM import_undo WHERE run_id = ? ORDER BY id DESC", (run_id,)
    ).fetchall()
    source = conn.execute("SELECT source FROM import_runs WHERE id = ?", (run_id,)).fetchone()
    for kind in _ROLLBACK_ORDER:
        for note_kind, first, last, previous in notes:
            if note_kind != kind:
                continue
            if kind == "status":  # newest first, so the oldest "previous" wins
                with store.write():
                    if previous is None:
                        conn.execute("DELETE FROM article_status WHERE article_id = ? AND annotator_id = ?",
                                     (first, last))
                    else:
                        conn.execute("UPDATE article_status SET status = json_extract(?, '$[0]'), "
                                     "updated_at = json_extract(?, '$[1]') WHERE article_id = ? AND annotator_id = ?",
                                     (previous, previous, first, last))
                continue
            condition = _STILL_USED.get(kind, "1")
            batch = ROLLBACK_BATCH if kind != "articles" else ROLLBACK_BATCH // 10  # FTS work per article
            for low in range(first, last + 1, batch):
                with store.write():
                    conn.execute(f"DELETE FROM {kind} AS t WHERE t.id BETWEEN ? AND ? AND {condition}",
                                 (low, min(low + batch - 1, last)))
    with store.write():
        conn.execute("DELETE FROM import_runs WHERE id = ?", (run_id,))
        store.log_event("import_rolled_back", target=source[0] if source else None, details={"run": run_id})
    store.forget_caches()


def recover_runs(store: Store) -> list[str]:
    """Roll back the runs of processes on this machine that died before finishing them.

    Returns the sources that were rolled back (for a note to the user).
    """
    host, recovered = socket.gethostname(), []
    for run_id, source, pid, run_host in store.conn.execute(
            "SELECT id, source, pid, host FROM import_runs ORDER BY id").fetchall():
        if run_host != host or pid == os.getpid() or _alive(pid):
            continue
        try:
            rollback_run(store, run_id)
        except AnnotatorError:
            continue  # busy or read-only now: the next open tries again
        recovered.append(source)
    return recovered


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
