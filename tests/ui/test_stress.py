"""Several processes on one project at once (DESIGN.md "Several processes may open one project
at once"): a real window labels continuously with real keypresses and runs its own background
import and export, while other processes run ``annotator import``, ``export``, ``merge``,
``stats`` and ``check`` in a loop. Afterwards every write that any process reported as done is
in the file, nothing that failed left half of itself behind, and the file is sound.

The outcome is deterministic: every loop is bounded, the assertions never depend on timing or
on how the processes happened to interleave (only on what each one reported), and the window
waits for its own operations with ``qtbot.waitUntil``.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator.io.exporting import ExportSummary
from annotator.project import ImportReport
from annotator.ui import ExportOptions
from tests.ui.test_main_window import make_project

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
CLI_ITERATIONS = 3
"""Runs of each background command per round."""
CLI_ARTICLES = 400
"""Articles per CLI import file (several of the importer's short transactions each)."""
MERGE_ARTICLES = 200
WINDOW_ARTICLES = 300
MIN_PRESSES, MAX_PRESSES = 30, 160
"""The window labels at least MIN_PRESSES times and goes on while the other processes run."""
PRESS_PAUSE_MS = 25
"""Time given to the event loop between keypresses (background results arrive then)."""
KEYS = "1234567890"
WORDS = 320
LABEL_TEXT = "🇮🇩 Menlu: " + " ".join(f"kata{i:04d}" for i in range(WORDS)) + "."
"""The labelled article: a flag (two code points, four UTF-16 units) before the words, so that
every keypress goes through the code-point conversion."""
FILLER = ("Menteri luar negeri kedua negara bertemu di ibu kota untuk membahas kerja sama "
          "ekonomi, keamanan kawasan dan perundingan damai yang tertunda sejak tahun lalu. ")


def body(tag: str, repeat: int = 8) -> str:
    """A unique article text: its tag first (so it is found again), then about 1 KB."""
    return f"{tag} — " + FILLER * repeat


def word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"kata\d{4}", text)]


@dataclass
class Run:
    """One CLI process: what was asked, what it answered, and what it should have written."""

    kind: str
    args: list[str]
    texts: list[str] = field(default_factory=list)
    """Unique texts of the articles it brings in (import and merge)."""
    spans_per_article: dict[str, int] = field(default_factory=dict)
    """Text -> number of spans of ``annotator`` it brings for that article."""
    annotator: str = ""
    expect_failure: bool = False
    rc: int | None = None
    stdout: str = ""
    stderr: str = ""
    output: Path | None = None

    def run(self) -> None:
        done = subprocess.run([sys.executable, "-m", "annotator", *self.args], cwd=ROOT, capture_output=True,
                              text=True, timeout=180, check=False)
        self.rc, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr

    def describe(self) -> str:
        return f"{self.kind} {' '.join(self.args)} -> {self.rc}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr}"


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def import_file(folder: Path, tag: str, count: int, *, annotator: str, broken: bool = False) -> tuple[Path, Run]:
    """A JSONL file of ``count`` new articles; every 10th carries a span and a done mark."""
    records, texts, spans = [], [], {}
    for j in range(count):
        text = body(f"{tag}-{j:04d}")
        record: dict = {"text": text, "title": f"{tag} {j}"}
        if j % 10 == 0:
            start = text.index("perundingan damai")
            record["annotations"] = [{"start": start, "end": start + len("perundingan damai"),
                                      "label": "Call for de-escalation / negotiation", "annotator": annotator,
                                      "text": "perundingan damai"}]
            record["done_by"] = [annotator]
            spans[text] = 1
        records.append(record)
        texts.append(text)
    path = write_jsonl(folder / f"{tag}.jsonl", records)
    if broken:  # the last line is not UTF-8: the whole file must be taken back
        with path.open("ab") as f:
            f.write(b'{"text": "cut off \xff"}\n')
    return path, Run("import", [], texts=texts, spans_per_article=spans, annotator=annotator, expect_failure=broken)


class Workers:
    """Threads that each run one kind of CLI command in a loop, one process at a time."""

    def __init__(self, project: Path, folder: Path, tag: str):
        self.project, self.folder, self.tag = str(project), folder, tag
        self.runs: list[Run] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.crashes: list[str] = []

    def _loop(self, make_runs) -> None:
        try:
            for run in make_runs():
                run.run()
                with self.lock:
                    self.runs.append(run)
        except BaseException as error:  # reported by the test, never lost in a thread
            self.crashes.append(repr(error))

    def start(self) -> None:
        for target in (lambda: self._imports("a", broken_at=None), lambda: self._imports("b", broken_at=1),
                       self._merges, self._exports, self._reads):
            thread = threading.Thread(target=self._loop, args=(target,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=300)
        assert not self.alive(), "a CLI loop did not finish"
        assert not self.crashes, self.crashes

    def _imports(self, name: str, broken_at: int | None):
        for i in range(CLI_ITERATIONS):
            path, run = import_file(self.folder, f"{self.tag}-cli{name}-{i}", CLI_ARTICLES, annotator="bob",
                                    broken=i == broken_at)
            run.args = ["import", self.project, str(path), "--json"]
            yield run

    def _merges(self):
        first: Run | None = None
        for i in range(CLI_ITERATIONS):
            records, texts, spans = [], [], {}
            for j in range(MERGE_ARTICLES):
                text = body(f"{self.tag}-merge-{i}-{j:04d}", repeat=4)
                start = text.index("kerja sama")
                records.append({"text": text, "annotations": [
                    {"start": start, "end": start + len("kerja sama"), "label": "Cooperation praise",
                     "annotator": "carol", "text": "kerja sama"}], "done_by": ["carol"]})
                texts.append(text)
                spans[text] = 1
            path = write_jsonl(self.folder / f"{self.tag}-merge-{i}.jsonl", records)
            run = Run("merge", ["merge", self.project, str(path), "--json"], texts=texts, spans_per_article=spans,
                      annotator="carol")
            first = first or run
            yield run
        # Merging the first source again changes nothing (identity kept, idempotent).
        yield Run("merge-again", list(first.args), texts=first.texts, spans_per_article=first.spans_per_article,
                  annotator="carol")

    def _exports(self):
        for i in range(CLI_ITERATIONS):
            fmt = ("jsonl", "csv", "jsonl")[i % 3]
            output = self.folder / f"{self.tag}-export-{i}.{fmt}"
            run = Run("export", ["export", self.project, "--format", fmt, "-o", str(output)])
            run.output = output
            yield run
        yield Run("export-stdout", ["export", self.project, "-o", "-"])

    def _reads(self):
        for _ in range(CLI_ITERATIONS):
            yield Run("stats", ["stats", self.project, "--json"])
            yield Run("check", ["check", self.project])


@dataclass
class Keypresses:
    pressed: int = 0
    stored: list[tuple[int, int, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def press_labels(window, qtbot, article_text: str, workers: Workers, on_press) -> Keypresses:
    """Select one word after another and press a label key, while the other processes run."""
    view = window.document_view
    words = word_spans(article_text)
    labels = {key: label for key, (scope, label) in window.hotkeys.items() if scope == "span"}
    result = Keypresses()
    while result.pressed < MAX_PRESSES and (result.pressed < MIN_PRESSES or workers.alive()):
        on_press(result.pressed)
        start, end = words[result.pressed % len(words)]
        key = KEYS[(result.pressed // len(words)) % len(KEYS)]
        stack = window.controller.undo_stack
        before = stack.count()
        window.last_refusal = ""
        view.select_codepoints(start, end)
        began = time.perf_counter()
        qtbot.keyClick(view, key)
        result.latencies.append(time.perf_counter() - began)
        result.pressed += 1
        if stack.count() == before + 1:
            assert not window.last_refusal
            result.stored.append((start, end, labels[key]))
        else:
            # Not stored: allowed only when the window said so, and only because the file was busy.
            assert stack.count() == before, "the undo stack lost a step"
            assert "busy" in window.last_refusal, f"keypress {result.pressed} neither stored nor refused: " \
                                                  f"{window.last_refusal!r} / {window.last_message!r}"
            result.refused.append(window.last_refusal)
        qtbot.wait(PRESS_PAUSE_MS)
    return result


def one_line_errors(run: Run) -> None:
    """A failing command says why in plain lines (``Error:``/``failed:``/``note:``), never a traceback."""
    assert "Traceback" not in run.stderr, run.describe()
    for line in run.stderr.splitlines():
        if line.strip():
            assert line.startswith(("Error:", "failed:", "note:", "exported ")), run.describe()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_window_and_cli_processes_share_the_project(round_, tmp_path, make_main_window, qtbot, capfd):
    path = tmp_path / "shared.annotator"
    [label_article, *_] = make_project(path, [LABEL_TEXT, body("seed-1"), body("seed-2")])
    window = make_main_window(path)
    window.open_article(label_article)
    assert window.document_view.toPlainText() == LABEL_TEXT

    # The window's own background operations, started at fixed keypresses.
    ended: list[tuple[str, object]] = []
    window.sig_operation_finished.connect(lambda kind, result: ended.append((kind, result)))
    window_imports: list[tuple[Path, Run]] = []
    window_exports: list[Path] = []

    def on_press(number: int) -> None:
        if number in (2, 14):
            source, run = import_file(tmp_path, f"r{round_}-window-{number}", WINDOW_ARTICLES, annotator="ana")
            window_imports.append((source, run))
            window.import_paths([str(source)])
        elif number in (6, 22):
            output = tmp_path / f"r{round_}-window-export-{number}.jsonl"
            window_exports.append(output)
            window.export_to(ExportOptions(path=str(output)))

    workers = Workers(path, tmp_path, f"r{round_}")
    began = time.monotonic()
    workers.start()
    presses = press_labels(window, qtbot, LABEL_TEXT, workers, on_press)
    labelled = time.monotonic() - began
    qtbot.waitUntil(lambda: not window.operations.running, timeout=120_000)
    workers.join()
    finished = time.monotonic() - began
    qtbot.wait(50)  # the last results reach the window

    # -- what every process reported ----------------------------------------------------------
    runs = workers.runs
    for run in runs:
        one_line_errors(run)
    conn = sqlite3.connect(path)
    try:
        texts = {text for (text,) in conn.execute("SELECT text FROM articles")}
        spans_by: dict[tuple[str, str], int] = {}
        for text, name, count in conn.execute(
                "SELECT r.text, n.name, COUNT(*) FROM annotations a JOIN articles r ON r.id = a.article_id "
                "JOIN annotators n ON n.id = a.annotator_id GROUP BY a.article_id, n.name"):
            spans_by[(text, name)] = count
        ana_spans = {(s, e, label) for s, e, label in conn.execute(
            "SELECT a.start_offset, a.end_offset, l.name FROM annotations a JOIN labels l ON l.id = a.label_id "
            "JOIN annotators n ON n.id = a.annotator_id WHERE n.name = 'ana' AND a.article_id = ?",
            (label_article,))}
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        unfinished = conn.execute("SELECT COUNT(*) FROM import_runs").fetchone()[0]
    finally:
        conn.close()

    def check_brought_in(run: Run, ok: bool) -> None:
        present = sum(1 for t in run.texts if t in texts)
        if ok:
            assert present == len(run.texts), f"reported done, {len(run.texts) - present} articles missing\n" \
                                              f"{run.describe()}"
            for text, count in run.spans_per_article.items():
                assert spans_by.get((text, run.annotator), 0) >= count, run.describe()
        else:  # a file is imported whole or not at all
            assert present in (0, len(run.texts)), f"{present} of {len(run.texts)} articles left\n{run.describe()}"

    for run in runs:
        if run.kind == "import":
            if run.expect_failure:
                assert run.rc == 1 and "not UTF-8" in run.stderr, run.describe()
                assert sum(1 for t in run.texts if t in texts) == 0, f"a broken file left articles\n{run.describe()}"
                continue
            assert run.rc in (0, 1), run.describe()
            if run.rc == 0:
                report = json.loads(run.stdout)
                assert report["imported"] == CLI_ARTICLES and report["failed"] == 0, run.describe()
            check_brought_in(run, run.rc == 0)
        elif run.kind in ("merge", "merge-again"):
            assert run.rc in (0, 1), run.describe()
            if run.rc == 0:
                report = json.loads(run.stdout)
                if run.kind == "merge":
                    assert report["imported"] == MERGE_ARTICLES, run.describe()
                else:
                    assert report["imported"] == 0 and report["annotations_added"] == 0, run.describe()
            check_brought_in(run, run.rc == 0)
        elif run.kind == "export":
            assert run.rc in (0, 1), run.describe()
            if run.rc == 0 and run.output and run.output.suffix == ".jsonl":
                check_export(run.output.read_text(encoding="utf-8"), run.describe())
        elif run.kind == "export-stdout":
            assert run.rc in (0, 1), run.describe()
            if run.rc == 0:
                check_export(run.stdout, run.describe())
        elif run.kind == "stats":
            assert run.rc in (0, 1), run.describe()
            if run.rc == 0:
                assert json.loads(run.stdout)["articles"] >= 3, run.describe()
        elif run.kind == "check":
            assert run.rc == 0 and "no problems found" in run.stdout, run.describe()

    # The window's own operations: each ended once; an import reported ok is there whole.
    assert sorted(kind for kind, _ in ended) == sorted(["import"] * len(window_imports)
                                                       + ["export"] * len(window_exports)), ended
    by_source = {str(source): run for source, run in window_imports}
    for kind, result in ended:
        if kind != "import":
            continue
        if isinstance(result, str):  # refused as a whole (the file stayed busy): said plainly
            assert "busy" in result, f"window import failed: {result}"
            continue
        assert isinstance(result, ImportReport), result
        failed_paths = {failure.path for failure in result.failed}
        for source in result.files_imported:
            check_brought_in(by_source[source], result.ok)
        for source in failed_paths:
            check_brought_in(by_source[source], False)
    for kind, result in ended:
        if kind == "export":
            assert isinstance(result, ExportSummary) or "busy" in str(result), f"window export failed: {result}"
    for output in window_exports:
        if output.exists():
            check_export(output.read_text(encoding="utf-8"), str(output))

    # Every keypress is either stored or refused (and said so); what was stored is in the file.
    assert len(presses.refused) + len(presses.stored) == presses.pressed
    assert window.controller.undo_stack.count() == len(presses.stored)
    assert ana_spans == set(presses.stored), (len(ana_spans), len(presses.stored))

    # The file is sound.
    assert integrity == ["ok"]
    assert unfinished == 0, "an import or merge left its run unfinished"
    check = subprocess.run([sys.executable, "-m", "annotator", "check", str(path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Traceback" not in capfd.readouterr().err

    failed = [run.describe() for run in runs if run.rc != 0 and not run.expect_failure]
    latencies = sorted(presses.latencies)
    log.info("round %s: %d keypresses in %.1f s (%d stored, %d refused; median %.0f ms, max %.0f ms), "
             "all done after %.1f s; %d CLI runs, %d failed: %s", round_, presses.pressed, labelled,
             len(presses.stored), len(presses.refused), latencies[len(latencies) // 2] * 1000,
             latencies[-1] * 1000, finished, len(runs), len(failed), failed)


def check_export(content: str, what: str) -> None:
    """A JSONL export parses, and every span's text is its article's text at its offsets."""
    lines = [line for line in content.splitlines() if line.strip()]
    assert len(lines) >= 3, what
    for line in lines:
        record = json.loads(line)
        for span in record["annotations"]:
            assert record["text"][span["start"]:span["end"]] == span["text"], what
