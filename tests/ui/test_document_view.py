"""The document view: Qt positions against code points, highlighting, and the PySide6 paths
that 6.12.0 breaks on CPython 3.11 (QSyntaxHighlighter.setFormat, ExtraSelection.cursor)."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.model.types import Annotation
from annotator.ui.widgets.document_view import SOFT_BLOCK, DocumentView, ShownSpan, SpanIndex, soft_split

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


def brute_force(spans):
    """Layers and overlaps the slow, obvious way: what the index must agree with."""
    own = [s for s in spans if s.lane is None]
    crossed = {s.uuid: any(o is not s and o.start16 < s.end16 and s.start16 < o.end16 for o in own) for s in own}
    return crossed


def shown(uuid, start, end, lane=None):
    return ShownSpan(Annotation(start=start, end=end, label="L", text="", uuid=uuid), start, end, QColor("red"),
                     lane=lane)


@pytest.mark.parametrize("seed", range(5))
def test_span_index_layers_and_overlaps_match_brute_force_through_edits(seed):
    rng = random.Random(seed)
    text = "\n".join("x" * rng.randint(5, 300) for _ in range(8))
    spans = []
    for i in range(150):
        start = rng.randrange(len(text) - 1)
        spans.append(shown(f"s{i}", start, min(len(text), start + rng.randint(1, 60)),
                           lane=rng.choice([None, None, None, 0])))
    index = SpanIndex(text, spans[:100])
    live = {s.uuid: s for s in spans[:100]}
    for span in spans[100:]:  # edits: add some, remove some
        index.add(span)
        live[span.uuid] = span
        gone = rng.choice(sorted(live))
        index.remove(gone)
        del live[gone]
    crossed = brute_force(list(live.values()))
    own = [s for s in live.values() if s.lane is None]
    assert {s.uuid: s.crossed for s in own} == crossed
    for s in own:  # overlapping spans never share a layer, so their underlines never collide
        assert all(o.layer != s.layer for o in own if o is not s and o.start16 < s.end16 and s.start16 < o.end16)
    # Every lookup by position finds exactly the covering spans.
    for position in range(0, len(text), 7):
        expected = {s.uuid for s in live.values() if s.start16 <= position < s.end16}
        assert {s.uuid for s in index.at(position)} == expected


@pytest.mark.parametrize("seed", range(5))
def test_span_index_swept_lazily_ends_as_if_built_at_once(seed):
    """Opening an article sweeps only as far as the first screen; blocks asked for later, edits
    anywhere and idle steps must leave the same spans per block, layers and overlaps as a sweep
    of everything at once."""
    rng = random.Random(seed)
    text = "\n".join("x" * rng.randint(5, 300) for _ in range(12))
    spans = []
    for i in range(200):
        start = rng.randrange(len(text) - 1)
        spans.append(shown(f"s{i}", start, min(len(text), start + rng.randint(1, 80)),
                           lane=rng.choice([None, None, None, 0])))
    index = SpanIndex(text, spans[:150])
    blocks = len(index.block_starts16)
    # Whether a block has spans is known before the sweep gets there.
    for block in range(blocks):
        expected = any(index.block_starts16[block] <= max(s.end16 - 1, s.start16)
                       and s.start16 < (index.block_starts16[block + 1] if block + 1 < blocks else 10**9)
                       for s in spans[:150])
        assert index.has_spans(block) == expected
    index.sweep_to(index.block_starts16[2])  # the "first screen"
    live = {s.uuid: s for s in spans[:150]}
    for span in spans[150:]:  # edits before and after the swept part, idle steps in between
        index.add(span)
        live[span.uuid] = span
        gone = rng.choice(sorted(live))
        index.remove(gone)
        del live[gone]
        index.spans_in_block(rng.randrange(blocks))
        index.advance(rng.randint(1, 10))
    index.finish()
    crossed = brute_force(list(live.values()))
    own = [s for s in live.values() if s.lane is None]
    assert {s.uuid: s.crossed for s in own} == crossed
    for s in own:
        assert all(o.layer != s.layer for o in own if o is not s and o.start16 < s.end16 and s.start16 < o.end16)
    for block in range(blocks):
        start, end = index.block_starts16[block], index._block_end16(block)
        expected = sorted(s.uuid for s in live.values() if s.start16 < end and max(s.end16 - 1, s.start16) >= start)
        assert sorted(s.uuid for s in index.spans_in_block(block)) == expected


def test_soft_split_turns_only_spaces_into_breaks_inside_long_paragraphs():
    rng = random.Random(4)
    long = " ".join(rng.choice(["kerja", "sama", "😀", "перегово́ры"]) for _ in range(3000))
    text = f"Judul pendek.\n{long}\n{'字' * 9000}\nAkhir."
    shown, breaks = soft_split(text)
    assert len(shown) == len(text) and breaks
    assert all(text[i] == " " and shown[i] == "\u2029" for i in breaks)
    assert [i for i, (a, b) in enumerate(zip(text, shown, strict=True)) if a != b] == breaks
    pieces = shown.replace("\n", "\u2029").split("\u2029")
    assert max(len(p) for p in pieces if " " in p) <= SOFT_BLOCK * 2
    assert "字" * 9000 in pieces  # no space to break at: left whole
    assert soft_split("Satu paragraf.\nDua.") == ("Satu paragraf.\nDua.", [])


def test_a_huge_paragraph_is_shown_in_pieces_with_exact_positions(qtbot):
    from PySide6.QtWidgets import QApplication

    words = ["Lavrov", "mengkritik", "AS", "😀", "dan", "NATO"]
    text = "Judul.\n" + " ".join(words[i % len(words)] for i in range(4000)) + "\nAkhir."
    _, breaks = soft_split(text)
    across = Annotation(breaks[0] - 10, breaks[0] + 10, "L", text[breaks[0] - 10:breaks[0] + 10], "ana", uuid="x")
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    view.set_article(text, [across], {"L": "#E69F00"})
    assert view.toPlainText() == text and view.document().blockCount() == 3 + len(breaks)
    assert view.document().characterCount() - 1 == len(text.encode("utf-16-le")) // 2
    view.select_codepoints(across.start, across.end)
    assert view.selection_codepoints() == (across.start, across.end)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == across.text  # the stored space, not a break
    assert [s.uuid for s in view.spans_at(view.offsets.to_utf16(breaks[0]))] == ["x"]
    # No paragraph gap at a soft break: the next piece starts on the next line.
    document = view.document()
    block = document.findBlock(view.offsets.to_utf16(breaks[0]))
    following = block.next()
    bottom = view.blockBoundingGeometry(block).top() + block.layout().boundingRect().bottom()
    assert view.blockBoundingGeometry(following).top() - bottom < 1


def test_blocks_off_the_first_screen_are_formatted_before_they_show_and_then_in_idle_time(qtbot):
    text = "\n".join(f"Paragraf {i}: Lavrov mengkritik AS dan NATO." for i in range(400))
    spans = [Annotation(text.index(f"Paragraf {i}:"), text.index(f"Paragraf {i}:") + 8, "L", "Paragraf", "ana",
                        uuid=f"s{i}") for i in range(400)]
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitUntil(lambda: view.windowHandle() is not None and view.windowHandle().isExposed())
    view.set_article(text, spans, {"L": "#E69F00"})
    document = view.document()
    pending = set(view.highlighter.pending)
    assert 0 not in pending and 399 in pending  # the first screen at once, the end later

    def formatted(number: int) -> bool:
        return bool(document.findBlockByNumber(number).layout().formats())

    assert formatted(0)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    view.viewport().repaint()  # no event loop in between: painting itself formats what shows
    shown = [block.blockNumber() for block, _ in view._visible_blocks()]
    assert 399 in shown and all(formatted(number) for number in shown)
    qtbot.waitUntil(lambda: not view.highlighter.pending)  # the rest, in idle time
    assert all(formatted(number) for number in range(400))


def nested_spans(text: str) -> list[Annotation]:
    """Per paragraph: an outer span, one nested in it and one crossing its end (so two of the
    three get underlines), in three labels."""
    spans = []
    start = 0
    for number, paragraph in enumerate(text.split("\n")):
        for i, (left, right) in enumerate(((0, 60), (10, 30), (50, 90))):
            spans.append(Annotation(start + left, start + right, f"L{i}", paragraph[left:right], "ana",
                                    uuid=f"p{number}-{i}"))
        start += len(paragraph) + 1
    return spans


NESTED_TEXT = "\n".join(f"Paragraf {i}: Lavrov mengkritik AS dan satelit regionalnya karena ancaman keamanan "
                        "bagi DPRK, tanpa prasyarat. 😀" for i in range(30))
NESTED_COLORS = {"L0": "#E69F00", "L1": "#56B4E9", "L2": "#009E73"}


def test_blends_are_made_once_per_set_of_colours_for_every_article(qtbot):
    view = DocumentView()
    qtbot.addWidget(view)
    view.set_article(NESTED_TEXT, nested_spans(NESTED_TEXT), NESTED_COLORS)
    view.finish_formatting()
    made = dict(view._blends)
    assert len(made) >= 3  # alone and blended
    first_document = view.document()
    view.set_article(NESTED_TEXT[:400], nested_spans(NESTED_TEXT[:400])[:4], NESTED_COLORS)
    view.finish_formatting()
    assert view.document() is not first_document  # a new document and highlighter...
    assert view.highlighter._formats is view._blends  # ...with the blends made before
    assert all(view._blends[key] is fmt for key, fmt in made.items())


def test_blends_kept_are_bounded(qtbot, monkeypatch):
    from annotator.ui.widgets import document_view

    monkeypatch.setattr(document_view, "MAX_BLENDS", 2)
    view = DocumentView()
    qtbot.addWidget(view)
    spans = nested_spans(NESTED_TEXT)
    view.set_article(NESTED_TEXT, spans, NESTED_COLORS)
    view.finish_formatting()
    assert len(view._blends) <= 2
    for span in spans:  # still every span highlighted
        block = view.document().findBlock(view.offsets.to_utf16(span.start))
        start = view.offsets.to_utf16(span.start) - block.position()
        assert any(r.start <= start < r.start + r.length for r in block.layout().formats()), span.uuid


def test_underlines_are_painted_where_their_geometry_says_and_no_glyphs_are_kept(qtbot):
    """Painting keeps the visible blocks' shaped glyphs for the underlines, then frees them."""
    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitUntil(lambda: view.windowHandle() is not None and view.windowHandle().isExposed())
    view.set_article(NESTED_TEXT, nested_spans(NESTED_TEXT), NESTED_COLORS)
    image = view.viewport().grab().toImage()  # a paint
    visible = view._visible_blocks()
    assert not any(block.layout().cacheEnabled() for block, _ in visible)
    index = view.highlighter.index
    checked = 0
    for block, top in visible[:-1]:  # the last one may be cut off at the bottom
        for span in index.spans_in_block(block.blockNumber()):
            if span.layer == 0 and not span.crossed:
                continue
            pen = span.color.darker(140)
            for _, x1, x2, y in view._underline_segments(block, span, top):
                x = int((x1 + x2) / 2)
                if int(x2) - int(x1) < 4 or not 0 <= int(y) < image.height():
                    continue
                colour = image.pixelColor(x, int(y))
                assert (colour.red(), colour.green(), colour.blue()) == (pen.red(), pen.green(), pen.blue()), span.uuid
                checked += 1
    assert checked > 20
