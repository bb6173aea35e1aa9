"""Edits: one command (``model.commands``) applied in its own transaction, its inverse returned.

``execute`` is how the window and the CLI change spans, document labels, statuses and the
codebook; it checks a span against the article's text, refuses a span stored twice, logs the
edit, and returns what changed (for redrawing) with the command that undoes it (for the undo
stack). Annotators an edit names are added as needed; labels must be in the codebook, and so
must the value of an attribute with a list of values (``Codebook.check_attributes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.model.commands import (
    AddSpan,
    Changes,
    Command,
    EditCodebook,
    RemoveSpan,
    SetDocLabel,
    SetStatus,
    UpdateSpan,
)
from annotator.model.errors import InvalidSpan, NotFound
from annotator.model.offsets import check_span
from annotator.model.types import Annotation, Annotator
from annotator.project.base import ProjectBase


class EditsMixin(ProjectBase):
    """Edits: execute a command, with the inverse that undoes it."""

    def execute(self, command: Command, *, actor: str | None = None) -> tuple[Changes, Command]:
        """Apply one edit in its own transaction; returns what changed and the inverse edit.

        The event log records ``actor`` as who made the edit (default: the annotator the
        command names, or for a span edit, the span's annotator).

        Raises:
            InvalidSpan: offsets outside the article, the same span already stored, or an
                attribute value outside the codebook's list for that attribute.
            NotFound: an unknown article, span or label.
            CodebookError: an invalid codebook.
        """
        store = self._store
        with store.write():
            who = actor or getattr(command, "annotator", None)
            if who is None and isinstance(command, RemoveSpan | UpdateSpan):
                who = store.annotation(command.uuid).annotator
            if isinstance(command, AddSpan):
                result = self._add_span(command)
            elif isinstance(command, RemoveSpan):
                span = store.annotation(command.uuid)
                store.delete_annotation(command.uuid)
                result = (
                    Changes(frozenset({span.article_id or 0}), frozenset({span.uuid or ""})),
                    AddSpan(article_id=span.article_id or 0, annotator=span.annotator or "",
                            start=span.start, end=span.end, label=span.label,
                            attributes=span.attributes, note=span.note, origin=span.origin,
                            uuid=span.uuid or "", created=span.created, updated=span.updated,
                            reviewer=span.reviewer, source=span.source),
                )
            elif isinstance(command, UpdateSpan):
                result = self._update_span(command)
            elif isinstance(command, SetStatus):
                annotator = self._annotator_for_edit(command.annotator)
                previous = store.set_status(article_id=command.article_id,
                                            annotator_id=annotator.id or 0, status=command.status)
                result = (Changes(frozenset({command.article_id}), status=True),
                          SetStatus(command.article_id, command.annotator, previous))
            elif isinstance(command, SetDocLabel):
                result = self._set_doc_label(command)
            elif isinstance(command, EditCodebook):
                result = self._edit_codebook(command)
            else:
                result = self._execute_more(command)
            changes, inverse = result
            store.log_event(
                type(command).__name__,
                annotator=who,
                article_id=next(iter(changes.article_ids), None),
                target=getattr(command, "uuid", None),
                details={"description": command.description},
            )
        return changes, inverse

    def _execute_more(self, command: Command) -> tuple[Changes, Command]:
        """The commands another part of ``Project`` applies (``assist``: suggestions), inside
        ``execute``'s transaction; ``(changes, inverse)``."""
        raise TypeError(f"not a command: {command!r}")

    def _annotator_for_edit(self, name: str) -> Annotator:
        annotator, _ = self._store.ensure_annotator(name)
        return annotator

    def _label_for_edit(self, name: str, scope: str = "span") -> int:
        label_id = self._store.label_id(name, scope)
        if label_id is None:
            raise NotFound(f"no label called {name!r} in the codebook")
        return label_id

    def _check_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Raises InvalidSpan for a value outside its attribute's list in the codebook."""
        if attributes and (problems := self._store.codebook().check_attributes(attributes)):
            raise InvalidSpan("; ".join(problems))

    def _add_span(self, command: AddSpan) -> tuple[Changes, Command]:
        store = self._store
        start, end = command.start, command.end
        text = self.article_text(command.article_id)
        check_span(text, start, end)
        if command.created is None:
            # A span with its stored time is the undo of a removal: it comes back as it was,
            # even with a value from before the check (or a later codebook), never half-lost.
            self._check_attributes(command.attributes)
        covered = text[start:end]
        annotator = self._annotator_for_edit(command.annotator)
        uuid, created = store.add_annotation(
            article_id=command.article_id, annotator_id=annotator.id or 0,
            label_id=self._label_for_edit(command.label), start=start, end=end,
            text=covered, attributes=command.attributes, note=command.note,
            origin=command.origin, annotation_uuid=command.uuid, created=command.created,
            updated=command.updated,
            reviewer_id=self._annotator_for_edit(command.reviewer).id if command.reviewer else None,
            source=command.source,
        )
        if not created:
            raise InvalidSpan(f"“{covered}” is already labelled {command.label}")
        return Changes(frozenset({command.article_id}), frozenset({uuid})), RemoveSpan(uuid)

    def _update_span(self, command: UpdateSpan) -> tuple[Changes, Command]:
        store = self._store
        old = store.annotation(command.uuid)
        fields: dict[str, Any] = {}
        if command.label is not None:
            fields["label_id"] = self._label_for_edit(command.label)
        if command.attributes is not None:
            # Only values this edit changes are checked, so a span imported or labelled before
            # its attribute got a list can still have its note or other attributes edited.
            self._check_attributes({name: value for name, value in command.attributes.items()
                                    if name not in old.attributes or old.attributes[name] != value})
            fields["attributes"] = command.attributes
        if command.note is not None:
            fields["note"] = command.note
        moved = command.start is not None or command.end is not None
        if moved:
            start = old.start if command.start is None else command.start
            end = old.end if command.end is None else command.end
            text = self.article_text(old.article_id or 0)
            check_span(text, start, end)
            fields.update(start=start, end=end, text=text[start:end])
        if moved or command.label is not None:
            self._refuse_twin(old, command)
        store.update_annotation(command.uuid, **fields)
        inverse = UpdateSpan(
            command.uuid,
            label=old.label if command.label is not None else None,
            attributes=old.attributes if command.attributes is not None else None,
            note=old.note if command.note is not None else None,
            start=old.start if moved else None,
            end=old.end if moved else None,
        )
        return Changes(frozenset({old.article_id or 0}), frozenset({command.uuid})), inverse

    def _refuse_twin(self, old: Annotation, command: UpdateSpan) -> None:
        """Raises InvalidSpan if the edited span would equal another span of its annotator
        (same extent and label): two copies of one span are never stored."""
        start = old.start if command.start is None else command.start
        end = old.end if command.end is None else command.end
        label = old.label if command.label is None else command.label
        annotator = self._store.annotator_by_name(old.annotator or "")
        others = self._store.annotations(old.article_id or 0, annotator_ids=[annotator.id or 0] if annotator else [],
                                         labels=[label])
        if any(s.uuid != old.uuid and (s.start, s.end, s.label) == (start, end, label) for s in others):
            covered = self.article_text(old.article_id or 0)[start:end]
            raise InvalidSpan(f"“{covered}” is already labelled {label} by {old.annotator}: "
                              "the span would equal that one")

    def _set_doc_label(self, command: SetDocLabel) -> tuple[Changes, Command]:
        annotator = self._annotator_for_edit(command.annotator)
        ids = {"article_id": command.article_id, "annotator_id": annotator.id or 0,
               "label_id": self._label_for_edit(command.label, "document")}
        change = self._store.add_doc_label if command.present else self._store.remove_doc_label
        changed = change(**ids)
        inverse = SetDocLabel(command.article_id, command.annotator, command.label,
                              not command.present if changed else command.present)
        return Changes(frozenset({command.article_id}), doc_labels=True), inverse

    def _edit_codebook(self, command: EditCodebook) -> tuple[Changes, Command]:
        store = self._store
        previous = store.codebook()
        removed_spans, removed_doc_labels = store.replace_codebook(command.codebook, command.renames)
        for span in command.restore:
            annotator = self._annotator_for_edit(span.annotator or "")
            store.add_annotation(
                article_id=span.article_id or 0, annotator_id=annotator.id or 0,
                label_id=self._label_for_edit(span.label), start=span.start, end=span.end,
                text=span.text or "", attributes=span.attributes, note=span.note, origin=span.origin,
                annotation_uuid=span.uuid, created=span.created, updated=span.updated,
                reviewer_id=self._annotator_for_edit(span.reviewer).id if span.reviewer else None,
                source=span.source,
            )
        for article_id, annotator_name, label in command.restore_doc_labels:
            annotator = self._annotator_for_edit(annotator_name)
            store.add_doc_label(article_id=article_id, annotator_id=annotator.id or 0,
                                label_id=self._label_for_edit(label, "document"))
        inverse = EditCodebook(
            previous,
            renames=tuple((rename[1], rename[0], *rename[2:]) for rename in command.renames),
            restore=tuple(removed_spans),
            restore_doc_labels=tuple(removed_doc_labels),
        )
        touched = {s.article_id or 0 for s in [*removed_spans, *command.restore]}
        return Changes(frozenset(touched), codebook=True, doc_labels=True), inverse
