"""Value types shared by every layer. Offsets are code points (see ``offsets.py``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.model.errors import CodebookError
from annotator.model.patterns import LabelPattern, check_pattern, patterns_from

ORIGINS = ("manual", "imported", "suggestion", "adjudicated")
GOLD = "gold"
"""The reserved annotator name of the gold layer (adjudicated spans)."""
GOLD_UUID = "5a1d0000-0000-4000-8000-00000000901d"
"""The gold layer has the same id in every project, so reviewers' gold layers merge."""


def check_person_name(name: str) -> None:
    """Raises AnnotatorError for a name a person cannot work under (empty, or the gold layer's)."""
    from annotator.model.errors import AnnotatorError

    if name.strip() in ("", GOLD):
        raise AnnotatorError(f"{name!r} cannot be an annotator's name"
                             + (" (it is the gold layer)" if name == GOLD else ""))
STATUSES = ("not_started", "in_progress", "done")

# Colour-blind-safe qualitative palettes (Okabe & Ito 2008, then Paul Tol's "light").
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999",
    "#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00",
)


_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")


def is_valid_color(color: str) -> bool:
    """True for ``#rgb`` and ``#rrggbb`` (any case), the forms codebook files and PALETTE use.

    Colours are pasted into Qt stylesheets and brat's visual.conf, so nothing else may pass:
    ``red; background: url(x)`` would inject stylesheet rules.
    """
    return bool(_COLOR.fullmatch(color))


def text_hash(text: str) -> str:
    """The hash that identifies an article's text (SHA-256 of its UTF-8 bytes, hex)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Article:
    text: str
    title: str = ""
    external_id: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    imported_at: str | None = None

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True)
class Annotator:
    uuid: str
    name: str
    id: int | None = None


@dataclass
class Annotation:
    """A labelled span ``text[start:end]`` by one annotator."""

    start: int
    end: int
    label: str
    text: str | None = None
    annotator: str | None = None
    annotator_uuid: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    origin: str = "imported"
    uuid: str | None = None
    created: str | None = None
    updated: str | None = None
    article_id: int | None = None
    reviewer: str | None = None  # who adjudicated a gold-layer span
    source: str | None = None  # an accepted suggestion's detector and version ("quotes/1", "rule/1:…")


@dataclass
class DocLabel:
    label: str
    annotator: str | None = None
    annotator_uuid: str | None = None


@dataclass(frozen=True)
class Label:
    name: str
    color: str = ""
    hotkey: str = ""
    description: str = ""
    examples: tuple[str, ...] = ()
    parent: str | None = None
    scope: str = "span"
    patterns: tuple[LabelPattern, ...] = ()
    """Keywords and regular expressions that suggest this label (``model/patterns.py``)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "color": self.color}
        if self.hotkey:
            data["hotkey"] = self.hotkey
        if self.description:
            data["description"] = self.description
        if self.examples:
            data["examples"] = list(self.examples)
        if self.parent:
            data["parent"] = self.parent
        if self.patterns:
            data["patterns"] = [pattern.to_dict() for pattern in self.patterns]
        return data


@dataclass(frozen=True)
class AttributeDef:
    """A span attribute of the codebook: with ``values`` a closed list, without them free text."""

    name: str
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "values": list(self.values)}

    def check_value(self, value: Any) -> str | None:
        """Why ``value`` cannot be this attribute's value, or None if it can.

        A free-text attribute (no ``values``) takes anything; a listed one takes exactly one of
        its values (same case and spaces: exports and agreement compare them as stored).
        """
        if not self.values or (isinstance(value, str) and value in self.values):
            return None
        return (f"attribute {self.name!r} cannot be {value!r}: the codebook allows "
                + ", ".join(repr(v) for v in self.values))


@dataclass
class Codebook:
    """Labels (span and document scope) and attribute definitions.

    To read one from its JSON form::

        codebook = Codebook.from_dict(json.load(f))

    Only a label's ``name`` is required; missing colours are filled from ``PALETTE``.
    """

    labels: list[Label] = field(default_factory=list)
    attributes: list[AttributeDef] = field(default_factory=list)
    doc_labels: list[Label] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Any) -> Codebook:
        """Build and validate a codebook from its JSON form.

        Raises:
            CodebookError: not an object, a label without a name, a duplicate name or hotkey,
                a parent that is not a label of the codebook, a colour that is not
                ``#rrggbb`` / ``#rgb``, or a pattern that is not a keyword or a valid regex.
        """
        if not isinstance(data, dict):
            raise CodebookError("a codebook is a JSON object with a 'labels' list")
        labels = [_label_from(item, "span", i) for i, item in enumerate(_list(data, "labels"))]
        doc_labels = [
            _label_from(item, "document", i) for i, item in enumerate(_list(data, "doc_labels"))
        ]
        attributes = []
        for i, item in enumerate(_list(data, "attributes")):
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not str(item.get("name") or "").strip():
                raise CodebookError(f"attribute {i + 1} has no name")
            values = item.get("values") or []
            if not isinstance(values, list):
                raise CodebookError(f"attribute {item['name']!r}: 'values' must be a list")
            attributes.append(AttributeDef(str(item["name"]).strip(), tuple(map(str, values))))
        codebook = cls(labels=labels, attributes=attributes, doc_labels=doc_labels)
        codebook.fill_colors()
        codebook.validate()
        return codebook

    def single_scope_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """``(span_only, document_only)``: the names that are labels of one scope and not the
        other. Such a name cannot be used in the other scope (``scope_problem``)."""
        spans = frozenset(label.name for label in self.labels)
        documents = frozenset(label.name for label in self.doc_labels)
        return spans - documents, documents - spans

    def scope_problem(self, name: str, scope: str) -> str | None:
        """Why ``name`` cannot be a label of ``scope`` here: it is a label of the other scope
        only (a span labelled with a document label's name would make a second label of that
        name, and every filter by name would take both). None when it can."""
        span_only, document_only = self.single_scope_names()
        if name in (document_only if scope == "span" else span_only):
            other = "document" if scope == "span" else "span"
            return f"{name!r} is a {other} label in this project, not a {scope} label"
        return None

    def check_attributes(self, attributes: Mapping[str, Any]) -> list[str]:
        """The problems of a span's attributes against this codebook, one line each; [] if none.

        To refuse a span with a value outside an attribute's list::

            if problems := codebook.check_attributes(span.attributes):
                raise InvalidSpan("; ".join(problems))

        Attributes the codebook does not define, and free-text ones, are not checked (imports
        keep what they bring). ``Project.execute`` refuses an ``AddSpan`` / ``UpdateSpan``
        with a problem; importers call this for each span they read.
        """
        definitions = {attribute.name: attribute for attribute in self.attributes}
        problems = []
        for name, value in attributes.items():
            attribute = definitions.get(name)
            problem = attribute.check_value(value) if attribute else None
            if problem:
                problems.append(problem)
        return problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": [label.to_dict() for label in self.labels],
            "attributes": [attribute.to_dict() for attribute in self.attributes],
            "doc_labels": [label.to_dict() for label in self.doc_labels],
        }

    def fill_colors(self) -> None:
        for group in (self.labels, self.doc_labels):
            for i, label in enumerate(group):
                if not label.color:
                    group[i] = _replace(label, color=PALETTE[i % len(PALETTE)])

    def validate(self, *, known_parents: frozenset[str] = frozenset()) -> None:
        """Raises CodebookError on duplicate names or hotkeys, an unknown parent or a colour
        that is not ``#rgb`` / ``#rrggbb`` (an empty colour is allowed: ``fill_colors`` fills it),
        or a pattern that cannot be used (an invalid regex: the message names label and pattern).

        ``known_parents`` are labels stored already, which a partial codebook may group under.
        """
        for group, what in ((self.labels, "label"), (self.doc_labels, "document label")):
            seen: set[str] = set(known_parents) if group is self.labels else set()
            names: set[str] = set()
            for label in group:
                if label.name in names:
                    raise CodebookError(f"{what} {label.name!r} appears twice")
                if label.color and not is_valid_color(label.color):
                    raise CodebookError(
                        f"{what} {label.name!r} has colour {label.color!r}; use #rrggbb or #rgb"
                    )
                for pattern in label.patterns:
                    check_pattern(pattern, label.name)
                names.add(label.name)
            seen |= names
            for label in group:
                if label.parent and label.parent not in seen:
                    raise CodebookError(
                        f"{what} {label.name!r} has parent {label.parent!r}, which is not a {what}"
                    )
        hotkeys: dict[str, str] = {}
        for label in [*self.labels, *self.doc_labels]:
            if label.hotkey:
                if label.hotkey in hotkeys:
                    raise CodebookError(
                        f"hotkey {label.hotkey!r} is used by both {hotkeys[label.hotkey]!r} "
                        f"and {label.name!r}"
                    )
                hotkeys[label.hotkey] = label.name
        attribute_names = [a.name for a in self.attributes]
        if len(attribute_names) != len(set(attribute_names)):
            raise CodebookError("an attribute name appears twice")


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise CodebookError(f"codebook {key!r} must be a list")
    return value


def _label_from(item: Any, scope: str, index: int) -> Label:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not str(item.get("name") or "").strip():
        raise CodebookError(f"{'document ' if scope == 'document' else ''}label {index + 1} has no name")
    examples = item.get("examples") or []
    if isinstance(examples, str):
        examples = [examples]
    return Label(
        name=str(item["name"]).strip(),
        color=str(item.get("color") or ""),
        hotkey=str(item.get("hotkey") or ""),
        description=str(item.get("description") or ""),
        examples=tuple(str(e) for e in examples),
        parent=(str(item["parent"]) if item.get("parent") else None),
        scope=scope,
        patterns=patterns_from(item.get("patterns"), str(item["name"]).strip()),
    )


def _replace(label: Label, **changes: Any) -> Label:
    from dataclasses import replace

    return replace(label, **changes)
