"""A deterministic synthetic desk for benchmarks and demos: `briefgen demo-desk --articles N --out DIR`.

Everything is fictional and comes from a seeded generator, so the same N gives the same files on every
machine. Proportions follow a real desk: about N/5 people and N/10 events; a few people are in the news
every day while most appear once or twice (mention counts follow a Zipf-like law); bodies mention people
by name and by alias, so the matcher and the mention sentences have real work to do.

On top of that, an editorial layer (`_Editorial`) gives the desk every feature of a briefing: a handful of
sources named in each of the ways an article names one, key points with their own source, `about`,
why it matters and what's next, updates and corrections, people who change role, ongoing conflicts that
hold summits that hold bilateral meetings, events after the last article, editors' notes, and the
`briefing_sections` of its mkdocs.yml.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..desk.schema import FOLDERS

SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "sha", "nu", "del", "bri", "zan", "or", "ith", "que", "mar", "sol",
             "ven", "tu", "gar", "eli", "pon", "dra", "fe", "lin", "ost", "ru", "bel", "ca", "dim", "yo"]
ROLES = ["Foreign Minister", "Prime Minister", "President", "Finance Minister", "Ambassador", "Spokesperson",
         "Defence Minister", "Governor", "Secretary-General", "Trade Minister"]
TOPIC_WORDS = ["energy", "trade", "security", "climate", "health", "migration", "technology", "water", "food",
               "elections", "transport", "finance", "space", "labour", "education", "culture", "oceans", "cities",
               "tariffs", "sanctions"]
FILLER = [
    "Officials described the talks as constructive and said further meetings were planned.",
    "The statement did not give a timetable for the next steps.",
    "Analysts said the outcome would depend on financing and on domestic politics.",
    "Both sides agreed to set up a working group to report within three months.",
    "The announcement followed weeks of negotiations behind closed doors.",
    "Critics argued that the measures would not be enough to meet the targets.",
]


class _Names:
    """Unique pronounceable fictional names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def word(self, parts: int) -> str:
        """A new word of `parts` syllables, or longer once the short ones run out (large desks)."""
        for attempt in itertools.count():
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(parts + attempt // 50)).capitalize()
            if word not in self.used:
                self.used.add(word)
                return word
        raise AssertionError("unreachable")


def _zipf_picker(rng: random.Random, n: int, exponent: float = 1.1) -> Callable[[], int]:
    weights = list(itertools.accumulate(1 / (rank ** exponent) for rank in range(1, n + 1)))
    total = weights[-1]
    return lambda: bisect.bisect_left(weights, rng.random() * total)


def _dump(data: dict[str, object]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


#: The days a demo desk's articles are spread over unless told otherwise: two years from 1 January 2024.
DEFAULT_DAYS = 730


def write_demo_desk(out: Path, articles: int, *, seed: int = 2024, days: int = DEFAULT_DAYS) -> dict[str, int]:
    """Write `content/` and `mkdocs.yml` for a desk of `articles` articles into `out`; returns counts by kind.

    The articles are spread evenly over `days` days from 1 January 2024, and the summits and role changes
    over the same span: a desk of more days at the same number of articles a day is what a desk that has
    been running longer looks like (`bench/benchmark.py` grows its desks so).
    """
    if days < 1:
        raise ValueError("a demo desk spans at least one day")
    rng = random.Random(seed)
    names = _Names(rng)
    n_people, n_events = max(5, articles // 5), max(3, articles // 10)
    n_orgs, n_places, n_topics = max(3, articles // 50), max(3, articles // 100), min(20, max(3, articles // 50))
    content = out / "content"
    files: dict[Path, str] = {}  # written at the end, once the editorial layer has been added
    places = [f"place-{i}" for i in range(n_places)]
    for slug in places:
        files[content / "places" / f"{slug}.yml"] = _dump({"name": f"{names.word(2)} City", "summary": "A city."})
    orgs = [f"org-{i}" for i in range(n_orgs)]
    for slug in orgs:
        files[content / "orgs" / f"{slug}.yml"] = _dump({"name": f"{names.word(2)} Council", "summary": "A body."})
    topics = [f"topic-{i}" for i in range(n_topics)]
    for i, slug in enumerate(topics):
        files[content / "topics" / f"{slug}.yml"] = _dump({"name": f"{TOPIC_WORDS[i].capitalize()} {i}"})
    people: list[tuple[str, str, str]] = []
    person_data: list[dict[str, Any]] = []
    for _ in range(n_people):
        first, last = names.word(2), names.word(3)
        slug = f"{first}-{last}".lower()
        people.append((slug, f"{first} {last}", last))
        person_data.append({
            "name": f"{first} {last}", "aliases": [last],
            "roles": [{"title": rng.choice(ROLES), "org": rng.choice(orgs), "from": "2020-01-01"}],
            "country": rng.choice(places), "summary": f"{first} {last} is a fictional public figure.",
        })
    start = dt.date(2024, 1, 1)
    pick_person = _zipf_picker(rng, n_people)
    events: list[tuple[str, str, dt.date]] = []
    event_data: list[dict[str, Any]] = []
    for i in range(n_events):
        day = start + dt.timedelta(days=rng.randrange(0, days))
        slug, name = f"event-{i}", f"{names.word(2)} Summit {day.year}"
        events.append((slug, name, day))
        participants = sorted({people[pick_person()][0] for _ in range(3)})
        event_data.append({
            "name": name, "start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat(),
            "place": rng.choice(places), "participants": participants, "summary": "A fictional meeting.",
        })
    pick_event = _zipf_picker(rng, n_events, 0.8)
    stories: list[_Story] = []
    for i in range(articles):
        day = start + dt.timedelta(days=i * days // max(articles, 1))
        cast = sorted({pick_person() for _ in range(rng.randint(1, 4))})
        event = events[pick_event()]
        who = [people[c] for c in cast]
        sentences = [f"{w[1]} spoke about {event[1]} on {day:%d %B}." for w in who]
        sentences += [f"Later, {w[2]} said the talks had gone well." for w in who[:2]]
        body = "\n\n".join(" ".join(sentences[k : k + 2] + rng.sample(FILLER, 3)) for k in range(0, len(sentences), 2))
        # The quote, in the body as a brief carries it (added after the random draws, which it leaves as they were).
        body += f'\n\n{who[0][2]} said: "We will keep talking until there is an agreement."'
        quotes = [{"by": who[0][0], "text": "We will keep talking until there is an agreement.",
                   "context": "at a press conference"}]
        front = {
            "title": f"{who[0][2]} and {event[1]}: talks continue ({i})", "date": day.isoformat(),
            "source": {"name": "Fictional Wire", "url": f"https://wire.example/{i}"},
            "summary": f"{who[0][1]} discussed {event[1]}.", "key_points": ["Talks continue.", "No deal yet."],
            "people": [w[0] for w in who], "events": [event[0]], "orgs": [rng.choice(orgs)],
            "places": [rng.choice(places)], "topics": [rng.choice(topics)], "quotes": quotes,
        }
        stories.append(_Story(i, day, front, body))
    _Editorial(random.Random(f"{seed}:editorial"), names, people, places, topics, events, stories,
               person_data, event_data, days).add(files, content)
    for (slug, _, _), data in zip(people, person_data, strict=True):
        files[content / "people" / f"{slug}.yml"] = _dump(data)
    for (slug, _, _), data in zip(events, event_data, strict=True):
        files[content / "events" / f"{slug}.yml"] = _dump(data)
    for story in stories:
        files[content / "articles" / f"{story.day:%Y}" / f"{story.day:%m}" / f"story-{story.index}.md"] = (
            f"---\n{_dump(story.front)}---\n{story.body}\n")
    for path, text in files.items():
        _write(path, text)
    (out / "mkdocs.yml").write_text(
        "site_name: Demo desk\nsite_url: https://demo.example/\ndocs_dir: content\n"
        "theme:\n  name: material\nplugins:\n  - briefgen:\n" + _sections_option(topics), encoding="utf-8")
    kinds = ("article", "person", "event", "org", "place", "topic", "source", "briefing")
    counts = {kind: sum(1 for path in files if path.parent.name == FOLDERS[kind]) for kind in kinds}
    counts["article"] = articles
    return counts


@dataclass
class _Story:
    """An article while the desk is made: its number, day, front matter and body."""

    index: int
    day: dt.date
    front: dict[str, Any]
    body: str


#: The desk's fictional outlets: slug, name, kind, home page. Articles name them by rotation (all of them
#: once a desk has as many articles), in each of the three forms an article's `source` takes.
OUTLETS = [
    ("fictional-wire", "Fictional Wire", "agency", "https://wire.example/"),
    ("daily-ledger", "The Daily Ledger", "newspaper", "https://ledger.example/"),
    ("northern-broadcasting", "Northern Broadcasting Service", "broadcaster", "https://nbs.example/"),
    ("state-herald", "The State Herald", "state-media", "https://herald.example/"),
    ("foreign-ministry-press", "Foreign Ministry Press Office", "ministry", "https://mfa.example/"),
    ("open-signal", "Open Signal", "online", "https://signal.example/"),
]
#: An outlet with no entry: articles drawn from it name it inline, `{name, url}`.
INLINE_OUTLET = ("Regional Courier", "https://courier.example/")
#: The daily briefings' sections, by the word each topic is named after (`TOPIC_WORDS`); topics left out
#: (water, oceans) go under "Other news".
SECTIONS = (
    ("Diplomacy", ("trade", "migration", "sanctions", "tariffs", "space")),
    ("Conflict", ("security",)),
    ("Economy", ("energy", "finance", "labour", "transport", "food", "technology")),
    ("Domestic", ("climate", "health", "elections", "education", "culture", "cities")),
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WHY = [
    "The outcome decides how the next budget is shared between the partners.",
    "Both governments have staked their reputations on a deal before the end of the year.",
    "A failure would leave the region without a framework for the coming season.",
]
NEXT = [
    "Negotiators meet again next month to draft a joint text.",
    "The working group reports within three months.",
    "Parliaments must ratify any agreement before it takes effect.",
]
NOTES = [
    "A day dominated by talks. Little was settled, and most delegations promised to meet again.",
    "The briefs below follow the negotiations from several capitals; the sources differ on the timetable.",
    "Quieter than expected: the statements repeated known positions, and no new dates were set.",
]


def _day_text(day: dt.date) -> str:
    """`3 July 2024`, whatever the locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class _Editorial:
    """The desk's editorial layer: sources, salience, briefing fields, role changes, event chains, ongoing and
    upcoming events, and briefing notes.

    Drawn from a generator of its own, after the generator of the people, events and articles has made them,
    so adding to this layer leaves the rest of the desk as it was. Everything here is proportional to the
    desk's size (or a fixed handful), and linear in it.
    """

    def __init__(self, rng: random.Random, names: _Names, people: list[tuple[str, str, str]], places: list[str],
                 topics: list[str], events: list[tuple[str, str, dt.date]], stories: list[_Story],
                 person_data: list[dict[str, Any]], event_data: list[dict[str, Any]], days: int) -> None:
        self.days = days
        self.rng, self.names, self.people, self.places, self.topics = rng, names, people, places, topics
        self.events, self.stories, self.person_data, self.event_data = events, stories, person_data, event_data
        self.outlets = OUTLETS[: max(1, min(len(OUTLETS), len(stories)))]
        self.last_day = stories[-1].day if stories else dt.date(2024, 1, 1)
        self.met: set[str] = set()  # the summits whose meeting an article has named

    def add(self, files: dict[Path, str], content: Path) -> None:
        """Add the layer to the people, events and articles, and its own files to `files`."""
        names = _Names(self.rng)
        names.used = self.names.used  # new names never repeat one of the desk's words (a name in a body)
        self.names = names
        for slug, name, kind, url in self.outlets:
            files[content / "sources" / f"{slug}.yml"] = _dump({
                "name": name, "kind": kind, "country": self.rng.choice(self.places), "url": url,
                "summary": f"{name} is a fictional {kind.replace('-', ' ')} outlet.",
            })
        self._role_changes()
        conflicts = self._conflicts(files, content)
        meetings = self._meetings(files, content)
        upcoming = self._upcoming(files, content, conflicts)
        for story in self.stories:
            self._article(story, meetings, upcoming)
        self._notes(files, content)

    def _role_changes(self) -> None:
        """One person in ten changes role within one organisation during the desk's span (not in its first or
        last twelfth, so that articles show each role)."""
        for index in range(2, len(self.person_data), 10):
            roles = self.person_data[index]["roles"]
            first, last = self.days * 60 // 730, self.days * 670 // 730
            change = dt.date(2024, 1, 1) + dt.timedelta(days=self.rng.randrange(first, max(first + 1, last)))
            title = self.rng.choice([r for r in ROLES if r != roles[0]["title"]])
            roles[0]["to"] = (change - dt.timedelta(days=1)).isoformat()
            roles.append({"title": title, "org": roles[0]["org"], "from": change.isoformat()})

    def _conflicts(self, files: dict[Path, str], content: Path) -> list[str]:
        """Ongoing conflicts (no end), each the parent of some of the summits."""
        conflicts = [f"conflict-{k}" for k in range(max(1, len(self.stories) // 100))]
        for k, slug in enumerate(conflicts):
            files[content / "events" / f"{slug}.yml"] = _dump({
                "name": f"{self.names.word(2)} Valley Conflict",
                "start": (dt.date(2023, 3, 1) + dt.timedelta(days=7 * k)).isoformat(), "ongoing": True,
                "place": self.rng.choice(self.places), "summary": "A fictional conflict, not over.",
            })
        for index in range(2, len(self.event_data), 4):  # event-2, event-6, …: never event-0 or event-1
            self.event_data[index]["parent"] = conflicts[(index // 4) % len(conflicts)]
        return conflicts

    def _meetings(self, files: dict[Path, str], content: Path) -> dict[str, str]:
        """Bilateral meetings at the most covered summits of a conflict: chains three deep. By summit slug."""
        covered: dict[str, int] = {}
        for story in self.stories:
            for slug in story.front["events"]:
                covered[slug] = covered.get(slug, 0) + 1
        summits = sorted((index for index in range(2, len(self.events), 4) if self.events[index][0] in covered),
                         key=lambda index: (-covered[self.events[index][0]], index))
        meetings: dict[str, str] = {}
        for k, index in enumerate(summits[: max(1, len(self.stories) // 50)]):
            summit, data = self.events[index][0], self.event_data[index]
            slug = f"meeting-{k}"
            files[content / "events" / f"{slug}.yml"] = _dump({
                "name": f"{self.names.word(2)} Bilateral Talks", "start": data["start"], "place": data["place"],
                "parent": summit, "participants": data["participants"][:2],
                "summary": "Fictional talks between two delegations on the sidelines of the summit.",
            })
            meetings[summit] = slug
        return meetings

    def _upcoming(self, files: dict[Path, str], content: Path, conflicts: list[str]) -> list[tuple[str, str, dt.date]]:
        """Events after the desk's last day, each named by one of the last articles; the first within a conflict."""
        upcoming = []
        for k in range(max(1, len(self.stories) // 100)):
            day = self.last_day + dt.timedelta(days=10 + 20 * k)
            slug, name = f"upcoming-{k}", f"{self.names.word(2)} Conference {day.year}"
            data: dict[str, Any] = {"name": name, "start": day.isoformat(),
                                    "end": (day + dt.timedelta(days=2)).isoformat(),
                                    "place": self.rng.choice(self.places), "summary": "A fictional conference, ahead."}
            if k == 0:
                data["parent"] = conflicts[0]
            if k == 1:
                data["status"] = "scheduled"
            files[content / "events" / f"{slug}.yml"] = _dump(data)
            upcoming.append((slug, name, day))
        return upcoming

    def _article(self, story: _Story, meetings: dict[str, str], upcoming: list[tuple[str, str, dt.date]]) -> None:
        """The editorial fields of one article, by its number: each feature on a steady share of the desk."""
        i, front, rng = story.index, story.front, self.rng
        slug, _, _, url = self.outlets[i % len(self.outlets)]
        form = (i // len(self.outlets)) % 3
        if form == 0:
            front["source"] = {"outlet": slug, "url": f"{url}{i}"}
        elif form == 1:
            front["source"] = slug
        else:
            front["source"] = {"name": INLINE_OUTLET[0], "url": f"{INLINE_OUTLET[1]}{i}"}
        if i % 4 == 1:  # a point drawn from another outlet than the article's
            other, _, _, other_url = self.outlets[(i + 1) % len(self.outlets)]
            front["key_points"] = [*front["key_points"],
                                   {"text": "Officials expect another round within weeks.", "source": other,
                                    "url": f"{other_url}{i}/briefing"}]
        summit = front["events"][0]
        if summit in meetings and (i % 2 == 0 or summit not in self.met):  # each meeting named at least once
            front["events"] = [*front["events"], meetings[summit]]
            self.met.add(summit)
        last = len(self.stories) - 1 - i
        if 0 <= last < len(upcoming):
            event = upcoming[last]
            front["events"] = [*front["events"], event[0]]
            front["whats_next"] = f"{event[1]} opens on {_day_text(event[2])}."
        elif i % 4 != 3:
            front["whats_next"] = rng.choice(NEXT)
        if i % 4 != 3:
            front["why_it_matters"] = rng.choice(WHY)
        # Every third article marks nothing as its subject, as many briefs will.
        if i % 3 == 1:
            front["about"] = [front["people"][0], summit]
        elif i % 3 == 2:
            front["about"] = [front["people"][0]]
        later = story.day + dt.timedelta(days=2)
        if later <= self.last_day and i % 20 == 7:
            front["updated"] = later.isoformat()
        if later <= self.last_day and i % 40 == 13:
            front["updated"] = later.isoformat()
            front["corrections"] = [{"date": later.isoformat(),
                                     "text": "An earlier version gave the wrong day for the next round of talks."}]

    def _notes(self, files: dict[Path, str], content: Path) -> None:
        """Editors' notes on one day in twenty or so, and on the last day (the home page's briefing)."""
        days = {self.stories[i].day for i in range(10, len(self.stories), 20)}
        if len(self.stories) >= 20:
            days.add(self.last_day)
        for n, day in enumerate(sorted(days)):
            text = self.rng.choice(NOTES) + "\n"
            if n % 2 == 0:  # half with a title in front matter, half Markdown alone
                text = f"---\ntitle: The day in brief, {_day_text(day)}\n---\n{text}"
            files[content / "briefings" / f"{day.isoformat()}.md"] = text


def _sections_option(topics: list[str]) -> str:
    """The `briefing_sections` option of the plugin: each section with the desk's topics of its words."""
    word_of = {slug: TOPIC_WORDS[i] for i, slug in enumerate(topics)}
    lines = []
    for title, words in SECTIONS:
        chosen = [slug for slug in topics if word_of[slug] in words]
        if chosen:
            lines += [f"        - title: {title}", f"          topics: [{', '.join(chosen)}]"]
    return "      briefing_sections:\n" + "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
