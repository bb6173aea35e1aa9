"""Suggestions: spans the analyst may accept or reject, never annotations until accepted.

Detectors (quotations and speakers, codebook rules) read plain text and return ``Suggestion``
values; storing an accepted one as an annotation, and remembering a rejected one, is the
project's work (``annotator.project``). Qt-free, beside ``review/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    """A proposed span ``text[start:end]`` (code points, half-open) with its label.

    ``source`` names the detector and its version (``"quotes/1"``, ``"rule/1:Euphemism"``): an
    accepted suggestion keeps it, so a dataset can tell hand-made spans from accepted ones and
    a detector's later version from an earlier one.
    """

    start: int
    end: int
    label: str
    text: str
    source: str
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, str]:
        """What a rejection is remembered by (with the annotator and article)."""
        return (self.start, self.end, self.label)
