"""`briefgen annotate`: the references and quotes an article's front matter should list.

Every registry entry named in the title or body is proposed with how often it is named and the
first sentence naming it; names no entry claims but that look like people, organisations or places
are proposed as new entries with a `briefgen new` stub; every span in quotation marks becomes a
quote proposal, attributed to its speaker where the sentence (or the one before it) says who
spoke, and left unattributed, with the reason, where it does not.

Names are found by the shared alias matcher (`desk.matcher.AliasMatcher`), which already ignores
punctuation ("S. Jaishankar" = "S Jaishankar", "Modi’s" holds "Modi"). Two things it does not do
are done here, by what it is given rather than by changing it: diacritics are folded on both sides
("Kovač" = "Kovac"), and a person is also found by the last word of their name ("President
Marchetti", "Ms Wu"). A name several entries claim (an alias two people share, or a last name) is
reported as ambiguous, with its candidates from the matcher, unless the article named one of them in
full before.

`write_proposals` merges the references and attributed quotes into the front matter with
ruamel.yaml's round trip, so comments, key order and the body are kept, and removes nothing.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..desk.diagnostics import Diagnostic
from ..desk.load import content_files, load_files
from ..desk.matcher import AliasMatcher, name_key
from ..desk.project import Project
from ..desk.schema import ARTICLE_FIELD, ENTITY_KINDS, LISTED_KINDS
from ..desk.text import plain_paragraphs, sentence_spans
from ..desk.validate import Registry, build_registry, entry_names, normal_quote, validate_file
from ..desk.yamlsource import split_front_matter
from .scaffold import ScaffoldError, render

#: The candidates a name stands for: one (kind, slug) for a sure match, several for an ambiguous one.
Target = tuple[tuple[str, str], ...]


class AnnotateError(ScaffoldError):
    """The article cannot be annotated: unreadable, no front matter, or front matter that cannot be merged into."""


def _wordset(text: str) -> frozenset[str]:
    """The words of a long list written as text (easier to read and extend than a literal of strings)."""
    return frozenset(text.split())


# --- names ---------------------------------------------------------------------------------------------------------

_FOLD_EXTRA = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h",
                             "’": "'", "‘": "'"})


def fold(text: str) -> str:
    """`text` without diacritics, one character for each: positions in it are positions in `text`.

    (Used on both the registry's names and the article, so "Kovac" finds "Kovač" and the reverse.)
    """
    if text.isascii():
        return text
    out = []
    for ch in text.translate(_FOLD_EXTRA):
        if ch.isascii() or not ch.isalpha():
            out.append(ch)
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base if base.isascii() else ch)
    return "".join(out)


#: Titles written before a name; a run of capitalised words starting with one of these names a person.
HONORIFICS = _wordset("""
Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady President Premier Chancellor Minister Secretary Senator
Governor Mayor Judge Justice General Gen Colonel Col Captain Capt Commissioner Ambassador King Queen Prince
Princess Sheikh Pope Rev Father Sister Chief Director Chairman Chairwoman Chair Speaker Deputy Vice Prime
Foreign Finance Defence Defense Interior Health Trade Home External Affairs Secretary-General Representative
Rep Sen Lt Lieutenant Inspector Sergeant Officer Detective Coach Councillor
""")
#: Last words of organisations' names.
ORG_WORDS = _wordset("""
Ministry Agency Council Bank Party Organisation Organization Corporation Corp Inc Ltd University College
School Union Committee Commission Court Police Army Navy Force Forces Institute Authority Group Company
Association Federation Foundation Fund Office Department Board Bureau League Alliance Movement Front Service
Services Parliament Assembly Senate Congress Assembly Cabinet Tribunal Times Post News Press Network Airlines
Airways Railways Club Society Trust Centre Center Laboratories Labs Holdings Partners Industries Guard Command
Coalition Secretariat Observatory Exchange Museum Hospital Clinic Council
""")
_PLACE_PREPOSITIONS = frozenset({"in", "at", "from", "to", "near", "across", "outside", "inside", "into", "towards",
                                 "toward", "via", "around", "throughout"})
#: Capitalised words that are not names: sentence openers, days, months, and the like.
_NOT_NAMES = _wordset("""
The A An In On At Of For And But Or If As By To From With Without After Before Since During While When Where
What Who Why How This That These Those There Their Its It He She They We You I Our Your His Her Last Next Soon
Around About Also Meanwhile However Although Though Yet Still Even Only Some Many Most Several Both Each Every
No Not Such Other Another Further Earlier Later Today Tomorrow Yesterday Monday Tuesday Wednesday Thursday
Friday Saturday Sunday January February March April May June July August September October November December
Reports People Officials Sources According Asked Under Over Between Among Despite Instead Then Thus Here Once
Now Until Unlike Like Following Amid Against Within Outside Inside Up Down Afterwards Overall Separately
Residents Critics Analysts Experts Witnesses Police Mr Mrs Ms Dr
""")
_SPEECH = (r"(?:said|says|added|adds|told|tells|wrote|writes|asked|asks|insisted|insists|stressed|stresses|warned|"
           r"warns|noted|notes|explained|explains|argued|argues|declared|declares|stated|states|continued|continues|"
           r"replied|replies|recalled|recalls|posted|tweeted|remarked|remarks|admitted|admits|conceded|concedes|"
           r"claimed|claims|announced|announces|acknowledged|acknowledges|observed|observes|commented|comments|"
           r"urged|urges|pointed out|points out|went on|goes on)")
_PRONOUN = r"(?:he|she|they|it|we)"
_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*[\w.]|[A-Z]\.?)(?:\s+(?:(?:of|de|da|del|van|von|der|al|bin|el|la|le|the|"
                       r"for|and|&)\s+)*(?:[A-Z][\w'’.-]*[\w.]|[A-Z]\.?))*")


@dataclass
class Reference:
    """A registry entry the article names."""

    slug: str
    count: int
    first: str


@dataclass
class NewName:
    """A name that no entry claims, with what it looks like and a stub for its entry."""

    name: str
    kind: str
    stub: str


@dataclass
class Quote:
    """A span in quotation marks and who said it (a person's slug), or None and why not."""

    text: str
    by: str | None
    why: str


@dataclass
class Ambiguous:
    """A name that several entries could be."""

    text: str
    candidates: list[str]
    sentence: str


@dataclass
class Proposals:
    """What `annotate` proposes for one article."""

    # The kinds an article lists by slug: a source is named by the article's `source`, never found in its body.
    references: dict[str, list[Reference]] = field(default_factory=lambda: {kind: [] for kind in LISTED_KINDS})
    new: list[NewName] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The proposals as the JSON output's object: one list per article field, then new, quotes, ambiguous."""
        out: dict[str, Any] = {ARTICLE_FIELD[kind]: [asdict(r) for r in refs] for kind, refs in self.references.items()}
        out["new"] = [asdict(n) for n in self.new]
        out["quotes"] = [asdict(q) for q in self.quotes]
        out["ambiguous"] = [asdict(a) for a in self.ambiguous]
        return out

    def to_json(self) -> str:
        """`as_dict` as indented JSON."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


def format_text(proposals: Proposals) -> str:
    """The proposals for a reader: one line per reference, new name, quote and ambiguous name."""
    lines: list[str] = []
    for kind, refs in proposals.references.items():
        for ref in refs:
            lines.append(f"{ARTICLE_FIELD[kind]}: {ref.slug} ({ref.count}x) - {ref.first[:90]}")
    for new in proposals.new:
        lines.append(f"new {new.kind}: {new.name}  (briefgen new {new.kind} \"{new.name}\")")
    for quote in proposals.quotes:
        who = quote.by or "unattributed"
        lines.append(f"quote by {who}: “{quote.text[:70]}{'…' if len(quote.text) > 70 else ''}” - {quote.why}")
    for amb in proposals.ambiguous:
        lines.append(f"ambiguous: {amb.text} could be {', '.join(amb.candidates)} - {amb.sentence[:80]}")
    return "\n".join(lines) if lines else "nothing found"


# --- the registry ----------------------------------------------------------------------------------------------------


def load_registry(project: Project) -> Registry:
    """The project's valid registry entries (the articles are not read: they are most of a large desk)."""
    diagnostics: list[Diagnostic] = []
    entries = [f for f in content_files(project.content_dir, project.root, diagnostics) if f[0] != "article"]
    valid = [v for parsed in load_files(entries, diagnostics) if (v := validate_file(parsed, diagnostics))]
    return build_registry(valid, diagnostics)


_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def matcher_names(registry: Registry) -> Iterator[tuple[str, tuple[str, str]]]:
    """(name, (kind, slug)) for the matcher: every name and alias, folded, then names derived from them:
    people's last names, and names without a qualifier in parentheses ("X (social network)").

    A name an entry claims outright is never shadowed by a derived one. A name several entries claim (an
    alias they share, or a derived name) is given for each of them, so the matcher's match carries them all
    and the mention is reported as ambiguous when found.
    """
    explicit: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    derived: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for kind in LISTED_KINDS:
        for slug, doc in registry.docs[kind].items():
            names = [n for n in entry_names(doc) if n]
            for name in names:
                for variant in {name, fold(name)}:
                    targets = explicit.setdefault(name_key(variant), [])
                    if (kind, slug) not in targets:
                        targets.append((kind, slug))
                # "X (social network)": the news writes the name without the registry's qualifier.
                bare = _QUALIFIER.sub("", name)
                if bare != name and name_key(bare):
                    targets = derived.setdefault(name_key(fold(bare)), [])
                    if (kind, slug) not in targets:
                        targets.append((kind, slug))
            if kind == "person":
                for name in names:
                    key = name_key(fold(name))
                    if len(key) >= 2 and len(key[-1]) >= 2 and key[-1][:1].isupper():
                        targets = derived.setdefault((key[-1],), [])
                        if (kind, slug) not in targets:
                            targets.append((kind, slug))
    for key, targets in explicit.items():
        for target in targets:
            yield " ".join(key), target
    for key, targets in derived.items():
        if key not in explicit:
            for target in targets:
                yield " ".join(key), target


# --- the article -----------------------------------------------------------------------------------------------------


@dataclass
class _Sentence:
    paragraph: int
    start: int
    end: int
    text: str


class Annotator:
    """Annotates articles against one registry; made once, it annotates each article in a fraction of a second."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.matcher: AliasMatcher[tuple[str, str]] = AliasMatcher(matcher_names(registry))
        self._first_body = 0
        # Every entity's names, sources' too: an outlet's name in a body is not a new entry to propose.
        self._claimed = {name_key(fold(n)) for kind in ENTITY_KINDS for doc in registry.docs[kind].values()
                         for n in entry_names(doc) if n}

    def annotate(self, title: str, body: str, captions: Iterable[str] = ()) -> Proposals:
        """The proposals for an article with this title, Markdown body and photo captions.

        Captions count as text of the article (a caption often gives a name's full or other spelling);
        quotes are looked for in the body alone.
        """
        paragraphs = [title, *plain_paragraphs(body)] if title.strip() else plain_paragraphs(body)
        quoted = len(paragraphs)
        self._first_body = 1 if title.strip() else 0
        paragraphs += [c for c in captions if c.strip()]
        proposals = Proposals()
        found: dict[tuple[str, str], Reference] = {}
        ambiguous_seen: set[str] = set()
        last_named: list[tuple[str, str]] = []
        # Per paragraph: the persons each sentence names, in order, for carrying a speaker over.
        mentions: list[list[tuple[int, int, Target]]] = []
        sentences: list[list[_Sentence]] = []
        for index, paragraph in enumerate(paragraphs):
            spans = [_Sentence(index, s, e, paragraph[s:e].strip()) for s, e in sentence_spans(paragraph)]
            sentences.append(spans)
            folded = fold(paragraph)
            here = []
            for match in self.matcher.find(folded):
                target: Target = match.targets
                if match.shared:
                    # A name several entries share (a last name, an alias) means the one of them named in full most
                    # recently: the article itself tells which. Otherwise it is ambiguous, never guessed.
                    named = [t for t in reversed(last_named) if t in target]
                    if named:
                        target = (named[0],)
                elif target[0][0] == "person" and len(name_key(match.surface)) > 1:
                    last_named.append(target[0])
                here.append((match.start, match.end, target))
                sentence = _sentence_at(spans, match.start)
                if len(target) > 1:
                    surface = paragraph[match.start:match.end]
                    if surface not in ambiguous_seen:
                        ambiguous_seen.add(surface)
                        proposals.ambiguous.append(Ambiguous(surface, [slug for _, slug in match.targets], sentence))
                    continue
                for each in [target[0], *self._inside(match.surface, target[0])]:
                    ref = found.get(each)
                    if ref is None:
                        found[each] = Reference(each[1], 1, sentence)
                    else:
                        ref.count += 1
            mentions.append(here)
        for (kind, _), ref in found.items():
            proposals.references[kind].append(ref)
        proposals.new = self._new_names(paragraphs, mentions, sentences)
        proposals.quotes = [q for index in range(quoted) if index or not title.strip()
                            for q in self._quotes(paragraphs, index, mentions, sentences)]
        return proposals

    def _inside(self, surface: str, target: tuple[str, str]) -> list[tuple[str, str]]:
        """Entries named inside an event's or topic's name ("Harrow Strait talks" names the Harrow Strait).

        Only there: an organisation or a city named after a place ("Kestrany City") is not a mention of it.
        """
        if target[0] not in {"event", "topic"}:
            return []
        key = name_key(surface)
        inner = []
        for length in range(len(key) - 1, 0, -1):
            for first in range(len(key) - length + 1):
                found = self.matcher.claimants(" ".join(key[first:first + length]))
                if len(found) == 1 and found[0] != target and found[0] not in inner:
                    inner.append(found[0])
        return inner

    # --- new names --------------------------------------------------------------------------------------------------

    def _new_names(self, paragraphs: list[str], mentions: list[list[tuple[int, int, Target]]],
                   sentences: list[list[_Sentence]]) -> list[NewName]:
        seen: dict[str, NewName] = {}
        for index, paragraph in enumerate(paragraphs):
            taken = [(s, e) for s, e, _ in mentions[index]]
            starts = {s.start + len(s.text) - len(s.text.lstrip()) for s in sentences[index]} | {0}
            for m in _NAME_RUN.finditer(paragraph):
                name, start = _trim_name(m.group(0), m.start())
                if not name or any(s < start + len(name) and start < e for s, e in taken):
                    continue
                kind = _kind_of(name, paragraph, start, start in starts)
                if kind is None:
                    continue
                bare = _strip_honorifics(name)
                if not bare or name_key(fold(bare)) in self._claimed or bare in seen:
                    continue
                seen[bare] = NewName(bare, kind, render(kind, {"name": bare}))
        return list(seen.values())

    # --- quotes ------------------------------------------------------------------------------------------------------

    def _quotes(self, paragraphs: list[str], index: int, mentions: list[list[tuple[int, int, Target]]],
                sentences: list[list[_Sentence]]) -> Iterator[Quote]:
        paragraph = paragraphs[index]
        last: Quote | None = None
        for start, end in _quote_spans(paragraph):
            # A comma before the closing mark belongs to the sentence around the quote ("…,” she said).
            words = paragraph[start + 1:end - 1].strip().removesuffix(",").rstrip()
            if not words:
                continue
            quote = self._attribute(paragraphs, index, start, end, words, mentions, sentences)
            sentence_start = _sentence_start(sentences[index], start)
            alone = not paragraph[sentence_start:start].strip() and \
                not paragraph[end:_clause_end(paragraph, end)].strip()
            if quote.by is None and alone and last is not None and last.by is not None:
                # A sentence that is only a quote, right after an attributed one, goes on with the same speaker.
                quote = Quote(words, last.by, "goes on from the quote before it, whose speaker is named")
            last = quote
            yield quote

    def _attribute(self, paragraphs: list[str], index: int, start: int, end: int, words: str,
                   mentions: list[list[tuple[int, int, Target]]], sentences: list[list[_Sentence]]) -> Quote:
        paragraph = paragraphs[index]
        sentence_start = _sentence_start(sentences[index], start)
        after_end = _clause_end(paragraph, end)
        people = [(s, e, t) for s, e, t in mentions[index] if all(k == "person" for k, _ in t)]
        before_people = [(s, e, t) for s, e, t in people if sentence_start <= s and e <= start]
        after_people = [(s, e, t) for s, e, t in people if end <= s and e <= after_end]
        after = paragraph[end:after_end]
        before = paragraph[sentence_start:start]
        # "…,” said Reyes / "…," Osei said / "…," Osei, the minister, said
        if after_people and re.search(_SPEECH, after):
            s, _, target = after_people[0]
            gap = paragraph[end:s]
            if len(gap.split()) <= 3:
                return self._by(words, target, "named after the quote with a verb of saying")
        # "…,” he said: the subject of the sentence before
        if re.match(r"^[\s,.;:!?’”\"]*" + _PRONOUN + r"\s+(?:\w+ly\s+)?" + _SPEECH + r"\b", after, re.I):
            carried = self._previous_subject(index, sentence_start, mentions, paragraphs)
            if carried is not None:
                return self._by(words, carried, "“he/she said”: the subject of the sentence before")
            unknown = self._unknown_subject(paragraph[:sentence_start])
            if unknown:
                return Quote(words, None, f"“he/she said”: said by {unknown}, who has no registry entry (see `new`)")
            return Quote(words, None, "a pronoun says who spoke, and no person is named before it")
        # Osei said: “…” / According to Osei, “…”
        # Osei's party said: the party spoke, not Osei.
        subjects = [(s, e, t) for s, e, t in before_people if not re.match(r"[’']s\b", paragraph[e:e + 3])]
        if subjects and re.search(_SPEECH + r"|according to|\bcall(?:ed|s) (?:it|this|that|the)\b|"
                                  r"\bdescribed\b", before, re.I):
            return self._by(words, subjects[0][2], "named before the quote with a verb of saying")
        if re.match(r"^[\s,.;:!?’”\"]*" + _SPEECH + r"\s+(?:the|a|an)\b", after, re.I) or \
                re.match(r"^[\s,.;:!?’”\"]*(?:the|a|an)\s+[\w -]{2,40}?\s+" + _SPEECH, after, re.I):
            return Quote(words, None, "the speaker is described (e.g. “a spokesman said”), not named")
        new_speaker = re.match(r"^[\s,.;:!?’”\"]*(?:" + _SPEECH + r"\s+(?P<a>" + _NAME_RUN.pattern + r")|(?P<b>" +
                               _NAME_RUN.pattern + r")\s+" + _SPEECH + ")", after)
        if new_speaker:
            name = new_speaker.group("a") or new_speaker.group("b")
            return Quote(words, None, f"said by {_strip_honorifics(name)}, who has no registry entry (see `new`)")
        named_before = re.search("(?P<name>" + _NAME_RUN.pattern + r")(?:,[^,]{1,60},|,)?\s+" + _SPEECH + r"\b[^“\"]*$",
                                 before)
        if named_before and _strip_honorifics(named_before.group("name")).split()[0] not in _NOT_NAMES and \
                name_key(fold(_strip_honorifics(named_before.group("name")))) not in self._claimed:
            name = _strip_honorifics(named_before.group("name"))
            return Quote(words, None, f"said by {name}, who has no registry entry (see `new`)")
        if re.search(r"^\W*" + _PRONOUN + r"\s+" + _SPEECH, before, re.I) or \
                re.search(r"\b" + _PRONOUN + r"\s+(?:\w+\s+){0,3}" + _SPEECH + r"\W*$", before, re.I):
            carried = self._previous_subject(index, sentence_start, mentions, paragraphs)
            if carried is not None:
                return self._by(words, carried, "“he/she said”: the subject of the sentence before")
        if len(words.split()) <= 4:
            return Quote(words, None, "a short phrase in quotation marks (a term or a cited phrase), no speaker named")
        return Quote(words, None, "no speaker named in the sentence or the one before")

    def _unknown_subject(self, text: str) -> str | None:
        """The last name of a person the registry does not know in `text` (the sentences before a quote)."""
        names = [n for m in _NAME_RUN.finditer(text)
                 if len((n := _strip_honorifics(_trim_name(m.group(0), m.start())[0])).split()) >= 2
                 and name_key(fold(n)) not in self._claimed and not _ADJECTIVE.search(n.split()[0])]
        return names[-1] if names else None

    def _by(self, words: str, target: Target, why: str) -> Quote:
        if len(target) > 1:
            return Quote(words, None, "the speaker's name fits several people: " + ", ".join(s for _, s in target))
        return Quote(words, target[0][1], why)

    def _previous_subject(self, index: int, before: int, mentions: list[list[tuple[int, int, Target]]],
                          paragraphs: list[str]) -> Target | None:
        """The first person named in the closest sentence before `before` that names one (this paragraph, then
        the paragraph before): news style names the subject first."""
        for para in (index, index - 1):
            if para < self._first_body:  # never the headline
                continue
            people = [(s, t) for s, _, t in mentions[para] if all(k == "person" for k, _ in t)
                      and (para < index or s < before)]
            if not people:
                continue
            text = paragraphs[para]
            spans = sentence_spans(text)
            last_sentence = max(_sentence_index(spans, s) for s, _ in people)
            first_in = [t for s, t in people if _sentence_index(spans, s) == last_sentence]
            return first_in[0]
        return None


def _sentence_at(spans: list[_Sentence], at: int) -> str:
    for sentence in spans:
        if sentence.start <= at < sentence.end:
            return sentence.text
    return spans[-1].text if spans else ""


def _sentence_start(spans: list[_Sentence], at: int) -> int:
    for sentence in spans:
        if sentence.start <= at < sentence.end:
            return sentence.start
    return 0


def _sentence_index(spans: list[tuple[int, int]], at: int) -> int:
    for i, (start, end) in enumerate(spans):
        if start <= at < end:
            return i
    return len(spans) - 1


def _clause_end(paragraph: str, at: int) -> int:
    """Where the words after a closing quotation mark end: the next full stop, colon or quotation mark."""
    m = re.compile(r"[.!?;:](?:\s|$)|[“\"]").search(paragraph, at + 1)
    return m.start() if m else len(paragraph)


_QUOTE = re.compile(r"“[^“”]*”|\"[^\"]*\"")


def _quote_spans(paragraph: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each span in double quotation marks, curly or straight, the marks included."""
    for m in _QUOTE.finditer(paragraph):
        yield m.start(), m.end()


def _trim_name(run: str, start: int) -> tuple[str, int]:
    """A run of capitalised words without the sentence openers, days and months around it."""
    tokens = list(re.finditer(r"\S+", run))
    first, last = 0, len(tokens)
    while first < last and tokens[first].group().rstrip(".'’,") in _NOT_NAMES:
        first += 1
    while last > first and (tokens[last - 1].group().rstrip(".'’") in _NOT_NAMES
                            or tokens[last - 1].group().lower() in {"of", "the", "and", "for", "&"}):
        last -= 1
    if first >= last:
        return "", start
    name = run[tokens[first].start():tokens[last - 1].end()].rstrip(".")
    return re.sub(r"[’']s$", "", name), start + tokens[first].start()


def _strip_honorifics(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".") in HONORIFICS:
        words = words[1:]
    return " ".join(words)


#: Endings of the adjectives of nations ("Russian Foreign Minister" is not a person's name).
_ADJECTIVE = re.compile(r"(?:ian|ean|ese|ish|ic|an|ch|zakh)$")


def _kind_of(name: str, paragraph: str, start: int, opens_sentence: bool) -> str | None:
    """What a run of capitalised words not in the registry looks like: person, org, place, or nothing."""
    words = name.split()
    last = words[-1].rstrip(".")
    if (last in ORG_WORDS and len(words) > 1) or (len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", last)):
        return "org"
    if words[0].rstrip(".") in HONORIFICS and len(_strip_honorifics(name).split()) >= 1 and \
            _strip_honorifics(name) != name:
        return "person"
    before = paragraph[:start].split()
    preposition = before[-1].lower() if before else ""
    if preposition in _PLACE_PREPOSITIONS and len(words) <= 3 and not opens_sentence:
        return "place"
    if 2 <= len(words) <= 4 and not any(w.isupper() and len(w) > 1 for w in words) and \
            all(w[:1].isupper() for w in words) and not _ADJECTIVE.search(words[0]):
        return "person"
    return None


# --- files ---------------------------------------------------------------------------------------------------------


def read_article(path: Path) -> tuple[str, str, str]:
    """(front matter, body, whole text) of an article file, or `AnnotateError`."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise AnnotateError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise AnnotateError(f"{path} is not UTF-8 text") from None
    parts = split_front_matter(text)
    if parts is None:
        raise AnnotateError(f"{path} has no front matter (`---` lines); is it an article?")
    return parts[0], parts[1], text


def _title_of(front: str) -> str:
    import yaml

    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError:
        raise AnnotateError("the front matter is not valid YAML; run `briefgen check` to see where") from None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) and not title.startswith("TODO") else ""


def captions_of(front: str) -> list[str]:
    """The photo captions `briefgen import` keeps in a comment of the front matter (`# captions …:` then
    one `#   - caption` line each)."""
    found: list[str] = []
    inside = False
    for line in front.splitlines():
        if line.startswith("# captions"):
            inside = True
        elif inside and line.startswith("#   - "):
            # Without the credit: a photographer or an agency is not a name of the story.
            found.append(re.sub(r"\s*\([^()]*\)\s*$", "", line[len("#   - "):].strip()))
        else:
            inside = False
    return found


def annotate_file(project: Project, path: Path, annotator: Annotator | None = None) -> Proposals:
    """The proposals for the article at `path`, against the project's registry."""
    front, body, _ = read_article(path)
    annotator = annotator or Annotator(load_registry(project))
    return annotator.annotate(_title_of(front), body, captions_of(front))


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order and quoting style survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the editor wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def write_proposals(path: Path, proposals: Proposals) -> int:
    """Add the proposed references and attributed quotes to the article's front matter; how many were added.

    Only adds: an entry already listed, or a quote already there, is left as it is, and nothing the
    editor wrote is removed or reordered. The body is written back byte for byte.
    """
    front, body, text = read_article(path)
    yaml = _round_trip()
    try:
        data = yaml.load(front)
    except Exception as exc:  # ruamel's errors have no common base class worth naming
        raise AnnotateError(f"cannot read the front matter of {path}: {exc}") from None
    if not isinstance(data, dict):
        raise AnnotateError(f"the front matter of {path} is not a mapping")
    added = 0
    for kind, refs in proposals.references.items():
        added += _add_all(data, ARTICLE_FIELD[kind], [ref.slug for ref in refs])
    attributed = [q for q in proposals.quotes if q.by]
    added += _add_all(data, "people", [q.by for q in attributed if q.by])
    if attributed:
        from ruamel.yaml.comments import CommentedMap

        quotes = _list_field(data, "quotes")
        have = {normal_quote(str(q.get("text", ""))) for q in quotes if isinstance(q, dict)}
        for quote in attributed:
            if normal_quote(quote.text) in have:
                continue
            item = CommentedMap()
            item["by"] = quote.by
            item["text"] = quote.text
            quotes.append(item)
            have.add(normal_quote(quote.text))
            added += 1
    if not added:
        return 0
    out = io.StringIO()
    yaml.dump(data, out)
    new_text = text[: text.find("\n") + 1] + out.getvalue() + "---\n" + body
    tmp = path.with_name(f".{path.name}.annotate-tmp")
    try:
        tmp.write_text(new_text, encoding="utf-8", newline="\n")
        tmp.replace(path)  # the article is replaced whole or not at all
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AnnotateError(f"cannot write {path}: {exc.strerror or exc}") from None
    return added


def _list_field(data: Any, key: str) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    value = data.get(key)
    if value is None:
        value = CommentedSeq()
        data[key] = value
    if not isinstance(value, list):
        raise AnnotateError(f"`{key}` is not a list; fix it (briefgen check says how) before annotating")
    if not value and hasattr(value, "fa"):
        value.fa.set_block_style()  # `people: []` becomes a block list once it has items
    return value


def _add_all(data: Any, key: str, slugs: Iterable[str]) -> int:
    wanted = [s for s in dict.fromkeys(slugs)]
    if not wanted:
        return 0
    listed = _list_field(data, key)
    added = 0
    for slug in wanted:
        if slug not in listed:
            listed.append(slug)
            added += 1
    return added
