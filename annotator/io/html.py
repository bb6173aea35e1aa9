"""``.html`` / ``.htm`` pages: main text, title, date and URL via trafilatura.

Nothing is fetched: trafilatura gets the page's text, never a URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.io.encoding import declared_html_charset, decode_bytes
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError
from annotator.model.offsets import normalise_line_endings
from annotator.model.types import Article


def read(path: Path, fields: FieldMap, notes: list[str]) -> Iterator[ArticleRecord]:
    data = path.read_bytes()
    decoded = decode_bytes(data, declared=declared_html_charset(data))
    if decoded.detected:
        notes.append(f"{path.name}: encoding detected as {decoded.encoding}")
    yield ArticleRecord(article_from_html(decoded.text, fallback_title=path.stem))


def article_from_html(html: str, *, fallback_title: str) -> Article:
    """Extract the main text and metadata of one page.

    Raises:
        ImportFormatError: no main text could be found.
    """
    import trafilatura  # slow to import; only HTML imports pay for it
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        deduplicate=False,
    )
    # Without as_dict, a Document, or None when nothing could be extracted.
    if not isinstance(document, Document) or not document.text or not document.text.strip():
        raise ImportFormatError("no article text found in the page")
    text = document.text
    meta = {
        key: getattr(document, key)
        for key in ("author", "sitename", "description", "hostname", "categories", "tags")
        if getattr(document, key, None)
    }
    return Article(
        text=normalise_line_endings(text),
        title=(document.title or fallback_title).strip(),
        url=document.url or None,
        published=document.date or None,
        source=document.sitename or document.hostname or None,
        language=getattr(document, "language", None) or None,
        meta=meta,
    )
