"""spaCy ``DocBin`` (needs the optional extra: ``pip install -e .[spacy]``).

One ``Doc`` per article and annotator, tokenized by ``spacy.blank("xx")`` (rule-based,
multilingual). Every span goes to ``doc.spans["sc"]``; the non-overlapping ones (longest first)
also to ``doc.ents``. Alignment policy: a span whose edges fall inside tokens is expanded to the
tokens it touches (``alignment_mode="expand"``), so it keeps all its text; a span covering only
white space cannot be a spaCy span and is left out (counted in a note). ``doc.user_data`` holds
the article id, external id, title and annotator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.io.exporting import ExportSummary
from annotator.io.records import ArticleRecord
from annotator.model.errors import AnnotatorError
from annotator.model.types import Annotation


def write(records: Iterable[ArticleRecord], output: Path, **_: object) -> ExportSummary:
    try:
        import spacy
        from spacy.tokens import DocBin
        from spacy.util import filter_spans
    except ImportError:
        raise AnnotatorError("the spaCy export needs spaCy: pip install -e '.[spacy]'") from None
    nlp = spacy.blank("xx")
    doc_bin = DocBin(store_user_data=True)
    with _registries_read_once():
        summary = _fill(records, nlp, doc_bin, filter_spans)
    doc_bin.to_disk(output)
    summary.files.append(str(output))
    return summary


@contextmanager
def _registries_read_once() -> Iterator[None]:
    """While inside: srsly's msgpack encoder and decoder registries answer from one reading.

    ``DocBin.add`` packs each doc's user data and span groups with srsly, whose packer reads
    its registries on every call, and each reading filters every entry point installed (with
    the test extras, over half of a spaCy export's time). Their contents do not change during
    an export; outside this block they are read as usual.
    """
    from srsly import msgpack  # type: ignore[import-untyped]  # spaCy's serialiser, untyped

    registries = (msgpack.msgpack_encoders, msgpack.msgpack_decoders)
    contents = [registry.get_all() for registry in registries]
    for registry, found in zip(registries, contents, strict=True):
        registry.get_all = lambda found=found: dict(found)
    try:
        yield
    finally:
        for registry in registries:
            del registry.get_all  # the class's method again


def _fill(records: Iterable[ArticleRecord], nlp: Any, doc_bin: Any, filter_spans: Any) -> ExportSummary:
    """Add one ``Doc`` per article and annotator to ``doc_bin``; the summary of what was added."""
    summary = ExportSummary(offset_unit="codepoint")
    expanded = lost = 0
    for record in records:
        by_annotator: dict[str, list[Annotation]] = {name: [] for name in record.done_by}
        for span in record.annotations:
            by_annotator.setdefault(span.annotator or "", []).append(span)
        summary.add_article(len(record.annotations), written=bool(by_annotator))
        for annotator, spans in by_annotator.items():
            doc = nlp.make_doc(record.article.text)
            built = []
            for span in spans:
                exact = doc.char_span(span.start, span.end, label=span.label)
                made = exact or doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
                if made is None:
                    lost += 1
                    continue
                expanded += exact is None
                built.append(made)
            doc.spans["sc"] = built
            doc.ents = filter_spans(built)
            doc.user_data.update({"article_id": record.article.id, "external_id": record.article.external_id,
                                  "title": record.article.title, "annotator": annotator})
            doc_bin.add(doc)
            summary.spans += len(built)
    summary.left_out = lost
    if expanded:
        summary.notes.append(f"{expanded} span(s) expanded to whole tokens")
    if lost:
        summary.notes.append(f"{lost} span(s) left out: they cover no token")
    return summary
