"""Export speed and memory for every format, against a bare baseline measured in the same run.

Corpus (issue 11, seeded): 100,000 articles of 3.1–4.2 KB, one annotator with 5 spans in each
(500,000 spans; 8 labels, a quarter with attributes, some notes), every article marked done,
a document label on one in ten. It is built once and cached in the temp folder (``--fresh``
rebuilds it). Each format is then exported ``--repeat`` times, each run in a child process of its
own; printed are the median time and the peak RSS after a tenth of the first export and at the
end (the two agree when memory stays flat). The baseline child reads the same rows with a bare
``SELECT`` per table, ``json.dumps`` each row and writes it: the speed of the storage itself.
Before brat, ``brat-files`` writes the same files brat does (a ``.txt`` and an ``.ann`` per
article and annotator, 200,000 at full size) from bare ``SELECT``s with the same three system
calls a file: the file system's part, which brat's time is also shown against. Before CoNLL,
``conll-tokens`` cuts the same texts into tokens with the documented regular expression and
writes them a line each, untagged (the tokenizing any CoNLL writer does); before spaCy,
``spacy-tokens`` runs spaCy's tokenizer alone over the texts, writing nothing. A floor's runs
alternate with its format's, so both meet the disk in the same state. spaCy is timed on a
smaller corpus (``--spacy-articles``) and scaled, spaCy loaded before the clock starts: its
tokenizer alone takes several times as long as the whole JSONL export (``--spacy-articles
100000`` times it whole; its memory grows only with the corpus's vocabulary, whose strings the
file holds).

    .venv/bin/python bench/export_bench.py [--articles N] [--formats jsonl,csv,...] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cached import cached_project

WORDS = [
    "Lavrov", "mengkritik", "AS", "dan", "satelit", "regionalnya", "karena", "menciptakan",
    "ancaman", "keamanan", "bagi", "DPRK", "perundingan", "tanpa", "prasyarat", "kerja", "sama",
    "bilateral", "NATO", "blok", "imperialis", "😀", "🇮🇩", "Москва", "переговоры", "kata.", "lagi,",
]
FORMATS = "jsonl,csv,brat,conll,labelstudio,doccano,spacy"
FLOORS = {"brat": "brat-files", "conll": "conll-tokens", "spacy": "spacy-tokens"}  # format -> its bare part
FLOOR_WHAT = {"brat-files": "the bare writing of the same files",
              "conll-tokens": "the bare tokenizing of the same texts, a token a line",
              "spacy-tokens": "spaCy's tokenizer alone over the same texts"}
CORPUS_VERSION = 1  # bump when build() changes, so a stale cached corpus is not reused
JSONL_TARGET = 5.0  # seconds, issue 11 (100,000 articles / 500,000 spans)


def build(path: Path, articles: int, spans_each: int, seed: int) -> int:
    from annotator.model.types import Article
    from annotator.project import Project

    rng = random.Random(seed)
    pool = " ".join(rng.choice(WORDS) for _ in range(400_000))  # texts are slices of it
    project = Project.open(path)
    store = project._store
    labels = [label.name for label in project.codebook().labels][:8]
    doc_label = project.codebook().doc_labels[0].name
    total = 0
    with store.write(), store.bulk_import():
        (annotator, _) = store.ensure_annotator("ana")
        label_ids = [store.label_id(name) for name in labels]
        doc_label_id = store.label_id(doc_label, "document")
        for first in range(0, articles, 5_000):
            batch = []
            for i in range(first, min(first + 5_000, articles)):
                size = rng.randint(3_120, 4_200)  # bytes; cut back to a whole word below
                at = rng.randrange(len(pool) - size)
                text = f"Artikel {i}. " + pool[at:at + size]
                text = text.encode()[:size].decode("utf-8", "ignore").rsplit(" ", 1)[0]
                batch.append(Article(text=text, title=f"Judul {i}", external_id=f"ext-{i}", source="Kompas",
                                     url=f"https://example.org/{i}", published="2024-01-17", language="id"))
            before = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]
            assert store.add_articles(batch) == len(batch)  # every text is new (numbered)
            ids = [row[0] for row in store.conn.execute("SELECT id FROM articles WHERE id > ? ORDER BY id", (before,))]
            spans, marks = [], []
            for article_id, article in zip(ids, batch, strict=True):
                text = article.text
                for _ in range(spans_each):
                    start = rng.randrange(len(text) - 80)
                    end = start + rng.randint(3, 80)
                    attributes = '{"speaker": "Lavrov"}' if rng.random() < 0.25 else "{}"
                    note = "cek lagi" if rng.random() < 0.1 else ""
                    spans.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), article_id, annotator.id,
                                  rng.choice(label_ids), start, end, text[start:end], attributes, note))
                marks.append((article_id, annotator.id))
            total += _insert(store, spans)
            store.conn.executemany("INSERT INTO article_status(article_id, annotator_id, status, updated_at) "
                                   "VALUES (?, ?, 'done', '2024-01-01T00:00:00Z')", marks)
            store.conn.executemany("INSERT INTO doc_labels(uuid, article_id, annotator_id, label_id, created_at) "
                                   "VALUES (?, ?, ?, ?, '2024-01-01T00:00:00Z')",
                                   [(f"doc-{a}", a, n, doc_label_id) for a, n in marks[::10]])
    project.close()
    return total


def _insert(store, rows) -> int:
    # Bench data only: straight SQL keeps building 500,000 spans quick; duplicates are ignored.
    before = store.conn.total_changes
    store.conn.executemany(
        "INSERT OR IGNORE INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, end_offset, text, "
        "attributes, note, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')", rows)
    return store.conn.total_changes - before


def _peak_mb() -> float:
    """Peak RSS of this process in MB. Linux's ``ru_maxrss`` carries the parent's peak over
    fork and exec, so the per-process high-water mark (VmHWM) is read where there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024**2)


def child(project: str, fmt: str, output: str) -> None:
    """One run of a format (or ``baseline`` or a floor) into ``output``, removed afterwards;
    prints one JSON line of figures."""
    from annotator.project import Project

    opened = Project.open(project, create=False, read_only=True)
    target = Path(output)
    early = 0.0

    def progress(seen: int, total: int) -> None:
        nonlocal early
        if not early and seen >= total // 10:
            early = _peak_mb()

    if fmt.startswith("spacy"):
        import spacy  # loaded once, not in the time: spaCy is timed on fewer articles and scaled

        spacy.blank("xx")
    started = time.perf_counter()
    if fmt == "baseline":
        spans = baseline(opened._store.conn, target)
    elif fmt == "brat-files":
        spans = baseline_files(opened._store.conn, target)
    elif fmt == "conll-tokens":
        spans = baseline_tokens(opened._store.conn, target)
    elif fmt == "spacy-tokens":
        spans = baseline_spacy_tokens(opened._store.conn)
    else:
        spans = opened.export(fmt, target, progress=progress).spans
    seconds = time.perf_counter() - started
    peak = _peak_mb()  # before the clean-up, which lists 100,000 files per folder
    shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    target.with_name(target.name + ".labeling-config.xml").unlink(missing_ok=True)
    print(json.dumps({"spans": spans, "seconds": seconds, "rss_tenth_mb": early or peak, "rss_peak_mb": peak}))


def baseline(conn, target: Path) -> int:
    """The floor: every article and span row read by a bare SELECT, dumped as JSON, written."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    spans = 0
    with open(target, "w", encoding="utf-8") as out:
        for row in conn.execute("SELECT id, external_id, title, source, url, published, language, text, meta "
                                "FROM articles ORDER BY id"):
            out.write(dumps(row) + "\n")
        for row in conn.execute("SELECT uuid, article_id, start_offset, end_offset, label_id, text, annotator_id, "
                                "attributes, note, origin, created_at, updated_at FROM annotations ORDER BY id"):
            out.write(dumps(row) + "\n")
            spans += 1
    return spans


def baseline_files(conn, target: Path) -> int:
    """The floor of brat's export: per article and annotator with spans, the text as a ``.txt``
    and the spans as ``T`` lines of an ``.ann`` (label ids, no escaping), from bare SELECTs,
    each file written with one ``os.open``, ``os.write`` and ``os.close``."""
    target.mkdir()
    create = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    folders: dict[int, str] = {}
    spans = 0

    def put(path: str, data: bytes) -> None:
        descriptor = os.open(path, create, 0o666)
        os.write(descriptor, data)
        os.close(descriptor)

    found = conn.execute("SELECT article_id, annotator_id, start_offset, end_offset, label_id, text "
                         "FROM annotations ORDER BY article_id, annotator_id")
    row = next(found, None)
    for article_id, text in conn.execute("SELECT id, text FROM articles ORDER BY id"):
        by_annotator: dict[int, list[str]] = {}
        while row is not None and row[0] == article_id:
            lines = by_annotator.setdefault(row[1], [])
            lines.append(f"T{len(lines) + 1}\tL{row[4]} {row[2]} {row[3]}\t{row[5]}\n")
            row = next(found, None)
        if not by_annotator:
            continue
        encoded = text.encode()
        for annotator_id, lines in by_annotator.items():
            folder = folders.get(annotator_id)
            if folder is None:
                folder = folders[annotator_id] = str(target / f"a{annotator_id}")
                os.mkdir(folder)
            put(f"{folder}{os.sep}{article_id:06d}.txt", encoded)
            put(f"{folder}{os.sep}{article_id:06d}.ann", "".join(lines).encode())
            spans += len(lines)
    return spans


def baseline_tokens(conn, target: Path) -> int:
    """The floor of CoNLL's export: every text read by a bare SELECT, cut into tokens by the
    tokenizer CoNLL documents (``model.tokens.tokens``) and written a token a line, with no tags
    and no sentence breaks. Returns 0: no spans are written."""
    from annotator.model.tokens import tokens

    with open(target, "wb") as out:
        for (text,) in conn.execute("SELECT text FROM articles ORDER BY id"):
            out.write(("\tO\n".join(tokens(text)) + "\tO\n\n").encode())
    return 0


def baseline_spacy_tokens(conn) -> int:
    """The floor of the spaCy export: every text read by a bare SELECT and tokenized by the
    pipeline the export uses (``spacy.blank("xx")``), nothing kept or written. Returns 0: no
    spans are written."""
    import spacy

    make_doc = spacy.blank("xx").make_doc
    for (text,) in conn.execute("SELECT text FROM articles ORDER BY id"):
        make_doc(text)
    return 0


def corpus(articles: int, spans_each: int, fresh: bool) -> Path:
    """The cached bench project of this size (built when missing or ``fresh``)."""
    def make(path: Path) -> str:
        return f"{build(path, articles, spans_each, 7):,} spans in {articles:,} articles"

    return cached_project(f"export-v{CORPUS_VERSION}-{articles}x{spans_each}.annotator", make, fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--spans-each", type=int, default=5, help="spans per article")
    parser.add_argument("--formats", default=FORMATS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the median is printed")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached corpus")
    parser.add_argument("--spacy-articles", type=int, default=5_000,
                        help="articles of the (smaller) corpus spaCy is timed on, the time scaled: its tokenizer "
                             "alone takes several times the JSONL export")
    parser.add_argument("--child", nargs=3, metavar=("PROJECT", "FORMAT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    path = corpus(args.articles, args.spans_each, args.fresh)
    workdir = Path(tempfile.mkdtemp(prefix="export-bench-"))
    results: dict[str, dict] = {}
    try:
        print(f"{'format':<12} {'spans':>9} {'median s':>9} {'x baseline':>10} {'x jsonl':>8} "
              f"{'RSS@10%':>8} {'RSS peak':>9}   runs")
        formats = args.formats.split(",")
        for fmt in ["baseline", *formats]:
            if fmt in FLOOR_WHAT:
                continue  # measured with its format
            floor = FLOORS.get(fmt)
            group = [fmt] if floor is None else [floor, fmt]
            if fmt == "spacy" and not _has_spacy():
                print(f"{fmt:<12} skipped: spaCy is not installed (pip install -e '.[spacy]')")
                continue
            source, scale = path, 1.0
            if fmt == "spacy" and args.spacy_articles < args.articles:
                source = corpus(args.spacy_articles, args.spans_each, args.fresh)
                scale = args.articles / args.spacy_articles
            measured = measure(group, source, workdir, args.repeat)
            for name in group:
                figures = measured[name]
                if "error" in figures:
                    print(f"{name:<12} failed: {figures['error']}")
                    continue
                results[name] = figures
                seconds = figures["seconds"] * scale
                base = results["baseline"]["seconds"] if "baseline" in results else float("nan")
                jsonl = results["jsonl"]["seconds"] if "jsonl" in results else float("nan")
                runs = " ".join(f"{t:.2f}" for t in figures["runs"])
                written = f"{figures['spans']:,}" if figures["spans"] else "-"
                print(f"{name:<12} {written:>9} {seconds:>9.2f} {seconds / base:>10.2f} {seconds / jsonl:>8.2f} "
                      f"{figures['rss_tenth_mb']:>6.0f}MB {figures['rss_peak_mb']:>7.0f}MB   {runs}", flush=True)
            if floor in results and fmt in results:
                bare = results[floor]["seconds"] * scale
                print(f"{'':<12} (x {results[fmt]['seconds'] * scale / bare:.2f} {floor}, {FLOOR_WHAT[floor]}: "
                      f"{bare:.2f} s; their runs alternate)", flush=True)
            if scale != 1:
                print(f"{'':<12} (timed on {args.spacy_articles:,} articles, the medians x {scale:g})", flush=True)
        scale = args.articles / 100_000
        print(f"needed: jsonl and csv <= {JSONL_TARGET * scale:.1f} s at this size ({JSONL_TARGET:.0f} s for "
              "100,000 articles), other formats <= 2 x jsonl, RSS@10% close to RSS peak (flat memory)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(group: list[str], source: Path, workdir: Path, repeat: int) -> dict[str, dict]:
    """Each format of ``group`` run ``repeat`` times, one run per child process, the formats'
    runs alternating (a floor and its format see the same state of the disk); per format the
    median time, every run, the first run's RSS at a tenth and the highest peak, or an error."""
    runs: dict[str, list[dict]] = {name: [] for name in group}
    failed: dict[str, str] = {}
    for _ in range(repeat):
        for name in group:
            if name in failed:
                continue
            command = [sys.executable, __file__, "--child", str(source), name, str(workdir / f"out-{name}")]
            result = subprocess.run(command, capture_output=True, text=True)
            if hasattr(os, "sync"):
                # The run's files, and the journal work of removing them (200,000 for brat), are
                # written out now, not during the next run's time (measured: 13 s runs became 40 s).
                os.sync()
            if result.returncode != 0:
                failed[name] = result.stderr.strip().splitlines()[-1] if result.stderr else "no output"
                continue
            runs[name].append(json.loads(result.stdout.strip().splitlines()[-1]))
    measured: dict[str, dict] = {}
    for name, found in runs.items():
        if name in failed:
            measured[name] = {"error": failed[name]}
            continue
        times = [run["seconds"] for run in found]
        measured[name] = {"spans": found[-1]["spans"], "seconds": statistics.median(times), "runs": times,
                          "rss_tenth_mb": found[0]["rss_tenth_mb"],
                          "rss_peak_mb": max(run["rss_peak_mb"] for run in found)}
    return measured


def _has_spacy() -> bool:
    return importlib.util.find_spec("spacy") is not None


if __name__ == "__main__":
    main()
