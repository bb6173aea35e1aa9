"""spaCy ``DocBin`` (needs the optional extra: ``pip install -e .[spacy]``).

One ``Doc`` per article and annotator, tokenized by ``spacy.blank("xx")`` (rule-based,
multilingual). Every span goes to ``doc.spans["sc"]``; the non-overlapping ones (longest first)
also to ``doc.ents``. Alignment policy: a span whose edges fall inside tokens is expanded to the
tokens it touches (``alignment_mode="expand"``), so it keeps all its text; a span covering only
white space cannot be a spaCy span and is left out (counted in a note). ``doc.user_data`` holds
the article id, external id, title and annotator.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

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
    doc_bin.to_disk(output)
    summary.left_out = lost
    if expanded:
        summary.notes.append(f"{expanded} span(s) expanded to whole tokens")
    if lost:
        summary.notes.append(f"{lost} span(s) left out: they cover no token")
    summary.files.append(str(output))
    return summary
