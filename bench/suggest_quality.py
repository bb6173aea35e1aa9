"""Quality and speed of the quotation detector (``annotator.assist.quotes``) on the hand-marked dev set.

Run from the repository root::

    .venv/bin/python bench/suggest_quality.py            # the figures
    .venv/bin/python bench/suggest_quality.py --errors id.dev   # also every miss and false alarm of a part

Per language and part (``dev``: the part the rules were tuned on; ``test``: held out), it prints
precision / recall / F1 of quotation spans matched exactly and with at least 50 % overlap (the
shared code points over the longer span; one prediction per gold quotation), recall of direct
quotes and of reported speech separately, and over the overlap-matched quotations the accuracy
of the speaker (names compared case-folded, punctuation and spacing ignored) and of the voice.
Then the speed: milliseconds for one 60,000-character article built by repeating real news text
(median of 5 runs), and articles per second over the dev set's news articles.

The dev set, its sources and its guideline: ``tests/data/quotes/README.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.assist.quotes import find_quotations  # noqa: E402

DATA = ROOT / "tests" / "data" / "quotes"
ARTICLE_CHARS = 60_000


def load(part: str) -> list[dict]:
    path = DATA / f"{part}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def normalise(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / max(a[1] - a[0], b[1] - b[0], 1)


def match(gold: list[dict], pred: list[dict], threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, prediction index), best overlaps first."""
    pairs = sorted(((overlap((g["start"], g["end"]), (p["start"], p["end"])), i, j)
                    for i, g in enumerate(gold) for j, p in enumerate(pred)), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score < threshold:
            break
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        out.append((i, j))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(docs: list[dict], show_errors: bool = False) -> dict[str, float]:
    counts = {"gold": 0, "pred": 0, "exact": 0, "over": 0, "direct": 0, "direct_hit": 0, "reported": 0,
              "reported_hit": 0, "speaker_ok": 0, "voice_ok": 0}
    for doc in docs:
        text = doc["text"]
        gold = doc["quotes"]
        pred = [{"start": s.start, "end": s.end, "speaker": s.attributes["speaker"], "voice": s.attributes["voice"]}
                for s in find_quotations(text, doc["language"])]
        counts["gold"] += len(gold)
        counts["pred"] += len(pred)
        counts["exact"] += len(match(gold, pred, 1.0))
        pairs = match(gold, pred, 0.5)
        counts["over"] += len(pairs)
        hit_gold = {i for i, _ in pairs}
        for i, g in enumerate(gold):
            kind = "direct" if g["voice"] == "direct quote" else "reported"
            counts[kind] += 1
            counts[kind + "_hit"] += i in hit_gold
        for i, j in pairs:
            counts["speaker_ok"] += normalise(gold[i]["speaker"]) == normalise(pred[j]["speaker"])
            counts["voice_ok"] += gold[i]["voice"] == pred[j]["voice"]
        if show_errors:
            matched_p = {j for _, j in pairs}
            for i, g in enumerate(gold):
                if i not in hit_gold:
                    print(f"  MISS  {doc['id']} [{g['speaker']}] {g['voice'][:6]}: {text[g['start']:g['end']][:150]!r}")
            for j, p in enumerate(pred):
                if j not in matched_p:
                    print(f"  FALSE {doc['id']} [{p['speaker']}] {p['voice'][:6]}: {text[p['start']:p['end']][:150]!r}")
            for i, j in pairs:
                g, p = gold[i], pred[j]
                if normalise(g["speaker"]) != normalise(p["speaker"]):
                    print(f"  WHO   {doc['id']} gold [{g['speaker']}] got [{p['speaker']}]: "
                          f"{text[g['start']:g['end']][:80]!r}")
                elif (g["start"], g["end"]) != (p["start"], p["end"]):
                    print(f"  SPAN  {doc['id']} gold {text[g['start']:g['end']][:70]!r}\n"
                          f"                      got {text[p['start']:p['end']][:70]!r}")
    return counts


def report(name: str, c: dict[str, float]) -> None:
    ep, er, ef = prf(int(c["exact"]), int(c["pred"]), int(c["gold"]))
    op, orr, of = prf(int(c["over"]), int(c["pred"]), int(c["gold"]))
    direct = c["direct_hit"] / c["direct"] if c["direct"] else 0.0
    reported = c["reported_hit"] / c["reported"] if c["reported"] else 0.0
    speaker = c["speaker_ok"] / c["over"] if c["over"] else 0.0
    voice = c["voice_ok"] / c["over"] if c["over"] else 0.0
    print(f"{name:<10} {int(c['gold']):>5} {int(c['pred']):>5}   {ep:5.2f} {er:5.2f} {ef:5.2f}"
          f"   {op:5.2f} {orr:5.2f} {of:5.2f}   {direct:5.2f} ({int(c['direct']):>3})"
          f" {reported:5.2f} ({int(c['reported']):>3})   {speaker:5.2f}  {voice:5.2f}")


def speed(language: str, docs: list[dict]) -> dict[str, float]:
    """Timings, wall-clock and CPU (this machine's cores may be shared: CPU time is the steadier figure).

    ``article_ms``: one 60,000-character article built by repeating the language's real paragraphs,
    median of 5 runs; ``rate``: articles per second over the dev set's news articles (over 1,000
    characters), median of 5 passes."""
    paragraphs = [p for d in docs for p in d["text"].split("\n") if p.strip()]
    parts: list[str] = []
    size = 0
    while size < ARTICLE_CHARS:
        for p in paragraphs:
            parts.append(p)
            size += len(p) + 1
            if size >= ARTICLE_CHARS:
                break
    text = "\n".join(parts)[:ARTICLE_CHARS]
    find_quotations(text, language)  # compiles the language's patterns
    wall, cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        find_quotations(text, language)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    articles = [d["text"] for d in docs if len(d["text"]) > 1000]
    rates_wall, rates_cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        for article in articles:
            find_quotations(article, language)
        rates_wall.append(len(articles) / (time.perf_counter() - t0))
        rates_cpu.append(len(articles) / max(time.process_time() - c0, 1e-9))
    return {"article_ms": statistics.median(wall), "article_cpu_ms": statistics.median(cpu),
            "rate": statistics.median(rates_wall), "rate_cpu": statistics.median(rates_cpu),
            "articles": len(articles), "mean_chars": sum(map(len, articles)) / max(len(articles), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", metavar="PART", help="print the misses, false alarms and wrong speakers of "
                                                        "a part (id.dev, en.test, …)")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing")
    args = parser.parse_args()
    print("quotation spans: P/R/F1 exact, then >= 50 % overlap; recall of direct and reported quotations; "
          "speaker and voice accuracy over overlap matches")
    print(f"{'part':<10} {'gold':>5} {'pred':>5}   {'P':>5} {'R':>5} {'F1':>5}   {'P':>5} {'R':>5} {'F1':>5}"
          f"   {'direct':>11} {'reported':>11}   {'speak':>5}  {'voice':>5}")
    for language in ("id", "en"):
        total: dict[str, float] = {}
        for split in ("dev", "test"):
            part = f"{language}.{split}"
            c = evaluate(load(part), show_errors=args.errors == part)
            report(part, c)
            for k, v in c.items():
                total[k] = total.get(k, 0) + v
        report(f"{language}.all", total)
    if not args.no_speed:
        print()
        for language in ("id", "en"):
            t = speed(language, load(f"{language}.dev") + load(f"{language}.test"))
            print(f"speed {language}: {t['article_ms']:.1f} ms wall, {t['article_cpu_ms']:.1f} ms CPU for a "
                  f"{ARTICLE_CHARS:,}-character article (median of 5); {t['rate']:,.0f} articles/s wall, "
                  f"{t['rate_cpu']:,.0f}/s CPU over {t['articles']} news articles of {t['mean_chars']:,.0f} "
                  f"characters on average (10,000 such articles: {10_000 / t['rate']:.1f} s wall, "
                  f"{10_000 / t['rate_cpu']:.1f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
