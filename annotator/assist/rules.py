"""Codebook rules: each label's keywords and regular expressions (``model/patterns.py``) as suggestions.

To use it::

    suggestions = find_rule_matches(article.text, codebook.labels)
    # [Suggestion(start=211, end=221, label="Anti-imperialist framing", text="imperialis",
    #             source="rule/1:Anti-imperialist framing", attributes={}), ...]

Matching ignores case and diacritics and keeps exact code-point offsets into the text
(``assist/text.py``). Keywords match whole words; a regex match must begin and end at word
edges. Of a label's matches, one inside a longer one of the same label is dropped, and so is
one that overlaps a match of the label's exclusions. Labels are compiled once per set of
patterns (cached by their content), so a codebook edit takes effect at once and an unchanged
one costs nothing.

``RULES_VERSION`` is part of every source: bump it when matching changes, so that spans
accepted under the old rules can be told apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from annotator.assist import Suggestion
from annotator.assist.text import FoldedText, LiteralMatcher, TextView, ends_word_ok, fold, starts_word_ok
from annotator.model.offsets import written_without_spaces
from annotator.model.patterns import LabelPattern
from annotator.model.types import Label

RULES_VERSION = 1


def rule_source(label: str) -> str:
    """The ``source`` of a rule suggestion for ``label``: ``rule/1:<label>``."""
    return f"rule/{RULES_VERSION}:{label}"


def fts_query(matcher: LiteralMatcher) -> str | None:
    """An FTS5 query that every article with a match of ``matcher`` matches, or None when the
    literal has no letter or digit for the index to find, or letters of a script written
    without spaces (the index cannot find a word inside a run of them).

    Its words as one quoted phrase (the last as a prefix if it is one: ``"operasi militer" *``);
    with a prefix before the last word, which a phrase cannot hold, all of its words (``AND``).
    """
    words = [(word, prefix) for word, prefix in matcher.words if any(c.isalnum() for c in word)]
    if not words or any(written_without_spaces(c) for word, _ in words for c in word):
        return None  # the index holds a run of Chinese or Thai letters as one token: no word of it

    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    if not any(prefix for _, prefix in words[:-1]):
        return quoted(" ".join(word for word, _ in words)) + (" *" if words[-1][1] else "")
    return " AND ".join(quoted(word) + (" *" if prefix else "") for word, prefix in words)


def _keyword(value: str) -> LiteralMatcher:
    return LiteralMatcher(value, stars=True)


def _regex(value: str) -> re.Pattern[str]:
    """A pattern for folded text: its non-ASCII characters folded too (ASCII holds all of regex
    syntax, so this never changes what is syntax), case ignored. Should folding break it (a
    range such as ``[z-Ā]`` turning round), the pattern is used as written."""
    folded = "".join(c if c.isascii() else fold(c) for c in value)
    try:
        return re.compile(f"(?:{folded})", re.IGNORECASE)
    except re.error:
        return re.compile(f"(?:{value})", re.IGNORECASE)


class LabelRules:
    """One label's patterns, compiled (``label_rules`` caches them)."""

    def __init__(self, label: str, patterns: tuple[LabelPattern, ...]):
        self.label = label
        self.source = rule_source(label)
        self.keywords = [_keyword(p.value) for p in patterns if p.kind == "keyword" and not p.exclude]
        self.regexes = [_regex(p.value) for p in patterns if p.kind == "regex" and not p.exclude]
        self.excluded_keywords = [_keyword(p.value) for p in patterns if p.kind == "keyword" and p.exclude]
        self.excluded_regexes = [_regex(p.value) for p in patterns if p.kind == "regex" and p.exclude]
        self.needs_folding = bool(self.regexes or self.excluded_regexes)
        queries = [fts_query(matcher) for matcher in self.keywords]
        self.fts_query = None if self.regexes or None in queries or not queries else " OR ".join(
            f"({query})" for query in queries)
        """An FTS5 query that every article with a match matches, or None (a regex: any article may)."""

    def spans(self, view: TextView) -> list[tuple[int, int]]:
        """The label's matches in a text, in order (``view`` holds the text's folded forms,
        made once for all labels, and only when needed)."""
        text = view.text
        found = [span for matcher in self.keywords if matcher.may_occur(view) for span in matcher.spans(text)]
        for regex in self.regexes:
            found += _regex_spans(regex, view.folded)
        if len(found) > 1:
            found = _outermost(found)
        if found and (self.excluded_keywords or self.excluded_regexes):
            excluded = [span for matcher in self.excluded_keywords if matcher.may_occur(view)
                        for span in matcher.spans(text)]
            for regex in self.excluded_regexes:
                excluded += _regex_spans(regex, view.folded)
            found = [(s, e) for s, e in found if not any(s < xe and xs < e for xs, xe in excluded)]
        return found


@lru_cache(maxsize=512)
def label_rules(label: str, patterns: tuple[LabelPattern, ...]) -> LabelRules:
    """The compiled rules of a label with these patterns (cached by name and patterns)."""
    return LabelRules(label, patterns)


def _regex_spans(regex: re.Pattern[str], folded: FoldedText) -> list[tuple[int, int]]:
    """Matches of a regex on folded text that begin and end at word edges, as original offsets."""
    spans = []
    text = folded.folded
    position = 0
    while position <= len(text) and (found := regex.search(text, position)) is not None:
        start, end = found.span()
        if start == end or not (starts_word_ok(text, start) and ends_word_ok(text, end)):
            position = start + 1  # a later match may start inside this one
            continue
        spans.append(folded.original(start, end))
        position = end
    return spans


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside another one (equal ones once), in order."""
    kept: list[tuple[int, int]] = []
    reach = -1
    for start, end in sorted(set(spans), key=lambda span: (span[0], -span[1])):
        if end <= reach:
            continue
        kept.append((start, end))
        reach = end
    return kept


def find_rule_matches(text: str, labels: Iterable[Label]) -> list[Suggestion]:
    """Suggestions from the patterns of ``labels`` (span labels; others and labels without
    patterns are skipped), ordered by start, end and label; source ``rule/1:<label>``."""
    view = TextView(text)
    suggestions = []
    for label in labels:
        if not label.patterns or label.scope != "span":
            continue
        rules = label_rules(label.name, label.patterns)
        suggestions += [Suggestion(start, end, label.name, text[start:end], rules.source)
                        for start, end in rules.spans(view)]
    suggestions.sort(key=lambda s: (s.start, s.end, s.label))
    return suggestions
