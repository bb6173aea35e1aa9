"""The codebook in the project file: span and document labels, attributes, and the annotators.

Guards the label table's invariants while the codebook changes: a hotkey belongs to one label
at a time, renames apply all at once (so swaps and chains work), and a label that leaves the
codebook takes its spans and document labels with it, which are returned so that the change
can be undone. Annotators are found by id before name, so that two people who share a name in
two projects are never merged silently. Every write here drops the id/name caches it affects.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable

from annotator.model.errors import AnnotatorError, IdentityClash, NotFound
from annotator.model.patterns import LabelPattern, patterns_from
from annotator.model.types import GOLD, GOLD_UUID, PALETTE, Annotation, Annotator, AttributeDef, Codebook, Label
from annotator.store.base import StoreBase, dumps, new_uuid, now
from annotator.store.schema import ASSIST_SCHEMA


class CodebookMixin(StoreBase):
    """Labels, attributes and annotators: reading, adding, renaming and removing them."""

    def codebook(self) -> Codebook:
        labels: dict[str, list[Label]] = {"span": [], "document": []}
        # Patterns arrived with schema 5; read-only commands read older files as they are.
        patterns_column = "l.patterns" if self.schema_version >= ASSIST_SCHEMA else "'[]'"
        rows = self.conn.execute(
            f"SELECT l.name, l.color, l.hotkey, l.description, l.examples, p.name, l.scope, {patterns_column} "
            "FROM labels l LEFT JOIN labels p ON p.id = l.parent_id ORDER BY l.position, l.id"
        )
        for name, color, hotkey, description, examples, parent, scope, patterns in rows:
            labels[scope].append(
                Label(name, color, hotkey, description, tuple(json.loads(examples)), parent, scope,
                      stored_patterns(patterns))
            )
        attributes = [
            AttributeDef(name, tuple(json.loads(values)))
            for name, values in self.conn.execute(
                "SELECT name, allowed_values FROM attribute_defs ORDER BY position, id"
            )
        ]
        return Codebook(labels["span"], attributes, labels["document"])

    def merge_codebook(self, codebook: Codebook) -> dict[str, list[str]]:
        """Add or update the codebook's labels and attributes; labels not named are kept.

        Returns the names added and updated, and notes for the user (a hotkey that moved from
        one label to another), for reporting.

        Raises:
            AnnotatorError: an attribute's new list leaves out a value that stored spans have
                (they would no longer pass the codebook, nor their export import back), or a
                label's name is a label of the other scope here; nothing is changed.
        """
        stored = {name for (name,) in self.conn.execute("SELECT name FROM labels WHERE scope = 'span'")}
        codebook.validate(known_parents=frozenset(stored))
        self._check_codebook_keeps_data(codebook)
        self._names = None
        added: list[str] = []
        updated: list[str] = []
        notes: list[str] = []
        for group in (codebook.labels, codebook.doc_labels):
            for label in group:
                if label.hotkey:
                    # The hotkey moves to this label; another label holding it gives it up.
                    for (holder,) in self.conn.execute(
                            "SELECT name FROM labels WHERE hotkey = ? AND NOT (name = ? AND scope = ?)",
                            (label.hotkey, label.name, label.scope)):
                        notes.append(f"hotkey {label.hotkey} moved from {holder!r} to {label.name!r}")
                    self.conn.execute(
                        "UPDATE labels SET hotkey = '' WHERE hotkey = ? AND NOT (name = ? AND scope = ?)",
                        (label.hotkey, label.name, label.scope),
                    )
                existing = self.label_id(label.name, label.scope)
                if existing is None:
                    self._insert_label(label)
                    added.append(label.name)
                else:
                    self.conn.execute(
                        "UPDATE labels SET color = ?, hotkey = ?, description = ?, examples = ?, "
                        "position = ?, patterns = ? WHERE id = ?",
                        (label.color, label.hotkey, label.description, dumps(list(label.examples)),
                         self._position_of(label), _patterns_json(label), existing),
                    )
                    updated.append(label.name)
            for label in group:
                parent_id = self.label_id(label.parent, label.scope) if label.parent else None
                self.conn.execute(
                    "UPDATE labels SET parent_id = ? WHERE id = ?",
                    (parent_id, self.label_id(label.name, label.scope)),
                )
        for i, attribute in enumerate(codebook.attributes):
            self.conn.execute(
                "INSERT INTO attribute_defs(name, allowed_values, position) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET allowed_values = excluded.allowed_values",
                (attribute.name, dumps(list(attribute.values)), i),
            )
        return {"added": added, "updated": updated, "notes": notes}

    def _check_codebook_keeps_data(self, codebook: Codebook) -> None:
        """Refuse a codebook that would strand what the project holds (see ``merge_codebook``)."""
        problems = []
        now_allowed = {name: values for name, values in self.conn.execute(
            "SELECT name, allowed_values FROM attribute_defs")}
        for attribute in codebook.attributes:
            if not attribute.values:
                continue  # free text takes anything
            before = json.loads(now_allowed.get(attribute.name) or "[]")
            path = "$." + json.dumps(attribute.name)
            for value, count in self.conn.execute(
                    "SELECT json_extract(attributes, ?) AS value, COUNT(*) FROM annotations "
                    "WHERE json_valid(attributes) AND json_type(attributes, ?) IS NOT NULL GROUP BY value",
                    (path, path)):
                # Only what the change strands: a value outside the list already stays a problem of
                # its own (``annotator check``), not a reason to refuse every later edit.
                if value not in attribute.values and (not before or value in before):
                    problems.append(f"attribute {attribute.name!r}: {count} span(s) have {value!r}, which the new "
                                    "list leaves out (add it to the list, or change those spans first)")
        stored = self.codebook()
        for label in [*codebook.labels, *codebook.doc_labels]:
            if stored.scope_problem(label.name, label.scope):
                other = "document" if label.scope == "span" else "span"
                problems.append(f"{label.name!r} is a {other} label here; a {label.scope} label of the same name "
                                "would be taken for it by every filter")
        if problems:
            raise AnnotatorError("the codebook was not imported: " + "; ".join(problems))

    def _position_of(self, label: Label) -> int:
        row = self.conn.execute(
            "SELECT position FROM labels WHERE name = ? AND scope = ?", (label.name, label.scope)
        ).fetchone()
        if row:
            return int(row[0])
        return self._next_position()

    def _next_position(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0])

    def _insert_label(self, label: Label) -> int:
        cursor = self.conn.execute(
            "INSERT INTO labels(name, scope, color, hotkey, description, examples, position, patterns) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (label.name, label.scope, label.color, label.hotkey, label.description,
             dumps(list(label.examples)), self._next_position(), _patterns_json(label)),
        )
        label_id = int(cursor.lastrowid or 0)
        self._label_ids[(label.scope, label.name)] = label_id
        self._names = None
        return label_id

    def replace_codebook(
        self, codebook: Codebook, renames: Iterable[tuple[str, ...]] = ()
    ) -> tuple[list[Annotation], list[tuple[int, str, str]]]:
        """Make the stored codebook equal to ``codebook``.

        ``renames`` (old, new[, scope]) keep a label's spans under its new name (scope "span"
        unless given); they apply all at once, so swaps and chains work. Labels the codebook no
        longer has are deleted together with their spans and document labels, which are
        returned (spans, ``(article id, annotator, label)``) so that the change can be undone.
        """
        codebook.validate()
        self._label_ids.clear()
        self._names = None
        # Renames are simultaneous (a -> b with b -> a swaps, a -> b with b -> c shifts): find
        # every label's id first, park them under names no label can have, then name them.
        moves = []
        for rename in renames:
            old, new, scope = (*rename, "span")[:3]
            row = self.conn.execute("SELECT id FROM labels WHERE name = ? AND scope = ?", (old, scope)).fetchone()
            if row is None:
                raise NotFound(f"no {scope} label called {old!r} to rename")
            moves.append((int(row[0]), new))
        for label_id, _ in moves:
            self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (f"\x00renaming {label_id}", label_id))
        for label_id, new in moves:
            self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (new, label_id))
        keep = {("span", label.name) for label in codebook.labels}
        keep |= {("document", label.name) for label in codebook.doc_labels}
        removed_spans: list[Annotation] = []
        removed_doc_labels: list[tuple[int, str, str]] = []
        for label_id, name, scope in self.conn.execute("SELECT id, name, scope FROM labels").fetchall():
            if (scope, name) in keep:
                continue
            uuids = [r[0] for r in self.conn.execute(
                "SELECT uuid FROM annotations WHERE label_id = ?", (label_id,))]
            removed_spans += [self.annotation(u) for u in uuids]
            removed_doc_labels += [
                (r[0], r[1], name) for r in self.conn.execute(
                    "SELECT d.article_id, n.name FROM doc_labels d JOIN annotators n "
                    "ON n.id = d.annotator_id WHERE d.label_id = ?", (label_id,))
            ]
            self.conn.execute("DELETE FROM annotations WHERE label_id = ?", (label_id,))
            self.conn.execute("DELETE FROM doc_labels WHERE label_id = ?", (label_id,))
            self.conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))
        # Hotkeys move freely between labels: clear them all, then set, to avoid clashes midway.
        self.conn.execute("UPDATE labels SET hotkey = ''")
        self.merge_codebook(codebook)
        position = 0
        for group in (codebook.labels, codebook.doc_labels):
            for label in group:
                self.conn.execute(
                    "UPDATE labels SET position = ? WHERE name = ? AND scope = ?",
                    (position, label.name, label.scope),
                )
                position += 1
        names = [a.name for a in codebook.attributes]
        self.conn.execute(
            f"DELETE FROM attribute_defs WHERE name NOT IN ({','.join('?' * len(names))})", names
        )
        for i, attribute in enumerate(codebook.attributes):
            self.conn.execute("UPDATE attribute_defs SET position = ? WHERE name = ?", (i, attribute.name))
        return removed_spans, removed_doc_labels

    def label_usage(self, name: str, scope: str = "span") -> int:
        """How many spans (or document labels) use a label."""
        table = "annotations" if scope == "span" else "doc_labels"
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM {table} t JOIN labels l ON l.id = t.label_id "
            "WHERE l.name = ? AND l.scope = ?",
            (name, scope),
        ).fetchone()
        return int(row[0])

    def label_id(self, name: str, scope: str = "span") -> int | None:
        if not self.conn.in_transaction:  # inside write() the check ran at BEGIN
            self._check_caches()
        key = (scope, name)
        if key in self._label_ids:
            return self._label_ids[key]
        row = self.conn.execute(
            "SELECT id FROM labels WHERE name = ? AND scope = ?", (name, scope)
        ).fetchone()
        if row:
            self._label_ids[key] = row[0]
            return int(row[0])
        return None

    def ensure_label(self, name: str, scope: str = "span") -> tuple[int, bool]:
        """The label's id, adding it (with the next palette colour) if the codebook lacks it.

        Returns ``(id, created)``.
        """
        existing = self.label_id(name, scope)
        if existing is not None:
            return existing, False
        count = self.conn.execute("SELECT COUNT(*) FROM labels WHERE scope = ?", (scope,)).fetchone()[0]
        return self._insert_label(Label(name, PALETTE[count % len(PALETTE)], scope=scope)), True

    # -- annotators ---------------------------------------------------------------------------

    def annotators(self) -> list[Annotator]:
        return [
            Annotator(uuid=u, name=n, id=i)
            for i, u, n in self.conn.execute("SELECT id, uuid, name FROM annotators ORDER BY name")
        ]

    def annotator_by_name(self, name: str) -> Annotator | None:
        row = self.conn.execute(
            "SELECT id, uuid, name FROM annotators WHERE name = ?", (name,)
        ).fetchone()
        return Annotator(uuid=row[1], name=row[2], id=row[0]) if row else None

    def annotator_by_uuid(self, annotator_uuid: str) -> Annotator | None:
        row = self.conn.execute(
            "SELECT id, uuid, name FROM annotators WHERE uuid = ?", (annotator_uuid,)
        ).fetchone()
        return Annotator(uuid=row[1], name=row[2], id=row[0]) if row else None

    def gold_annotator(self) -> Annotator:
        """The gold layer's annotator, created on first use."""
        annotator, _ = self.ensure_annotator(GOLD, GOLD_UUID)
        return annotator

    def ensure_annotator(self, name: str, annotator_uuid: str | None = None, *,
                         adoptable: Collection[int] = ()) -> tuple[Annotator, bool]:
        """Find an annotator by id (if given) or name, adding them if unknown.

        ``adoptable``: ids of annotators whose own id was made up when they were added by name
        alone (e.g. earlier in the same import, from a list of names); one of them with this
        name takes ``annotator_uuid`` instead of clashing with it.

        Returns ``(annotator, created)``.

        Raises:
            IdentityClash: ``name`` is already used by an annotator with another id.
        """
        if name == GOLD:
            annotator_uuid = GOLD_UUID  # one gold layer, whichever project it came from
        if annotator_uuid:
            found = self.annotator_by_uuid(annotator_uuid)
            if found:
                return found, False
            same_name = self.annotator_by_name(name)
            if same_name and same_name.id in adoptable:
                self.conn.execute("UPDATE annotators SET uuid = ? WHERE id = ?", (annotator_uuid, same_name.id))
                self._names = None
                return Annotator(uuid=annotator_uuid, name=name, id=same_name.id), False
            if same_name:
                raise IdentityClash(
                    f"annotator {name!r} arrives with id {annotator_uuid}, but this project "
                    f"already has a different {name!r} (id {same_name.uuid}); rename one of them "
                    "before importing so that two people's work is not mixed",
                    name=name,
                )
        else:
            found = self.annotator_by_name(name)
            if found:
                return found, False
        new = Annotator(uuid=annotator_uuid or new_uuid(), name=name)
        cursor = self.conn.execute(
            "INSERT INTO annotators(uuid, name, created_at) VALUES (?, ?, ?)",
            (new.uuid, new.name, now()),
        )
        self._names = None
        return Annotator(uuid=new.uuid, name=new.name, id=int(cursor.lastrowid or 0)), True



def _patterns_json(label: Label) -> str:
    """The ``labels.patterns`` column of a label: its patterns' JSON forms, in order."""
    return dumps([pattern.to_dict() for pattern in label.patterns])


def stored_patterns(column: str) -> tuple[LabelPattern, ...]:
    """A label's patterns as the ``labels.patterns`` column holds them.

    They were checked when the codebook was written; a column another program damaged is read
    as no patterns rather than making the whole codebook unreadable.
    """
    if column == "[]":
        return ()
    try:
        return patterns_from(json.loads(column), "")
    except (ValueError, AnnotatorError):
        return ()
