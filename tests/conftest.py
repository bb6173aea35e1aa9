"""Fixtures shared by every test package. Nothing here imports Qt."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from annotator.model.types import GOLD_UUID, Article
from annotator.project import Project
from annotator.store import Store
from annotator.store.backups import ROOT_VARIABLE

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).parent.parent / "resources" / "samples" / "choe-lavrov-2024-01-17.id.txt"


def conllu_documents(path: Path) -> list[tuple[str, str]]:
    """``(doc id, text)`` per document of a CoNLL-U file: the ``# text`` lines of its sentences
    joined by a space. Files without ``# newdoc`` give one document per sentence."""
    content = path.read_text(encoding="utf-8")
    by_newdoc = "# newdoc id = " in content
    docs: list[tuple[str, list[str]]] = []
    for line in content.splitlines():
        if line.startswith("# newdoc id = ") or (not by_newdoc and line.startswith("# sent_id = ")):
            docs.append((line.split("= ", 1)[1], []))
        elif line.startswith("# text = "):
            docs[-1][1].append(line[len("# text = "):])
    return [(doc_id, " ".join(sentences)) for doc_id, sentences in docs]


@pytest.fixture(autouse=True)
def backups_root(tmp_path_factory, monkeypatch) -> Path:
    """Where this test's backups go. Opening a window, migrating an old file and restoring all
    make backups; they must never land in the user's data directory, so every test (and every
    subprocess it starts, which inherits the variable) gets a folder of its own."""
    root = tmp_path_factory.mktemp("backups")
    monkeypatch.setenv(ROOT_VARIABLE, str(root))
    return root


def make_damaged_project(path: Path, articles: int = 300) -> Path:
    """A project file that opens but has a damaged b-tree page in the middle of its articles.

    The file is written with plain ``open()``: that is safe here only because no connection
    to it is open in this process at that moment (the project is closed and its WAL folded in),
    unlike anywhere in the application (``store/connection.py``).
    """
    project = Project.open(path)
    store = project._store
    with store.write():
        for i in range(articles):
            store.add_article(Article(text=f"Artikel ZQX{i}QXZ " + "kata berita " * 80, title=f"judul {i}"))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    project.close()
    data = bytearray(path.read_bytes())
    page = data.index(f"ZQX{articles // 2}QXZ".encode()) // page_size  # a table leaf page mid-file
    middle = page * page_size + page_size // 4
    data[middle:middle + page_size // 2] = b"\xff" * (page_size // 2)  # cells of that page
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def damaged_project(tmp_path) -> Path:
    """Path of a closed project file with a damaged page (``make_damaged_project``)."""
    return make_damaged_project(tmp_path / "damaged.annotator")


@pytest.fixture
def store():
    """A fresh project store in memory, closed after the test."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def project():
    """A fresh in-memory project with the default codebook."""
    p = Project.memory()
    yield p
    p.close()


@pytest.fixture
def project_path(tmp_path):
    """Path of a new project file (created on first open)."""
    return tmp_path / "test.annotator"


@pytest.fixture
def multilingual_texts() -> list[tuple[str, str, str]]:
    """``(id, language, text)`` of real texts in ru (with emoji, ZWJ, VS16), ar, id, ko, and a
    Russian Wikinews article with NBSP and zero-width space."""
    texts = []
    for name, language in (("ru_taiga_instagram", "ru"), ("ar_pud", "ar"), ("id_pud", "id"), ("ko_pud", "ko")):
        documents = conllu_documents(DATA / "multilingual" / f"{name}.conllu")
        for i, (doc_id, text) in enumerate(documents):
            # PUD repeats a newdoc id for each of its sentences; the index keeps ids unique.
            texts.append((f"{name}/{i}-{doc_id}", language, text))
    wikinews = (DATA / "multilingual" / "ru_wikinews_107771.txt").read_text(encoding="utf-8")
    texts.append(("ru_wikinews_107771", "ru", wikinews))
    # Constructed from the pieces that break offsets: flags, a ZWJ family, skin tones, VS16,
    # decomposed accents, Arabic with tanween, right-to-left marks, CJK.
    texts.append(("edge-cases", "mul", "Menlu 🇷🇺 dan 🇰🇵 bertemu; 👨‍👩‍👧‍👦 keluarga 👍🏽 ❤️ — "
                  "cafe\u0301 re\u0301sume\u0301; «переговоры»; كتابٌ جديدٌ \u200fقال\u200f; 협력 강화."))
    return texts


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def spans_everywhere(text: str, rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Random spans, some of one code point (half a flag, a lone ZWJ, a combining mark)."""
    spans = set()
    for _ in range(count):
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.choice([1, 1, 2, 5, 17, 60]))
        spans.add((start, end))
    return sorted(spans)


@pytest.fixture
def rich_records(multilingual_texts) -> list[dict]:
    """Native records over real ru/ar/id/ko text with emoji, ZWJ, flags and combining marks,
    two annotators, overlapping spans, attributes, notes, doc labels and done marks."""
    rng = random.Random(7)
    ana_id, budi_id = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    labels = ["Anti-imperialist framing", "Quotation", "Label with spaces & ümlauts", "🙂 emoji label"]
    records = []
    for i, (doc_id, language, text) in enumerate(multilingual_texts):
        annotations = []
        for j, (start, end) in enumerate(spans_everywhere(text, rng, 6)):
            who, who_id = (("ana", ana_id), ("budi", budi_id))[j % 2]
            annotations.append({
                "id": f"{doc_id}-{j}", "start": start, "end": end, "label": labels[j % len(labels)],
                "text": text[start:end], "annotator": who, "annotator_id": who_id,
                "attributes": {"speaker": "Лавров", "polarity": "negative"} if j % 3 == 0 else {},
                "note": "catatan 📝" if j % 4 == 0 else "", "origin": "imported",
                "created": "2024-01-17T10:00:00.000Z", "updated": "2024-01-18T10:00:00.000Z",
                "reviewer": None,
            })
        start, end = spans_everywhere(text, rng, 1)[0]
        annotations.append({  # one adjudicated gold-layer span per article
            "id": f"{doc_id}-gold", "start": start, "end": end, "label": "Quotation", "text": text[start:end],
            "annotator": "gold", "annotator_id": GOLD_UUID, "attributes": {}, "note": "", "origin": "adjudicated",
            "created": "2024-01-19T10:00:00.000Z", "updated": "2024-01-19T10:00:00.000Z", "reviewer": "budi",
        })
        records.append({
            "id": doc_id, "title": f"{language} {i}", "text": text, "url": f"https://example.org/{i}",
            "source": "UD", "published": "2024-01-17", "language": language, "meta": {"n": i, "tags": ["a"]},
            "annotations": annotations,
            "doc_labels": [{"label": "Overall: neutral report", "annotator": "ana", "annotator_id": ana_id}],
            "done_by": ["ana"] if i % 2 else ["ana", "budi"],
        })
    return records


def watch_opens(path: Path, monkeypatch) -> list[str]:
    """Every plain ``open()`` of ``path`` from now on, recorded: the project file must only ever
    be opened through SQLite (DESIGN.md, connection discipline)."""
    import builtins
    import io

    opened: list[str] = []
    real_open = builtins.open

    def watching_open(file, *args, **kwargs):
        if Path(str(file)).resolve() == path.resolve():
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(io, "open", watching_open)
    return opened
