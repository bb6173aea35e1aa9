"""What every exporter shares: the summary it returns and the offset unit it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.model.offsets import OffsetMap

OFFSET_UNITS = ("codepoint", "utf16")


@dataclass
class ExportSummary:
    articles: int = 0
    spans: int = 0
    offset_unit: str = "codepoint"
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def offsets_in(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of code-point spans into ``unit`` for one text."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        offsets = OffsetMap(text)
        return offsets.span_to_utf16
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")


def offsets_from(text: str, unit: str) -> Callable[[int, int], tuple[int, int]]:
    """A converter of spans in ``unit`` into code points (raises InvalidSpan mid-pair)."""
    if unit == "codepoint":
        return lambda start, end: (start, end)
    if unit == "utf16":
        offsets = OffsetMap(text)
        return offsets.span_to_codepoint
    raise ValueError(f"unknown offset unit {unit!r}; use one of {', '.join(OFFSET_UNITS)}")
