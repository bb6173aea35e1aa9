"""The article text with every span of the current layer highlighted.

Scales to thousands of spans: a ``QSyntaxHighlighter`` formats one block at a time from a
per-block index of spans (2,000 ExtraSelections cost ~300 ms against ~20 ms this way), and
per-layer underlines for nested spans are painted only for the visible blocks.

Search hits are ``QTextEdit.ExtraSelection``s under the current span's outline and the text
selection: a pale yellow wash that lets span colours show through. Setting them costs about
0.7 ms per hit in Qt, so at most ``MAX_MARKED_HITS`` are marked (stepping still visits all).

Positions: Qt counts UTF-16 units; every conversion goes through ``model.offsets.OffsetMap``.
Spans and hits arrive and leave in code points.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import attrgetter

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import QPlainTextDocumentLayout, QPlainTextEdit, QTextEdit, QToolTip, QWidget
from shiboken6 import isValid

from annotator.model.offsets import OffsetMap
from annotator.model.types import Annotation
from annotator.ui.plain import plain_tooltip

BACKGROUND_ALPHA = 0.42
_BLOCK_SEPARATOR = re.compile("[\n\r\u2029]")
PENDING_SLICE_SECONDS = 0.004  # formatting left for later runs this long between events
PENDING_SLICE_SPANS = 2_000  # spans swept per idle slice once no block waits to be formatted
SOFT_BLOCK = 2000  # characters: longer paragraphs are shown in pieces about this long (soft_split)
LANE_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
               Qt.PenStyle.DashDotDotLine)
# Review lanes: one per compared annotator, told apart by colour AND dash pattern (so neither
# colour vision nor a printout is needed), independent of the label colours. The colours are
# the Okabe-Ito colour-blind-safe palette without its yellow (too pale on white).
LANE_COLORS = (QColor("#0072B2"), QColor("#D55E00"), QColor("#009E73"), QColor("#CC79A7"), QColor("#E69F00"),
               QColor("#56B4E9"), QColor("#000000"))
LANE_GAP = 5  # pixels per lane in the band reserved under every line in review mode
LANE_PEN_WIDTH = 3
LAYER_GAP = 3  # pixels between the underlines of nested spans
PARAGRAPH_GAP_LINES = 60  # space after a paragraph, in percent of a line
MAX_LINE_CHARACTERS = 90  # lines wider than this many average characters are hard to follow
MAX_BLENDS = 10_000  # formats kept for blends of span colours (one per set of colours met)
HIT_COLOR = QColor(255, 221, 0, 150)  # translucent: a span's colour still shows under a hit
MAX_MARKED_HITS = 1000
HANDLE_REACH = 4  # pixels either side of a span handle that a press takes for the handle
HANDLE_KNOB = 3  # radius of the knob on a span handle


@dataclass(slots=True)  # tens of thousands per article: slots make them faster to build and read
class ShownSpan:
    """A span as the view draws it: code points for the model, UTF-16 for Qt."""

    annotation: Annotation
    start16: int
    end16: int
    color: QColor
    layer: int = 0
    color_name: str = ""
    lane: int | None = None  # review mode: another annotator's span, drawn as a line in its lane
    crossed: bool = False  # overlaps another span of the edit layer: gets an underline

    @property
    def uuid(self) -> str:
        return self.annotation.uuid or ""


@dataclass(slots=True)
class ShownSuggestion:
    """A suggestion as the view draws it: a dashed outline in its label's colour, never a
    background (which only annotations have). ``tip`` is what hovering tells (plain text)."""

    start: int
    end: int
    start16: int
    end16: int
    color: QColor
    tip: str


def blend(colors: list[QColor]) -> QColor:
    """Average the colours, then lay them over white with ``BACKGROUND_ALPHA``."""
    red = sum(c.redF() for c in colors) / len(colors)
    green = sum(c.greenF() for c in colors) / len(colors)
    blue = sum(c.blueF() for c in colors) / len(colors)
    a = BACKGROUND_ALPHA + 0.12 * min(len(colors) - 1, 3)  # deeper nesting reads darker
    return QColor.fromRgbF(1 - a + a * red, 1 - a + a * green, 1 - a + a * blue)


class SpanIndex:
    """Spans bucketed by the blocks (lines) they touch, with nesting layers assigned.

    Built for paragraphs with tens of thousands of spans: each block's spans are kept sorted by
    start, with the longest span's length, so painting finds the spans of the visible lines by
    bisection; layers and overlaps are found in one sweep over the spans by start (O(n log n)),
    and kept up to date span by span on edits, never recomputed per paint.

    The sweep is lazy: it goes only as far into the text as someone has asked about (the
    first screen when an article opens), and on from there when a later block is asked for or
    the view has idle time (``advance``). A block's spans all start before the block ends, so
    once the sweep has passed a block's end, that block's spans and their layers are final.
    """

    def __init__(self, text: str, spans: list[ShownSpan], offsets: OffsetMap | None = None):
        # Block starts in UTF-16 units. QTextDocument ends a block at "\n", "\r" and U+2029
        # (each still one position); U+2028 and other breaks stay inside a block.
        offsets = offsets or OffsetMap(text)
        separators = offsets.many_to_utf16([m.start() for m in _BLOCK_SEPARATOR.finditer(text)])
        self.block_starts16 = [0] + [position + 1 for position in separators]
        self._by_block: dict[int, list[ShownSpan]] = {}
        self._longest: dict[int, int] = {}  # per block: the longest span's UTF-16 length
        # By start, outer spans first: two stable sorts on C-level keys (a tuple key per span
        # cost more than the rest of the index).
        ordered = sorted(spans, key=attrgetter("end16"), reverse=True)
        ordered.sort(key=attrgetter("start16"))
        self.by_uuid: dict[str, ShownSpan] = dict(zip(map(_uuid_of, ordered), ordered, strict=True))
        # Sweep state: spans before ``_next`` are bucketed, own spans before ``_next_own`` have
        # their layer; ``_in_use`` holds (end, layer) of layers taken, ``_free`` layers let go.
        self._ordered = ordered
        lanes = any(map(_lane_of, ordered))  # review mode: other annotators' spans are lines, not layers
        self._own = [span for span in ordered if span.lane is None] if lanes else ordered
        self._next = self._next_own = 0
        self._in_use: list[tuple[int, int]] = []
        self._free: list[int] = []
        self._furthest = -1
        self._swept16: float = 0  # every span starting before this UTF-16 position is in place
        # To tell whether a block has spans without sweeping to it: the starts in order, and
        # the furthest end of any span starting so far (spans are never empty).
        self._starts16 = list(map(_start16_of, ordered))
        self._reach16 = list(accumulate(map(_end16_of, ordered), max))

    @property
    def complete(self) -> bool:
        return self._next >= len(self._ordered)

    def sweep_to(self, position16: float) -> None:
        """Put in place every span that starts before ``position16``."""
        if position16 <= self._swept16:
            return
        own, in_use, free = self._own, self._in_use, self._free
        i = self._next_own
        while i < len(own) and own[i].start16 < position16:
            # Greedy interval colouring: the lowest layer free at the span's start, so
            # underlines never collide; ``crossed`` marks a span overlapping another (an
            # earlier one if it starts before the furthest end so far, a later one if the next
            # span starts before its own end).
            span = own[i]
            while in_use and in_use[0][0] <= span.start16:
                heapq.heappush(free, heapq.heappop(in_use)[1])
            span.layer = heapq.heappop(free) if free else len(in_use)
            heapq.heappush(in_use, (span.end16, span.layer))
            span.crossed = span.start16 < self._furthest or (i + 1 < len(own) and own[i + 1].start16 < span.end16)
            self._furthest = max(self._furthest, span.end16)
            i += 1
        self._next_own = i
        ordered, starts = self._ordered, self.block_starts16
        by_block, longest = self._by_block, self._longest
        j = self._next
        while j < len(ordered) and ordered[j].start16 < position16:
            span = ordered[j]
            length = span.end16 - span.start16
            first = bisect_right(starts, span.start16) - 1
            last = bisect_right(starts, max(span.end16 - 1, span.start16)) - 1
            for block in range(first, last + 1):
                if block in by_block:
                    by_block[block].append(span)
                else:
                    by_block[block] = [span]
                if length > longest.get(block, 0):
                    longest[block] = length
            j += 1
        self._next = j
        self._swept16 = position16 if j < len(ordered) else math.inf

    def advance(self, count: int) -> None:
        """Sweep on over about ``count`` more spans (idle time)."""
        if not self.complete:
            last = min(self._next + count, len(self._ordered)) - 1
            self.sweep_to(self._ordered[last].start16 + 1)

    def finish(self) -> None:
        self.sweep_to(math.inf)

    def _block_end16(self, block: int) -> float:
        return self.block_starts16[block + 1] if block + 1 < len(self.block_starts16) else math.inf

    def has_spans(self, block: int) -> bool:
        """Whether any span touches ``block``, found by bisection (no sweep)."""
        start, end = self.block_starts16[block], self._block_end16(block)
        before = bisect.bisect_left(self._starts16, start)
        if before < len(self._starts16) and self._starts16[before] < end:
            return True  # a span starts inside the block
        return before > 0 and self._reach16[before - 1] > start  # one from earlier reaches in

    def spans_in_block(self, block: int) -> list[ShownSpan]:
        """The spans touching ``block``, by start (the list itself: do not change it)."""
        self.sweep_to(self._block_end16(block))
        return self._by_block.get(block) or []

    def blocks_of(self, span: ShownSpan) -> range:
        first = bisect_right(self.block_starts16, span.start16) - 1
        last = bisect_right(self.block_starts16, max(span.end16 - 1, span.start16)) - 1
        return range(first, last + 1)

    def add(self, span: ShownSpan) -> range:
        """Insert one span on the lowest layer free along its extent; returns its blocks."""
        blocks = self.blocks_of(span)
        # Swept past the span first: spans the sweep has yet to reach start after it ends, so
        # they cannot overlap it, and it is never swept twice.
        self.sweep_to(self._block_end16(blocks[-1]))
        overlapping = self.overlapping(span) if span.lane is None else []
        used = {other.layer for other in overlapping}
        span.layer = next(layer for layer in range(len(used) + 1) if layer not in used)
        span.crossed = bool(overlapping)
        for other in overlapping:
            other.crossed = True
        self.by_uuid[span.uuid] = span
        length = span.end16 - span.start16
        for block in blocks:
            bisect.insort_right(self._by_block.setdefault(block, []), span, key=_by_start)
            if length > self._longest.get(block, 0):
                self._longest[block] = length
        return blocks

    def remove(self, uuid: str) -> range:
        """Take one span out; returns the blocks it touched (empty if unknown)."""
        span = self.by_uuid.pop(uuid, None)
        if span is None:
            return range(0)
        blocks = self.blocks_of(span)
        self.sweep_to(self._block_end16(blocks[-1]))  # in its blocks' lists, to be taken out
        for block in blocks:
            self._by_block[block] = [s for s in self._by_block[block] if s.uuid != uuid]
        if span.lane is None:
            for other in self.overlapping(span):  # may no longer overlap anything
                other.crossed = bool(self.overlapping(other))
        return blocks

    def overlapping(self, span: ShownSpan) -> list[ShownSpan]:
        """The other spans of the edit layer that overlap ``span`` (lanes left out)."""
        found: dict[str, ShownSpan] = {}
        for block in self.blocks_of(span):
            for other in self.in_range(block, span.start16, span.end16):
                if other.lane is None and other.uuid != span.uuid:
                    found[other.uuid] = other
        return list(found.values())

    def in_range(self, block: int, start16: int, end16: int) -> list[ShownSpan]:
        """The spans of ``block`` that overlap ``[start16, end16)``, found by bisection: those
        starting before ``end16`` and no further back than the block's longest span."""
        spans = self.spans_in_block(block)
        if not spans:
            return []
        reach = start16 - self._longest.get(block, 0)
        found = []
        for i in range(bisect.bisect_left(spans, end16, key=_by_start) - 1, -1, -1):
            other = spans[i]
            if other.start16 < reach:
                break
            if other.end16 > start16:
                found.append(other)
        found.reverse()
        return found

    def at(self, position16: int) -> list[ShownSpan]:
        """Spans covering a UTF-16 position, innermost (shortest) first."""
        block = bisect_right(self.block_starts16, position16) - 1
        covering = [s for s in self.in_range(block, position16, position16 + 1) if s.start16 <= position16]
        return sorted(covering, key=lambda s: s.end16 - s.start16)


def _underline_pen(span: ShownSpan) -> QPen:
    """The pen of a span's underline: its colour, darker; another annotator's (review) is its
    lane's colour and dash."""
    if span.lane is None:
        pen = QPen(span.color.darker(140))
        pen.setWidth(2)
        return pen
    pen = QPen(LANE_COLORS[span.lane % len(LANE_COLORS)])
    pen.setWidth(LANE_PEN_WIDTH)
    pen.setStyle(LANE_STYLES[span.lane % len(LANE_STYLES)])
    return pen


_label_of, _start_of, _end_of = attrgetter("label"), attrgetter("start"), attrgetter("end")
_start16_of, _end16_of = attrgetter("start16"), attrgetter("end16")


def _uuid_of(span: ShownSpan) -> str:
    return span.annotation.uuid or ""


def _lane_of(span: ShownSpan) -> bool:
    return span.lane is not None


def _by_start(span: ShownSpan) -> int:
    return span.start16


def _drop_glyphs(layouts: list[QTextLayout]) -> None:
    """Stop keeping these blocks' shaped glyphs and free them (about 40 bytes a character).

    Qt frees them at the end of a draw that keeps none, and a draw clipped to above a block's
    first line draws nothing: that is the only public way to free them without a new layout.
    """
    if not layouts:
        return
    sink = QImage(1, 1, QImage.Format.Format_ARGB32)
    painter = QPainter(sink)
    for layout in layouts:
        layout.setCacheEnabled(False)
        origin = layout.position()
        layout.draw(painter, QPointF(-origin.x(), -origin.y()), [], QRectF(0, -2, 1, 1))
    painter.end()


def _line_starts(layout: QTextLayout) -> list[int]:
    return [layout.lineAt(i).textStart() for i in range(layout.lineCount())]


def soft_split(text: str) -> tuple[str, list[int]]:
    """``text`` with a space turned into a paragraph break (U+2029) every ``SOFT_BLOCK``
    characters or so inside longer paragraphs, and the code points where that happened.

    Why: Qt lays out, formats and hit-tests a paragraph as one block, so a 900,000-character
    paragraph with 20,000 spans took seconds per keypress. A space and U+2029 are both one
    UTF-16 unit, so every position stays the same; only the document shown changes (the line
    breaks there, with no paragraph gap), and copying uses the stored text. A paragraph with
    no space for ``SOFT_BLOCK`` characters (e.g. Chinese) is left whole.
    """
    breaks: list[int] = []
    start = 0
    for match in _BLOCK_SEPARATOR.finditer(text + "\n"):
        end = match.start()
        position = start + SOFT_BLOCK
        while end - position > SOFT_BLOCK // 2:
            space = text.find(" ", position, min(end, position + SOFT_BLOCK))
            if space < 0:  # no space here: try further on
                position += SOFT_BLOCK
                continue
            breaks.append(space)
            position = space + SOFT_BLOCK
        start = match.end()
    if not breaks:
        return text, breaks
    parts, previous = [], 0
    for position in breaks:
        parts.append(text[previous:position])
        previous = position + 1
    parts.append(text[previous:])
    return "\u2029".join(parts), breaks


class SpanHighlighter(QSyntaxHighlighter):
    """Backgrounds blended from every span covering each stretch of a block.

    While ``eager_until`` is set (a new article arriving), blocks that start after that UTF-16
    position are left for later and noted in ``pending``: the view formats them before they
    are painted and, meanwhile, in the background (``DocumentView._format_pending``).
    """

    def __init__(self, document: QTextDocument, formats: dict[tuple[str, ...], QTextCharFormat]):
        super().__init__(document)
        self.index: SpanIndex | None = None
        # Blends by the colours blended: the view's, kept from one article to the next (each
        # article gets a new highlighter), since making them was a tenth of opening one.
        self._formats = formats
        self.eager_until: int | None = None
        self.pending: set[int] = set()

    def highlightBlock(self, text: str) -> None:
        if self.index is None:
            return
        block = self.currentBlock()
        number = block.blockNumber()
        if self.eager_until is not None and block.position() > self.eager_until:
            if self.index.has_spans(number):
                self.pending.add(number)
            return
        self.pending.discard(number)
        spans = self.index.spans_in_block(number)
        if not spans:
            return
        block_start = block.position()
        length = block.length() - 1  # UTF-16 units, without the separator
        # Sweep over span edges: each stretch between two edges gets the blend of the spans open
        # over it.
        edges: list[tuple[int, int, ShownSpan]] = []
        for span in spans:
            if span.lane is not None:
                continue  # drawn as a line by the view, not as a background
            edges.append((min(max(span.start16 - block_start, 0), length), 1, span))
            edges.append((min(max(span.end16 - block_start, 0), length), 0, span))
        edges.sort(key=lambda edge: (edge[0], edge[1]))
        open_spans: dict[str, ShownSpan] = {}
        previous = 0
        for position, opening, span in edges:
            if position > previous and open_spans:
                self.setFormat(previous, position - previous, self._format_for(open_spans.values()))
            previous = position
            if opening:
                open_spans[span.uuid] = span
            else:
                open_spans.pop(span.uuid, None)

    def _format_for(self, covering: Iterable[ShownSpan]) -> QTextCharFormat:
        spans = list(covering)
        # Unsorted on purpose: the blend does not depend on order, and sorting per stretch of
        # text cost more than the few duplicate cache entries it would save.
        key = tuple(span.color_name for span in spans)
        fmt = self._formats.get(key)
        if fmt is None:
            if len(self._formats) >= MAX_BLENDS:
                self._formats.clear()
            fmt = QTextCharFormat()
            fmt.setBackground(blend([span.color for span in spans]))
            self._formats[key] = fmt
        return fmt


def lane_band(lanes: int) -> int:
    """Pixels reserved under every text line for ``lanes`` annotators' lines (0 for none)."""
    return LANE_GAP * lanes + 2 if lanes else 0


def lane_y(line_bottom: float, lane: int) -> float:
    """The y of lane ``lane``'s line inside the band that starts at ``line_bottom``."""
    return line_bottom + 3 + LANE_GAP * lane


class ReadingLayout(QPlainTextDocumentLayout):
    """The plain-text layout, adjusted for reading: a gap after every paragraph, right-to-left
    paragraphs aligned right, and (review mode) ``band`` pixels under every line for lanes.

    Why here: QPlainTextDocumentLayout ignores ``QTextBlockFormat`` margins, line height and
    alignment, and lays every block out with the document's one text option. The adjustments
    are made after Qt's own layout, when a block's rectangle is asked for (before it is painted
    or hit-tested); Qt's painting, hit-testing and cursor positions read the lines' positions
    and the layout's option, so clicks and selections stay right. Only positions and alignment
    change, never the text, so offsets are untouched.
    """

    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self.band = 0
        self.paragraph_gap = 0
        self.soft_breaks: set[int] = set()  # blocks that end at a soft break (see soft_split)

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:  # Qt override
        rect = super().blockBoundingRect(block)
        if not block.isVisible():
            return rect
        layout = block.layout()
        if block.textDirection() == Qt.LayoutDirection.RightToLeft:
            _align_right(layout)
        if self.band and self._spread(layout):
            rect = super().blockBoundingRect(block)
        following = block.next()
        # Text that already separates paragraphs with blank lines keeps its own spacing.
        gap = self.paragraph_gap if block.length() > 1 and following.isValid() and following.length() > 1 else 0
        if gap and self.soft_breaks and block.blockNumber() in self.soft_breaks:
            gap = 0
        return rect.adjusted(0, 0, 0, self.band + gap)

    def _spread(self, layout: QTextLayout) -> bool:
        """Put ``band`` pixels under each line; True if a line moved (a fresh layout)."""
        moved = False
        y = 0.0
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if abs(line.y() - y) > 0.01:
                line.setPosition(QPointF(line.x(), y))
                moved = True
            y += line.height() + self.band
        return moved


def _align_right(layout: QTextLayout) -> None:
    """Right-align a right-to-left paragraph. Alignment is applied when lines are drawn and
    hit-tested, so setting it on a laid-out block needs no new layout (Qt resets the option
    whenever it lays the block out again, and the next call sets it back)."""
    option = layout.textOption()
    if option.alignment() & Qt.AlignmentFlag.AlignRight:
        return
    option.setAlignment(Qt.AlignmentFlag.AlignRight)
    layout.setTextOption(option)


class DocumentView(QPlainTextEdit):
    """Read-only article text; keyboard and mouse selection; label hotkeys.

    The widget emits intents; the main window turns them into commands.
    """

    sig_label_key = Signal(str, object)
    """A label hotkey was pressed: the key text, and the selection in code points
    ``(start, end)`` or None (then the key means the selected span, if any)."""
    sig_delete_requested = Signal()
    """Delete or Backspace was pressed."""
    sig_span_step = Signal(int)
    """Tab (+1) or Shift+Tab (-1): move to the next or previous span."""
    sig_span_clicked = Signal(str)
    """A click without a drag landed on a span (carries its uuid; the innermost one)."""
    sig_selection_made = Signal()
    """The user selected text; any selected span is dropped."""
    sig_suggestion_accepted = Signal(str)
    """Enter (carries "") or a label key (carries the key) with a suggestion selected."""
    sig_suggestion_rejected = Signal()
    """Backspace or Delete with a suggestion selected."""
    sig_suggestion_clicked = Signal(int)
    """A click without a drag on a suggestion and no span: its index in ``suggestions``."""
    sig_boundary_dragged = Signal(str, str, int)
    """A handle of the selected span was dragged: its uuid, the edge ("start" or "end") and
    the code point where the handle was let go."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("documentView")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setMouseTracking(True)
        self.setAcceptDrops(False)  # read-only: nothing is dropped in, nor dragged out (mousePressEvent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setCenterOnScroll(False)
        self.reading_layout: ReadingLayout | None = None
        self._blends: dict[tuple[str, ...], QTextCharFormat] = {}  # every highlighter's (SpanHighlighter)
        self.highlighter = SpanHighlighter(self.document(), self._blends)
        self._use_lanes(0)
        self.text = ""
        self.offsets = OffsetMap("")
        self.hotkeys: set[str] = set()
        self.lanes: dict[str, int] = {}
        self.current_span: str | None = None
        self._press_position: QPoint | None = None
        self._drag: tuple[str, str, int] | None = None  # uuid, edge, UTF-16 position dragged to
        self._hits: list[tuple[int, int]] = []
        self._hit_selections: list[QTextEdit.ExtraSelection] = []
        self.suggestions: list[ShownSuggestion] = []  # by start
        self.current_suggestion: int | None = None
        self._pens: dict[tuple[str, int | None], QPen] = {}  # underline pens by colour and lane
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(0)
        self._pending_timer.timeout.connect(self._format_pending)

    def _use_lanes(self, band: int, *, fresh: bool = False) -> None:
        """Lay the text out with ``band`` pixels under every line (review) or none (labelling).

        Lines are moved apart only in review mode (moving them is the costly part of
        ``ReadingLayout``), and moved lines stay moved, so switching means a new document: a
        QPlainTextEdit wires itself to its document's layout in ``setDocument``. ``fresh``: a new
        document in any case (a new article: tearing down the last one's text and layout, for a
        long article tens of milliseconds, then happens after the new one is painted).
        """
        if not fresh and self.reading_layout is not None and (band > 0) == (self.reading_layout.band > 0):
            self.reading_layout.band = band
            return
        document = QTextDocument(self)
        self.reading_layout = ReadingLayout(document)
        self.reading_layout.band = band
        self.reading_layout.paragraph_gap = self.fontMetrics().lineSpacing() * PARAGRAPH_GAP_LINES // 100
        document.setDocumentLayout(self.reading_layout)
        index = self.highlighter.index
        # Extra selections hold cursors into the old document: drop them before it goes.
        self.setExtraSelections([])
        self._hits, self._hit_selections = [], []
        self.highlighter.setDocument(None)
        old = self.document()
        ours = old.parent() is self
        self.setDocument(document)
        if ours and isValid(old):  # goes with its layout and highlighter, unless Qt deleted it
            old.deleteLater()
        self.highlighter = SpanHighlighter(document, self._blends)
        self.highlighter.index = index

    # -- content -------------------------------------------------------------------------

    def set_article(self, text: str, spans: Iterable[Annotation], colors: dict[str, str],
                    lanes: dict[str, int] | None = None) -> None:
        """Show an article with its spans; returns with the text highlighted.

        ``lanes`` (review mode) maps other annotators to a line style: their spans are drawn
        as lines under the text, one lane each, instead of backgrounds.
        """
        self.lanes = dict(lanes or {})
        self._use_lanes(lane_band(len(self.lanes)), fresh=True)  # before the text: laid out once
        self.text = text
        self.offsets = OffsetMap(text)
        self.current_span = None
        self.suggestions, self.current_suggestion = [], None  # the window sets the new article's
        shown, soft_breaks = soft_split(text)
        self.highlighter.index = SpanIndex(shown, self._shown(spans, colors), self.offsets)
        assert self.reading_layout is not None
        self.reading_layout.soft_breaks = {
            bisect_right(self.highlighter.index.block_starts16, self.offsets.to_utf16(position)) - 1
            for position in soft_breaks
        }
        # The index is in place before the text arrives, so the text is highlighted once; only
        # what can show at first right now, the rest before it is painted or in idle time.
        self.highlighter.pending = set()
        self.highlighter.eager_until = self._first_screen_length()
        try:
            self.setPlainText(shown)
        finally:
            self.highlighter.eager_until = None
        self._pending_timer.start()
        self._hits, self._hit_selections = [], []
        self.setExtraSelections([])

    def set_spans(self, spans: Iterable[Annotation], colors: dict[str, str]) -> None:
        """Replace the spans and re-highlight only the blocks whose spans changed."""
        old = self.highlighter.index
        new = SpanIndex(self.text, self._shown(spans, colors), self.offsets)
        new.finish()  # layers are compared below
        if old is not None:
            old.finish()
        self.highlighter.index = new
        changed_blocks: set[int] = set()
        if old is not None:
            for uuid in set(old.by_uuid) | set(new.by_uuid):
                before, after = old.by_uuid.get(uuid), new.by_uuid.get(uuid)
                if before and after and (before.start16, before.end16, before.color, before.layer) == (
                    after.start16, after.end16, after.color, after.layer
                ):
                    continue
                for shown in (before, after):
                    if shown is not None:
                        changed_blocks.update(old.blocks_of(shown))
        self._rehighlight(changed_blocks)

    def update_spans(self, changed: Iterable[Annotation], removed: Iterable[str], colors: dict[str, str]) -> None:
        """Apply a few span edits without rebuilding the index (the keypress path: a 20,000-span
        article must not be re-read for one new span)."""
        index = self.highlighter.index
        if index is None:
            return
        blocks: set[int] = set()
        for uuid in removed:
            blocks.update(index.remove(uuid))
        for span in self._shown(changed, colors):
            blocks.update(index.remove(span.uuid))
            blocks.update(index.add(span))
        self._rehighlight(blocks)

    def _rehighlight(self, blocks: set[int]) -> None:
        """Re-format just these blocks; drop the current span if it is gone."""
        document = self.document()
        for number in sorted(blocks):
            block = document.findBlockByNumber(number)
            if block.isValid():
                self.highlighter.rehighlightBlock(block)
        index = self.highlighter.index
        if self.current_span and (index is None or self.current_span not in index.by_uuid):
            self.current_span = None
        self._show_current_span()
        self.viewport().update()

    def _shown(self, spans: Iterable[Annotation], colors: dict[str, str]) -> list[ShownSpan]:
        # Built with map over lists (C-level loops): an article can bring 20,000 spans.
        spans = list(spans)
        qcolors = {name: QColor(color) for name, color in colors.items()}
        fallback, fallback_name = QColor("#999999"), "#999999"
        labels = list(map(_label_of, spans))
        starts16 = self.offsets.many_to_utf16(list(map(_start_of, spans)))
        ends16 = self.offsets.many_to_utf16(list(map(_end_of, spans)))
        shown_colors = [qcolors.get(label, fallback) for label in labels]
        names = [colors.get(label, fallback_name) for label in labels]
        lanes = self.lanes
        lane_of = [lanes.get(span.annotator or "") for span in spans] if lanes else repeat(None)
        return list(map(ShownSpan, spans, starts16, ends16, shown_colors, repeat(0), names, lane_of))

    def toPlainText(self) -> str:
        """The article text exactly as stored. QTextDocument's own version turns no-break
        spaces into spaces and U+2028/U+2029 into line breaks (and shows soft breaks as
        paragraph ends); positions are unaffected."""
        return self.text

    def copy(self) -> None:  # what Ctrl+C and the context menu's Copy do
        """Copy the selected stretch of the stored text (not Qt's version of it, see
        ``toPlainText``). Not by overriding ``createMimeDataFromSelection``: a QMimeData made
        in Python and handed to the clipboard is deleted twice at exit."""
        selection = self.selection_codepoints()
        if selection is not None and selection[0] < selection[1]:
            QGuiApplication.clipboard().setText(self.text[selection[0]:selection[1]])

    def contextMenuEvent(self, event) -> None:
        menu = self.createStandardContextMenu(event.pos())
        for action in menu.actions():
            if action.objectName() == "edit-copy":
                action.triggered.disconnect()
                action.triggered.connect(lambda _checked=False: self.copy())
        menu.exec(event.globalPos())
        menu.deleteLater()

    @property
    def spans(self) -> list[Annotation]:
        index = self.highlighter.index
        return [s.annotation for s in index.by_uuid.values()] if index else []

    def span(self, uuid: str) -> Annotation | None:
        index = self.highlighter.index
        shown = index.by_uuid.get(uuid) if index else None
        return shown.annotation if shown else None

    @property
    def span_count(self) -> int:
        index = self.highlighter.index
        return len(index.by_uuid) if index else 0

    # -- selection in code points --------------------------------------------------------

    def selection_codepoints(self) -> tuple[int, int] | None:
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self.offsets.span_to_codepoint(cursor.selectionStart(), cursor.selectionEnd())

    def select_codepoints(self, start: int, end: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self.offsets.to_utf16(start))
        cursor.setPosition(self.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def select_span(self, uuid: str | None) -> None:
        """Make a span the current one: outlined, scrolled into view, text selection dropped."""
        self.current_span = uuid
        index = self.highlighter.index
        if uuid and index and uuid in index.by_uuid:
            cursor = self.textCursor()
            cursor.setPosition(index.by_uuid[uuid].start16)
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        self._show_current_span()

    def _show_current_span(self) -> None:
        index = self.highlighter.index
        if not self.current_span or index is None or self.current_span not in index.by_uuid:
            self.setExtraSelections(self._hit_selections)
            return
        shown = index.by_uuid[self.current_span]
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(shown.start16)
        cursor.setPosition(shown.end16, QTextCursor.MoveMode.KeepAnchor)
        # One ExtraSelection (not thousands); also keeps PySide6's ExtraSelection.cursor
        # setter exercised, which 6.12.0 broke on CPython 3.11.
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(shown.color.darker(115))
        fmt.setFontUnderline(True)
        fmt.setUnderlineColor(QColor("#000000"))
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        selection.format = fmt
        self.setExtraSelections([*self._hit_selections, selection])  # drawn in order: hits under it

    def spans_at(self, position16: int) -> list[Annotation]:
        index = self.highlighter.index
        return [s.annotation for s in index.at(position16)] if index else []

    # -- search hits (code points) ---------------------------------------------------------

    @property
    def hits(self) -> list[tuple[int, int]]:
        """The search hits in the shown text, ``(start, end)`` code points in text order."""
        return list(self._hits)

    # -- suggestions -----------------------------------------------------------------------

    def set_suggestions(self, suggestions: Iterable[tuple[int, int, str, str]], *,
                        select_from: int | None = None) -> None:
        """Show suggestions: ``(start, end, colour, tooltip)``, code points, by start (kept in
        the order given: indexes into ``suggestions`` are the caller's). With ``select_from``
        (a code point) the first suggestion starting there or later is selected (the next one
        after an accept or reject), else none is."""
        items = list(suggestions)
        starts16 = self.offsets.many_to_utf16([item[0] for item in items])
        ends16 = self.offsets.many_to_utf16([item[1] for item in items])
        colors = {color: QColor(color) for _, _, color, _ in items}
        self.suggestions = [ShownSuggestion(start, end, start16, end16, colors[color], tip)
                            for (start, end, color, tip), start16, end16 in zip(items, starts16, ends16, strict=True)]
        self.current_suggestion = None
        if select_from is not None:
            following = next((i for i, shown in enumerate(self.suggestions) if shown.start >= select_from), None)
            if following is not None:
                self.select_suggestion(following)
        self.viewport().update()

    def select_suggestion(self, index: int | None) -> None:
        """Make a suggestion the selected one (outlined boldly, scrolled into view); the text
        selection and the selected span are dropped."""
        if index is not None and not 0 <= index < len(self.suggestions):
            index = None
        self.current_suggestion = index
        if index is not None:
            self.current_span = None
            self._show_current_span()
            cursor = self.textCursor()
            cursor.setPosition(self.suggestions[index].start16)
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        self.viewport().update()

    def suggestion_after_cursor(self, step: int) -> int | None:
        """The suggestion after the selected one (or the cursor) for ``step`` 1, before it for
        -1; None when there is none that way."""
        if not self.suggestions:
            return None
        if self.current_suggestion is not None:
            following = self.current_suggestion + step
            return following if 0 <= following < len(self.suggestions) else None
        position = self.offsets.to_codepoint(self.textCursor().position())
        starts = [shown.start for shown in self.suggestions]
        if step > 0:
            following = bisect.bisect_left(starts, position)
            return following if following < len(starts) else None
        previous = bisect.bisect_left(starts, position) - 1
        return previous if previous >= 0 else None

    def suggestion_at(self, position16: int) -> int | None:
        """The innermost (shortest) suggestion covering a UTF-16 position, or None."""
        covering = [(shown.end16 - shown.start16, i) for i, shown in enumerate(self.suggestions)
                    if shown.start16 <= position16 < shown.end16]
        return min(covering)[1] if covering else None

    def set_hits(self, hits: Iterable[tuple[int, int]]) -> None:
        """Mark search hits (code points, half-open); an empty list removes the marks."""
        size = len(self.text)
        self._hits = sorted((start, end) for start, end in hits if 0 <= start < end <= size)
        fmt = QTextCharFormat()
        fmt.setBackground(HIT_COLOR)
        self._hit_selections = []
        for start, end in self._hits[:MAX_MARKED_HITS]:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(self.offsets.to_utf16(start))
            cursor.setPosition(self.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = fmt
            self._hit_selections.append(selection)
        self._show_current_span()

    def hit_after_cursor(self, step: int) -> int | None:
        """Index in ``hits`` of the first hit after the selection, the selected span or the
        cursor (``step`` +1), or of the last one before it (-1); None past the last (first) hit."""
        cursor = self.textCursor()
        start16, end16 = cursor.selectionStart(), cursor.selectionEnd()
        index = self.highlighter.index
        if not cursor.hasSelection() and self.current_span and index and self.current_span in index.by_uuid:
            shown = index.by_uuid[self.current_span]  # e.g. the hit just labelled
            start16, end16 = shown.start16, shown.end16
        start, end = self.offsets.span_to_codepoint(start16, end16)
        if step > 0:
            return next((i for i, hit in enumerate(self._hits) if hit[0] >= end), None)
        return next((i for i in reversed(range(len(self._hits))) if self._hits[i][0] < start), None)

    def select_hit(self, index: int) -> None:
        """Select hit ``index`` as text (a label key then labels it) and scroll to it."""
        start, end = self._hits[index]
        self.current_span = None
        self.select_codepoints(start, end)
        self.ensureCursorVisible()
        self._show_current_span()
        self.sig_selection_made.emit()

    # -- input ----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not (
                key_event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                back = key_event.key() == Qt.Key.Key_Backtab or bool(
                    key_event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                )
                self.sig_span_step.emit(-1 if back else 1)
                return True
        if event.type() == QEvent.Type.ShortcutOverride:
            key_event = event  # type: ignore[assignment]
            # Let the window's undo/redo actions have these keys instead of the text control.
            if key_event.matches(QKeySequence.StandardKey.Undo) or key_event.matches(
                QKeySequence.StandardKey.Redo
            ) or key_event.matches(QKeySequence.StandardKey.Delete) or self._is_boundary_key(key_event):
                event.ignore()
                return False
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    @staticmethod
    def _is_boundary_key(event: QKeyEvent) -> bool:
        """Alt+Shift or Ctrl+Alt with an arrow: the window's span-boundary actions, which the
        text control would otherwise take for its own (Alt+Shift+Left selects a word on macOS)."""
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        alt = Qt.KeyboardModifier.AltModifier
        return event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down) and modifiers in (
            alt | Qt.KeyboardModifier.ShiftModifier, alt | Qt.KeyboardModifier.ControlModifier)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if self.current_suggestion is not None and plain and not self.textCursor().hasSelection():
            # A selected suggestion takes Enter, its label keys and Backspace (no span is selected).
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.sig_suggestion_accepted.emit("")
                return
            if event.text() and event.text() in self.hotkeys:
                self.sig_suggestion_accepted.emit(event.text())
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.sig_suggestion_rejected.emit()
                return
        if plain and event.text() and event.text() in self.hotkeys:
            self.sig_label_key.emit(event.text(), self.selection_codepoints())
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and plain:
            self.sig_delete_requested.emit()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.select_suggestion(None)
            self.select_span(None)
            cursor = self.textCursor()
            cursor.clearSelection()
            self.setTextCursor(cursor)
            return
        super().keyPressEvent(event)
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self.textCursor().hasSelection():
            self.current_suggestion = None
            self.current_span = None
            self._show_current_span()
            self.sig_selection_made.emit()

    def handles(self) -> list[tuple[str, int]]:
        """``(edge, UTF-16 position)`` of the selected span's handles (the dragged one where it
        is being dragged to); none unless a span of the edit layer is selected."""
        index = self.highlighter.index
        shown = index.by_uuid.get(self.current_span) if index and self.current_span else None
        if shown is None or shown.lane is not None:
            return []
        span = shown.annotation
        result = [("start", self.offsets.to_utf16(span.start)), ("end", self.offsets.to_utf16(span.end))]
        if self._drag is not None and self._drag[0] == self.current_span:
            result = [(edge, self._drag[2] if edge == self._drag[1] else at) for edge, at in result]
        return result

    def _handle_rect(self, position16: int) -> QRect:
        cursor = QTextCursor(self.document())
        cursor.setPosition(position16)
        return self.cursorRect(cursor)

    def handle_at(self, point: QPoint) -> str | None:
        """The edge of the selected span whose handle is at ``point`` (viewport pixels), if any."""
        near = []
        for edge, position16 in self.handles():
            rect = self._handle_rect(position16)
            distance = abs(point.x() - rect.center().x())
            reach_y = 2 * HANDLE_KNOB
            if distance <= HANDLE_REACH and rect.top() - reach_y <= point.y() <= rect.bottom() + reach_y:
                near.append((distance, edge))
        return min(near)[1] if near else None

    def mousePressEvent(self, event) -> None:
        self._press_position = event.position().toPoint()
        edge = self.handle_at(self._press_position) if event.button() == Qt.MouseButton.LeftButton else None
        if edge is not None and self.current_span:
            position16 = dict(self.handles())[edge]
            self._drag = (self.current_span, edge, position16)
            event.accept()
            return
        if (event.button() == Qt.MouseButton.LeftButton
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                and self.textCursor().hasSelection()):
            # QPlainTextEdit has no setDragEnabled: a press inside the selection would start
            # dragging the text away. Dropping the selection first makes it a new selection.
            cursor = self.cursorForPosition(self._press_position)
            self.setTextCursor(cursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            super().mouseMoveEvent(event)
            return
        uuid, edge, _ = self._drag
        position16 = self.cursorForPosition(event.position().toPoint()).position()
        self._drag = (uuid, edge, position16)
        fixed = dict(self.handles())["end" if edge == "start" else "start"]
        cursor = QTextCursor(self.document())  # the prospective extent, as a temporary selection
        cursor.setPosition(fixed)
        cursor.setPosition(position16, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.viewport().update()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is not None:
            uuid, edge, _ = self._drag
            self._drag = None
            position16 = self.cursorForPosition(event.position().toPoint()).position()
            cursor = self.textCursor()
            cursor.clearSelection()
            self.setTextCursor(cursor)
            self.viewport().update()
            event.accept()
            self.sig_boundary_dragged.emit(uuid, edge, self.offsets.to_codepoint(position16))
            return
        super().mouseReleaseEvent(event)
        if self.textCursor().hasSelection():
            self.current_suggestion = None
            self.current_span = None
            self._show_current_span()
            self.sig_selection_made.emit()
            return
        position = self.cursorForPosition(event.position().toPoint()).position()
        spans = self.spans_at(position)
        suggestion = None if spans else self.suggestion_at(position)
        if suggestion is not None:
            self.select_suggestion(suggestion)
            self.sig_suggestion_clicked.emit(suggestion)
            return
        if self.current_suggestion is not None:
            self.select_suggestion(None)
        self.sig_span_clicked.emit(spans[0].uuid if spans else "")

    def _show_tooltip(self, event) -> None:
        # The scroll area hands the viewport's tooltip event on in its own coordinates.
        position = self.cursorForPosition(self.viewport().mapFrom(self, event.pos())).position()
        spans = self.spans_at(position)
        suggestion = self.suggestion_at(position)
        parts = [self.tooltip_text(spans)] if spans else []
        if suggestion is not None:
            parts.append(self.suggestions[suggestion].tip)
        if not parts:
            QToolTip.hideText()
            return
        QToolTip.showText(event.globalPos(), plain_tooltip("\n".join(parts)), self)

    def tooltip_text(self, spans: list[Annotation]) -> str:
        """What hovering over ``spans`` tells, as plain text (labels, attributes, notes are user data)."""
        lines = []
        for span in spans:
            owner = f"{span.annotator or ''}: " if (span.annotator or "") in self.lanes else ""
            line = f"{owner}{span.label}"
            if span.attributes:
                line += " — " + ", ".join(f"{k}: {v}" for k, v in sorted(span.attributes.items()))
            if span.note:
                line += f"\n{span.note}"
            lines.append(line)
        return "\n".join(lines)

    # -- formatting what was left for later -------------------------------------------------

    def _first_screen_length(self) -> int:
        """UTF-16 units that could show on the first screen, with room to spare: every line
        half as full again as average text. Blocks starting later are formatted after the
        first paint (and before it, should one of them show after all: ``paintEvent``)."""
        metrics = self.fontMetrics()
        lines = self.viewport().height() // max(metrics.lineSpacing(), 1) + 2
        per_line = self.viewport().width() * 3 // max(2 * metrics.averageCharWidth(), 1) + 1
        return lines * per_line

    def _format_blocks(self, numbers: Iterable[int]) -> None:
        document = self.document()
        for number in numbers:
            block = document.findBlockByNumber(number)
            if block.isValid():
                self.highlighter.rehighlightBlock(block)
            self.highlighter.pending.discard(number)

    def _format_pending(self) -> None:
        """Format blocks left for later, nearest to the shown ones first, a few milliseconds at
        a time so that keys and scrolling are served in between."""
        pending = self.highlighter.pending
        if not pending:
            return
        first = self.firstVisibleBlock().blockNumber()
        deadline = time.perf_counter() + PENDING_SLICE_SECONDS
        for number in sorted(pending, key=lambda n: abs(n - first)):
            self._format_blocks([number])
            if time.perf_counter() > deadline:
                break
        index = self.highlighter.index
        if not pending and index is not None and not index.complete:
            index.advance(PENDING_SLICE_SPANS)  # spans in no pending block (e.g. lanes' only)
        if pending or (index is not None and not index.complete):
            self._pending_timer.start()

    def finish_formatting(self) -> None:
        """Format every block left for later now (tests, screenshots)."""
        self._format_blocks(sorted(self.highlighter.pending))
        if self.highlighter.index is not None:
            self.highlighter.index.finish()

    # -- painting ------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        self._limit_line_width()
        super().resizeEvent(event)

    def _limit_line_width(self) -> None:
        """Keep lines to about ``MAX_LINE_CHARACTERS``: on a wide window the text becomes a
        centred column (the margins are the scroll area's, so positions inside stay exact)."""
        width = self.contentsRect().width()
        scrollbar = self.verticalScrollBar()
        if scrollbar.isVisible():
            width -= scrollbar.width()
        column = self.fontMetrics().averageCharWidth() * MAX_LINE_CHARACTERS
        side = max(width - column, 0) // 2
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    def paintEvent(self, event) -> None:
        visible = self._visible_blocks()
        pending = self.highlighter.pending
        if pending:  # never paint a span unformatted
            self._format_blocks([block.blockNumber() for block, _ in visible if block.blockNumber() in pending])
        index = self.highlighter.index
        has_spans = index is not None and bool(index.by_uuid)
        if not has_spans and not self.suggestions:
            super().paintEvent(event)
            return
        # Qt drops a block's shaped glyphs once it has drawn it, and the underlines and outlines
        # below need them again (cursorToX): kept through this paint, then dropped.
        kept = [block.layout() for block, _ in visible]
        for layout in kept:
            layout.setCacheEnabled(True)
        try:
            super().paintEvent(event)
            painter = QPainter(self.viewport())
            bottom = self.viewport().rect().bottom()
            if index is not None and has_spans:
                for block, top in visible:
                    if block.isVisible() and index.spans_in_block(block.blockNumber()):
                        lines = self._visible_lines(block, top, bottom)
                        if lines:
                            self._paint_underlines(painter, block, index, lines, top)
            self._paint_suggestions(painter)
            self._paint_handles(painter)
            painter.end()
        finally:
            _drop_glyphs(kept)

    def _paint_suggestions(self, painter: QPainter) -> None:
        """A dashed outline around each suggestion on the screen (bolder for the selected one):
        never a background, which only annotations have."""
        if not self.suggestions:
            return
        first = self.firstVisibleBlock()
        if not first.isValid():
            return
        offset = self.contentOffset()
        bottom = self.viewport().rect().bottom()
        shown_from = first.position()
        document = self.document()
        for i in range(len(self.suggestions)):
            shown = self.suggestions[i]
            if shown.end16 <= shown_from:
                continue
            block = document.findBlock(shown.start16)
            top = self.blockBoundingGeometry(block).translated(offset).top()
            if top > bottom:
                break
            pen = QPen(shown.color.darker(160))
            pen.setWidth(2 if i == self.current_suggestion else 1)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for x1, x2, y1, y2 in self._suggestion_rects(shown, block, top, bottom):
                painter.drawRect(QRectF(x1 - 1, y1, x2 - x1 + 2, y2 - y1))

    def _suggestion_rects(self, shown: ShownSuggestion, block, top: float, bottom: float):
        """``(x1, x2, y1, y2)`` in viewport pixels of each text line a suggestion covers, from
        the block it starts in down to the bottom of the screen."""
        rects = []
        offset = self.contentOffset()
        while block.isValid() and block.position() < shown.end16 and top <= bottom:
            layout = block.layout()
            block_start = block.position()
            left = max(shown.start16 - block_start, 0)
            right = min(shown.end16 - block_start, block.length() - 1)
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                line_start, line_end = line.textStart(), line.textStart() + line.textLength()
                if right <= line_start or left >= line_end or (right == left):
                    continue
                x1 = line.cursorToX(max(left, line_start))[0]
                x2 = line.cursorToX(min(right, line_end))[0]
                y = top + line.y()
                rects.append((min(x1, x2), max(x1, x2), y + 1, y + line.height() - 1))
            block = block.next()
            if block.isValid():
                top = self.blockBoundingGeometry(block).translated(offset).top()
        return rects

    def _paint_handles(self, painter: QPainter) -> None:
        """A bar in the text colour at each end of the selected span, the start's knob on top
        and the end's below, to drag with the mouse."""
        color = self.palette().color(QPalette.ColorRole.Text)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for edge, position16 in self.handles():
            rect = self._handle_rect(position16)
            x = rect.center().x()
            painter.fillRect(QRectF(x - 1, rect.top(), 3, rect.height()), color)
            knob_y = rect.top() if edge == "start" else rect.bottom()
            painter.drawEllipse(QPointF(x + 0.5, knob_y), HANDLE_KNOB, HANDLE_KNOB)

    def _visible_blocks(self) -> list[tuple[QTextBlock, float]]:
        """The blocks on the screen with their tops in viewport pixels (one pass; formatting
        a block changes its colours, never its lines' positions)."""
        visible = []
        block = self.firstVisibleBlock()
        bottom = self.viewport().rect().bottom()
        offset = self.contentOffset()
        while block.isValid():
            top = self.blockBoundingGeometry(block).translated(offset).top()
            if top > bottom:
                break
            visible.append((block, top))
            block = block.next()
        return visible

    @staticmethod
    def _visible_lines(block, top: float, bottom: float) -> range:
        """The lines of ``block`` (at ``top`` in the viewport) that show above ``bottom``, found
        by bisection: a paragraph can have thousands of lines."""
        layout = block.layout()
        count = layout.lineCount()
        first = bisect.bisect_left(range(count), 0.0, key=lambda i: top + layout.lineAt(i).rect().bottom())
        last = bisect.bisect_right(range(count), bottom, key=lambda i: top + layout.lineAt(i).y())
        return range(first, last)

    def _paint_underlines(self, painter: QPainter, block, index: SpanIndex, lines: range, top: float) -> None:
        """One line per span under its text, nested spans lower down, so every layer shows;
        another annotator's span (review) is a line in its lane, in the band under the line.
        Only the spans on the visible ``lines`` are looked at.

        The same geometry as ``_underline_segments`` (which tests and ``lane_geometry`` use),
        worked out once per visible line instead of once per span: this runs on every paint.
        """
        layout = block.layout()
        block_start = block.position()
        visible = []  # per visible line: its first and last position, the line, its two baselines
        for i in lines:
            line = layout.lineAt(i)
            line_top = top + line.y()
            first = line.textStart()
            visible.append((first, first + line.textLength(), line, line_top + line.ascent() + 2,
                            line_top + line.height()))
        start, end = block_start + visible[0][0], block_start + visible[-1][1] + 1
        right_edge = block.length() - 1
        starts = [first for first, *_ in visible]
        pens = self._pens
        for span in index.in_range(block.blockNumber(), start, end):
            lane = span.lane
            if lane is None and span.layer == 0 and not span.crossed:
                continue  # a span alone is clear from its background
            key = (span.color_name, lane)
            pen = pens.get(key)
            if pen is None:
                pen = pens[key] = _underline_pen(span)
            painter.setPen(pen)
            left = max(span.start16 - block_start, 0)
            right = min(span.end16 - block_start, right_edge)
            for first, last, line, baseline, line_bottom in visible[max(bisect_right(starts, left) - 1, 0):]:
                if first >= right:
                    break
                if last <= left:
                    continue
                x1 = int(line.cursorToX(max(left, first))[0])
                x2 = int(line.cursorToX(min(right, last))[0])
                y = int(baseline + LAYER_GAP * span.layer if lane is None else lane_y(line_bottom, lane))
                painter.drawLine(x1, y, x2, y)

    @staticmethod
    def _underline_segments(block, span: ShownSpan, top: float, lines: range | None = None,
                            line_starts: list[int] | None = None) -> list[tuple[int, float, float, float]]:
        """``(line number, x1, x2, y)`` of a span's underline on each line of ``block`` it covers
        (of ``lines`` only, if given; ``line_starts``: the lines' first positions, if known)."""
        layout = block.layout()
        block_start = block.position()
        left = max(span.start16 - block_start, 0)
        right = min(span.end16 - block_start, block.length() - 1)
        if lines is None:
            lines = range(layout.lineCount())
        if line_starts is None:
            line_starts = _line_starts(layout)
        # Bisection on the lines' starts: QTextLayout.lineForTextPosition walks every line.
        first = max(lines.start, bisect_right(line_starts, left) - 1)
        last = min(lines.stop - 1, bisect_right(line_starts, right) - 1)
        segments = []
        for i in range(first, last + 1):
            line = layout.lineAt(i)
            line_start, line_end = line.textStart(), line.textStart() + line.textLength()
            if right <= line_start or left >= line_end:
                continue
            x1 = line.cursorToX(max(left, line_start))[0]
            x2 = line.cursorToX(min(right, line_end))[0]
            if span.lane is None:
                y = top + line.y() + line.ascent() + 2 + LAYER_GAP * span.layer
            else:  # below the descenders, inside the band ReadingLayout reserved
                y = lane_y(top + line.y() + line.height(), span.lane)
            segments.append((i, x1, x2, y))
        return segments

    def lane_geometry(self, uuid: str) -> list[tuple[float, float, float, float]]:
        """Where a span's underline is drawn, per text line it covers, in viewport pixels:
        ``(underline y, that line's top, its bottom, the next line's top)``."""
        index = self.highlighter.index
        shown = index.by_uuid.get(uuid) if index else None
        if shown is None or index is None:
            return []
        offset = self.contentOffset()
        result = []
        for number in index.blocks_of(shown):
            block = self.document().findBlockByNumber(number)
            top = self.blockBoundingGeometry(block).translated(offset).top()
            layout = block.layout()
            for i, _, _, y in self._underline_segments(block, shown, top):
                line = layout.lineAt(i)
                if i + 1 < layout.lineCount():
                    following = top + layout.lineAt(i + 1).y()
                else:  # the next block's first line (or the end of this block)
                    following = top + self.blockBoundingRect(block).height()
                result.append((y, top + line.y(), top + line.y() + line.height(), following))
        return result
