"""Who said it: the speaker named near a quotation, and the fullest form of that name in the article.

Rule-based and language-light. A name is a run of capitalised words; the words of titles, offices,
places and organisations before it (``cues.TITLES``, ``cues.PLACES``, ``cues.ORG_WORDS``, an acronym
the article spells out, a company's name from ``PT …``/``… Tbk``) are dropped: ``Menteri Luar Negeri
Rusia Sergey Lavrov`` -> ``Sergey Lavrov``.
A short form is resolved to the longest mention of the article that contains it (``Lavrov`` ->
``Sergey Lavrov``; ``KCNA`` -> the name spelt out before ``(KCNA)``). A source with no name stays as
written without determiners (``the police`` -> ``police``). Pronouns are resolved by the caller
(``quotes.py``), which knows the earlier speakers.

The text around a cue is read in comma-separated *chunks*: circumstances (``Dalam sambutannya``,
``di Jakarta``, ``Rabu``) are skipped, a title's holder in the next chunk wins over the title
(``Direktur Toba Pulp, Firman Mulya Nauli``), a person wins over the description in apposition to
them (``Steve Whitmore, a representative for …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.assist.cues import (
    DATES,
    DOCUMENT_NOUNS,
    INSTITUTIONS,
    ORG_WORDS,
    PERSON_TITLES,
    PLACES,
    TITLES,
    Inventory,
    words_of,
)

_TOKEN = re.compile(r"[^\W_](?:[\w'’.\-]*[^\W_])?")
_CONNECTORS = words_of("bin binti ibn van von de del der da dos du la le al el of")
_SUBORDINATORS = words_of("""
    though although while when if because since whereas unless meski meskipun walaupun walau jika karena ketika
    kendati apabila bila
""")
_CAPITAL_TITLES = words_of("MP PM QC SC KC MD")
_CONJUNCTIONS = words_of("and but or that dan atau tetapi namun bahwa serta")
_FUNCTION_WORDS = words_of("of the and for on in at to dan dari untuk di ke yang")
_UPPER = "A-ZÀ-ÖØ-Þ"
_ACRONYM = re.compile(rf"\(([{_UPPER}][\w&.\-]{{1,11}})\)")
_COMPANY = re.compile(
    rf"\b(?:PT|CV)[ ]((?:[{_UPPER}][\w&\-]*[ ]?){{1,4}})|\b(?:Bank|Grup|Group)[ ]([{_UPPER}][\w&\-]*)")
_COMPANY_SUFFIX = re.compile(rf"((?:[{_UPPER}][\w&\-]*[ ]){{1,4}})(?:Tbk|Inc|Corp|Ltd|Plc|LLC)\b")
_SUFFIXES = ("Tbk", "Inc", "Corp", "Ltd", "Plc", "LLC")
_INSIDE = re.compile(rf"(?:[a-z,]|\d) ([{_UPPER}][\w'’\-]*)")
_SPELT_OUT = re.compile(
    rf"((?:[{_UPPER}][\w'’.\-]*[ ](?:(?:of|and|for|the|dan|untuk|on)[ ])?){{0,7}}[{_UPPER}][\w'’\-]*)[ ]?$")
_WEEKDAY_OR_DATE = re.compile(
    r"^(?:senin|selasa|rabu|kamis|jumat|sabtu|minggu|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|(?:pekan|minggu|bulan|tahun) (?:ini|lalu|depan)|akhir pekan|kemarin|hari ini|baru-baru ini|\d)", re.IGNORECASE)
_EVENT_NOUNS = words_of("""
    statement interview blog post press conference briefing speech remarks release letter email report
    pernyataan pernyataannya wawancara konferensi pers pidato sambutan sambutannya rapat diskusi seminar acara
    laporan laporannya penjelasan penjelasannya keterangan keterangannya siaran jumpa pertemuan statemennya
""")
_FILLERS = words_of("""
    juga pun kemudian lalu sempat telah pernah sudah akan also then later again further has had have is are
    was were will would
""")
_AUXILIARIES = words_of("is are was were has have had will would could can may might must akan telah sedang sudah")
_ROLE_NOUNS = PERSON_TITLES | words_of("""
    officials official police spokesperson spokesman spokeswoman officers authorities experts analysts
    researchers scientists sources pejabat polisi petugas sumber
""")


@dataclass(frozen=True, slots=True)
class Who:
    """A speaker as found next to a quotation, before resolution.

    ``kind`` is ``"name"`` (a person or organisation), ``"descriptor"`` (no name: ``juru bicara``,
    ``police``), ``"pronoun"`` (``ia``, ``she``, ``katanya``), ``"anaphor"`` (a description that
    points back: ``direktur itu``, kept without the demonstrative), ``"previous"`` (none here: the
    quotation goes on from the one before) or ``"none"``.
    """

    kind: str
    text: str = ""


NONE = Who("none")


@dataclass(frozen=True, slots=True)
class Name:
    text: str
    person: bool
    """A person's name (the words after any title), else an organisation or office as written."""


class Reader:
    """Reads speakers in one article: its language's cues, and the words of the organisations it names
    (acronyms it spells out, companies), which are never a person's name."""

    def __init__(self, inv: Inventory, orgs: frozenset[str] = frozenset()) -> None:
        self.inv = inv
        self.orgs = orgs
        self._names: dict[tuple[int, int, bool], Name | None] = {}  # one article's runs, read once

    # -- names -----------------------------------------------------------------------------
    def marker(self, word: str) -> bool:
        """A word of a title, place or organisation (``Menteri``, ``Rusia``, ``Bank``, ``Labour's``, ``AALI``)."""
        low = word.lower()
        if len(word) == 2 and word.isupper():
            # two capitals are initials (``MS Ka'ban``) unless a title (``MP``) or spelt out in the article
            return word in _CAPITAL_TITLES or word in self.orgs or low in PLACES
        return (low in TITLES or low in PLACES or low in ORG_WORDS or low.endswith(("'s", "’s"))
                or word in self.orgs or (len(word) >= 3 and word.isupper() and word.isalpha()))

    def name_of(self, text: str, run: tuple[int, int, list[str]], *, sentence_start: bool = True) -> Name | None:
        """The name in a run of capitalised words, or None when the run is only openers, dates or pronouns.

        Runs are read from one article only (the results are kept by offsets)."""
        key = (run[0], run[1], sentence_start)
        if key not in self._names:
            self._names[key] = self._name_of(text, run, sentence_start)
        return self._names[key]

    def _name_of(self, text: str, run: tuple[int, int, list[str]], sentence_start: bool) -> Name | None:
        start, end, words = run
        offsets = [m.start() for m in _TOKEN.finditer(text, start, end)]
        if words[-1].endswith(("'s", "’s")):  # "Rishi Sunak's effort": the name without its possessive
            words = [*words[:-1], words[-1][:-2]]
            end -= 2
        first = 0
        skip = self.inv.starters if sentence_start else self.inv.determiners
        while first < len(words) and (words[first].lower() in skip or words[first].lower() in DATES
                                      or words[first].lower() in self.inv.pronouns):
            first += 1
        if first == len(words):
            return None
        rest = words[first:]
        markers = [i for i in range(first, len(words)) if self.marker(words[i])]
        institution = rest[0].lower() in INSTITUTIONS and not any(w.lower() in PERSON_TITLES for w in rest[1:])
        if markers and markers[-1] == len(words) - 1 and len(words) - first >= 2 and not self.marker(words[-2]) \
                and (words[-1].lower() in PLACES or words[-1].lower() in TITLES) and not words[-1].isupper():
            markers.pop()  # "Valeska Paris", "Jean King": a place or a title as a surname
        cut = markers[-1] + 1 if markers else first
        if (institution or words[-1].lower() in ORG_WORDS or cut == len(words)
                or words[cut].lower() in _CONNECTORS
                or any(w.lower() in _FUNCTION_WORDS for w in words[cut:])):
            possessive = [i for i in range(first, len(words) - 1) if words[i].endswith(("'s", "’s"))]
            begin = possessive[-1] + 1 if possessive else first  # "Saudi Arabia's Civil Defense Authority"
            return Name(text[offsets[begin]:end], person=False)
        return Name(text[offsets[cut]:end], person=True)

    # -- chunks ----------------------------------------------------------------------------
    def _adjunct_chunk(self, text: str, start: int, end: int) -> bool:
        """A circumstance before a cue (``Dalam sambutannya``, ``On Wednesday``, ``di Jakarta``, ``Rabu``)."""
        low = text[start:end].lower()
        words = low.split()
        if not words or _WEEKDAY_OR_DATE.match(low) or all(w in _FILLERS for w in words):
            return True
        first = words[0]
        if (first in self.inv.connectives and len(words) == 1) or first in _SUBORDINATORS:
            return True  # "Namun", "Though YouTube is complying …"
        original = text[start:end].split()[0]
        if original.isupper() and len(original) > 1:
            return False  # "WHO say …"
        opener = first in self.inv.adjuncts or (first.endswith("ing") and text[start].isupper())
        if not opener:
            return False
        if set(words) & _EVENT_NOUNS or first in ("di", "kepada", "to", "pada"):
            return True
        return not any(n and n.person for n in (self.name_of(text, r) for r in runs(text, start, end)))

    def cut_at_adjunct(self, text: str, start: int, end: int) -> int:
        """End of the noun phrase at ``start``: before its first adjunct word (``kata X di Jakarta``,
        ``said Bolden to the crowd``), unless no one is named before it and a title's holder after it
        (``Ambassador to the United States Hamdullah Mohib``); never inside a name (``Department of
        Agriculture``)."""
        tokens = _tokens(text, start, end)
        names = runs(text, start, end)
        for i, (s, _, word) in enumerate(tokens):
            if not i or not word.islower() or word not in self.inv.adjuncts:
                continue
            if (word == "as" and tokens[i - 1][2] == "such") or any(a < s < b for a, b, _ in names):
                continue
            if self._has_person(text, start, s) or not self._has_person(text, s, end, titled=True):
                return s
        return end

    def _has_person(self, text: str, start: int, end: int, *, titled: bool = False) -> bool:
        """Whether ``text[start:end]`` names a person (with ``titled``: after a title or place, ending the
        phrase, as in ``United States Hamdullah Mohib``)."""
        for run in runs(text, start, end):
            name = self.name_of(text, run, sentence_start=False)
            if name and name.person and (not titled or (name.text != text[run[0]:run[1]]
                                         and not text[run[1]:end].strip(" ,."))):
                return True
        return False

    def descriptor(self, text: str, start: int, end: int) -> Who:
        """A speaker with no name, as written: ``Para pengamat`` -> ``pengamat``; ``The report's authors``
        -> ``authors``; ``a leaked internal letter seen by …`` -> ``leaked internal letter``."""
        end = self.cut_at_adjunct(text, start, end)
        words = [t[2] for t in _tokens(text, start, end)]
        while words and (words[0].lower() in self.inv.determiners or words[0].lower() in self.inv.connectives
                         or (words[0].lower().endswith(("'s", "’s")) and len(words) > 1)):
            words = words[1:]
        for i, word in enumerate(words):
            if i and ((word.islower() and word.endswith(("ing", "ed", "en")) and len(word) >= 4)
                      or word.lower() in _FILLERS or word.lower() in _CONJUNCTIONS):
                words = words[:i]
                break
        if not words:
            return NONE
        if words[-1].lower() in self.inv.demonstratives and len(words) > 1:
            return Who("anaphor", " ".join(words[:-1]))
        if len(words) == 1 and words[0].lower() in self.inv.pronouns:
            return Who("pronoun", words[0])
        return Who("descriptor", " ".join(words[:5]))

    def from_chunk(self, text: str, start: int, end: int, *, sentence_start: bool) -> tuple[Who, bool]:
        """The speaker in one chunk, and whether the chunk is a title or office rather than a person
        (``Direktur Toba Pulp``, ``Panama coach``): then a name in the next chunk is its holder."""
        tokens = _tokens(text, start, end)
        while tokens and tokens[0][2].lower() in self.inv.connectives:
            tokens = tokens[1:]
            sentence_start = False
        if not tokens:
            return NONE, False
        start = tokens[0][0]
        low = [t[2].lower() for t in tokens]
        core = [w for w in low if w not in _FILLERS]
        if not core:
            return NONE, False
        if core[-1] in self.inv.pronouns:
            return Who("pronoun", core[-1]), False  # "Sambil menggeleng … dia (mengatakan)"
        if low[-1] in self.inv.demonstratives and len(low) > 1:
            return self.descriptor(text, start, end), False
        titled = low[0] in TITLES or low[0].endswith(("'s", "’s"))
        head = [w for w in low if w not in self.inv.determiners]
        if head and head[0] in DOCUMENT_NOUNS:
            # "The results of the … Study", "data Depkeu": the source is the one who wrote them
            for run in runs(text, start, end):
                name = self.name_of(text, run, sentence_start=False)
                if name is not None:
                    return Who("name", name.text), False
        people: list[Name] = []
        others: list[tuple[Name, int]] = []  # organisations and offices, with where their run ends
        found = runs(text, start, end)
        for index, run in enumerate(found):
            name = self.name_of(text, run, sentence_start=sentence_start and run[0] == start)
            if name is None:
                continue
            later = [t[2] for t in tokens if t[0] >= run[1]]
            if sentence_start and run[0] == start and len(run[2]) == 1 and later and (
                    later[0].lower() in self.inv.adjuncts or later[0].lower() in self.inv.demonstratives
                    or later[0].lower() in self.inv.determiners):
                continue  # "Kondisi saat ini …", "Selama ini": a capitalised common word, no name
            last = index == len(found) - 1
            possessive = text[run[1] - 2:run[1]] in ("'s", "’s")
            if later and (later[0].lower() in DOCUMENT_NOUNS or (possessive and any(
                    w.lower() in DOCUMENT_NOUNS for w in later[:3]))):
                return Who("name", name.text), False  # "The Home Office letter", "PC World's recent analysis"
            role_after = last and any(w in _ROLE_NOUNS for w in later)
            modifier = (last and not self.inv.head_first and len(later) == 1 and later[0].islower()
                        and not later[0].endswith("ed"))  # "The "History" section"
            lone = self.inv.head_first and " " not in name.text and low[0] in TITLES and tokens[0][2].islower()
            if name.person and not (role_after or modifier or lone):
                people.append(name)
            else:
                others.append((name, run[1]))
                titled = titled or role_after
        if people:
            return Who("name", people[-1].text), titled
        if others:
            org, org_end = others[-1]
            words = org.text.split()
            later = [t[2] for t in tokens if t[0] >= org_end]
            if (all(w.lower() in TITLES or w.lower() in PLACES for w in words)
                    or any(w.islower() and w not in _FILLERS for w in later)
                    or (self.inv.head_first and low[0] in TITLES and tokens[0][2].islower())):
                return self.descriptor(text, start, end), True  # "Scientology officials", "juru bicara Wingnut"
            return Who("name", org.text), True
        return self.descriptor(text, start, end), titled

    # -- around a cue ----------------------------------------------------------------------
    def after(self, text: str, start: int, end: int) -> Who:
        """The speaker that follows a cue (``kata Direktur X, Nama di Jakarta``) in ``text[start:end]``."""
        chunks = _chunks(text, start, end)
        if not chunks:
            return NONE
        a, b = chunks[0]
        first, titled = self.from_chunk(text, a, self.cut_at_adjunct(text, a, b), sentence_start=False)
        if (titled or first.kind == "descriptor") and len(chunks) > 1:
            c, d = chunks[1]
            if text[c:c + 1].isupper():
                second, second_titled = self.from_chunk(text, c, self.cut_at_adjunct(text, c, d),
                                                        sentence_start=False)
                if second.kind == "name" and not second_titled:
                    return second
        return first

    def before(self, text: str, start: int, end: int, *, sentence_start: bool) -> Who:
        """The subject that precedes a cue (``Dalam sambutannya, Choe``) in ``text[start:end]``: the chunk
        next to the cue, or the person it stands in apposition to (``Steve Whitmore, a representative``)."""
        chunks = _chunks(text, start, end)
        found = []
        for a, b in chunks:
            if self._adjunct_chunk(text, a, b):
                continue
            who, titled = self.from_chunk(text, a, self.cut_at_adjunct(text, a, b),
                                          sentence_start=sentence_start and a == chunks[0][0])
            if who.kind != "none":
                found.append((who, titled))
        if not found:
            return NONE
        last, titled = found[-1]
        if last.kind in ("pronoun", "anaphor") or (last.kind == "name" and not titled):
            return last
        for who, was_titled in reversed(found[:-1]):
            if who.kind == "name" and not was_titled:
                return who
        return last

    def tail_is_attribution(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]``, a speaker and what follows it (``Direktur X di Jakarta, Jumat``),
        holds only appositions and circumstances, not a clause of its own (``dia, bukan merupakan …``)."""
        words = {t[2].lower() for t in _tokens(text, start, end)}
        if words & self.inv.complementisers:
            return False
        chunks = _chunks(text, start, end)
        if chunks:
            head = text[chunks[0][0]:self.cut_at_adjunct(text, *chunks[0])].lower().split()
            if len(head) > 8 or set(head) & _AUXILIARIES or (len(head) > 1 and head[0] in self.inv.pronouns):
                return False  # "says they are looking at …": a clause, not a speaker
        for a, b in chunks[1:]:
            word = text[a:b].split(" ", 1)[0]
            low = word.lower()
            if word[:1].isupper() or low in TITLES or low in _ROLE_NOUNS or low in self.inv.determiners \
                    or _WEEKDAY_OR_DATE.match(low):
                continue
            return low in self.inv.adjuncts or low.endswith("ing") or low in ("seraya", "sambil")
        return True


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]


_RUN_WORD = (rf"(?:[{_UPPER}][\w'’\-]*(?:\.[\w'’\-]+)*"
             rf"|(?:al|el|bin|ibn|van|von|de|da|du|la|le|d|o)['’\-][{_UPPER}][\w'’\-]*)")
_RUN = re.compile(
    rf"(?<![\w'’.\-]){_RUN_WORD}(?:(?:\.?[ \t]+|[ \t]+(?:bin|binti|ibn|van|von|de|del|der|da|dos|du|la|le|al|el|of)"
    rf"[ \t]+){_RUN_WORD})*")
_RUN_TOKEN = re.compile(r"\S+")
_ABBREVIATED = words_of("dr mr mrs ms st jr tn prof gen col lt sgt rev")


def runs(text: str, start: int, end: int, *, least: int = 1) -> list[tuple[int, int, list[str]]]:
    """Runs of capitalised words in ``text[start:end]`` as ``(start, end, words)``: split at any
    punctuation or line break but the period of an initial or abbreviation (``Rashid I. Mangunkusumo``,
    ``U.S. Department``); joined by name particles (``Ali bin Said``) and by ``of`` after an office or
    institution (``Department of Agriculture``, not ``Matthew Ingram of The Globe``). With ``least=2``,
    runs of one word are skipped."""
    found: list[tuple[int, int, list[str]]] = []
    for match in _RUN.finditer(text, start, end):
        if least > 1 and " " not in match.group() and "\t" not in match.group():
            continue
        run: list[tuple[int, int, str]] = []
        for token in _RUN_TOKEN.finditer(match.group()):
            a = match.start() + token.start()
            word = token.group()
            period = word.endswith(".") and len(word) > 1
            if period:
                word = word[:-1]
            if run:
                last = run[-1][2]
                dotted = text[run[-1][1]:run[-1][1] + 1] == "."
                abbreviation = (len(last) == 1 and last.isupper()) or "." in last or last.lower() in _ABBREVIATED
                joined = not dotted or abbreviation
                if word == "of" and not (last.lower() in TITLES or last.lower() in ORG_WORDS
                                         or last.lower() in INSTITUTIONS):
                    joined = False
                if not joined:
                    found.append(_close(text, run))
                    run = []
                    if word in _CONNECTORS:
                        continue
            run.append((a, a + len(word), word))
        if run:
            found.append(_close(text, run))
    return [r for r in found if r[2]]


def _close(text: str, run: list[tuple[int, int, str]]) -> tuple[int, int, list[str]]:
    while run and run[-1][2] in _CONNECTORS:
        run.pop()
    if not run:
        return (0, 0, [])
    end = run[-1][1]
    if len(run[-1][2]) == 1 and text[end:end + 1] == ".":
        end += 1  # an initial keeps its period
    return (run[0][0], end, [t[2] for t in run])


def _chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at commas, semicolons, colons and dashes, as trimmed spans; what is in
    brackets is left out (``Bank Indonesia (BI) Burhanuddin`` -> ``Bank Indonesia``, ``Burhanuddin``)."""
    spans = []
    pos = start
    for match in re.finditer(r"[,;:]|\s[-–—]\s|\([^()]*\)?|\[[^\[\]]*\]?", text[start:end]):
        spans.append((pos, start + match.start()))
        pos = start + match.end()
    spans.append((pos, end))
    out = []
    for a, b in spans:
        while a < b and (text[a].isspace() or text[a] in "\"“”'‘’"):
            a += 1
        while b > a and text[b - 1] in " .!?\"'”’»":
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def is_document(who: Who) -> bool:
    """Whether a descriptive source is a text (a report, a recording) rather than a speaker."""
    return who.kind == "descriptor" and bool(who.text) and who.text.split()[0].lower() in DOCUMENT_NOUNS


class Mentions:
    """The names of one article, to resolve a short name to its fullest mention.

    Build once per article; the article's names are read on the first ``fullest`` (one pass over
    its capitalised words) and indexed by word.
    """

    def __init__(self, text: str, inv: Inventory) -> None:
        self.text = text
        self.acronyms: dict[str, str] = {}
        for match in _ACRONYM.finditer(text):
            spelt = _SPELT_OUT.search(text, max(0, match.start() - 100), match.start())
            if spelt is None:
                continue
            long, short = spelt.group(1), match.group(1)
            words = long.split()
            while words and (words[0].lower() in inv.starters or words[0].lower() in inv.determiners):
                words = words[1:]
            if words and short not in self.acronyms and not all(w.lower() in TITLES for w in words):
                self.acronyms[short] = " ".join(words)
        orgs = set(self.acronyms)
        companies = [m.group(1) or m.group(2) for m in _COMPANY.finditer(text)]
        if any(suffix in text for suffix in _SUFFIXES):
            companies += [m.group(1) for m in _COMPANY_SUFFIX.finditer(text)]
        for name in companies:  # "PT Indofood Sukses Makmur Tbk": its words name no one
            orgs.update(w for w in name.split() if w[:1].isupper())
        self.reader = Reader(inv, frozenset(orgs))
        self._index: dict[str, list[tuple[int, str, tuple[str, ...]]]] | None = None
        self._inside: set[str] | None = None

    def _people(self) -> dict[str, list[tuple[int, str, tuple[str, ...]]]]:
        if self._index is None:
            self._index = {}
            for run in runs(self.text, 0, len(self.text), least=2):
                if len(run[2]) < 2:
                    continue  # a one-word mention is never fuller than the name asked for
                name = self.reader.name_of(self.text, run)
                if name and name.person:
                    words = tuple(name.text.replace(".", " ").split())
                    for word in set(words):
                        self._index.setdefault(word, []).append((run[0], name.text, words))
        return self._index

    def seen_inside_sentence(self, word: str) -> bool:
        """Whether ``word`` also occurs capitalised after a lower-case word or a comma, where only a
        name is capitalised (tells ``Rathbun`` from a sentence-opening ``Tujuannya``)."""
        if self._inside is None:
            self._inside = {m.group(1) for m in _INSIDE.finditer(self.text)}
        return word in self._inside

    def fullest(self, name: str, at: int) -> str:
        """The longest mention that contains ``name``'s words in order, the nearest earlier one first."""
        if name in self.acronyms:
            return self.acronyms[name]
        words = tuple(name.replace(".", " ").split())
        if not words:
            return name
        best: tuple[int, int, str] | None = None
        n = len(words)
        for position, text, mention in self._people().get(words[0], ()):
            if len(mention) < n or not any(mention[i:i + n] == words for i in range(len(mention) - n + 1)):
                continue
            key = (len(mention), -abs(at - position) if position <= at else -10**9 - position, text)
            if best is None or key[:2] > best[:2]:
                best = key
        return best[2] if best else name
