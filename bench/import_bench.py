"""Import speed and memory against a bare sqlite3 baseline measured in the same run.

Generates N articles (default 100,000, 3–4 KB each, seeded) as native JSONL twice: articles
only, and with K spans each (default 5: one annotator, 8 labels, each span with its covered
text). For each file it then:
  1. times `annotator import` (a child process, as a user runs it) and reads its peak RSS;
  2. times a bare sqlite3 import of the same rows into a fresh file with an equivalent schema
     (same tables, unique constraints and indexes, no triggers): JSON parse (with msgspec, as
     the import), executemany of the articles with their SHA-256 hash, of the spans with a
     new uuid and their covered text, then one FTS5 rebuild.
Each timed run starts after a file-system sync, so that neither pays for writing out the run
before it. Prints both times and their ratio (bare / import; 1.0 = storage speed), the same of
CPU time (steadier on a busy machine), and with --repeat the median ratios of each case. The
import's time includes starting the program (about half a second) and its pauses between
chunks, which let other writers in: run the default size (--articles 10000 is quick but
understates the ratio).

    .venv/bin/python bench/import_bench.py [--articles N] [--spans K] [--repeat R] [--only articles|spans]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec

WORDS = [
    "Lavrov", "Choe", "Pyongyang", "Moskow", "Washington", "NATO", "ASEAN", "kerja", "sama",
    "bilateral", "perundingan", "eskalasi", "ketegangan", "imperialis", "ancaman", "keamanan",
    "rudal", "balistik", "operasi", "militer", "khusus", "kementerian", "luar", "negeri", "pidato",
    "pembukaan", "pertemuan", "puncak", "hubungan", "kedua", "negara", "kawasan", "Asia-Pasifik",
    "infrastruktur", "format", "tertutup", "blok", "mekanisme", "universal", "perdamaian",
    "stabilitas", "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "pada", "dalam", "akan",
    "telah", "bahwa", "ini", "itu", "sebagai", "oleh", "juga", "Москва", "переговоры", "😀", "🇮🇩",
    "café", "naïve", "تعاون", "협력",
]
LABELS = ["Support", "Oppose", "Neutral", "Threat", "Cooperation", "Blame", "Praise", "Quote"]
ANNOTATOR = "ana"


def generate(path: Path, count: int, seed: int, spans: int = 0) -> int:
    """Write ``count`` native JSONL records; with ``spans``, that many per article at distinct
    word-aligned places, each with its covered text."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            target = rng.randint(3000, 4000)
            words: list[str] = []
            size = 0
            while size < target:
                word = rng.choice(WORDS)
                words.append(word + ("." if rng.random() < 0.08 else ""))
                size += len(word) + 1
            text = " ".join(words)
            record: dict[str, object] = {
                "id": f"bench-{i}",
                "title": " ".join(rng.choices(WORDS, k=8)),
                "text": text,
                "source": "bench",
                "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "language": "id",
            }
            if spans:
                starts = [0]
                for word in words[:-1]:
                    starts.append(starts[-1] + len(word) + 1)
                annotations = []
                for first in sorted(rng.sample(range(len(words) - 6), spans)):
                    last = first + rng.randint(0, 5)
                    start, end = starts[first], starts[last] + len(words[last])
                    annotations.append({"start": start, "end": end, "label": rng.choice(LABELS),
                                        "text": text[start:end], "annotator": ANNOTATOR})
                record["annotations"] = annotations
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


BARE_SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, external_id TEXT, title TEXT NOT NULL DEFAULT '', source TEXT, url TEXT,
    published TEXT, language TEXT, text TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}',
    text_hash TEXT NOT NULL UNIQUE, imported_at TEXT NOT NULL
);
CREATE INDEX articles_external_id ON articles(external_id);
CREATE TABLE annotators (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,
                         created_at TEXT NOT NULL);
CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL DEFAULT 'span',
                     UNIQUE (scope, name));
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id), label_id INTEGER NOT NULL REFERENCES labels(id),
    start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, text TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}', note TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT 'manual',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, reviewer_id INTEGER REFERENCES annotators(id),
    CHECK (0 <= start_offset AND start_offset < end_offset),
    UNIQUE (article_id, annotator_id, label_id, start_offset, end_offset)
);
CREATE INDEX annotations_article ON annotations(article_id, annotator_id);
CREATE INDEX annotations_label ON annotations(label_id);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='id',
                                             tokenize='unicode61 remove_diacritics 2');
"""


def bare_baseline(source: Path, target: Path) -> float:
    """The least a correct import must do: parse, hash, insert articles and spans, index.

    A fresh file with unique texts, so each article's id is known without asking.
    """
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(BARE_SCHEMA)
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    conn.execute("INSERT INTO annotators(uuid, name, created_at) VALUES (?, ?, ?)",
                 (str(uuid.uuid4()), ANNOTATOR, stamp))
    conn.executemany("INSERT INTO labels(name) VALUES (?)", [(name,) for name in LABELS])
    label_ids = dict(conn.execute("SELECT name, id FROM labels"))
    annotator_ids = dict(conn.execute("SELECT name, id FROM annotators"))
    articles: list[tuple[object, ...]] = []
    spans: list[tuple[object, ...]] = []
    next_id = 1

    def flush() -> None:
        conn.executemany(
            "INSERT INTO articles(external_id, title, source, url, published, language, text, meta, text_hash, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
        conn.executemany(
            "INSERT INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, end_offset, text, "
            "attributes, note, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', '', "
            "'imported', ?, ?)", spans)
        articles.clear()
        spans.clear()

    decode = msgspec.json.Decoder().decode
    with open(source, "rb") as f:
        for line in f:
            r = decode(line)
            text = r["text"]
            articles.append((r["id"], r["title"], r["source"], r.get("url"), r["published"], r["language"], text,
                             "{}", hashlib.sha256(text.encode("utf-8")).hexdigest(), stamp))
            for a in r.get("annotations", ()):
                start, end = a["start"], a["end"]
                spans.append((str(uuid.uuid4()), next_id, annotator_ids[a["annotator"]], label_ids[a["label"]],
                              start, end, text[start:end], stamp, stamp))
            next_id += 1
            if len(articles) == 1000:
                flush()
    flush()
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def timed_import(project: Path, source: Path) -> tuple[float, float, float, str]:
    """``annotator import`` in a child process: seconds, CPU seconds, peak RSS (MB) and what it said."""
    annotator = Path(sys.executable).with_name("annotator")
    command = [str(annotator)] if annotator.exists() else [sys.executable, "-m", "annotator"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*command, "import", str(project), str(source)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"import failed: {result.stdout}{result.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # ru_maxrss of children is the largest child so far: every import here is of similar size.
    return seconds, cpu, after.ru_maxrss / 1024, result.stdout.strip()


def timed_baseline(source: Path, target: Path) -> tuple[float, float]:
    """``bare_baseline``: seconds and CPU seconds."""
    cpu = time.process_time()
    seconds = bare_baseline(source, target)
    return seconds, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles per file (default 100,000)")
    parser.add_argument("--spans", type=int, default=5, help="spans per article in the second file (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each case this many times")
    parser.add_argument("--only", choices=("articles", "spans"), help="measure one case only")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        cases = []
        if args.only != "spans":
            cases.append(("articles only", workdir / "articles.jsonl", 0))
        if args.only != "articles" and args.spans:
            cases.append((f"{args.spans} spans each", workdir / "spans.jsonl", args.spans))
        for name, source, spans in cases:
            size = generate(source, args.articles, args.seed, spans)
            print(f"generated {args.articles:,} articles, {name}: {size / 1e6:.1f} MB of JSONL", flush=True)

        ratios: dict[str, list[float]] = {name: [] for name, _, _ in cases}
        cpu_ratios: dict[str, list[float]] = {name: [] for name, _, _ in cases}
        for round_ in range(1, args.repeat + 1):
            for name, source, spans in cases:
                for stale in [*workdir.glob("*.sqlite*"), *workdir.glob("*.annotator*")]:
                    stale.unlink()
                os.sync()  # each run starts with nothing of the one before still being written out
                ours, ours_cpu, peak_rss_mb, said = timed_import(workdir / "bench.annotator", source)
                os.sync()
                bare, bare_cpu = timed_baseline(source, workdir / "baseline.sqlite")
                ratios[name].append(bare / ours)
                cpu_ratios[name].append(bare_cpu / ours_cpu)
                rates = f"{args.articles / ours:,.0f} articles/s"
                if spans:
                    rates += f", {args.articles * spans / ours:,.0f} spans/s"
                print(f"[{round_}] {name}: annotator import {ours:6.2f} s (CPU {ours_cpu:6.2f} s), "
                      f"bare sqlite3 {bare:6.2f} s (CPU {bare_cpu:6.2f} s); ratio (bare / import) "
                      f"{bare / ours:.2f}, of CPU time {bare_cpu / ours_cpu:.2f}; {rates}; "
                      f"peak RSS {peak_rss_mb:.0f} MB", flush=True)
                print(f"    import said: {said}", flush=True)
        for name, values in ratios.items():
            print(f"median ratio, {name}: {statistics.median(values):.2f} (of CPU time "
                  f"{statistics.median(cpu_ratios[name]):.2f}) over {len(values)} run(s); 1.0 = storage speed, "
                  "aim >= 0.8 with spans", flush=True)
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for item in workdir.iterdir():
                shutil.move(str(item), args.keep / item.name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
