"""A codebook label's patterns: the keywords and regular expressions that suggest it.

To read them from a label's JSON form::

    patterns = patterns_from([{"keyword": "imperialis*"}, {"regex": "ekspansi\\s+NATO"},
                              {"keyword": "hegemoni budaya", "exclude": True}], "Anti-imperialist framing")

A ``keyword`` matches whole words, ignoring case and diacritics (``imperialis`` finds
"Imperialís"); its words may be separated by any white space, and a word ending in ``*`` is a
prefix (``imperialis*`` finds "imperialisme", ``специальн* военн* операци*`` finds
"специальной военной операции"). A ``regex`` (Python syntax) is
matched on the text with case and diacritics folded away; a match must begin and end at word
edges, never inside a word. An ``exclude`` pattern suggests nothing itself: a match of the
label that overlaps one of its exclusions is dropped. Matching lives in ``assist/rules.py``;
this module only holds and checks the patterns, so that a bad regular expression is refused
when the codebook is read (``CodebookError`` naming the label and the pattern), never later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from annotator.model.errors import CodebookError

KINDS = ("keyword", "regex")


@dataclass(frozen=True)
class LabelPattern:
    """One pattern of a label: ``kind`` is ``"keyword"`` or ``"regex"``."""

    kind: str
    value: str
    exclude: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"keyword": …}`` or ``{"regex": …}``, with ``"exclude": true`` if so."""
        data: dict[str, Any] = {self.kind: self.value}
        if self.exclude:
            data["exclude"] = True
        return data

    def to_line(self) -> str:
        """The one-line form the codebook dialog edits: ``imperialis*``, ``re: operasi\\s+militer``,
        ``not: hegemoni budaya``, ``not re: …`` (``line_patterns`` reads it back)."""
        if self.kind == "regex":
            return ("not re: " if self.exclude else "re: ") + self.value
        return ("not: " if self.exclude else "") + self.value

    def problem(self) -> str | None:
        """Why this pattern cannot be used, or None."""
        if self.kind not in KINDS:
            return f"a pattern is a keyword or a regex, not {self.kind!r}"
        if not self.value.strip() or self.value.strip() == "*":
            return f"empty {self.kind}"
        if self.kind == "regex":
            try:
                re.compile(self.value)
                # Also as the matcher wraps it (assist/rules.py): a global flag such as (?i)
                # would then stand in the middle, which Python refuses.
                re.compile(f"(?:{self.value})")
            except re.error as error:
                return f"{self.value!r} is not a valid regular expression ({error})"
        return None


def patterns_from(value: Any, label: str) -> tuple[LabelPattern, ...]:
    """A label's ``patterns`` from its JSON form (a list; a string in it is a keyword).

    Raises:
        CodebookError: not a list, an item that is neither a keyword nor a regex, or a pattern
            ``LabelPattern.problem`` refuses; the message names the label and the pattern.
    """
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CodebookError(f"label {label!r}: 'patterns' must be a list")
    patterns = []
    for item in value:
        if isinstance(item, str):
            item = {"keyword": item}
        kinds = [kind for kind in KINDS if isinstance(item, dict) and kind in item]
        if len(kinds) != 1 or not isinstance(item[kinds[0]], str):
            raise CodebookError(f"label {label!r}: pattern {item!r} must have one 'keyword' or 'regex' (a text)")
        exclude = item.get("exclude", False)
        if not isinstance(exclude, bool):
            raise CodebookError(f"label {label!r}: pattern {item!r}: 'exclude' must be true or false")
        pattern = LabelPattern(kinds[0], item[kinds[0]], exclude)
        check_pattern(pattern, label)
        patterns.append(pattern)
    return tuple(patterns)


def check_pattern(pattern: LabelPattern, label: str) -> None:
    """Raises CodebookError naming the label and the pattern if the pattern cannot be used."""
    problem = pattern.problem()
    if problem:
        raise CodebookError(f"label {label!r}: pattern {pattern.value!r}: {problem}")


def line_patterns(text: str, label: str) -> tuple[LabelPattern, ...]:
    """Patterns from the dialog's lines, one a line (``LabelPattern.to_line``); blank lines are skipped.

    ``re:`` starts a regex, ``not:`` an exclusion keyword and ``not re:`` an exclusion regex;
    anything else is a keyword.

    Raises:
        CodebookError: as ``patterns_from``.
    """
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        exclude, kind = False, "keyword"
        if line.startswith("not re:"):
            exclude, kind, line = True, "regex", line[len("not re:"):].strip()
        elif line.startswith("not:"):
            exclude, line = True, line[len("not:"):].strip()
        elif line.startswith("re:"):
            kind, line = "regex", line[len("re:"):].strip()
        pattern = LabelPattern(kind, line, exclude)
        check_pattern(pattern, label)
        patterns.append(pattern)
    return tuple(patterns)
