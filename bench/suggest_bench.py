"""Assisted labelling speed (issue 12), each figure against its target and, where one exists, a bare baseline.

Corpus (seeded, built once and cached in the temp folder; ``--fresh`` rebuilds it): 100,000
articles of 3.1–4.2 KB made of the sample articles' sentences (Indonesian and Russian news,
with their quotations) and words, each sentence in about a third of the articles, plus the
phrase "ekspansi NATO ke timur" in one article in a hundred.

Printed:

- "annotate all matches" over the whole project, for a rare phrase, a phrase in a third of the
  articles, a name in most of them, a label's keywords, and a regex rule (which the index
  cannot narrow, so every article is read): the time to the first page (100
  hits; target 1 s) and to the count of all hits (target 5 s), against a bare FTS5
  ``MATCH`` count of the articles (how fast the index alone answers) and a bare read of those
  articles' texts (the least any exact count must do);
- quotations and rules on a 60,000-character article (target 100 ms), median of five;
- ``annotator suggest --quotes --json`` over 10,000 articles, as a user runs it (target 30 s).

    .venv/bin/python bench/suggest_bench.py [--articles N] [--quote-articles M] [--fresh]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from cached import cached_project

ROOT = Path(__file__).parent.parent
SAMPLES = sorted((ROOT / "resources" / "samples").glob("*.txt"))
CORPUS_VERSION = 2  # bump when build() changes, so a stale cached corpus is not reused
RARE = "ekspansi NATO ke timur"
REGEX_LABEL = "Bench: a regex rule"
REGEX = r"operasi\s+militer\s+\w+"
FIRST_PAGE_TARGET, COUNT_TARGET, ARTICLE_TARGET, SUGGEST_TARGET = 1.0, 5.0, 0.1, 30.0


def build(path: Path, articles: int, seed: int) -> None:
    from annotator.model.patterns import LabelPattern
    from annotator.model.types import Article, Label
    from annotator.project import Project, default_codebook

    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    sentences = [s.strip() for text in texts for s in re.split(r"(?<=[.!?»\"])\s+", text) if len(s.strip()) > 20]
    words = [w for text in texts for w in text.split()]
    codebook = default_codebook()  # as this version ships it, plus a label with a regex
    codebook.labels.append(Label(REGEX_LABEL, "#123456", patterns=(LabelPattern("regex", REGEX),)))
    project = Project.open(path, codebook=codebook)
    store = project._store
    with store.write(), store.bulk_import():
        for first in range(0, articles, 5_000):
            batch = []
            for i in range(first, min(first + 5_000, articles)):
                size = rng.randint(3_120, 4_200)  # bytes
                parts = [f"Artikel {i}."] + [s for s in sentences if rng.random() < 0.33]
                if i % 100 == 7:
                    parts.insert(rng.randrange(1, len(parts) + 1), f"Lavrov menolak {RARE}.")
                text = " ".join(parts)
                while len(text.encode()) < size:
                    text += " " + " ".join(rng.choice(words) for _ in range(12)) + "."
                text = text.encode()[:size].decode("utf-8", "ignore").rsplit(" ", 1)[0]
                batch.append(Article(text=text, title=f"Judul {i}", external_id=f"ext-{i}", language="id"))
            assert store.add_articles(batch) == len(batch)
    project.close()


def corpus(articles: int, fresh: bool) -> Path:
    """The cached bench project of this size (built when missing or ``fresh``)."""
    def make(path: Path) -> str:
        build(path, articles, 12)
        return f"{articles:,} articles"

    return cached_project(f"suggest-v{CORPUS_VERSION}-{articles}.annotator", make, fresh)


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def matches(path: Path) -> None:
    from annotator.project import Project

    project = Project.open(path, create=False, read_only=True)
    conn = project._store.conn
    label = "Euphemism / loaded term"
    print(f"\nannotate all matches over {project._store.article_count():,} articles "
          f"(targets: first page <= {FIRST_PAGE_TARGET:g} s, count <= {COUNT_TARGET:g} s)")
    print(f"{'query':<32} {'articles':>8} {'hits':>8} {'page s':>7} {'count s':>8} {'bare MATCH s':>12} "
          f"{'bare read s':>11} {'x read':>7}")
    for name, text, rule in ((RARE, RARE, label), ("operasi militer khusus", "operasi militer khusus", label),
                             ("Lavrov", "Lavrov", label), ("rule: Euphemism (keywords)", None, label),
                             ("rule: a regex (no index)", None, REGEX_LABEL)):
        query = project._match_query(rule, text).fts  # None: no index query, every article is read
        if query is None:
            bare_match, _ = timed(lambda: conn.execute("SELECT count(*) FROM articles").fetchone())
            bare_read, _ = timed(lambda: sum(len(t) for (t,) in conn.execute("SELECT text FROM articles ORDER BY id")))
        else:
            bare_match, _ = timed(lambda q=query: conn.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (q,)).fetchone())
            bare_read, _ = timed(lambda q=query: sum(len(t) for (t,) in conn.execute(
                "SELECT a.text FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? "
                "ORDER BY f.rowid", (q,))))
        page, hits = timed(lambda t=text, r=rule: project.match_hits(label=r, text=t, limit=100))
        counting, count = timed(lambda t=text, r=rule: project.count_matches(label=r, text=t))
        assert len(hits) == min(100, count.hits)
        print(f"{name:<32} {count.articles:>8,} {count.hits:>8,} {page:>7.3f} {counting:>8.2f} {bare_match:>12.3f} "
              f"{bare_read:>11.2f} {counting / bare_read:>7.2f}", flush=True)
    project.close()


def one_article() -> None:
    from annotator.assist.rules import find_rule_matches
    from annotator.model.types import Article
    from annotator.project import Project, default_codebook

    text = (SAMPLES[0].read_text(encoding="utf-8") + "\n") * 30
    text = text[:60_000]
    labels = default_codebook().labels
    rules = statistics.median(timed(lambda: find_rule_matches(text, labels))[0] for _ in range(5))
    print(f"\nsuggestions for one {len(text):,}-character article (target <= {ARTICLE_TARGET * 1000:.0f} ms), "
          "median of 5:")
    print(f"  rules (default codebook)  {rules * 1000:7.1f} ms  {len(find_rule_matches(text, labels))} suggestions")
    try:
        from annotator.assist.quotes import find_quotations
    except ImportError:
        print("  quotations                skipped: annotator/assist/quotes.py is not there yet")
        return
    quotes = statistics.median(timed(lambda: find_quotations(text, "id"))[0] for _ in range(5))
    print(f"  quotations                {quotes * 1000:7.1f} ms  {len(find_quotations(text, 'id'))} suggestions")
    project = Project.memory()
    with project._store.write():
        project._store.add_article(Article(text=text, language="id"))
    both = statistics.median(timed(lambda: project.suggestions(1, annotator="ana"))[0] for _ in range(5))
    print(f"  Project.suggestions, both {both * 1000:7.1f} ms  (rejections and spans left out)")
    project.close()


def suggest_cli(path: Path) -> None:
    try:
        import annotator.assist.quotes  # noqa: F401
    except ImportError:
        print("\nannotator suggest --quotes: skipped: annotator/assist/quotes.py is not there yet")
        return
    command = [sys.executable, "-c", "from annotator.cli import main; main()", "suggest", str(path),
               "--annotator", "bench", "--quotes", "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(f"\nannotator suggest --quotes failed after {seconds:.1f} s: {result.stderr.strip().splitlines()[-1]}")
        return
    lines = result.stdout.count("\n")
    print(f"\nannotator suggest --quotes --json over {path.stem.rsplit('-', 1)[-1]} articles: {seconds:.1f} s "
          f"(target <= {SUGGEST_TARGET:.0f} s), {lines:,} suggestions; {result.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--quote-articles", type=int, default=10_000, help="articles `suggest --quotes` reads")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached corpus")
    args = parser.parse_args()
    matches(corpus(args.articles, args.fresh))
    one_article()
    suggest_cli(corpus(args.quote_articles, args.fresh))


if __name__ == "__main__":
    main()
