"""spaCy ``DocBin`` (needs the optional extra: ``pip install -e .[spacy]``).

One ``Doc`` per article and annotator, tokenized by ``spacy.blank("xx")`` (rule-based,
multilingual). Every span goes to ``doc.spans["sc"]``; the non-overlapping ones (longest first)
also to ``doc.ents``. Alignment policy: a span whose edges fall inside tokens is expanded to the
tokens it touches (``alignment_mode="expand"``), so it keeps all its text; a span covering only
white space cannot be a spaCy span and is left out (counted in a note). ``doc.user_data`` holds
the article id, external id, title and annotator.

The file is what ``DocBin(attrs=ATTRS, store_user_data=True)`` writes for those docs, written as
the docs come (``_DocBinFile``) rather than held until the end: memory stays flat however many
articles are exported. ``ATTRS`` are the token attributes a tokenizer-only pipeline with entities
sets; a reader gets the same ``Doc`` objects as from ``DocBin``'s default attributes, whose other
columns would only hold zeros (a test reads both back and compares every attribute).
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from annotator.io.exporting import END, LABEL, START, ExportSummary, layers, span_rows
from annotator.io.guards import MAX_ARTICLE_CHARS
from annotator.io.records import ArticleRecord
from annotator.model.errors import AnnotatorError

ATTRS = ("ORTH", "NORM", "ENT_IOB", "ENT_TYPE")
"""The token attributes the file stores: the text, its norm and the entities."""
_FRESH_VOCAB = 20_000  # articles tokenized by one pipeline (its vocabulary grows with every new word)


def write(records: Iterable[ArticleRecord], output: Path, **_: object) -> ExportSummary:
    try:
        import spacy
        from spacy.util import filter_spans
    except ImportError:
        raise AnnotatorError("the spaCy export needs spaCy: pip install -e '.[spacy]'") from None
    with _registries_read_once(), _DocBinFile(output) as doc_bin:
        summary = _fill(records, lambda: _blank(spacy), doc_bin, filter_spans)
    summary.files.append(str(output))
    return summary


def _blank(spacy: Any) -> Any:
    """``spacy.blank("xx")`` that takes any article the project can hold: spaCy refuses texts
    over ``max_length`` (1,000,000 characters), a guard for its parser's and tagger's memory;
    the tokenizer alone, all this export runs, needs none (a 32,000,000-character text: a few
    hundred MB, like the project's own check)."""
    nlp = spacy.blank("xx")
    nlp.max_length = MAX_ARTICLE_CHARS + 1
    return nlp


@contextmanager
def _registries_read_once() -> Iterator[None]:
    """While inside: srsly's msgpack encoder and decoder registries answer from one reading.

    Packing each doc's user data and span groups goes through srsly, whose packer reads its
    registries on every call, and each reading filters every entry point installed (with the
    test extras, over half of a spaCy export's time). Their contents do not change during an
    export; outside this block they are read as usual.
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


def _fill(records: Iterable[ArticleRecord], blank: Callable[[], Any], doc_bin: _DocBinFile,
          filter_spans: Any) -> ExportSummary:
    """Add one ``Doc`` per article and annotator to ``doc_bin``; the summary of what was added.
    An article is tokenized once, whatever the number of its annotators. The pipeline
    (``blank()``) is made afresh every ``_FRESH_VOCAB`` articles: its vocabulary keeps every
    word it has seen (the file needs only their strings, which ``doc_bin`` keeps, and hashes,
    which are the same in every vocabulary)."""
    summary = ExportSummary(offset_unit="token")  # spans are token ranges in the file, as in CoNLL
    expanded = lost = 0
    nlp = blank()
    for number, record in enumerate(records, start=1):
        if number % _FRESH_VOCAB == 0:
            nlp = blank()
        rows = span_rows(record)
        by_annotator = layers(record, rows)
        summary.add_article(len(rows), written=bool(by_annotator))
        if not by_annotator:
            continue
        article = record.article
        doc = nlp.make_doc(article.text)
        char_span = doc.char_span
        for annotator, spans in by_annotator.items():
            built = []
            for row in spans:
                start, end, label = row[START], row[END], row[LABEL]
                exact = char_span(start, end, label=label)
                made = exact or char_span(start, end, label=label, alignment_mode="expand")
                if made is None:
                    lost += 1
                    continue
                expanded += exact is None
                built.append(made)
            doc.spans["sc"] = built
            doc_bin.add(doc, filter_spans(built), {"article_id": article.id, "external_id": article.external_id,
                                                   "title": article.title, "annotator": annotator})
            summary.spans += len(built)
    summary.left_out = lost
    if expanded:
        summary.notes.append(f"{expanded} span(s) expanded to whole tokens")
    if lost:
        summary.notes.append(f"{lost} span(s) left out: they cover no token")
    return summary


class _DocBinFile:
    """A ``.spacy`` file written a doc at a time: what ``DocBin(attrs=ATTRS,
    store_user_data=True).to_disk(path)`` writes after ``add(doc)`` of each doc with its
    ``ents`` and ``user_data`` set, without holding the docs (a test compares the two).

    ``DocBin.to_bytes`` is ``zlib.compress(msgpack({"version", "attrs", "tokens", "spaces",
    "lengths", "strings", "cats", "flags", "span_groups", "user_data"}))``. Each doc's token rows
    are compressed as they come into a temporary file beside the output, and so are its spaces;
    the other per-doc values are packed into temporary files of their own. Closing writes the
    zlib stream: the msgpack heads (known only then: lengths, counts, the strings) compressed as
    pieces of their own, the compressed rows copied between them as they are (every piece ends
    on a byte boundary with a sync flush, and none refers back to another), then the checksum
    of the whole, combined from the pieces'.
    """

    def __init__(self, output: Path):
        import numpy
        import srsly
        from spacy.attrs import ENT_IOB, ENT_TYPE, NORM, ORTH, SPACY  # type: ignore[import-not-found]  # compiled
        from spacy.tokens import DocBin

        self._numpy = numpy
        self._pack = srsly.msgpack.Packer(use_bin_type=True).pack  # srsly.msgpack_dumps, one packer
        blank = DocBin(attrs=ATTRS, store_user_data=True)
        self.attrs: list[int] = [int(attr) for attr in blank.attrs]
        self.version: str = blank.version
        self._columns = [self.attrs.index(attr) for attr in (ORTH, NORM)]
        self._iob, self._type = self.attrs.index(ENT_IOB), self.attrs.index(ENT_TYPE)
        self._read = [ORTH, NORM]
        self._spacy = SPACY
        self.output = output
        self.count = 0
        self.strings: set[str] = set()
        self._known: set[int] = set()  # hashes whose strings are in ``strings`` already
        self._temporary = ExitStack()  # the temporary files, removed on closing
        self._tokens = _Deflated(self._spool())
        self._spaces = _Deflated(self._spool())
        self._lengths, self._cats, self._flags, self._groups, self._user_data = (self._spool() for _ in range(5))

    def _spool(self) -> IO[bytes]:
        return self._temporary.enter_context(tempfile.TemporaryFile(dir=self.output.parent, prefix=".spacy-export-"))

    def __enter__(self) -> _DocBinFile:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        with self._temporary:
            if kind is None:
                self._finish()

    def add(self, doc: Any, ents: list[Any], user_data: dict[str, Any]) -> None:
        """``DocBin.add(doc)`` after ``doc.ents = ents`` and ``doc.user_data.update(user_data)``
        (for a fresh tokenizer-only ``doc``, whose entity fields it leaves as they are)."""
        numpy, pack = self._numpy, self._pack
        length = len(doc)
        rows = numpy.zeros((length, len(self.attrs)), dtype=numpy.uint64)
        rows[:, self._columns] = doc.to_array(self._read).reshape((length, len(self._read)))
        if length:  # Doc.set_ents: outside every entity "O" (2), "B" (3) and "I" (1) inside
            rows[:, self._iob] = 2
            for ent in ents:
                if ent.label and ent.start < ent.end:
                    rows[ent.start, self._iob] = 3
                    rows[ent.start + 1:ent.end, self._iob] = 1
                    rows[ent.start:ent.end, self._type] = ent.label
        self._tokens.write(rows.tobytes("C"))
        self._spaces.write(numpy.asarray(doc.to_array(self._spacy), dtype=bool).tobytes("C"))
        self._lengths.write(numpy.asarray([length], dtype="int32").tobytes())
        self._cats.write(pack(doc.cats))
        self._flags.write(pack({"has_unknown_spaces": doc.has_unknown_spaces}))
        self._user_data.write(pack(pack(user_data)))
        self._groups.write(pack(doc.spans.to_bytes()))
        self.count += 1
        # The strings DocBin.add collects: each token's text, tag, lemma, norm, morph, dep, entity
        # type, knowledge base id and entity id (all but text, norm and entity type are "" here),
        # and each span's label (and ids when they are strings of the vocabulary).
        fresh = set(numpy.unique(rows[:, [*self._columns, self._type]]).tolist()) - self._known
        if fresh:
            names = doc.vocab.strings
            self.strings.update(names[key] for key in fresh)
            self._known |= fresh
        if length:
            self.strings.add("")
        for group in doc.spans.values():
            for span in group:
                self.strings.add(span.label_)
                if span.kb_id in span.doc.vocab.strings:
                    self.strings.add(span.kb_id_)
                if span.id in span.doc.vocab.strings:
                    self.strings.add(span.id_)

    def _finish(self) -> None:
        pack = self._pack
        tokens, tokens_adler, tokens_size = self._tokens.close()
        spaces, spaces_adler, spaces_size = self._spaces.close()
        head = (_map_head(10) + pack("version") + pack(self.version) +
                pack("attrs") + pack(self.attrs) + pack("tokens") +
                _bin_head(tokens_size))
        middle = pack("spaces") + _bin_head(spaces_size)
        self._lengths.seek(0)
        lengths = self._lengths.read()  # four bytes a doc
        tail = [pack("lengths") + pack(lengths) + pack("strings") +
                pack(sorted(self.strings))]
        with open(self.output, "wb") as out:
            out.write(zlib.compress(b"", _LEVEL)[:2])  # a zlib stream's head
            adler = zlib.adler32(head)
            out.write(_piece(head))
            _copy(tokens, out)
            adler = zlib.adler32(middle, _adler32_combine(adler, tokens_adler, tokens_size))
            out.write(_piece(middle))
            _copy(spaces, out)
            adler = _adler32_combine(adler, spaces_adler, spaces_size)
            last = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            for key, spool in (("cats", self._cats), ("flags", self._flags), ("span_groups", self._groups),
                               ("user_data", self._user_data)):
                tail.append(pack(key) + _array_head(self.count))
                for chunk in [*tail, *_chunks(spool)]:
                    adler = zlib.adler32(chunk, adler)
                    out.write(last.compress(chunk))
                tail = []
            out.write(last.flush(zlib.Z_FINISH))
            out.write(adler.to_bytes(4, "big"))


class _Deflated:
    """Bytes compressed (raw deflate) into a file as they come, with their checksum and size."""

    def __init__(self, spool: IO[bytes]):
        self.spool = spool
        self._compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.adler, self.size = 1, 0

    def write(self, data: bytes) -> None:
        self.adler = zlib.adler32(data, self.adler)
        self.size += len(data)
        compressed = self._compressor.compress(data)
        if compressed:
            self.spool.write(compressed)

    def close(self) -> tuple[IO[bytes], int, int]:
        self.spool.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))  # ends on a byte boundary
        return self.spool, self.adler, self.size


def _piece(data: bytes) -> bytes:
    """``data`` as raw deflate blocks that end on a byte boundary, the last not final."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _chunks(spool: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    spool.flush()
    spool.seek(0)
    while chunk := spool.read(size):
        yield chunk


def _copy(spool: IO[bytes], out: IO[bytes]) -> None:
    for chunk in _chunks(spool):
        out.write(chunk)


_LEVEL = 3  # zlib's: as small as DocBin's default (6) within a third, four times as fast on token rows
_BASE = 65521  # Adler-32's modulus


def _adler32_combine(first: int, second: int, second_size: int) -> int:
    """The Adler-32 of two pieces joined, from each one's (zlib's ``adler32_combine``)."""
    remainder = second_size % _BASE
    low = first & 0xFFFF
    high = (remainder * low) % _BASE
    low = (low + (second & 0xFFFF) + _BASE - 1) % _BASE
    high = (high + ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + _BASE - remainder) % _BASE
    return low | (high << 16)


def _map_head(size: int) -> bytes:
    return bytes([0x80 | size])  # a msgpack fixmap (up to 15 entries)


def _array_head(size: int) -> bytes:
    if size < 16:
        return bytes([0x90 | size])
    return (b"\xdc" + size.to_bytes(2, "big")) if size < 1 << 16 else (b"\xdd" + size.to_bytes(4, "big"))


def _bin_head(size: int) -> bytes:
    if size < 1 << 8:
        return b"\xc4" + size.to_bytes(1, "big")
    return (b"\xc5" + size.to_bytes(2, "big")) if size < 1 << 16 else (b"\xc6" + size.to_bytes(4, "big"))

