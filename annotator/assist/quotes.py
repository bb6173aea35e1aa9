"""Quotations and their speakers in news text (Indonesian and English): suggestions for the
codebook's "Quotation" label, with its ``speaker`` and ``voice`` attributes.

To use it::

    from annotator.assist.quotes import find_quotations
    for s in find_quotations(article.text, article.language):
        print(s.start, s.end, s.attributes["speaker"], s.attributes["voice"])

What a suggestion covers (``tests/data/quotes/README.md``, the dev set's guideline, says the same):

- **direct quote** (``voice="direct quote"``): the quoted words *with* their marks, from the opening
  mark through the closing one, punctuation inside the marks included (``"Kami akan …,"``). A
  quotation interrupted by its attribution is two suggestions. A paragraph that opens a quotation
  and does not close it is covered to its end; the next paragraph's quotation is its own.
- **reported speech** (``voice="reported speech"``): the reported content only: after the frame
  (``X mengatakan (bahwa)``, ``menurut X,``, ``X said (that)``, ``according to X,``), or before it
  (``…, kata X.``, ``…, X said.``); without the complementiser (``bahwa``, ``that``; a question word
  stays) and without the sentence's final stop (a stop inside closing marks stays). A frame inside
  its sentence between commas (``…, kata dia, …``) leaves the whole sentence covered.
- **mixed quote** (the speaker's words in marks inside reported speech): one suggestion over the
  reported content, marks included, voice ``reported speech``; when the content is exactly one
  quotation (``said that "…"``) it is a direct quote. Speech acts that take no clause (``mengecam``,
  ``criticised``, ``called``) make a quotation only with such quoted words; it is then what follows
  the verb.
- **not quotations**: quoted terms and titles with no speech cue (scare quotes: ``kekuatan
  "imperialis"``, ``"satelit regionalnya"``); a fragment of one or two words unless a verb of naming
  governs it (``called the sentence "dangerous"``); the outlet's own statements; a statement whose
  attribution is in another sentence (``X mengemukakan hal itu``).

``speaker`` is the name written nearby, resolved to the fullest mention in the article (``Lavrov``
-> ``Sergey Lavrov``; an acronym to the name it abbreviates), titles dropped. A pronoun (``Ia``,
``katanya``, ``he``) or a pointing description (``direktur itu``) takes the nearest earlier speaker or
named sentence subject of its own or the two previous paragraphs (``they`` prefers a plural source), else
``""``; a quotation with no attribution that continues another takes its speaker; a source with no
name stays as written without determiners (``police``, ``juru bicara``).

Pure Python, no model: one pass over paragraphs and sentences with expressions compiled once per
language; the text around a quotation or cue is read within a bounded reach, so time grows with the
text's length (``bench/suggest_quality.py`` measures quality and speed).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from annotator.assist import Suggestion
from annotator.assist.cues import BOTH, EN_STOPWORDS, ENGLISH, ID_STOPWORDS, INDONESIAN, Inventory, words_of
from annotator.assist.quotemarks import Segment, segments, sentences
from annotator.assist.speakers import NONE, Mentions, Who, is_document, runs

SOURCE = "quotes/1"
DIRECT = "direct quote"
REPORTED = "reported speech"

_PARAGRAPH = re.compile(r"[^\n\u2029]+")
_HEAD = re.compile(r"[^\"“„«,]{0,80}")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_BRACKETS = re.compile(r"\(\([^()]*\)\)|\([^()]*\)|\[[^\[\]]*\]")
_GERUNDS = words_of("writing stating saying adding noting explaining telling insisting arguing asking")
_TO_OBJECT = re.compile(r"\s+(?:kepada|pada|to)\s+(?:[^\s,]+\s+){0,4}?(?=(?:bahwa|that|di|dalam|in|on|at)\b|,|:)",
                        re.IGNORECASE)
_TOLD_OBJECT = re.compile(
    r"\s+(?:(?:him|her|them|me|us|reporters|journalists|police|investigators|wartawan)\b"
    r"|(?:(?:the|a|an)\s+)?(?:[A-Z][\w.'’\-]*\s+)*[A-Z][\w.'’\-]*"
    r"|(?:the|a|an|his|her|their)\s+(?:[^\s,]+\s+){0,2}?[^\s,]+(?=\s+(?:that|in|on|at|during)\b|,|:))")
_ADVERB_AFTER = re.compile(r"\s*(?:pula|juga|lagi|also|further|again)\b\s*,?", re.IGNORECASE)
_THAT_SOON = re.compile(r",?\s*(?:[\w'’.\-]+,?\s+){0,5}?(?=(?:bahwa|that)\b)")
_PRONOUN_START = words_of("he she they it we i you there ia dia mereka kami kita saya")
_AUXILIARIES = words_of("is are was were has have had will would could can may might should must did does do")
_NEGATION = words_of("not never no tidak belum tak bukan enggan n't")
_NOUN_BEFORE = words_of("the a an his her their its these those such our my your sebuah")
_AMBIGUOUS = words_of("claims reports notes states comments replies charges remarks tweets")
"""Cue words that are also plural nouns (``asylum claims over 150,000``): a clause must follow them."""
_PASSIVE_BE = words_of("were was been be is are being")
_SAY = words_of("said says added adds wrote writes mengatakan menambahkan menyatakan menegaskan menjelaskan")
"""Verbs that go on with a second reported clause of the same speaker (``…, and said it was …``)."""
_CONJUNCTIONS = words_of("and but or that dan atau tetapi namun bahwa serta")
_BEFORE_PARTICIPLE = words_of("has have had also then later publicly he she they it and")
_SEPARATORS = (", but ", "; ", " but ", ", while ", ", namun ", ", tetapi ", ", sedangkan ", " seraya ",
               " sambil ", ", yet ", ", whereas ", " where ", " when ", " because ", " karena ", " ketika ",
               " sehingga ")
_CONTINUES = re.compile(
    r"^\s*,?\s*(?:but|and|while|whereas|although|namun|tetapi|sedangkan|sementara|dan|seraya|sambil)\b|^\s*,\s*\w+ing\b",
    re.IGNORECASE)
_FINAL = " \t.!?;:,"
_PRONOUN_REACH = 2
"""Paragraphs before a pronoun in which its antecedent is looked for (news paragraphs are short)."""
_SUBJECT_REACH = 300
"""Code points before a cue in which its subject is looked for (keeps a run-on text linear)."""
_LETTER = re.compile(r"[^\W_]")
_NOT_QUOTE = re.compile(r"[\"“”„«»‘’'x\W]")
_TOLD_REST = re.compile(r"^[\w'’. \-]{1,40},?$")
_WITH = re.compile(r"^\s*(?:with|dengan)\s+")
_COLON_QUOTE = re.compile(r":\s*(?=[\"“„«])")
_NAME_SOURCE = re.compile(r"\s*(?:the\s+)?((?:dia|ia|beliau|[A-Z][\w'’.\-]*)(?:\s[A-Z][\w'’.\-]*){0,3})\s")
_CIRCUMSTANCE = re.compile(
    r"(?:dalam|di|kepada|pada|in|at|on|speaking|usai|saat)\b.*(?:nya\b|statement|interview|jakarta|pers\b)"
    r"|(?:senin|selasa|rabu|kamis|jumat|sabtu|minggu|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d)",
    re.IGNORECASE)
_PLACE_CHUNK = re.compile(r"di [A-Z]")
_TO_CLAUSE = re.compile(r"(?:to|untuk)\s")
_AS_BEFORE = re.compile(r"\b(?:as|sebagai)\s*$")
_FOR_QUOTE = re.compile(r"\s+(?:for|untuk)\s+(?=[\"“„«])")
_COMMA = re.compile(",")


@dataclass(frozen=True)
class _Patterns:
    """The expressions of one inventory, compiled once."""

    inv: Inventory
    after_inverted: re.Pattern[str]
    after_subject: re.Pattern[str]
    after_dash: re.Pattern[str]
    after_frame: re.Pattern[str]
    before_lead: re.Pattern[str]
    lead_frame: re.Pattern[str]
    lead_passive: re.Pattern[str]
    trailing: re.Pattern[str]
    trailing_bare: re.Pattern[str]
    middle: re.Pattern[str]
    middle_bare: re.Pattern[str]
    verbs: re.Pattern[str]
    weak: re.Pattern[str]
    complement: re.Pattern[str]
    and_said: re.Pattern[str]
    with_saying: re.Pattern[str]
    any_cue: re.Pattern[str]
    """Any cue word at all: a sentence without one and without quotation marks is skipped."""


_Trie = dict[str, "_Trie"]


def _alt(words: frozenset[str] | tuple[str, ...]) -> str:
    """A regular expression matching any of ``words`` (spaces match any white space), written as a
    trie: Python's ``re`` tries the branches of a plain alternation one by one at every position,
    which made the cue lists the slowest part of a run."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie(trie)


def _trie(node: _Trie) -> str:
    branches = []
    optional = False
    for char, child in sorted(node.items()):
        if char == "":
            optional = True
            continue
        head = r"\s+" if char == " " else re.escape(char)
        branches.append(head + _trie(child))
    if not branches:
        return ""
    if optional:
        return "(?:" + "|".join(branches) + ")?"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


@lru_cache(maxsize=4)
def _patterns(key: str) -> _Patterns:
    inv = {"id": INDONESIAN, "en": ENGLISH}.get(key, BOTH)
    inverted, verbs = _alt(inv.inverted), _alt(inv.verbs | inv.inverted)
    frames = _alt(inv.frames)
    passive = _alt(inv.passive_prefix) or "(?!)"
    said = f"(?:{inverted})(?:nya)?"
    lead_cues = _alt(inv.verbs | inv.inverted | inv.calling | _GERUNDS)
    no_case = re.IGNORECASE
    return _Patterns(
        inv=inv,
        after_inverted=re.compile(rf"^[\s,;:]*(?P<cue>{inverted})(?P<nya>nya)?\b(?P<rest>.*)$", re.S),
        after_subject=re.compile(
            rf"^[\s,;:]*(?P<subj>[^\s,.!?;:\"“”][^!?;:\"“”]{{0,100}}?)\s+(?P<cue>{verbs})\b(?P<rest>.{{0,140}})$",
            re.S),
        after_dash=re.compile(r"^\s*[-–—]+\s*(?P<subj>[^\W\d_][^.!?\"“”]{0,60})$"),
        after_frame=re.compile(rf"^[\s,;:]*(?P<frame>{frames})(?P<nya>nya)?\b(?P<rest>.*)$", no_case | re.S),
        before_lead=re.compile(
            rf"\b(?P<cue>{lead_cues})(?P<obj>(?:\s+[^\s\"“”„«:,]+){{0,5}}|(?:\s+[^\s\"“”„«]+){{0,24}}(?=\s*:))"
            r"\s*(?P<punct>[,:]?)\s*$"),
        lead_frame=re.compile(rf"^(?P<conn>(?:[^,\"“”]{{1,30}},\s*)?)(?P<frame>{frames})(?P<nya>nya)?\b", no_case),
        lead_passive=re.compile(rf"^(?P<conn>(?:[^,\"“”]{{1,30}},\s*)?)(?P<pas>{passive})\b", no_case),
        trailing=re.compile(
            rf"(?:[,\"”’»)]|\s[-–—])\s*(?:(?P<inv>{said})\b(?P<r1>[^;:\"“”]{{0,160}})"
            rf"|(?P<frame>{frames})\s+(?P<r2>[^;:\"“”]{{1,160}})"
            rf"|demikian\s+(?P<r5>[^,;:\"“”]{{1,60}}?)\s+melaporkan(?:nya)?"
            rf"|(?P<subj>[^,;:\"“”]{{1,60}}?)\s+(?P<cue>{verbs})\b(?P<r3>[^;:\"“”]{{0,100}}))[\s.!?]*$"),
        trailing_bare=re.compile(r"\s(?P<frame>according\s+to|menurut)\s+(?P<r4>[^,;:\"“”]{1,60}?)[\s.!?]*$"),
        middle=re.compile(
            rf",\s*(?:(?P<inv>{said})\b(?P<r1>[^,;:\"“”]{{0,60}})|(?P<frame>menurut|according\s+to)(?P<nya>nya)?\b"
            rf"(?P<r2>[^,;:\"“”]{{0,60}})|(?P<pas>{passive})\b(?P<r3>[^,;:\"“”]{{0,60}})"
            rf"|(?P<subj>[^,;:\"“”]{{1,40}}?)\s+(?P<cue>{verbs}))\s*,\s*\S"),
        middle_bare=re.compile(
            r"(?<!lebih)\s(?:(?P<frame>menurut)(?P<nya>nya)?|(?P<inv>kata))\s+"
            r"(?P<who>(?:dia|ia|beliau|mereka)\b|(?:[A-Z][\w'’\-]*\.?\s?){1,4})(?=[\s,])"),
        verbs=re.compile(rf"\b(?P<cue>{_alt(inv.verbs | inv.verbs_that)})\b"),
        weak=re.compile(rf"\b(?P<cue>{_alt(inv.weak | inv.calling)})\b(?:\s+kasih)?"),
        complement=re.compile(rf"\s*,?\s*(?:{_alt(inv.complementisers)})\b\s*,?\s*", no_case),
        and_said=re.compile(
            rf",?\s+(?:and|dan|serta)\s+(?:(?:also|juga|then|kemudian|he|she|it|they|ia|dia)\s+)?(?P<cue>{_alt(_SAY)})\b"
            rf"(?:\s+(?:that|bahwa))?\s*,?\s*"),
        any_cue=re.compile(
            rf"\b(?:{_alt(inv.verbs | inv.verbs_that | inv.inverted | inv.weak | inv.calling | inv.passive_prefix)}"
            rf"|{frames})", no_case),
        with_saying=re.compile(
            r",\s+(?:with|dengan)\s+(?P<subj>[^,;:\"“”]{1,40}?)\s+(?:reporting|saying|adding|noting|stating|claiming"
            r"|arguing|writing)\s+(?:that\s+)?"),
    )


def _language_key(text: str, language: str | None) -> str:
    if language:
        code = language.lower().replace("_", "-").split("-")[0]
        if code in ("id", "ms", "in"):
            return "id"
        if code == "en":
            return "en"
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    ind = sum(w in ID_STOPWORDS for w in words)
    eng = sum(w in EN_STOPWORDS for w in words)
    if ind > 2 * eng and ind >= 3:
        return "id"
    if eng > 2 * ind and eng >= 3:
        return "en"
    return "both"


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    voice: str
    who: Who
    at: int
    """Where the speaker is named (or the quotation starts): the point pronouns are resolved from."""
    paragraph: int
    speaker: str = ""


def find_quotations(text: str, language: str | None = None, *, label: str = "Quotation") -> list[Suggestion]:
    """Quotations in ``text`` with their speaker and voice, sorted by start.

    Args:
        text: the article's text; the suggestions' offsets are code points into it.
        language: an ISO code (``"id"``, ``"en"``); None or another language: guessed from common
            words, or both languages' cues when that is unclear.
        label: the label the suggestions carry.

    Returns:
        One ``Suggestion`` per quotation (what it covers: the module docstring), with
        ``attributes={"speaker": …, "voice": "direct quote" | "reported speech"}`` and
        ``source=SOURCE``. Suggestions never overlap.
    """
    if not text.strip():
        return []
    found = _Article(text, _patterns(_language_key(text, language))).run()
    return [Suggestion(f.start, f.end, label, text[f.start:f.end], SOURCE, {"speaker": f.speaker, "voice": f.voice})
            for f in found]


def _count(text: str, start: int, end: int) -> int:
    """The number of words in ``text[start:end]``."""
    return sum(1 for _ in _WORD.finditer(text, start, end))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without outer white space and without a final stop outside quotation marks."""
    while start < end and text[start] in " \t,;:":
        start += 1
    while end > start and text[end - 1] in _FINAL:
        end -= 1
    return start, end


def _last_words(text: str, n: int) -> list[str]:
    return [w.lower() for w in _WORD.findall(text[-60:])][-n:]


class _Article:
    """One article's paragraphs, read once in order."""

    def __init__(self, text: str, patterns: _Patterns) -> None:
        self.text = text
        self.p = patterns
        self.inv = patterns.inv
        self.mentions = Mentions(text, self.inv)
        self.reader = self.mentions.reader
        self.found: list[_Found] = []
        self.heads: list[tuple[int, str, int]] = []  # each sentence's start, first words (masked), paragraph
        self.lead_in: tuple[Who, int, int] | None = None  # "Rathbun stated," closing a paragraph

    def run(self) -> list[_Found]:
        continued = False
        for index, match in enumerate(_PARAGRAPH.finditer(self.text)):
            a, b = match.span()
            quoted = segments(self.text, a, b, continued=continued)
            continued = bool(quoted) and not quoted[-1].closed
            first = 0  # sentences and segments are both in order: one pass hands each its segments
            for s, e in sentences(self.text, a, b, quoted):
                while first < len(quoted) and quoted[first].start < s:
                    first += 1
                last = first
                while last < len(quoted) and quoted[last].start < e:
                    last += 1
                self._sentence(s, e, quoted[first:last], index)
                first = last
        self.found.sort(key=lambda f: (f.start, -f.end))
        kept: list[_Found] = []
        for f in self.found:
            if f.end > f.start and (not kept or f.start >= kept[-1].end):
                kept.append(f)
        self._resolve(kept)
        return kept

    def _add(self, start: int, end: int, voice: str, who: Who, at: int, paragraph: int) -> None:
        if end - start >= 2:
            self.found.append(_Found(start, end, voice, who, at, paragraph))

    def _after_who(self, start: int, end: int) -> Who:
        return self.reader.after(self.text, start, end)

    def _before_who(self, start: int, end: int, *, sentence_start: bool) -> Who:
        if end - start > _SUBJECT_REACH:  # a run-on sentence: its subject is read near the cue only
            start, sentence_start = end - _SUBJECT_REACH, False
        return self.reader.before(self.text, start, end, sentence_start=sentence_start)

    # -- one sentence ------------------------------------------------------------------------
    def _sentence(self, s: int, e: int, quoted: list[Segment], paragraph: int) -> None:
        if not quoted and not self.p.any_cue.search(self.text, s, e):
            self.heads.append((s, self.text[s:s + 80], paragraph))
            self.lead_in = None
            return
        masked = self._masked(s, e, quoted)
        self.heads.append((s, masked[:80], paragraph))
        direct = self._direct(s, e, quoted, masked, paragraph)
        self.lead_in = None
        if not direct and not self._reported(s, e, masked, paragraph):
            self._mixed(s, e, masked, paragraph, quoted)
        if not direct and masked.rstrip().endswith((":", ",")):
            lead = self.p.before_lead.search(masked)
            if lead and lead.group("cue") not in _GERUNDS:
                who = self._before_who(s, s + lead.start(), sentence_start=True)
                if who.kind != "none":
                    self.lead_in = (who, s + lead.start(), paragraph)

    def _subject(self, s: int, masked_head: str) -> str:
        """The person named as the subject of a sentence (``Rathbun requested …``, ``On board the
        Freewinds, Paris claims …``), or ``""``: a later pronoun may mean them."""
        head = _HEAD.match(masked_head)
        if not head:
            return ""
        start = s
        comma = masked_head.find(",", 0, head.end() + 1)
        if comma > 0 and masked_head.split(" ", 1)[0].lower() in self.inv.adjuncts:
            start = s + comma + 1  # past a leading circumstance
            head = _HEAD.match(masked_head, comma + 1)
            if not head:
                return ""
        for run in runs(self.text, start, s + head.end()):
            if run[2][0].lower() in self.inv.pronouns or run[2][0] in ("I", "We"):
                return ""  # "He described Montalvo …": the subject is the pronoun
            name = self.reader.name_of(self.text, run)
            if name is None:
                continue
            lead = [w.lower() for w in _WORD.findall(self.text[start:run[0]])]
            if not name.person or any(w not in self.inv.connectives and w not in self.inv.determiners for w in lead):
                return ""  # the clause does not open with the name
            if " " not in name.text and not self.mentions.seen_inside_sentence(name.text):
                return ""  # "Tujuannya adalah …", "Students like Rai …": a capitalised common word
            return name.text
        return ""

    def _masked(self, s: int, e: int, quoted: list[Segment]) -> str:
        """The sentence with the quoted words turned to ``x`` (same length), so that no cue is read
        inside a quotation; marks and punctuation stay."""
        parts = []
        pos = s
        for q in quoted:
            a, b = q.inner
            parts.append(self.text[pos:a])
            parts.append(_LETTER.sub("x", self.text[a:b]))
            pos = b
        parts.append(self.text[pos:e])
        return "".join(parts)

    # -- direct quotes -----------------------------------------------------------------------
    def _direct(self, s: int, e: int, quoted: list[Segment], masked: str, paragraph: int) -> bool:
        text = self.text
        found = False
        for index, q in enumerate(quoted):
            inner = _count(text, *q.inner)
            if not inner:
                continue  # marks around nothing
            reach = max(0, q.start - s - _SUBJECT_REACH)  # attributions are read near the quotation only
            before = masked[reach: q.start - s]
            next_start = quoted[index + 1].start - s if index + 1 < len(quoted) else len(masked)
            after = masked[q.end - s: min(next_start, q.end - s + _SUBJECT_REACH)]
            att = self._after(q, after, inner, s, e)
            if att is not None:
                who, at = att
                lead = self._before(s + reach, q, before)
                if lead is not None:
                    self._add(q.start, q.end, DIRECT, lead[0], lead[1], paragraph)
                elif before.strip(" ,;:") and not self._only_quotes(before):
                    start, _ = _strip(text, s, q.start)
                    self._add(start, q.end, REPORTED, who, at, paragraph)  # "Kunjungan … dan "…," kata Choe."
                else:
                    self._add(q.start, q.end, DIRECT, who, at, paragraph)
                found = True
                continue
            tail = masked[q.end - s: q.end - s + _SUBJECT_REACH]
            if "(" in tail or "[" in tail:
                tail = _BRACKETS.sub("", tail)
            free = not tail.strip(" .,;:!?)\"'”’»") or bool(_CONTINUES.match(tail))
            if not free:
                continue
            lead = self._before(s + reach, q, before)
            if lead is None and before.rstrip().endswith(":") and inner >= 3:
                subject = self._sentence_subject(s, q.start)
                lead = (subject, s) if subject.kind != "none" else None
            if lead is not None:
                self._add(q.start, q.end, DIRECT, lead[0], lead[1], paragraph)
                found = True
            elif (not before.strip() or self._only_quotes(before)) and (inner >= 4 or not q.opened):
                who = Who("previous")
                if self.lead_in and self.lead_in[2] >= paragraph - 1:
                    who = self.lead_in[0]
                self._add(q.start, q.end, DIRECT, who, q.start, paragraph)
                found = True
        return found

    @staticmethod
    def _only_quotes(before: str) -> bool:
        """Whether the text before a quotation holds only other quotations (``"…" "…"``)."""
        return not before.strip() or not _NOT_QUOTE.sub("", before)

    def _after(self, q: Segment, after: str, inner: int, s: int, e: int) -> tuple[Who, int] | None:
        """The attribution that follows quotation ``q`` in its sentence (``," kata Choe.``)."""
        text, p = self.text, self.p
        base = q.end
        close = text[q.inner[1] - 1:q.inner[1]]
        if not (close in ",.!?…" or after[:1] in ",;" or not q.closed or after.lstrip()[:1] in "-–—"):
            return None
        m = p.after_inverted.match(after)
        if m and (m.group("nya") or m.group("rest").strip(" .")):
            if m.group("nya"):
                return Who("pronoun", "nya"), base + m.start("cue")
            who = self._after_who(base + m.start("rest"), base + len(after))
            if who.kind != "none":
                return who, base + m.start("rest")
        m = p.after_frame.match(after)
        if m:
            if m.group("nya"):
                return Who("pronoun", "nya"), base + m.start("frame")
            who = self._after_who(base + m.start("rest"), base + len(after))
            if is_document(who):
                who = self._clause_subject(s, q.start) or who  # "Lavrov mengkritik … "…," menurut rekaman"
            return who, base + m.start("rest")
        m = p.after_subject.match(after)
        if m and len(_WORD.findall(m.group("subj"))) <= 10 and self._rest_is_adjunct(m.group("rest"), m.group("cue")):
            who = self._before_who(base + m.start("subj"), base + m.end("subj"), sentence_start=False)
            if who.kind != "none":
                return who, base + m.start("subj")
        m = p.after_dash.match(after)
        if m and q.closed and close in ".!?" and inner >= 3 and q.start == s:
            who = self._after_who(base + m.start("subj"), base + m.end("subj"))
            if who.kind == "name":
                return who, base + m.start("subj")
        return None

    def _clause_subject(self, s: int, end: int) -> Who | None:
        """The named subject of a speech act before ``end`` (``Lavrov mengkritik …``), if any."""
        m = self.p.weak.search(self.text, s, end) or self.p.verbs.search(self.text, s, end)
        if not m:
            return None
        who = self._before_who(s, m.start(), sentence_start=True)
        return who if who.kind in ("name", "pronoun") else None

    def _sentence_subject(self, s: int, end: int) -> Who:
        """The name that opens the sentence, after any circumstance (``During …, Sunak defended …: "…"``)."""
        pos = s
        for chunk_end in [m.start() for m in _COMMA.finditer(self.text[s:end])] + [end - s]:
            chunk = self.text[pos:s + chunk_end]
            words = chunk.split()
            if words and words[0].lower() not in self.inv.adjuncts:
                found = runs(self.text, pos, s + chunk_end)
                if found and found[0][0] - pos <= len(chunk) - len(chunk.lstrip()) + 1:
                    name = self.reader.name_of(self.text, found[0])
                    if name is not None and name.person:
                        return Who("name", name.text)
                return NONE
            pos = s + chunk_end + 1
        return NONE

    def _rest_is_adjunct(self, rest: str, cue: str) -> bool:
        """After ``X said``: nothing, or circumstances (``in a statement``, ``to the crowd``, ``, adding …``)."""
        rest = _BRACKETS.sub("", rest).strip(" .!?")
        if not rest:
            return True
        first = rest.lstrip(" ,").split(" ", 1)[0].lower()
        if cue in ("told", "tells") and _TOLD_REST.match(rest):
            return True  # "told the press, "…"
        return rest.startswith(",") or first in self.inv.adjuncts

    def _before(self, s: int, q: Segment, before: str) -> tuple[Who, int] | None:
        """The attribution that leads into quotation ``q`` (``X said: "…``, ``kata X: "…``); ``before`` is
        the sentence's text before it (masked), from offset ``s``."""
        m = self.p.before_lead.search(before)
        if not m:
            return None
        cue = m.group("cue").lower()
        obj = m.group("obj").split()
        colon = m.group("punct") == ":"
        if obj and obj[-1].lower() in ("on", "in", "at", "of", "about", "to", "by", "from", "di", "dalam", "pada",
                                       "tentang", "the", "a", "an"):
            return None  # "says on "The … Countdown"": the quotation is a title
        if obj and not colon and cue not in ("told", "tells", "tell") and obj[0].lower() not in self.inv.adjuncts \
                and not obj[0].startswith("@"):
            return None  # "say iodine deficiency is "…"": the quotation ends a reported clause
        if cue in self.inv.calling and not colon:
            return None  # "called the sentence "dangerous"": a mixed quote
        earlier = before[: m.start()]
        for other in self.p.verbs.finditer(earlier):
            if self._complement_after(earlier, other) is not None:
                return None  # "X reported that … a message stating, "…"": one reported clause
        who = NONE
        if cue in self.inv.inverted and cue not in self.inv.verbs and earlier.strip():
            who = self._after_who(s + m.end("cue"), s + m.end("obj"))
        if who.kind == "none" and cue in _GERUNDS:
            comma = max(earlier.rfind(","), 0)
            region = _WITH.sub("", earlier[comma:].lstrip(","))
            start = s + len(earlier) - len(region)
            who = self._before_who(start, s + m.start(), sentence_start=False) if region.strip() else NONE
            if who.kind == "none":
                first = self.p.verbs.search(earlier) or self.p.weak.search(earlier)
                who = self._before_who(s, s + (first.start() if first else m.start()), sentence_start=True)
        if who.kind == "none":
            clause = max((earlier.rfind(sep) + len(sep) for sep in _SEPARATORS if sep in earlier), default=0)
            who = self._before_who(s + clause, s + m.start(), sentence_start=clause == 0)
        if who.kind == "none":
            return None
        return who, s + m.start()

    # -- reported speech ---------------------------------------------------------------------
    def _reported(self, s: int, e: int, masked: str, paragraph: int) -> bool:
        text, p = self.text, self.p
        # "Menurut X, C" / "According to X, C" / "Mengutip dari X, Rabu, C"
        m = p.lead_frame.match(masked)
        content: int | None
        if m:
            if m.group("nya"):
                who, content = Who("pronoun", "nya"), s + m.end()
            else:
                who, content = self._source_then_content(s + m.end(), e)
            if content is not None and _count(text, content, e) >= 2:
                self._add_content(content, e, who, s + m.start("frame"), paragraph, masked, s)
                return True
        m = p.lead_passive.match(masked)
        if m:
            rest = s + m.end()
            content = None
            if m.group("pas").lower().endswith("nya"):
                who, content = Who("pronoun", "nya"), rest  # "Ditambahkannya, C" / "Selama ini, diakuinya C"
            elif not m.group("conn"):
                who, content = self._source_then_content(rest, e)
            if content is not None and _count(text, content, e) >= 2:
                self._add_content(content, e, who, s + m.start("pas"), paragraph, masked, s)
                return True
        # "C, kata X." / "C, X said." / "C, according to X."
        m = p.trailing.search(masked)
        if m and m.start() > 0 and self._frame_is_tail(m, s):
            who = self._trailing_who(m, s)
            if who.kind != "none":
                end = s + m.start() + (1 if masked[m.start()] in "\"”’»)" else 0)
                start = self._lead_verb_content(s, end, masked[: end - s]) or s
                self._add(*_strip(text, start, end), REPORTED, who, s + m.start(), paragraph)
                return True
        m = p.trailing_bare.search(masked)
        if m and m.start() > 0:
            who = self._after_who(s + m.start("r4"), s + m.end("r4"))
            if who.kind != "none":
                self._add(*_strip(text, s, s + m.start()), REPORTED, who, s + m.start(), paragraph)
                return True
        # "C1, kata dia, C2." / "C1 menurut Jahja C2.": the whole sentence
        m = p.middle.search(masked) or p.middle_bare.search(masked)
        if m and m.start() > 0:
            who = self._middle_who(m, s)
            if who.kind != "none":
                self._add(*_strip(text, s, e), REPORTED, who, s + m.start(), paragraph)
                return True
        # "X mengatakan (bahwa) C" / "X said (that) C"
        for cue in p.verbs.finditer(masked):
            hit = self._verb_frame(s, masked, cue)
            if hit is not None:
                who, content = hit
                self._add_content(content, e, who, s + cue.start(), paragraph, masked, s)
                return True
        return False

    def _add_content(self, start: int, e: int, who: Who, at: int, paragraph: int, masked: str, s: int) -> None:
        """Reported content ``[start, e)``; split where it goes on with ``, and said …``, ``, with X
        reporting …`` or a colon and a quotation."""
        text = self.text
        colon = _COLON_QUOTE.search(masked[start - s:])
        if colon:
            a = start + colon.end()
            quote = next((q for q in segments(text, a, _strip(text, a, e)[1]) if q.start == a), None)
            if quote is not None and self._whole_quote(a, e):
                self._add(*_strip(text, start, start + colon.start()), REPORTED, who, at, paragraph)
                self._add(quote.start, quote.end, DIRECT, who, at, paragraph)
                return
        m = self.p.and_said.search(masked, start - s)
        if m and _count(text, start, s + m.start()) >= 2 and _count(text, s + m.end(), e) >= 2:
            self._add(*_strip(text, start, s + m.start()), REPORTED, who, at, paragraph)
            self._add(*self._voice_span(s + m.end(), e), who, at, paragraph)
            return
        m = self.p.with_saying.search(masked, start - s)
        if m and _count(text, start, s + m.start()) >= 2 and _count(text, s + m.end(), e) >= 2:
            self._add(*_strip(text, start, s + m.start()), REPORTED, who, at, paragraph)
            other = self._before_who(s + m.start("subj"), s + m.end("subj"), sentence_start=False)
            self._add(*self._voice_span(s + m.end(), e), other, s + m.start("subj"), paragraph)
            return
        self._add(*self._voice_span(start, e), who, at, paragraph)

    def _voice_span(self, start: int, end: int) -> tuple[int, int, str]:
        """The stripped content, a direct quote when it is exactly one quotation."""
        a, b = _strip(self.text, start, end)
        return a, b, DIRECT if self._whole_quote(a, b) else REPORTED

    def _whole_quote(self, start: int, end: int) -> bool:
        a, b = _strip(self.text, start, end)
        if a >= b or self.text[a] not in "\"“„«‘'":
            return False
        return any(q.start == a and q.end == b and q.opened for q in segments(self.text, a, b))

    def _source_then_content(self, pos: int, e: int) -> tuple[Who, int | None]:
        """After a leading frame word at ``pos``: the source (up to its comma, skipping circumstance
        chunks such as ``Rabu,``) and where the content starts."""
        text = self.text
        comma = text.find(",", pos, e)
        if comma < 0 or _count(text, pos, comma) > 9:
            # "Menurut Ansari pada 2006 …", "According to Rathbun the property …": the source is a name run
            m = _NAME_SOURCE.match(text[pos:e])
            if not m:
                return NONE, None
            return self._after_who(pos + m.start(1), pos + m.end(1)), pos + m.end()
        who = self._after_who(pos, comma)
        nxt = comma + 1
        while True:
            chunk_end = text.find(",", nxt, e)
            if chunk_end < 0:
                break
            chunk = text[nxt:chunk_end].strip()
            words = chunk.split()
            if not words:
                break
            name_like = all(w[:1].isupper() for w in words) and len(words) <= 4
            circumstance = bool(_CIRCUMSTANCE.match(chunk) or _PLACE_CHUNK.match(chunk))
            if name_like and who.kind != "name" and not circumstance:
                who = self._after_who(nxt, chunk_end)  # "the coach, Alireza Mehraban, …"
            elif not circumstance:
                break
            nxt = chunk_end + 1
        return who, nxt

    def _lead_verb_content(self, s: int, end: int, masked: str) -> int | None:
        """Where the content starts when a sentence with a trailing frame also opens with one
        (``X mengatakan, C, kata X``)."""
        for cue in self.p.verbs.finditer(masked):
            hit = self._verb_frame(s, masked, cue)
            if hit is not None:
                return hit[1]
        return None

    def _trailing_who(self, m: re.Match[str], s: int) -> Who:
        inv = self.inv
        if m.group("inv") is not None:
            word = m.group("inv").lower()
            if word.endswith("nya") and word[:-3] in inv.inverted:
                return Who("pronoun", "nya")
            return self._after_who(s + m.start("r1"), s + m.end("r1")) if m.group("r1").strip() else NONE
        if m.group("frame") is not None:
            who = self._after_who(s + m.start("r2"), s + m.end("r2"))
            if is_document(who):
                return self._clause_subject(s, s + m.start()) or who
            return who
        if m.group("r5") is not None:
            return self._after_who(s + m.start("r5"), s + m.end("r5"))
        subj = m.group("subj")
        words = [w.lower() for w in _WORD.findall(subj or "")]
        if not words or len(words) > 8 or set(words) & _AUXILIARIES or words[0] in _CONJUNCTIONS:
            return NONE  # "… but that no injuries had been reported": no subject of a frame
        return self._before_who(s + m.start("subj"), s + m.end("subj"), sentence_start=False)

    def _frame_is_tail(self, m: re.Match[str], s: int) -> bool:
        """A trailing frame holds only its speaker and circumstances, no clause of its own."""
        if m.group("r3") is not None:
            return self._rest_is_adjunct(m.group("r3"), m.group("cue")) and not self.p.complement.search(m.group("r3"))
        for group in ("r1", "r2"):
            if m.group(group) is not None:
                return self.reader.tail_is_attribution(self.text, s + m.start(group), s + m.end(group))
        return True

    def _middle_who(self, m: re.Match[str], s: int) -> Who:
        groups = m.groupdict()
        if groups.get("nya") or (groups.get("inv") or "").lower().endswith("nya"):
            return Who("pronoun", "nya")
        if groups.get("who"):
            return self._after_who(s + m.start("who"), s + m.end("who"))
        for name in ("r1", "r2", "r3"):
            if groups.get(name) is not None:
                return self._after_who(s + m.start(name), s + m.end(name)) if groups[name].strip() else NONE
        subj = groups.get("subj")
        if subj and len(_WORD.findall(subj)) <= 5:
            return self._before_who(s + m.start("subj"), s + m.end("subj"), sentence_start=False)
        return NONE

    def _verb_frame(self, s: int, masked: str, cue: re.Match[str]) -> tuple[Who, int] | None:
        """``X <cue> (object) (that) C`` at ``cue``: the subject and where C starts."""
        inv = self.inv
        word = cue.group("cue").lower()
        prev = _last_words(masked[: cue.start()], 3)
        if prev and (prev[-1] in _NOUN_BEFORE or any(w in _NEGATION for w in prev[-2:])):
            return None
        if (word.endswith("ed") or word == "told") and any(w in _PASSIVE_BE for w in prev[-2:]):
            return None  # passive: "was initially denied visas", "I was told that …"
        after_obj = self._object_end(masked, cue)
        complement = self._complement_after(masked, cue)
        if complement is not None:
            content = complement
        else:
            if word in inv.verbs_that or word in _AMBIGUOUS:
                nxt = [w.lower() for w in _WORD.findall(masked[after_obj:after_obj + 40])][:3]
                if not nxt or not (nxt[0] in _PRONOUN_START or any(w in _AUXILIARIES for w in nxt[1:3])):
                    return None
            content = after_obj
            while content < len(masked) and masked[content] in " ,:":
                content += 1
        if content >= len(masked) or _count(masked, content, len(masked)) < 2:
            return None
        if _TO_CLAUSE.match(masked, content):
            return None  # "asked them to …": no reported statement
        who = self._verb_subject(s, masked, cue.start())
        if who.kind == "none":
            return None
        return who, s + content

    @staticmethod
    def _object_end(masked: str, cue: re.Match[str]) -> int:
        """After a cue: past an adverb (``juga``) and an addressee (``told LA Weekly``, ``kepada BBC``)."""
        pos = cue.end()
        adverb = _ADVERB_AFTER.match(masked, pos)
        if adverb:
            pos = adverb.end()
        word = cue.group("cue").lower()
        obj = (_TOLD_OBJECT if word in ("told", "tells", "tell") else _TO_OBJECT).match(masked, pos)
        return obj.end() if obj and obj.end() - pos <= 60 else pos

    def _complement_after(self, masked: str, cue: re.Match[str]) -> int | None:
        """Where the content starts when a complementiser follows the cue (``said that``, ``told X in a
        statement that``, ``menyatakan harapannya bahwa``), else None."""
        pos = self._object_end(masked, cue)
        c = self.p.complement.match(masked, pos)
        if c:
            return c.end()
        soon = _THAT_SOON.match(masked, pos)
        if soon and soon.end() - pos <= 40:
            c = self.p.complement.match(masked, soon.end())
            if c:
                return c.end()
        return None

    def _verb_subject(self, s: int, masked: str, cue_start: int) -> Who:
        """The subject of the cue at ``cue_start``: back to its clause's start."""
        reach = max(0, cue_start - _SUBJECT_REACH)
        head = " " * reach + masked[reach:cue_start]  # same offsets, nothing read before the reach
        clause = max((head.rfind(sep) + len(sep) for sep in _SEPARATORS if sep in head), default=0)
        region = head[clause:]
        words = region.split()
        if (words and words[-1] in ("who", "yang")) or words[-2:-1] in (["who"], ["yang"]):
            comma = head.rfind(",", 0, len(head) - len(" ".join(words[-2:])) - 1)
            if comma > 0:
                for run in reversed(runs(self.text, s + clause, s + comma)):
                    name = self.reader.name_of(self.text, run, sentence_start=False)
                    if name is not None:
                        return Who("name", name.text)  # "Devocht, who had told Montalvo he …"
            return NONE
        cut = clause
        for sep in (" and ", " dan "):
            at = region.rfind(sep)
            if at > 0 and region[at - 1] != "," and len(region[:at].split()) >= 4 \
                    and region[at + len(sep):][:1].isupper():
                cut = clause + at + len(sep)
        who = self._before_who(s + cut, s + cue_start, sentence_start=cut == 0)
        if who.kind == "none" and words and words[-1].lower() in ("seraya", "sambil", "while", "and", "dan"):
            return Who("previous")
        return who

    # -- mixed quotes ------------------------------------------------------------------------
    def _mixed(self, s: int, e: int, masked: str, paragraph: int, quoted: list[Segment]) -> None:
        """A speech act with the speaker's own words in marks (``Lavrov mengecam … "…"``)."""
        text = self.text
        starts = [q.start for q in quoted]
        for cue in self.p.weak.finditer(masked):
            pos = cue.end()
            later = quoted[bisect_left(starts, s + pos):][:3]
            if not later:
                continue
            word = cue.group("cue").lower()
            long_enough = word in self.inv.weak and any(_count(text, *q.inner) >= 3 for q in later)
            named = word in self.inv.calling and any(
                _count(masked, pos, q.start - s) <= 3 or _AS_BEFORE.search(masked, 0, q.start - s)
                for q in later)
            if not (long_enough or named):
                continue
            prev = _last_words(masked[: cue.start()], 2)
            if prev and (prev[-1] in _NOUN_BEFORE or any(w in _NEGATION for w in prev)):
                continue
            if word.endswith("ed") and prev and prev[-1] not in _BEFORE_PARTICIPLE:
                before_word = masked[: cue.start()].rstrip().rsplit(" ", 1)[-1]
                if before_word[:1].islower():
                    continue  # a participle: "a user labelled "Anonymous""
            who = self._before_who(s, s + cue.start(), sentence_start=True)
            if who.kind == "none":
                continue
            start = pos
            skip = _FOR_QUOTE.match(masked, pos)
            if skip:
                start = skip.end()
            self._add(*self._voice_span(s + start, e), who, s + cue.start(), paragraph)
            return

    # -- speakers ----------------------------------------------------------------------------
    def _resolve(self, found: list[_Found]) -> None:
        """Speakers as names: full names for short ones, antecedents for pronouns (from the quotation's
        own and the previous paragraph only, so each look-up is short)."""
        named: list[tuple[int, str, int, bool]] = []  # earlier speakers: where named, name, paragraph, plural
        subjects: dict[int, str] = {}  # sentence start -> its named subject, read when a pronoun asks
        heads = self.heads
        first_head = 0
        previous: _Found | None = None
        for f in found:
            who = f.who
            while named and named[0][2] < f.paragraph - _PRONOUN_REACH:
                named.pop(0)
            while first_head < len(heads) and heads[first_head][2] < f.paragraph - _PRONOUN_REACH:
                first_head += 1
            if who.kind == "name":
                f.speaker = self.mentions.fullest(who.text, f.at)
            elif who.kind == "previous":
                close = previous is not None and previous.paragraph >= f.paragraph - 1
                f.speaker = previous.speaker if close and previous is not None else ""
            elif who.kind in ("pronoun", "anaphor"):
                limit = min(f.at, f.start)
                people = []
                for s, head, paragraph in heads[first_head:bisect_left(heads, (limit,), first_head)]:
                    if s not in subjects:
                        subjects[s] = self._subject(s, head)
                    if subjects[s]:
                        people.append((s, subjects[s], paragraph, False))
                candidates = [c for c in named if c[0] < limit] + people
                plural = who.text.lower() in ("they", "mereka")
                agreeing = [c for c in candidates if c[3] == plural] if who.kind == "pronoun" else candidates
                pool = agreeing or candidates
                if pool:
                    best = max(pool, key=lambda c: c[0])
                    f.speaker = self.mentions.fullest(best[1], best[0])
                else:
                    f.speaker = who.text if who.kind == "anaphor" else ""
            elif who.kind == "descriptor":
                f.speaker = who.text
            if f.speaker:
                many = (f.speaker.endswith("s") and who.kind == "descriptor") or who.text.lower() in ("they", "mereka")
                named.append((f.at, f.speaker, f.paragraph, many))
            previous = f
