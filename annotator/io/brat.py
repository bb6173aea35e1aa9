"""brat standoff: a folder of ``.txt`` / ``.ann`` pairs (offsets in code points).

Export layout::

    OUT/annotation.conf          entity types and attributes, generated from the codebook
    OUT/visual.conf              [labels]: brat type -> original label name (brat shows these)
    OUT/stance-annotator.json    what brat cannot hold: label, attribute-value and annotator names
    OUT/<annotator>/<article>.txt   the article text, byte for byte (UTF-8)
    OUT/<annotator>/<article>.ann   T (spans), A (attributes), # AnnotatorNotes

One subfolder per annotator is the layout brat agreement tools (bratiaa) read. A span that
crosses a line break is written as fragments split at the break (brat cannot show a span over
one); on import, fragments separated only by white space holding a line break are joined back
into one span. Truly discontinuous spans (other text between the fragments) are imported as one
span per fragment, linked by the attribute ``brat_fragment_of`` (the brat id).

Import reads ``.ann`` files (and the ``.txt`` beside each). Events' triggers become spans;
events and relations themselves are skipped and counted in a note. Attributes on events go to
their trigger. When an export's ``stance-annotator.json`` is found in the folder (or a parent
inside the folder the user chose; never above it), original names are restored.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.io.encoding import Decoded, decode_bytes
from annotator.io.exporting import (
    ANNOTATOR,
    ANNOTATOR_UUID,
    ATTRIBUTES,
    END,
    LABEL,
    NOTE,
    START,
    TEXT,
    ExportItem,
    ExportSummary,
    attribute_items,
    export_items,
    offsets_from,
    utf16_positions,
)
from annotator.io.guards import check_source, clip, decode_utf8, inside, short
from annotator.io.jsonio import parse
from annotator.io.naming import NameMap, file_stem
from annotator.io.records import ArticleRecord, FieldMap
from annotator.model.errors import ImportFormatError, InvalidSpan
from annotator.model.offsets import LineEndingShift, OffsetMap, check_span
from annotator.model.types import Annotation, Article, Codebook

MAPPING_FILE = "stance-annotator.json"
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}


def _escape(text: str) -> str:
    # The backslash first, so that the escapes added after it are not escaped again.
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(text: str) -> str:
    return re.sub(r"\\[\\tnr]", lambda m: _UNESCAPES[m.group(0)], text)


_LINE_BREAK = re.compile("[\n\r\u2029\u2028\x0b\x0c\x85]")
_ANN_LINES = re.compile("\r\n|\n|\r")


def _utf8_with_bom(data: bytes) -> bool:
    if not data.startswith(codecs.BOM_UTF8):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False  # decode_bytes says what is wrong with it
    return True


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at line breaks, without the breaks (and without empty pieces)."""
    pieces, position = [], start
    for found in _LINE_BREAK.finditer(text, start, end):
        index = found.start()
        if index > position:
            pieces.append((position, index))
        position = index + 1
    if end > position:
        pieces.append((position, end))
    return pieces or [(start, end)]


# -- export ----------------------------------------------------------------------------------


def write(records: Iterable[ArticleRecord | ExportItem], output: Path, *, codebook: Codebook,
          offset_unit: str = "codepoint", **_: object) -> ExportSummary:
    """The folder (see the module's notes); ``records`` may also be ``ExportItem`` tuples, as the
    project's export reads them."""
    output.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary(offset_unit=offset_unit)
    types = NameMap()
    for label in codebook.labels:
        types(label.name)
    attribute_names = NameMap()
    values: dict[str, NameMap] = {}
    annotators = NameMap()
    annotator_ids: dict[str, str | None] = {}
    folders: dict[str, str] = {}  # annotator -> their folder, made once
    blank = trimmed = 0
    for article, rows, _doc_labels, _done_by in export_items(records):
        summary.add_article(len(rows), written=bool(rows))
        if not rows:
            continue
        encoded = article[3]  # the text as it is stored, UTF-8: the .txt as it is
        # Decoded only when needed: the spans carry their covered text, and decoding a text
        # costs more than writing its spans (measured: 15 of 30 µs an article).
        text: str | None = None
        stem = file_stem(article[0] or 0, article[1].decode() if article[1] else None)
        utf16 = None
        fragment_map: OffsetMap | None = None  # for the fragments' edges, made once an article
        if offset_unit != "codepoint":
            text = encoded.decode()
            utf16 = utf16_positions(text, [row[START] for row in rows] + [row[END] for row in rows])
        if all(row[ANNOTATOR] == rows[0][ANNOTATOR] for row in rows):
            by_annotator = {rows[0][ANNOTATOR] or "": rows}  # one annotator's spans, the usual case
        else:
            by_annotator = {}
            for row in rows:
                by_annotator.setdefault(row[ANNOTATOR] or "", []).append(row)
        for name, spans in by_annotator.items():
            folder = folders.get(name)
            if folder is None:
                path = output / annotators(name)
                path.mkdir(exist_ok=True)
                folder = folders[name] = str(path)
            annotator_ids[name] = spans[0][ANNOTATOR_UUID]
            _write_file(f"{folder}{os.sep}{stem}.txt", encoded)
            lines: list[str] = []
            attribute_number = note_number = 0
            for number, row in enumerate(spans, start=1):
                start, end, covered = row[START], row[END], row[TEXT]
                if covered.isprintable():  # no line break (nor tab) inside: one fragment, escaped as it is
                    where = f"{start} {end}" if utf16 is None else f"{utf16[start]} {utf16[end]}"
                    shown_text = _escape(covered) if "\\" in covered else covered
                else:
                    if text is None:
                        text = encoded.decode()
                    pieces = fragments(text, start, end)
                    trimmed += (pieces[0][0], pieces[-1][1]) != (start, end)
                    covered = " ".join(text[s:e] for s, e in pieces)
                    if utf16 is not None:
                        # One map for the article: asking utf16_positions for each such span
                        # went over the whole text each time (16 s for 2,000 spans in 3 MB).
                        fragment_map = fragment_map or OffsetMap(text)
                        pieces = [(fragment_map.to_utf16(s), fragment_map.to_utf16(e)) for s, e in pieces]
                    where = ";".join(f"{s} {e}" for s, e in pieces)
                    shown_text = _escape(covered)
                blank += not covered.strip()
                label = row[LABEL]
                lines.append(f"T{number}\t{types.safe.get(label) or types(label)} {where}\t{shown_text}\n")
                if row[ATTRIBUTES]:
                    for attribute, value in attribute_items(row[ATTRIBUTES]):
                        attribute_number += 1
                        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        safe_value = values.setdefault(attribute, NameMap(unicode_letters=True))(shown)
                        lines.append(f"A{attribute_number}\t{attribute_names(attribute)} T{number} {safe_value}\n")
                if row[NOTE]:
                    note_number += 1
                    lines.append(f"#{note_number}\tAnnotatorNotes T{number}\t{_escape(row[NOTE])}\n")
            summary.spans += len(spans)
            _write_file(f"{folder}{os.sep}{stem}.ann", "".join(lines).encode("utf-8"), text_mode=True)
    if blank:
        summary.notes.append(f"{blank} span(s) cover only white space; brat readers that trim lines may skip them")
    if trimmed:
        summary.notes.append(f"{trimmed} span(s) begin or end with a line break, which brat cannot hold in a span: "
                             "written without it")
    _write_confs(output, types, attribute_names, values, annotators, annotator_ids, codebook)
    summary.files.append(str(output))
    return summary


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_file(path: str, data: bytes, *, text_mode: bool = False) -> None:
    """Write a whole file with three system calls: an export writes two per article, and
    ``open()`` with its buffered layers costs more than the writing itself. ``text_mode``:
    line breaks as ``open(path, "w")`` writes them on this platform."""
    if text_mode and os.linesep != "\n":
        data = data.replace(b"\n", os.linesep.encode())
    descriptor = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _write_confs(output: Path, types: NameMap, attribute_names: NameMap, values: dict[str, NameMap],
                 annotators: NameMap, annotator_ids: dict[str, str | None], codebook: Codebook) -> None:
    entity_types = list(types.safe.values())
    lines = ["# Generated by Stance Annotator from the project's codebook.", "[entities]", *entity_types,
             "", "[relations]", "", "[events]", "", "[attributes]"]
    for attribute, safe in attribute_names.safe.items():
        allowed = values.get(attribute, NameMap())
        lines.append(f"{safe}\tArg:<ENTITY>, Value:{'|'.join(allowed.safe.values()) or 'true'}")
    (output / "annotation.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    colors = {label.name: label.color for label in codebook.labels}
    visual = ["[labels]", *(f"{safe} | {name}" for name, safe in types.safe.items()), "", "[drawing]"]
    visual += [f"{safe}\tbgColor:{colors[name]}" for name, safe in types.safe.items() if colors.get(name)]
    (output / "visual.conf").write_text("\n".join(visual) + "\n", encoding="utf-8")
    mapping = {
        "format": "stance-annotator brat export 1",
        "offset_unit": "codepoint",
        "labels": types.original,
        "attributes": attribute_names.original,
        "attribute_values": {attribute_names.safe[a]: m.original for a, m in values.items()},
        "annotators": {safe: {"name": name, "id": annotator_ids.get(name)} for name, safe in annotators.safe.items()},
    }
    (output / MAPPING_FILE).write_text(json.dumps(mapping, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- import ----------------------------------------------------------------------------------


def read(path: Path, fields: FieldMap, notes: list[str], *, offset_unit: str = "codepoint",
         root: Path | None = None) -> Iterator[ArticleRecord]:
    """One record per ``.ann`` file (``path`` is the file; folders are walked by the caller).

    ``root`` is the folder the user chose (default: the file's own): the ``.txt`` beside the
    file and the export's mapping are read only from inside it, never through a symbolic link
    leading out of it, nor from its parent folders.
    """
    if path.suffix.lower() != ".ann":
        raise ImportFormatError("not a brat .ann file")
    root = root or path.parent
    text_path = path.with_suffix(".txt")
    if not text_path.exists():
        raise ImportFormatError(f"the text file {text_path.name} is missing beside it")
    try:
        check_source(text_path, whole=True, root=root)
    except ImportFormatError as error:
        raise ImportFormatError(f"{text_path.name}: {error.message}") from None
    text_bytes = text_path.read_bytes()
    # brat reads its texts as UTF-8, a byte-order mark included as U+FEFF (its offsets count
    # it), as the export writes a text that begins with one: kept, not taken as an encoding mark.
    decoded = (Decoded(text_bytes.decode("utf-8"), "utf-8", False) if _utf8_with_bom(text_bytes)
               else decode_bytes(text_bytes))
    shift = LineEndingShift(decoded.text)
    text = shift.text
    mapping = _find_mapping(path, root)
    label_of = mapping.get("labels", {})
    attribute_of = mapping.get("attributes", {})
    value_of = mapping.get("attribute_values", {})
    annotator = None
    annotator_id = None
    folder_entry = mapping.get("annotators", {}).get(_folder_name(path))
    if folder_entry:
        annotator, annotator_id = folder_entry.get("name"), folder_entry.get("id")
    spans: dict[str, list[Annotation]] = {}
    triggers: dict[str, str] = {}
    skipped = {"E": 0, "R": 0, "N": 0, "*": 0}
    pending: list[tuple[int, str]] = []
    convert = offsets_from(decoded.text, offset_unit)
    # Lines end at LF, CR LF or CR only, as brat reads them: str.splitlines() would also cut a
    # note or a covered text at U+2028, U+0085 or \x1c, which the export writes as they are.
    for number, raw in enumerate(_ANN_LINES.split(decode_utf8(path.read_bytes(), "brat .ann")), start=1):
        if not raw.strip():
            continue
        kind = raw[0]
        if kind == "T":
            spans.update(_text_bound(raw, number, text, shift, convert, label_of))
        elif kind == "E":
            parts = raw.split("\t")
            if len(parts) < 2 or not parts[1].split():
                raise ImportFormatError("malformed event line (no trigger after the id)", line=number)
            trigger = parts[1].split()[0].split(":")[-1]
            triggers[parts[0]] = trigger
            skipped["E"] += 1
        elif kind in "AM#":
            pending.append((number, raw))
        elif kind in skipped:
            skipped[kind] += 1
        else:
            raise ImportFormatError(f"unknown brat line type {clip(kind)}", line=number)
    for number, raw in pending:
        parts = raw.split("\t")
        if raw[0] in "AM":
            fields_ = parts[1].split() if len(parts) > 1 else []
            if len(fields_) < 2:
                raise ImportFormatError("malformed attribute line", line=number)
            name, target = fields_[0], triggers.get(fields_[1], fields_[1])
            value: Any = True if len(fields_) == 2 else " ".join(fields_[2:])
            if isinstance(value, str):
                value = value_of.get(name, {}).get(value, value)
            for span in spans.get(target, []):
                span.attributes[attribute_of.get(name, name)] = value
        else:  # "#": AnnotatorNotes
            if len(parts) < 3 or not parts[1].split():
                continue
            target = triggers.get(parts[1].split()[-1], parts[1].split()[-1])
            for span in spans.get(target, []):
                span.note = _unescape(parts[2]) if mapping else parts[2]
    if any(skipped.values()):
        counts = ", ".join(f"{n} {k}" for k, n in skipped.items() if n)
        notes.append(f"{path.name}: skipped {counts} lines (events, relations, normalisations, equivalences)")
    record = ArticleRecord(Article(text=text, title=path.stem), line=None,
                           annotator_hint=None if mapping else _folder_name(path))
    for items in spans.values():
        for span in items:
            span.annotator = span.annotator or annotator
            span.annotator_uuid = annotator_id
            record.annotations.append(span)
    return iter([record])


def _text_bound(raw: str, number: int, text: str, shift: LineEndingShift,
                convert: Callable[[int, int], tuple[int, int]],
                label_of: dict[str, str]) -> dict[str, list[Annotation]]:
    parts = raw.split("\t")
    if len(parts) < 2:
        raise ImportFormatError("malformed text-bound line", line=number)
    identifier = short(parts[0])
    head = parts[1].split(" ", 1)
    if len(head) != 2:
        raise ImportFormatError("a text-bound annotation needs a type and offsets", line=number)
    brat_type, where = head
    label = label_of.get(brat_type, brat_type)
    pieces = []
    try:
        for piece in where.split(";"):
            numbers = piece.split()
            if len(numbers) != 2 or not all(n.isascii() and n.isdigit() for n in numbers):
                raise InvalidSpan("each fragment must be two whole numbers, START END")
            start, end = convert(int(numbers[0]), int(numbers[1]))
            start, end = shift.map(start), shift.map(end)
            check_span(text, start, end)
            pieces.append((start, end))
    except (ValueError, InvalidSpan) as error:  # ValueError: more digits than Python reads
        reason = error if isinstance(error, InvalidSpan) else "a number too long"
        raise ImportFormatError(f"{identifier}: bad offsets {clip(where)} ({reason})", line=number) from None
    if len(parts) >= 3:
        expected = " ".join(text[s:e] for s, e in pieces)
        given = _unescape(parts[2]) if "\\" in parts[2] else parts[2]
        if expected != given and expected.replace("\n", " ") != given:
            raise ImportFormatError(f"{identifier}: the text at {clip(where)} is {clip(expected)}, but the "
                                    f"file says {clip(parts[2])}", line=number)
    # Fragments split only at line-break white space were one span.
    joined = [list(pieces[0])]
    for start, end in pieces[1:]:
        between = text[joined[-1][1]:start]
        if between.strip() == "" and _LINE_BREAK.search(between):  # the breaks the export splits at
            joined[-1][1] = end
        else:
            joined.append([start, end])
    result = []
    for start, end in joined:
        try:
            check_span(text, start, end)
        except InvalidSpan as error:
            raise ImportFormatError(f"{identifier}: {error}", line=number) from None
        attributes: dict[str, Any] = {"brat_fragment_of": identifier} if len(joined) > 1 else {}
        result.append(Annotation(start, end, label, text[start:end], attributes=attributes, origin="imported"))
    return {identifier: result}


def _find_mapping(path: Path, root: Path) -> dict[str, Any]:
    """Our export's mapping, from the file's folder or one above it up to ``root``; only there:
    a folder the user did not choose is never read."""
    folder = path.parent
    while True:
        candidate = folder / MAPPING_FILE
        if candidate.exists():
            if not inside(candidate, root):
                raise ImportFormatError(f"{candidate} is a symbolic link leading outside {root}; not followed")
            try:
                mapping = parse(decode_utf8(candidate.read_bytes(), MAPPING_FILE))
            except OSError as error:
                raise ImportFormatError(f"{candidate} is unreadable ({error.strerror or error})") from None
            except ImportFormatError as error:
                raise ImportFormatError(f"{candidate} is unreadable ({error})") from None
            return _checked_mapping(mapping, candidate)
        if (folder / "annotation.conf").exists() or not inside(folder.parent, root) or folder.parent == folder:
            return {}
        folder = folder.parent


def _checked_mapping(mapping: Any, where: Path) -> dict[str, Any]:
    """The mapping, if its parts have the shapes ``_write_confs`` gives them."""
    def names(value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())

    if not isinstance(mapping, dict):
        raise ImportFormatError(f"{where} is not a JSON object")
    for key in ("labels", "attributes"):
        if not names(mapping.get(key, {})):
            raise ImportFormatError(f"{where}: {key!r} must map brat names to names")
    values = mapping.get("attribute_values", {})
    if not isinstance(values, dict) or not all(names(v) for v in values.values()):
        raise ImportFormatError(f"{where}: 'attribute_values' must map each attribute to a mapping of names")
    annotators = mapping.get("annotators", {})
    if not isinstance(annotators, dict) or not all(
            isinstance(v, dict) and all(isinstance(v.get(k), (str, type(None))) for k in ("name", "id"))
            for v in annotators.values()):
        raise ImportFormatError(f"{where}: 'annotators' must map folder names to {{name, id}}")
    return mapping


def _folder_name(path: Path) -> str:
    """The name of the folder a file is in, however the path spells it (``a.ann``, ``./a.ann``,
    ``x/../a.ann``): the folder stands for the annotator. Symbolic links are not followed."""
    return Path(os.path.abspath(path)).parent.name
