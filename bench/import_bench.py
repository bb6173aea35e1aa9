"""Import speed and memory against a bare sqlite3 baseline.

Generates N articles (default 100,000, 3–4 KB each, seeded) as native JSONL, then in one run:
  1. times `annotator import` (a child process) and reads its peak RSS;
  2. times a bare sqlite3 `executemany` insert of the same rows plus an FTS5 build.
Prints both times, their ratio (baseline / import; 1.0 = as fast as the bare insert) and the
import's peak RSS.

    .venv/bin/python bench/import_bench.py [--articles N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def generate(path: Path, count: int, seed: int) -> int:
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
            record = {
                "id": f"bench-{i}",
                "title": " ".join(rng.choices(WORDS, k=8)),
                "text": text,
                "source": "bench",
                "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "language": "id",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


def bare_baseline(source: Path, target: Path) -> float:
    """The least a correct import must do: parse, insert, index."""
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, external_id TEXT, title TEXT, source TEXT, "
        "published TEXT, language TEXT, text TEXT, meta TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    batch = []
    with open(source, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            batch.append((r["id"], r["title"], r["source"], r["published"], r["language"], r["text"], "{}"))
            if len(batch) == 1000:
                conn.executemany(
                    "INSERT INTO articles(external_id, title, source, published, language, text, meta) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
                batch.clear()
    if batch:
        conn.executemany(
            "INSERT INTO articles(external_id, title, source, published, language, text, meta) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        source = workdir / "articles.jsonl"
        size = generate(source, args.articles, args.seed)
        print(f"generated {args.articles:,} articles, {size / 1e6:.1f} MB of JSONL", flush=True)

        annotator = Path(sys.executable).with_name("annotator")
        command = [str(annotator)] if annotator.exists() else [sys.executable, "-m", "annotator"]
        started = time.perf_counter()
        result = subprocess.run(
            [*command, "import", str(workdir / "bench.annotator"), str(source)],
            capture_output=True, text=True,
        )
        import_seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"import failed: {result.stdout}{result.stderr}")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        baseline_seconds = bare_baseline(source, workdir / "baseline.sqlite")

        print(f"annotator import       {import_seconds:8.2f} s  ({args.articles / import_seconds:,.0f} articles/s)")
        print(f"bare executemany + FTS {baseline_seconds:8.2f} s  ({args.articles / baseline_seconds:,.0f} articles/s)")
        print(f"ratio (baseline / import) {baseline_seconds / import_seconds:.2f}   (needed >= 0.5, aim >= 0.8)")
        print(f"import peak RSS        {peak_rss_mb:8.1f} MB  (needed <= 500 MB)")
        print(f"import said: {result.stdout.strip()}")
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for item in workdir.iterdir():
                shutil.move(str(item), args.keep / item.name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
