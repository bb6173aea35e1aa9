"""Cells a spreadsheet would run as a formula, neutralised (OWASP "CSV Injection").

Every CSV the app writes passes each text cell through ``neutralise``: a cell whose first
character is a tab or carriage return, or whose first non-blank character (after white space,
no-break spaces, line breaks, zero-width spaces) is ``=`` ``+`` ``-`` ``@`` or a fullwidth
``＝`` ``＋`` ``－`` ``＠``, gets a leading apostrophe, as OWASP advises. Numbers the app writes
as numbers (ids, offsets, agreement figures, negative ones too) are left alone: a spreadsheet
reads them as numbers, never as formulas; a *text* cell such as a title ``-3`` is neutralised.

Exactly reversible with ``restore``: a cell that starts with apostrophes followed by such a
start had one apostrophe added, so a text that itself starts with ``'=`` is written ``''=``.
"""

from __future__ import annotations

from collections.abc import Iterable

_TRIGGERS = frozenset("=+-@＝＋－＠")
_ALWAYS = ("\t", "\r")
# White space as str.strip() sees it (NBSP, line and paragraph separators ...; the last is
# U+3000) and the invisible characters a spreadsheet may skip over too.
_BLANK = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_CAREFUL = frozenset(_TRIGGERS | set(_BLANK) | {"'"})


def _dangerous(text: str) -> bool:
    return text.startswith(_ALWAYS) or text.lstrip(_BLANK)[:1] in _TRIGGERS


def neutralise(value: str) -> str:
    """``value`` with an apostrophe before it when a spreadsheet could read it as a formula
    (see the module docstring); every other value unchanged."""
    if value[:1] not in _CAREFUL:  # nearly every cell: one set lookup
        return value
    return "'" + value if _dangerous(value.lstrip("'")) else value


def restore(cell: str) -> str:
    """The text ``neutralise`` was given: one leading apostrophe fewer on a cell it changed."""
    if cell.startswith("'") and _dangerous(cell.lstrip("'")):
        return cell[1:]
    return cell


def safe_cell(value: object) -> object:
    """A text cell neutralised; numbers and empty cells as they are."""
    return neutralise(value) if isinstance(value, str) else value


def safe_row(cells: Iterable[object]) -> list[object]:
    """Every cell of a row through ``safe_cell``."""
    return [neutralise(c) if isinstance(c, str) else c for c in cells]
