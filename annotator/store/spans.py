"""Spans, document labels and statuses: what annotators mark in an article.

Guards that a span is stored once per article, annotator, label and offsets (adding it again
returns the stored one; an id that names a different span is an ``IdentityClash``), whether
spans come one at a time (``add_annotation``) or by the thousand (``add_annotations``, which
imports use; the first is built on the second, so the rule is written once), and that
the span readers, which exports call for a million spans, agree and stay fast: all three
filter and order in one place (``_span_filter``), and ``annotations`` and ``span_rows`` read
the annotations table alone, naming labels and annotators from the cached maps.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, fields
from typing import Any

from annotator.model.errors import ConstraintViolated, IdentityClash, InvalidSpan, NotFound
from annotator.model.types import Annotation
from annotator.store.base import StoreBase, dumps, new_uuid, now
from annotator.store.schema import ASSIST_SCHEMA


class SpansMixin(StoreBase):
    """Spans (annotations), document labels and each annotator's status of each article."""

    def add_annotation(
        self,
        *,
        article_id: int,
        annotator_id: int,
        label_id: int,
        start: int,
        end: int,
        text: str,
        attributes: dict[str, Any] | None = None,
        note: str = "",
        origin: str = "manual",
        annotation_uuid: str | None = None,
        created: str | None = None,
        updated: str | None = None,
        reviewer_id: int | None = None,
        source: str | None = None,
    ) -> tuple[str, bool]:
        """Insert a span unless the same one (by uuid, or same article, annotator, label and
        offsets) is stored already. Returns ``(uuid, created)``: the stored span's uuid.
        ``source`` (an accepted suggestion's detector, schema 5) is stored with a new span.

        Raises:
            IdentityClash: ``annotation_uuid`` belongs to a different span.
        """
        stamp = now()
        annotation_uuid = annotation_uuid or new_uuid()
        [outcome] = self.add_annotations([(
            annotation_uuid, article_id, annotator_id, label_id, start, end, text,
            dumps(attributes) if attributes else "{}", note or "", origin, created or stamp,
            updated or created or stamp, reviewer_id,
        )])
        if outcome is None:
            raise identity_clash(annotation_uuid)
        if outcome:
            if source:
                self.conn.execute("UPDATE annotations SET source = ? WHERE uuid = ?", (source, annotation_uuid))
            return annotation_uuid, True
        same_span = self.conn.execute(
            "SELECT uuid FROM annotations WHERE article_id = ? AND annotator_id = ? "
            "AND label_id = ? AND start_offset = ? AND end_offset = ?",
            (article_id, annotator_id, label_id, start, end),
        ).fetchone()
        return str(same_span[0]), False

    def add_annotations(self, rows: Sequence[SpanRow]) -> list[bool | None]:
        """Insert many spans in one statement, each unless the same span is stored already.

        To use it (inside ``write()``)::

            outcomes = store.add_annotations(rows)   # [True, False, None, ...]

        The unique indexes decide: a row is skipped when its uuid or its article, annotator,
        label and offsets are taken (by a stored span, or by an earlier row). Only when some
        were skipped does one more query tell which: the stored rows are the ones above the
        highest id before the insert, and a skipped row is the same span as a stored one if its
        offsets and label are stored for its article and annotator, else its uuid names another
        span.

        Returns:
            Per row: True if stored now, False if the same span was stored already, None if its
            uuid belongs to a different span (nothing stored for it; ``identity_clash`` is the
            error to raise).
        """
        if not rows:
            return []
        conn = self.conn
        before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM annotations").fetchone()[0]
        added = conn.executemany(_INSERT_SPAN + " ON CONFLICT DO NOTHING", rows).rowcount
        if added == len(rows):  # the usual case: nothing was there yet
            return [True] * len(rows)
        # Each span stored now accounts for one row with its uuid and place (two equal rows:
        # the first was stored, the second is the same span).
        stored_now = Counter(conn.execute(
            "SELECT uuid, article_id, annotator_id, label_id, start_offset, end_offset FROM annotations "
            "WHERE id > ?", (before,)))
        outcomes: list[bool | None] = []
        skipped: list[int] = []  # positions of the rows not stored now
        for position, row in enumerate(rows):
            key = row[:6]
            if stored_now[key]:
                stored_now[key] -= 1
                outcomes.append(True)
            else:
                outcomes.append(None)
                skipped.append(position)
        # One query for all skipped rows, each found by the unique index (json_each drives the
        # join: a row-value IN (VALUES ...) would scan the whole index).
        for (key,) in conn.execute(
                "SELECT j.key FROM json_each(?) j CROSS JOIN annotations a ON a.article_id = j.value ->> 0 "
                "AND a.annotator_id = j.value ->> 1 AND a.label_id = j.value ->> 2 "
                "AND a.start_offset = j.value ->> 3 AND a.end_offset = j.value ->> 4",
                (json.dumps([rows[position][1:6] for position in skipped]),)):
            outcomes[skipped[key]] = False
        return outcomes

    @staticmethod
    def _span_filter(article_id: int, annotator_ids: Iterable[int] | None, labels: Iterable[str] | None,
                     label_names: dict[int, str], table: str = "") -> tuple[str, list[Any]]:
        """WHERE and ORDER BY of the span readers: one article, some annotators or labels, in
        the order start, end, label."""
        where, params = f" WHERE {table}article_id = ?", [article_id]
        if annotator_ids is not None:
            ids = list(annotator_ids)
            where += f" AND {table}annotator_id IN ({','.join('?' * len(ids))})"
            params += ids
        if labels is not None:
            wanted = set(labels)
            ids = [i for i, name in label_names.items() if name in wanted]
            where += f" AND {table}label_id IN ({','.join('?' * len(ids))})"
            params += ids
        where += f" ORDER BY {table}start_offset, {table}end_offset, {table}label_id, {table}id"
        return where, params

    def annotations(
        self,
        article_id: int,
        *,
        annotator_ids: Iterable[int] | None = None,
        labels: Iterable[str] | None = None,
    ) -> list[Annotation]:
        """Spans of one article ordered by start, end and label; optionally only some annotators
        or labels.

        Reads the annotations table alone and names labels and annotators from small cached
        maps: exports read a million spans this way.
        """
        label_names, annotator_names = self._name_maps()
        sql = self._annotation_select()
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names)
        sql += where
        return [_annotation_from_row(row, label_names, annotator_names) for row in self.conn.execute(sql, params)]

    def spans_signature(self, article_id: int, annotator_ids: Iterable[int]) -> tuple[Any, ...]:
        """A value that changes whenever one of these annotators' spans in the article is added,
        removed or changed (count, last change, sum of row ids): one indexed aggregate, cheap
        enough to ask every few seconds while another program writes."""
        ids = list(annotator_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        row = self.conn.execute(
            f"SELECT COUNT(*), MAX(updated_at), TOTAL(id) FROM annotations WHERE article_id = ? "
            f"AND annotator_id IN ({marks})", [article_id, *ids]).fetchone()
        return tuple(row)

    def shown_annotations(self, article_id: int, text: str, annotator_ids: Iterable[int]) -> list[Annotation]:
        """The spans of some annotators in one article, in no particular order, as the window
        shows them: each one's covered text is taken from ``text`` (the article's, which the
        covered text always equals) rather than read, rows are not sorted, and the details a
        view does not draw (attributes, note, origin, times, reviewer, source) are read the first
        time one of a span's is asked for (``ShownSpan``).

        Why: opening an article reads every one of its spans (20,000 in a long one) before the
        first paint; the covered text, the sort and the details were two thirds of that.
        """
        label_names, annotator_names = self._name_maps()
        ids = list(annotator_ids)
        if not ids:
            return []
        rows = self.conn.execute(
            "SELECT uuid, start_offset, end_offset, label_id, annotator_id FROM annotations "
            f"WHERE article_id = ? AND annotator_id IN ({','.join('?' * len(ids))})", (article_id, *ids))
        new, load = object.__new__, self._span_details
        shown: list[Annotation] = []
        for uuid, start, end, label_id, annotator_id in rows:
            annotation = new(ShownSpan)
            annotator, annotator_uuid = annotator_names[annotator_id]
            annotation.__dict__ = {
                "start": start, "end": end, "label": label_names[label_id], "text": text[start:end],
                "annotator": annotator, "annotator_uuid": annotator_uuid, "uuid": uuid,
                "article_id": article_id, "_load": load,
            }
            shown.append(annotation)
        return shown

    def _span_details(self, span: ShownSpan) -> None:
        """Fill in a shown span's details from its row (a span deleted since gets none)."""
        source = ", source" if self.schema_version >= ASSIST_SCHEMA else ", NULL"
        row = self.conn.execute(
            f"SELECT attributes, note, origin, created_at, updated_at, reviewer_id{source} FROM annotations "
            "WHERE uuid = ?", (span.uuid,)).fetchone()
        attributes, note, origin, created, updated, reviewer, span_source = row or (
            "{}", "", _DEFAULTS["origin"], None, None, None, None)
        reviewer_name = self._name_maps()[1][reviewer][0] if reviewer else None
        details = span.__dict__
        # Only what is not set already: a detail given meanwhile (an edit in place) stays.
        for name, value in (("_attributes", {} if attributes == "{}" else json.loads(attributes)),
                            ("_note", note), ("_origin", origin), ("_created", created), ("_updated", updated),
                            ("_reviewer", reviewer_name), ("_source", span_source)):
            details.setdefault(name, value)

    def annotations_json(self, article_id: int, *, annotator_ids: Iterable[int] | None = None,
                         labels: Iterable[str] | None = None) -> list[str]:
        """The spans of ``annotations()``, each as its native JSONL object, built by SQLite.

        Same keys, order and values as ``io.jsonl.record_to_dict``; tests compare the two.
        """
        label_names, _ = self._name_maps()
        sql = (
            "SELECT json_object('id', a.uuid, 'start', a.start_offset, 'end', a.end_offset, 'label', l.name, "
            "'text', a.text, 'annotator', n.name, 'annotator_id', n.uuid, 'attributes', json(a.attributes), "
            "'note', a.note, 'origin', a.origin, 'created', a.created_at, 'updated', a.updated_at, "
            "'reviewer', r.name) FROM annotations a JOIN labels l ON l.id = a.label_id "
            "JOIN annotators n ON n.id = a.annotator_id LEFT JOIN annotators r ON r.id = a.reviewer_id"
        )
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names, table="a.")
        sql += where
        return [row[0] for row in self.conn.execute(sql, params)]

    def span_rows(self, article_id: int, *, annotator_ids: Iterable[int] | None = None,
                  labels: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
        """The spans of ``annotations()`` as plain rows for tabular exports: ``(start, end,
        label, text, annotator, annotator uuid, attributes JSON or "", note, origin, reviewer)``."""
        label_names, annotator_names = self._name_maps()
        sql = ("SELECT start_offset, end_offset, label_id, text, annotator_id, attributes, note, origin, reviewer_id "
               "FROM annotations")
        where, params = self._span_filter(article_id, annotator_ids, labels, label_names)
        sql += where
        return [
            (start, end, label_names[label_id], text, *annotator_names[annotator_id],
             "" if attributes == "{}" else attributes, note, origin,
             annotator_names[reviewer_id][0] if reviewer_id else "")
            for start, end, label_id, text, annotator_id, attributes, note, origin, reviewer_id
            in self.conn.execute(sql, params)
        ]

    def annotation(self, annotation_uuid: str) -> Annotation:
        row = self.conn.execute(f"{self._annotation_select()} WHERE uuid = ?", (annotation_uuid,)).fetchone()
        if not row:
            raise NotFound(f"no annotation with id {annotation_uuid}")
        return _annotation_from_row(row, *self._name_maps())

    def _annotation_select(self) -> str:
        """``_ANNOTATION_SELECT``, with ``source`` where the file has it (schema 5; read-only
        commands read older files as they are)."""
        return _ANNOTATION_SELECT_SOURCE if self.schema_version >= ASSIST_SCHEMA else _ANNOTATION_SELECT

    def update_annotation(self, annotation_uuid: str, **fields: Any) -> None:
        """Change ``label_id``, ``attributes``, ``note``, ``start``/``end``/``text`` of a span."""
        columns = {"label_id": "label_id", "attributes": "attributes", "note": "note",
                   "start": "start_offset", "end": "end_offset", "text": "text", "origin": "origin"}
        sets, params = [], []
        for key, value in fields.items():
            sets.append(f"{columns[key]} = ?")
            params.append(dumps(value) if key == "attributes" else value)
        sets.append("updated_at = ?")
        params += [now(), annotation_uuid]
        try:
            cursor = self.conn.execute(f"UPDATE annotations SET {', '.join(sets)} WHERE uuid = ?", params)
        except ConstraintViolated:
            raise InvalidSpan("the same span with that label is stored already") from None
        if cursor.rowcount == 0:
            raise NotFound(f"no annotation with id {annotation_uuid}")

    def delete_annotation(self, annotation_uuid: str) -> None:
        cursor = self.conn.execute("DELETE FROM annotations WHERE uuid = ?", (annotation_uuid,))
        if cursor.rowcount == 0:
            raise NotFound(f"no annotation with id {annotation_uuid}")

    def attribute_values(self, name: str, *, limit: int = 1000) -> list[str]:
        """The distinct text values spans of any annotator have for attribute ``name``, the
        most used first (ties alphabetically, ignoring case); empty and non-text values are
        left out. Reads every span that has attributes: call it when a value is wanted, not
        per span shown.

        Args:
            name: the attribute, any characters (matched as a JSON key, never as a path).
            limit: at most this many values.
        """
        # json_each rather than json_extract(attributes, '$.' || name): a key with a dot,
        # space or quote would be read as a path, or not parse at all.
        rows = self.conn.execute(
            "SELECT j.value FROM annotations a, json_each(a.attributes) j "
            "WHERE a.attributes != '{}' AND j.key = ? AND j.type = 'text' AND trim(j.value) != '' "
            "GROUP BY j.value ORDER BY COUNT(*) DESC, j.value COLLATE NOCASE, j.value LIMIT ?",
            (name, limit),
        )
        return [str(value) for (value,) in rows]

    # -- document labels and status ------------------------------------------------------

    def add_doc_labels(self, rows: Iterable[tuple[int, int, int]], *, stamp: str | None = None) -> int:
        """Add ``(article id, annotator id, label id)`` document labels in one statement, those
        already there skipped; returns how many were added."""
        stamp = stamp or now()
        rows = list(rows)
        return self.conn.executemany(
            "INSERT INTO doc_labels(uuid, article_id, annotator_id, label_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(uuid, article_id, annotator_id, label_id, stamp)
             for uuid, (article_id, annotator_id, label_id) in zip(ordered_uuids(len(rows)), rows, strict=True)],
        ).rowcount

    def add_doc_label(self, *, article_id: int, annotator_id: int, label_id: int) -> bool:
        row = self.conn.execute(
            "INSERT INTO doc_labels(uuid, article_id, annotator_id, label_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (new_uuid(), article_id, annotator_id, label_id, now()),
        ).fetchone()
        return row is not None

    def remove_doc_label(self, *, article_id: int, annotator_id: int, label_id: int) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM doc_labels WHERE article_id = ? AND annotator_id = ? AND label_id = ?",
            (article_id, annotator_id, label_id),
        )
        return cursor.rowcount > 0

    def doc_labels(self, article_id: int) -> list[tuple[str, str, str]]:
        """``(label, annotator name, annotator uuid)`` of one article."""
        return [
            (row[0], row[1], row[2])
            for row in self.conn.execute(
                "SELECT l.name, n.name, n.uuid FROM doc_labels d JOIN labels l ON l.id = d.label_id "
                "JOIN annotators n ON n.id = d.annotator_id WHERE d.article_id = ? "
                "ORDER BY l.position, n.name",
                (article_id,),
            )
        ]

    def set_status(self, *, article_id: int, annotator_id: int, status: str) -> str:
        """Set an annotator's status for an article; returns the previous status."""
        previous = self.status(article_id=article_id, annotator_id=annotator_id)
        self.conn.execute(
            "INSERT INTO article_status(article_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(article_id, annotator_id) "
            "DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
            (article_id, annotator_id, status, now()),
        )
        return previous

    def set_statuses(self, pairs: Iterable[tuple[int, int]], status: str, *, stamp: str | None = None) -> None:
        """Set the status of many ``(article id, annotator id)`` pairs in one statement."""
        stamp = stamp or now()
        self.conn.executemany(
            "INSERT INTO article_status(article_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(article_id, annotator_id) "
            "DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
            [(article_id, annotator_id, status, stamp) for article_id, annotator_id in pairs],
        )

    def status(self, *, article_id: int, annotator_id: int) -> str:
        row = self.conn.execute(
            "SELECT status FROM article_status WHERE article_id = ? AND annotator_id = ?",
            (article_id, annotator_id),
        ).fetchone()
        return str(row[0]) if row else "not_started"

    def done_by(self, article_id: int) -> list[tuple[str, str]]:
        """``(name, uuid)`` of the annotators who marked the article done."""
        return [
            (row[0], row[1])
            for row in self.conn.execute(
                "SELECT n.name, n.uuid FROM article_status s JOIN annotators n "
                "ON n.id = s.annotator_id WHERE s.article_id = ? AND s.status = 'done' ORDER BY n.name",
                (article_id,),
            )
        ]

    def annotators_with_done(self) -> set[int]:
        """Ids of annotators who marked at least one article done."""
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT annotator_id FROM article_status WHERE status = 'done'")}


SpanRow = tuple[str, int, int, int, int, int, str, str, str, str, str, str, int | None]
"""A span as ``add_annotations`` stores it: ``(uuid, article id, annotator id, label id, start,
end, covered text, attributes JSON, note, origin, created, updated, reviewer id or None)``."""

_INSERT_SPAN = (
    "INSERT INTO annotations(uuid, article_id, annotator_id, label_id, start_offset, end_offset, text, "
    "attributes, note, origin, created_at, updated_at, reviewer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def ordered_uuids(count: int) -> list[str]:
    """``count`` new ids in the layout of UUID version 7 (RFC 9562): the Unix time in
    milliseconds, then 74 random bits.

    Bulk writes give them to the rows they create. Ids made together sort together, so the
    unique index on ``uuid`` grows at one end and each chunk of an import (``import_runs``)
    rewrites a few of its pages at commit; random version 4 ids touch pages all over it, and
    100,000 articles with 5 spans each took about 40 % longer in chunks (measured).
    """
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    head = f"{millis:012x}"
    head = f"{head[:8]}-{head[8:]}-7"  # time, then the version
    noise = os.urandom(10 * count).hex()  # 80 random bits an id, 74 of them used
    return [
        f"{head}{noise[i:i + 3]}-{_VARIANT[noise[i + 3]]}{noise[i + 4:i + 7]}-{noise[i + 7:i + 19]}"
        for i in range(0, 20 * count, 20)
    ]


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A random hex digit as the digit that holds the variant (binary 10) and two random bits."""


def identity_clash(annotation_uuid: str) -> IdentityClash:
    """The error for a span whose id is already used by a different span."""
    return IdentityClash(
        f"annotation id {annotation_uuid} is already used by a different span in this project; ids must be unique"
    )


_ANNOTATION_SELECT = (
    "SELECT uuid, article_id, start_offset, end_offset, label_id, text, annotator_id, attributes, note, "
    "origin, created_at, updated_at, reviewer_id FROM annotations"
)
_ANNOTATION_SELECT_SOURCE = _ANNOTATION_SELECT.replace(" FROM annotations", ", source FROM annotations")


def _detail(name: str) -> Any:
    """A field of ``ShownSpan`` read from the project file the first time it is asked for."""
    key = "_" + name

    def get(self: ShownSpan) -> Any:
        values = self.__dict__
        if key not in values:
            if "_load" in values:
                values["_load"](self)  # fills in every detail; an error leaves the span as it was
                del values["_load"]
            else:  # made by ``Annotation.__init__`` without this field? Never, but be an Annotation
                values[key] = {} if name == "attributes" else _DEFAULTS[name]
        return values[key]

    def put(self: ShownSpan, value: Any) -> None:
        self.__dict__[key] = value

    return property(get, put)


# An Annotation's own defaults, for the details of a span that has none.
_DEFAULTS: dict[str, Any] = {field.name: field.default for field in fields(Annotation) if field.default is not MISSING}


class ShownSpan(Annotation):
    """A span as the window shows it (``shown_annotations``): what is drawn is read at once, the
    rest on first use, from the same project file, one span at a time. Everything else about it
    is an ``Annotation``: equal to one with the same fields, copied by ``dataclasses.replace``."""

    attributes = _detail("attributes")
    note = _detail("note")
    origin = _detail("origin")
    created = _detail("created")
    updated = _detail("updated")
    reviewer = _detail("reviewer")
    source = _detail("source")

    def __eq__(self, other: object) -> bool:
        # The dataclass's own __eq__ wants the same class; a span is a span whichever read it.
        if not isinstance(other, Annotation):
            return NotImplemented
        names = [field.name for field in fields(Annotation)]
        return [getattr(self, name) for name in names] == [getattr(other, name) for name in names]

    __hash__ = None  # type: ignore[assignment]  # mutable, like Annotation


def _annotation_from_row(row: tuple[Any, ...], label_names: dict[int, str],
                         annotator_names: dict[int, tuple[str, str]]) -> Annotation:
    """An ``_ANNOTATION_SELECT`` row as an Annotation, labels and annotators named from the maps."""
    # Spans are read by the million in exports: fill the instance directly rather than through
    # the dataclass __init__ (same fields, about twice as fast).
    annotation = object.__new__(Annotation)
    annotator, annotator_uuid = annotator_names[row[6]]
    annotation.__dict__.update(
        uuid=row[0], article_id=row[1], start=row[2], end=row[3], label=label_names[row[4]], text=row[5],
        annotator=annotator, annotator_uuid=annotator_uuid,
        attributes={} if row[7] == "{}" else json.loads(row[7]),  # most spans have none
        note=row[8], origin=row[9], created=row[10], updated=row[11],
        reviewer=annotator_names[row[12]][0] if row[12] else None,
        source=row[13] if len(row) > 13 else None,
    )
    return annotation
