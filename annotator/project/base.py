"""What every part of ``Project`` shares: the open store, the text cache, progress and cancelling.

``Project`` is composed of mixins (``imports``, ``exports``, ``edits``, ``review``), each with
one kind of work over the project file; they all derive from ``ProjectBase``, which holds the
``Store`` and the few article texts kept for edits. A long operation reports its progress
through a ``Progress`` callback and stops with ``Cancelled`` when asked to; the methods one part
calls and another defines are declared here, so that each part type-checks on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from annotator.model.errors import AnnotatorError
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.io.exporting import ExportFilter
    from annotator.io.records import ArticleRecord
    from annotator.model.types import Codebook

Progress = Callable[[int, int], None]
"""Called with (done, total) units of work; for imports the units are bytes of input."""


class Cancelled(AnnotatorError):
    """The user cancelled a long operation; work already committed stays."""


class ProjectBase:
    """The state the parts of ``Project`` share: one store over one project file, and a text cache."""

    def __init__(self, store: Store):
        self._store = store
        # Article texts never change once stored; the last few are kept so that a keypress on
        # a 1,000,000-character article does not re-read it to check a span.
        self._texts: dict[int, str] = {}

    if TYPE_CHECKING:
        # Defined by one part of Project and used by another; declared here so that each part
        # type-checks on its own.

        @property
        def path(self) -> str | None: ...

        def close(self) -> None: ...

        def codebook(self) -> Codebook: ...

        def article_text(self, article_id: int) -> str: ...

        def records(self, filter: ExportFilter | None = None, *, raw: str | None = None,
                    **keywords: Any) -> Iterator[ArticleRecord]: ...
