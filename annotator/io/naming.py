"""Names that other formats can hold: brat type names, BIO tags, file names.

Every mapping is one-to-one within an export (a clash gets a numeric suffix), so an export can
carry the originals and an import can restore them.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_UNSAFE_UNICODE = re.compile(r"[^\w-]+")


def safe_name(name: str, taken: set[str], *, unicode_letters: bool = False) -> str:
    """A name of letters, digits, ``_`` and ``-`` starting with a letter, not in ``taken``
    (ASCII letters only unless ``unicode_letters``)."""
    base = (_UNSAFE_UNICODE if unicode_letters else _UNSAFE).sub("_", name).strip("_") or "label"
    if not base[0].isalpha():
        base = "L_" + base
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}_{number}"
        number += 1
    taken.add(candidate)
    return candidate


class NameMap:
    """Original name -> safe name, assigned in first-seen order."""

    def __init__(self, *, unicode_letters: bool = False) -> None:
        self.safe: dict[str, str] = {}
        self._taken: set[str] = set()
        self._unicode = unicode_letters

    def __call__(self, name: str) -> str:
        if name not in self.safe:
            self.safe[name] = safe_name(name, self._taken, unicode_letters=self._unicode)
        return self.safe[name]

    @property
    def original(self) -> dict[str, str]:
        return {safe: name for name, safe in self.safe.items()}


def file_stem(article_id: int, external_id: str | None) -> str:
    """A file name for an article: its own id made safe, prefixed with our id (unique)."""
    if external_id:
        return f"{article_id:06d}-{_UNSAFE.sub('_', external_id).strip('_')[:60]}"
    return f"{article_id:06d}"
