"""Build the quotation dev set (``<language>.<split>.jsonl``) from the hand marks in ``marks/``.

Run from the repository root::

    .venv/bin/python tests/data/quotes/make_devset.py            # texts from the existing JSONL files
    .venv/bin/python tests/data/quotes/make_devset.py --texts T  # texts from a JSONL of
                                                                 # {id, language, split, text, source}
    .venv/bin/python tests/data/quotes/make_devset.py --show     # also print every marked span

A mark is one line under ``## <document id>``::

    D | Sergey Lavrov | "Kami akan … ketegangan,"
    R | Choe | Pyongyang dan Moskow akan … tahun ini

``D`` is a direct quote, ``R`` reported speech; then the speaker ("" for none); then the span, either
the exact text or ``<first words> … <last words>`` (U+2026 between spaces): the span starts at the only
occurrence of the first words and ends with the first occurrence of the last words after it. A trailing
`` @N`` picks the N-th occurrence of the first words instead. Offsets are code points, half-open, and are
checked against the text before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOICES = {"D": "direct quote", "R": "reported speech"}
GAP = " … "


def parse_marks(path: Path) -> dict[str, list[tuple[str, str, str, int]]]:
    marks: dict[str, list[tuple[str, str, str, int]]] = {}
    current: list[tuple[str, str, str, int]] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("//"):
            continue
        if line.startswith("## "):
            current = marks.setdefault(line[3:].strip(), [])
            continue
        if current is None:
            raise SystemExit(f"{path}:{number}: a mark before any '## <document id>' line")
        voice, speaker, spec = (part.strip() for part in line.split(" | ", 2))
        if voice not in VOICES:
            raise SystemExit(f"{path}:{number}: voice must be D or R, not {voice!r}")
        current.append((voice, speaker, spec, number))
    return marks


def find_span(text: str, spec: str) -> tuple[int, int]:
    occurrence = 0  # 0: the first words must occur once
    if " @" in spec and spec.rsplit(" @", 1)[1].isdigit():
        spec, n = spec.rsplit(" @", 1)
        occurrence = int(n)
    first, last = spec.split(GAP, 1) if GAP in spec else (spec, "")
    starts = []
    at = text.find(first)
    while at >= 0:
        starts.append(at)
        at = text.find(first, at + 1)
    if not starts:
        raise ValueError(f"not in the text: {first!r}")
    if occurrence == 0 and len(starts) > 1:
        raise ValueError(f"{first!r} occurs {len(starts)} times: add @N")
    if occurrence > len(starts):
        raise ValueError(f"{first!r} occurs only {len(starts)} times, not {occurrence}")
    start = starts[max(occurrence, 1) - 1]
    if not last:
        return start, start + len(first)
    end = text.find(last, start + len(first))
    if end < 0:
        raise ValueError(f"{last!r} not found after {first!r}")
    return start, end + len(last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path,
                        help="JSONL of the documents' texts (default: the existing dev-set files)")
    parser.add_argument("--show", action="store_true", help="print every marked span")
    args = parser.parse_args()
    if args.texts:
        lines = args.texts.read_text(encoding="utf-8").splitlines()
    else:
        lines = [line for path in sorted(HERE.glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines()]
    docs = [json.loads(line) for line in lines if line.strip()]
    marks: dict[str, list[tuple[str, str, str, int]]] = {}
    for path in sorted((HERE / "marks").glob("*.txt")):
        marks.update(parse_marks(path))
    unknown = set(marks) - {d["id"] for d in docs}
    if unknown:
        raise SystemExit(f"marks for unknown documents: {sorted(unknown)}")
    errors = 0
    out: dict[str, list[str]] = {}
    for doc in docs:
        text = doc["text"]
        quotes = []
        for voice, speaker, spec, number in marks.get(doc["id"], []):
            try:
                start, end = find_span(text, spec)
            except ValueError as error:
                sys.stderr.write(f"{doc['id']} (marks line {number}): {error}\n")
                errors += 1
                continue
            quotes.append({"start": start, "end": end, "speaker": speaker, "voice": VOICES[voice],
                           "text": text[start:end]})
            if args.show:
                sys.stdout.write(f"{doc['id']} {start}-{end} {voice} [{speaker}] {text[start:end]}\n")
        quotes.sort(key=lambda q: (q["start"], q["end"]))
        for a, b in pairwise(quotes):
            if (a["start"], a["end"]) == (b["start"], b["end"]):
                sys.stderr.write(f"{doc['id']}: marked twice: {a['text']!r}\n")
                errors += 1
        for q in quotes:
            assert text[q["start"]:q["end"]] == q["text"]
        record = {"id": doc["id"], "language": doc["language"], "split": doc["split"], "source": doc["source"],
                  "text": text, "quotes": quotes}
        out.setdefault(f"{doc['language']}.{doc['split']}.jsonl", []).append(json.dumps(record, ensure_ascii=False))
    if errors:
        raise SystemExit(f"{errors} mark(s) could not be placed; nothing written")
    for name, records in out.items():
        (HERE / name).write_text("\n".join(records) + "\n", encoding="utf-8")
        count = sum(len(json.loads(r)["quotes"]) for r in records)
        sys.stderr.write(f"{name}: {len(records)} documents, {count} quotations\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
