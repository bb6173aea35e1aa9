"""Label edits while a large import runs in another process (DESIGN.md "Several processes may
open one project at once": "the window's edits never wait more than about half a second").

In one run:
  1. generates N articles (default 100,000, 3-4 KB each, seeded) as native JSONL, and a second
     file of M other articles (default 20,000);
  2. measures the idle latency of one label edit: ``Session.label_selection`` ->
     ``Project.execute(AddSpan)`` -> ``Session.apply_changes``, the path a keypress in the
     window takes (no Qt: the window adds only its drawing);
  3. starts ``annotator import`` of the big file in a child process and, in this process,
     makes a label edit every ~50 ms until it exits; when half of it is in, a second
     ``annotator import`` of the other file starts; both must exit 0;
  4. measures the idle latency again (now with every article in), checks that every edit
     reported stored is in the file and that the articles of both imports are all there, and
     runs ``annotator check``.

    .venv/bin/python bench/concurrency_bench.py [--articles N] [--second M] [--in-thread] [--keep DIR]

``--in-thread`` runs the big import in a thread of this process instead, as the window's own
background import does (both then share one Python interpreter).
Exit status 1 if an import failed, an edit reported stored is missing, or the check fails.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from import_bench import WORDS  # bench/ is on the path when this runs as a script

from annotator.model.errors import AnnotatorError
from annotator.project import Project
from annotator.session import Session

ROOT = Path(__file__).resolve().parents[1]
LABEL_WORDS = 1000
EDIT_INTERVAL = 0.05
BUDGET = 0.5
"""What DESIGN.md promises for one edit while others write."""


def generate(path: Path, count: int, prefix: str, seed: int) -> int:
    """``count`` unique articles of 3-4 KB (unique by their first line), as native JSONL."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choices(WORDS, k=rng.randint(6, 18))) + "." for _ in range(4000)]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            target = rng.randint(3000, 4000)
            parts = [f"{prefix} {i}:"]
            size = len(parts[0])
            while size < target:
                sentence = rng.choice(sentences)
                parts.append(sentence)
                size += len(sentence) + 1
            record = {"id": f"{prefix}-{i}", "title": f"{prefix} {i} " + " ".join(rng.choices(WORDS, k=6)),
                      "text": " ".join(parts), "source": "bench", "language": "id",
                      "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


class Labeller:
    """Label edits as the window makes them, one word after another, timed one by one."""

    def __init__(self, project: Project, article_id: int):
        self.project = project
        self.session = Session(project, "ana")
        self.session.open_article(article_id)
        text = self.session.text
        self.words, position = [], 0
        for word in text.split(" "):
            self.words.append((position, position + len(word.rstrip("."))))
            position += len(word) + 1
        self.labels = [label.name for label in project.codebook().labels]
        self.next = 0
        self.stored: list[tuple[int, int, str]] = []
        self.refused: list[str] = []

    def edit(self) -> float:
        """One label edit; returns its latency in seconds (refused edits count too)."""
        start, end = self.words[self.next % len(self.words)]
        label = self.labels[(self.next // len(self.words)) % len(self.labels)]
        self.next += 1
        began = time.perf_counter()
        try:
            command = self.session.label_selection(start, end, label, snap=True)
            changes, _ = self.project.execute(command)
            self.session.apply_changes(changes)
        except AnnotatorError as error:
            elapsed = time.perf_counter() - began
            self.refused.append(str(error))
            return elapsed
        elapsed = time.perf_counter() - began
        self.stored.append((command.start, command.end, label))
        return elapsed


def idle(labeller: Labeller, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        latencies.append(labeller.edit())
        time.sleep(0.005)
    return latencies


def figures(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def max_article_id(project: Project) -> int:
    return int(project._store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0])


class Import:
    """One import, in a child process (``annotator import``) or in a thread of this one."""

    def __init__(self, project: Path, source: Path, *, in_thread: bool = False):
        self.project, self.source, self.in_thread = project, source, in_thread
        self.rc: int | None = None
        self.stdout = self.stderr = ""
        self.seconds = 0.0
        self._began = time.perf_counter()
        if in_thread:
            self._thread = threading.Thread(target=self._run_here, daemon=True)
            self._thread.start()
        else:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "annotator", "import", str(project), str(source), "--json"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self._reader = threading.Thread(target=self._wait, daemon=True)
            self._reader.start()

    def _wait(self) -> None:
        self.stdout, self.stderr = self._process.communicate()
        self.seconds = time.perf_counter() - self._began
        self.rc = self._process.returncode

    def _run_here(self) -> None:
        project = Project.open(self.project, create=False)
        try:
            report = project.import_paths([self.source], annotator="ana")
            self.stdout = json.dumps(report.to_dict())
            self.rc = 0 if report.ok else 1
        except AnnotatorError as error:
            self.stderr, self.rc = str(error), 1
        finally:
            project.close()
            self.seconds = time.perf_counter() - self._began

    def running(self) -> bool:
        return self.rc is None

    def join(self) -> None:
        (self._thread if self.in_thread else self._reader).join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the big import")
    parser.add_argument("--second", type=int, default=20_000, help="articles in the second import")
    parser.add_argument("--in-thread", action="store_true", help="run the big import in a thread of this process")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="concurrency-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return run(folder, args.articles, args.second, args.in_thread)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, articles: int, second: int, in_thread: bool) -> int:
    big, other, path = folder / "big.jsonl", folder / "other.jsonl", folder / "bench.annotator"
    began = time.perf_counter()
    size = generate(big, articles, "big", seed=1) + generate(other, second, "other", seed=2)
    print(f"generated {articles} + {second} articles ({size / 1e6:.0f} MB) in {time.perf_counter() - began:.1f} s")

    rng = random.Random(3)
    label_text = " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.1 else "") for _ in range(LABEL_WORDS))
    seed_file = folder / "seed.jsonl"
    seed_file.write_text(json.dumps({"text": label_text, "title": "labelled"}, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    project = Project.open(path)
    report = project.import_paths([seed_file])
    if not report.ok or report.imported != 1:
        raise SystemExit(f"the labelled article was not imported: {report}")
    article_id = max_article_id(project)
    labeller = Labeller(project, article_id)

    idle_before = idle(labeller, 100)

    first = Import(path, big, in_thread=in_thread)
    second_import: Import | None = None
    second_started_at = 0.0
    during: list[float] = []
    both: list[float] = []  # the edits made while both imports ran
    while first.running() or (second_import is not None and second_import.running()):
        tick = time.perf_counter()
        overlapping = second_import is not None and second_import.running() and first.running()
        during.append(labeller.edit())
        if overlapping:
            both.append(during[-1])
        if second_import is None and first.running() and max_article_id(project) >= article_id + articles // 2:
            second_import = Import(path, other)
            second_started_at = time.perf_counter() - first._began
        time.sleep(max(0.0, EDIT_INTERVAL - (time.perf_counter() - tick)))
    first.join()
    if second_import is not None:
        second_import.join()

    idle_after = idle(labeller, 100)

    # -- what was promised ---------------------------------------------------------------
    failures = []
    for name, job in (("import", first), ("second import", second_import)):
        if job is None:
            failures.append(f"{name}: never started (the first import ended before half its articles were in)")
        elif job.rc != 0:
            failures.append(f"{name} exited {job.rc}: {job.stderr.strip()[-2000:]}")
        elif "Traceback" in job.stderr:
            failures.append(f"{name}: traceback on stderr")
    stored = {(s.start, s.end, s.label) for s in project.spans_of(article_id, ["ana"])}
    missing = [edit for edit in labeller.stored if edit not in stored]
    if missing or len(stored) != len(labeller.stored):
        failures.append(f"{len(missing)} edits reported stored are missing ({len(stored)} in the file, "
                        f"{len(labeller.stored)} stored)")
    conn = project._store.conn
    expected_articles = 1 + articles + (second if second_import is not None else 0)
    count = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    if count != expected_articles:
        failures.append(f"{count} articles in the file, {expected_articles} expected")
    project.close()
    checked = time.perf_counter()
    check = subprocess.run([sys.executable, "-m", "annotator", "check", str(path)], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    check_seconds = time.perf_counter() - checked
    if check.returncode != 0:
        failures.append(f"annotator check exited {check.returncode}: {(check.stdout + check.stderr)[-2000:]}")

    # -- figures -------------------------------------------------------------------------
    median, p95, worst = figures(during)
    idle_median, idle_p95, idle_max = figures(idle_before)
    after_median, _, after_max = figures(idle_after)
    where = "in a thread of this process" if in_thread else "in another process"
    refused = len(labeller.refused)
    print(f"keypress during import ({where}): median {median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms "
          f"({len(during)} edits, {refused} refused, {sum(1 for t in during if t > BUDGET)} over "
          f"{BUDGET * 1000:.0f} ms); idle median {idle_median:.1f} ms (p95 {idle_p95:.1f}, max {idle_max:.1f}); "
          f"import {articles} articles in {first.seconds:.1f} s")
    print(f"ratio: median during import / idle median = {median / idle_median:.1f}x; "
          f"idle after the imports: median {after_median:.1f} ms, max {after_max:.1f} ms")
    if both:
        median2, p95_2, worst2 = figures(both)
        print(f"  of which while both imports ran: median {median2:.1f} ms, p95 {p95_2:.1f} ms, max {worst2:.1f} ms "
              f"({len(both)} edits, {sum(1 for t in both if t > BUDGET)} over {BUDGET * 1000:.0f} ms)")
    if second_import is not None:
        print(f"second import of {second} articles, started {second_started_at:.1f} s into the first: "
              f"{second_import.seconds:.1f} s, exit {second_import.rc}; first import exit {first.rc}")
    print(f"annotator check: exit {check.returncode} in {check_seconds:.1f} s; project file "
          f"{path.stat().st_size / 1e6:.0f} MB")
    for message in sorted(set(labeller.refused))[:5]:
        print(f"refused: {message}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
