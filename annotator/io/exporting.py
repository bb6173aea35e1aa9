"""What every exporter shares: the filter it applies, the summary it returns and the offset
unit it writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from annotator.model.offsets import OffsetMap, Utf16Counter
from annotator.model.types import GOLD

OFFSET_UNITS = ("codepoint", "utf16")


@dataclass(frozen=True)
class ExportFilter:
    """Which spans an export holds; the preview count and the export read the same one.

    ``annotators``: ``None`` keeps everyone's work; a tuple keeps only those annotators' spans,
    doc labels and done marks, so ``()`` keeps nobody's (the articles are still written, with
    no spans). ``labels``: ``None`` keeps every label; a tuple keeps only spans and doc labels
    with those labels, so ``()`` keeps none. ``done_only``: only articles marked done by at
    least one kept annotator, with the work of the kept annotators who marked them done.
    ``gold``: add the gold layer (adjudicated spans) to ``annotators``; with ``annotators``
    ``None`` or ``()`` that is the gold layer alone. ``languages``: ``None`` keeps every
    article; a tuple of ISO 639-1 codes keeps only articles in those languages.

    ``ExportFilter()`` is everything. Build one from loose keywords with ``of``.
    """

    annotators: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None
    done_only: bool = False
    gold: bool = False
    languages: tuple[str, ...] | None = None

    @classmethod
    def of(cls, *, annotators: Iterable[str] | None = None, labels: Iterable[str] | None = None,
           done_only: bool = False, gold: bool = False, languages: Iterable[str] | None = None) -> ExportFilter:
        """The filter of these keywords, any iterables of names (``None`` = no restriction)."""
        return cls(annotators=None if annotators is None else tuple(annotators),
                   labels=None if labels is None else tuple(labels), done_only=done_only, gold=gold,
                   languages=None if languages is None else tuple(languages))

    def annotator_names(self) -> tuple[str, ...] | None:
        """The annotators whose work is kept, the gold layer included; ``None`` = everyone."""
        if self.gold:
            return (*(name for name in self.annotators or () if name != GOLD), GOLD)
        return self.annotators


def export_filter(given: ExportFilter | None, keywords: dict[str, Any]) -> ExportFilter:
    """``given``, or the filter of loose keywords (``annotators=[…]``, as the CLI passes them).

    Raises:
        TypeError: both, or a keyword that is no field of ``ExportFilter``.
    """
    if given is not None and keywords:
        raise TypeError(f"give an ExportFilter or keywords, not both (got {', '.join(keywords)})")
    return given if given is not None else ExportFilter.of(**keywords)


@dataclass
class ExportSummary:
    """What an export wrote, counted the way ``Project.count_export`` and the preview count.

    ``articles``: articles with at least one span the filter keeps, in every format (the
    second figure of ``count_export``). ``spans``: the kept spans the output holds;
    ``left_out``: kept spans the format cannot hold (CoNLL overlaps, spaCy spans over no token),
    so ``spans + left_out`` is the first figure of ``count_export``. ``written``: articles that
    appear in the output at all; formats that also write articles without spans (native JSONL
    and Label Studio every article the filter keeps, CoNLL, doccano and spaCy those with a kept
    done mark) make it larger than ``articles``.
    """

    articles: int = 0
    spans: int = 0
    offset_unit: str = "codepoint"
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    written: int = 0
    left_out: int = 0

    def add_article(self, spans: int, *, written: bool = True) -> None:
        """Count one article of the stream with ``spans`` kept spans; ``written``: it is in the
        output (with or without spans). The spans themselves are added to ``spans`` by the
        exporter, which knows how many of them it could hold."""
        self.articles += spans > 0
        self.written += written

    def describe(self, format: str) -> str:
        """One line for a status bar or a terminal: spans and articles as the preview counts
        them, then what differs (articles without spans, spans left out) and the files."""
        text = f"Exported {self.spans:,} spans in {self.articles:,} articles ({format})"
        extra = []
        if self.left_out:
            extra.append(f"{self.left_out:,} spans left out")
        if self.written > self.articles:
            extra.append(f"{self.written - self.articles:,} articles without spans written too")
        if extra:
            text += "; " + ", ".join(extra)
        return text + (f" to {', '.join(self.files)}" if self.files else "")


def offsets_in(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of code-point spans into ``unit`` for one text."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        to_utf16 = Utf16Counter(text)  # counts only what is asked: a few spans per text
        return lambda start, end: (to_utf16(start), to_utf16(end))
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")


def offsets_from(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of spans in ``unit`` into code points (raises InvalidSpan mid-pair)."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        offsets = OffsetMap(text)
        return offsets.span_to_codepoint
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")
