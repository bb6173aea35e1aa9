"""Time to a painted view in the real window, against a bare QPlainTextEdit baseline.

Opens a 60,000-character article with 2,000 spans, a 1,000,000-character article with 20,000
spans, a 20 MB article with 2,000 spans and a 900,000-character article that is one paragraph
with 20,000 spans in ``MainWindow`` (offscreen), and prints for each the time from
``open_article`` to a painted viewport, the same for a bare QPlainTextEdit with a plain
highlighter on the same text and spans, their ratio (medians of five alternating runs), the
time to repaint after scrolling, and the time from a label keypress to the span committed in
the project file (and drawn).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/render_bench.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from bisect import bisect_right
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from annotator.model.offsets import OffsetMap
from annotator.model.types import Article
from annotator.project import Project
from annotator.ui import MainWindow

WORDS = [
    "Lavrov", "mengkritik", "AS", "dan", "satelit", "regionalnya", "karena", "menciptakan",
    "ancaman", "keamanan", "bagi", "DPRK", "perundingan", "tanpa", "prasyarat", "kerja", "sama",
    "bilateral", "😀", "🇮🇩", "Москва", "переговоры",
]


def make_text(rng: random.Random, length: int) -> str:
    parts, size = [], 0
    while size < length:
        paragraph = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90)))
        parts.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(parts)[:length]


def make_paragraph(rng: random.Random, length: int) -> str:
    """One paragraph of ``length`` characters: no line break at all."""
    return make_text(rng, length).replace("\n", " ")


def make_spans(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    spans: set[tuple[int, int]] = set()
    while len(spans) < count:
        start = rng.randrange(len(text) - 200)
        spans.add((start, start + rng.randint(3, 120)))  # overlapping and nested, as in real work
    return sorted(spans)


class PlainHighlighter(QSyntaxHighlighter):
    """The baseline: one format per span piece in a block, no blending, no layers."""

    def __init__(self, document, block_spans):
        super().__init__(document)
        self.block_spans = block_spans
        self.fmt = QTextCharFormat()
        self.fmt.setBackground(QColor("#F0E442"))

    def highlightBlock(self, text):
        block = self.currentBlock()
        start = block.position()
        for s, e in self.block_spans.get(block.blockNumber(), ()):
            self.setFormat(max(s - start, 0), min(e, start + len(text)) - max(s, start), self.fmt)


def baseline(app: QApplication, text: str, spans: list[tuple[int, int]]) -> float:
    editor = QPlainTextEdit()
    editor.resize(900, 700)
    editor.setReadOnly(True)
    editor.show()
    app.processEvents()
    started = time.perf_counter()
    offsets = OffsetMap(text)  # the same code-point -> UTF-16 conversion any correct view needs
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    block_spans: dict[int, list[tuple[int, int]]] = {}
    for s, e in spans:
        s16, e16 = offsets.to_utf16(s), offsets.to_utf16(e)
        first, last = bisect_right(line_starts, s) - 1, bisect_right(line_starts, e - 1) - 1
        for block in range(first, last + 1):
            block_spans.setdefault(block, []).append((s16, e16))
    PlainHighlighter(editor.document(), block_spans)
    editor.setPlainText(text)
    editor.viewport().repaint()
    elapsed = time.perf_counter() - started
    editor.close()
    editor.deleteLater()
    return elapsed


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    rng = random.Random(11)
    workdir = Path(tempfile.mkdtemp(prefix="render-bench-"))
    path = workdir / "bench.annotator"
    cases = [("60k chars, 2,000 spans", 60_000, 2_000, make_text),
             ("1M chars, 20,000 spans", 1_000_000, 20_000, make_text),
             ("20 MB article, 2,000 spans", 20_000_000, 2_000, make_text),
             ("one 900k-char paragraph, 20,000 spans", 900_000, 20_000, make_paragraph)]
    project = Project.open(path)
    prepared = []
    with project._store.write():
        bench, _ = project._store.ensure_annotator("bench")
        label_ids = [project._store.label_id(label.name) for label in project.codebook().labels]
        for name, length, count, make in cases:
            text = make(rng, length)
            article_id, _ = project._store.add_article(Article(text=text, title=name))
            spans = make_spans(rng, text, count)
            for i, (s, e) in enumerate(spans):
                project._store.add_annotation(article_id=article_id, annotator_id=bench.id,
                                             label_id=label_ids[i % len(label_ids)],
                                             start=s, end=e, text=text[s:e])
            prepared.append((name, article_id, text, spans))
    project.close()

    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(str(path), "bench", settings=settings)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    for name, article_id, text, spans in prepared:
        window.open_article(prepared[0][1] if article_id != prepared[0][1] else prepared[1][1])
        app.processEvents()
        ours, bare = [], []
        for _ in range(5):  # alternating, so that a busy moment hits both alike
            window.open_article(prepared[0][1] if article_id != prepared[0][1] else prepared[1][1])
            app.processEvents()
            started = time.perf_counter()
            window.open_article(article_id)
            window.document_view.viewport().repaint()
            ours.append(time.perf_counter() - started)
            bare.append(baseline(app, text, spans))
        ours_s, bare_s = statistics.median(ours), statistics.median(bare)
        print(f"{name}: window {ours_s * 1000:7.1f} ms   bare QPlainTextEdit {bare_s * 1000:7.1f} ms   "
              f"ratio {ours_s / bare_s:4.2f}")

        view = window.document_view
        paints = []
        scrollbar = view.verticalScrollBar()
        for step in range(1, 11):  # repaint after a jump to ten places through the article
            scrollbar.setValue(scrollbar.maximum() * step // 10)
            app.processEvents()
            started = time.perf_counter()
            view.viewport().repaint()
            paints.append(time.perf_counter() - started)
        scrollbar.setValue(0)
        print(f"{name}: repaint: median {statistics.median(paints) * 1000:5.2f} ms, max {max(paints) * 1000:5.2f} ms")
        view.setFocus()
        count_sql = "SELECT COUNT(*) FROM annotations WHERE article_id = ?"
        before = window.project._store.conn.execute(count_sql, (article_id,)).fetchone()[0]
        keypress = []
        for i in range(20):
            start = text.index(" ", 1000 + i * 1500) + 1
            view.select_codepoints(start, start + 4)
            started = time.perf_counter()
            QTest.keyClick(view, "9")
            keypress.append(time.perf_counter() - started)
        committed = window.project._store.conn.execute(count_sql, (article_id,)).fetchone()[0] - before
        print(f"{name}: keypress to committed span: median {statistics.median(keypress) * 1000:5.2f} ms, "
              f"max {max(keypress) * 1000:5.2f} ms ({committed} spans committed)")
    print("needed: ratio <= 1.3 (60k case) and <= 2 (1M case); keypress <= 10 ms; "
          "20 MB and one-paragraph cases: keypress <= 50 ms, repaint <= 100 ms")
    window.close()


if __name__ == "__main__":
    main()
