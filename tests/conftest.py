"""Fixtures shared by every test package. Nothing here imports Qt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.project import Project
from annotator.store import Store

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
    return texts


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
