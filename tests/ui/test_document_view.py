"""The document view: Qt positions against code points, highlighting, and the PySide6 paths
that 6.12.0 breaks on CPython 3.11 (QSyntaxHighlighter.setFormat, ExtraSelection.cursor)."""

from __future__ import annotations

from annotator.model.types import Annotation
from annotator.ui.widgets.document_view import DocumentView

TRICKY = "a\u00a0b\u200bc 😀 🇮🇩 👩\u200d👩\u200d👧 e\u0301 كتبتٌ \u2028line\u2029para\nnext 𝔘"


def spans_over(text: str) -> list[Annotation]:
    spans = []
    for i, needle in enumerate(["😀", "🇮🇩", "👩\u200d👩\u200d👧", "e\u0301", "كتبتٌ", "line", "para\nnext", "𝔘"]):
        start = text.index(needle)
        spans.append(Annotation(start, start + len(needle), f"L{i}", needle, "ana", uuid=f"u{i}"))
    return spans


def test_qt_positions_are_utf16_of_our_code_points(qtbot):
    view = DocumentView()
    qtbot.addWidget(view)
    view.set_article(TRICKY, [], {})
    assert view.toPlainText() == TRICKY  # no-break space and U+2028/U+2029 kept
    assert view.document().characterCount() - 1 == len(TRICKY.encode("utf-16-le")) // 2
    for start in range(len(TRICKY)):
        for end in (start + 1, len(TRICKY)):
            view.select_codepoints(start, end)
            assert view.selection_codepoints() == (start, end)


def test_every_span_is_highlighted_over_its_utf16_range(qtbot):
    view = DocumentView()
    qtbot.addWidget(view)
    spans = spans_over(TRICKY)
    view.set_article(TRICKY, spans, {s.label: "#E69F00" for s in spans})
    document = view.document()
    for span in spans:
        start16 = len(TRICKY[:span.start].encode("utf-16-le")) // 2
        end16 = len(TRICKY[:span.end].encode("utf-16-le")) // 2
        block = document.findBlock(start16)
        covered = set()
        while block.isValid() and block.position() < end16:
            for fmt in block.layout().formats():  # written by QSyntaxHighlighter.setFormat
                covered.update(range(block.position() + fmt.start, block.position() + fmt.start + fmt.length))
            block = block.next()
        separators = {i for i in range(start16, end16) if document.characterAt(i) in "\u2029"}
        assert set(range(start16, end16)) - separators <= covered, span.text


def test_selected_span_uses_one_extra_selection(qtbot):
    view = DocumentView()
    qtbot.addWidget(view)
    spans = spans_over(TRICKY)
    view.set_article(TRICKY, spans, {})
    view.select_span("u2")  # sets ExtraSelection.cursor
    [selection] = view.extraSelections()
    assert selection.cursor.selectedText() == "👩\u200d👩\u200d👧"
    view.set_spans(spans[:2], {})
    assert view.extraSelections() == []


def test_set_spans_rehighlights_only_changed_blocks(qtbot):
    text = "\n".join(f"baris {i} kerja sama" for i in range(200))
    view = DocumentView()
    qtbot.addWidget(view)
    spans = [Annotation(text.index(f"baris {i} "), text.index(f"baris {i} ") + 5, "A", "baris", uuid=f"s{i}")
             for i in range(0, 200, 10)]
    view.set_article(text, spans, {"A": "#56B4E9"})
    calls = []
    original = view.highlighter.highlightBlock

    def counting(block_text):
        calls.append(view.highlighter.currentBlock().blockNumber())
        original(block_text)

    view.highlighter.highlightBlock = counting
    start = text.index("baris 55 ")
    view.set_spans([*spans, Annotation(start, start + 5, "A", "baris", uuid="new")], {"A": "#56B4E9"})
    assert calls == [55]
