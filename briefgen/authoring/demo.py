"""A deterministic synthetic desk for benchmarks and demos: `briefgen demo-desk --articles N --out DIR`.

Everything is fictional and comes from a seeded generator, so the same N gives the same files on every
machine. Proportions follow a real desk: about N/5 people and N/10 events; a few people are in the news
every day while most appear once or twice (mention counts follow a Zipf-like law); bodies mention people
by name and by alias, so the matcher and the mention sentences have real work to do.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable
from pathlib import Path

import yaml

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


def write_demo_desk(out: Path, articles: int, *, seed: int = 2024) -> dict[str, int]:
    """Write `content/` and `mkdocs.yml` for a desk of `articles` articles into `out`; returns counts by kind."""
    rng = random.Random(seed)
    names = _Names(rng)
    n_people, n_events = max(5, articles // 5), max(3, articles // 10)
    n_orgs, n_places, n_topics = max(3, articles // 50), max(3, articles // 100), min(20, max(3, articles // 50))
    content = out / "content"
    places = [f"place-{i}" for i in range(n_places)]
    for slug in places:
        _write(content / "places" / f"{slug}.yml", _dump({"name": f"{names.word(2)} City", "summary": "A city."}))
    orgs = [f"org-{i}" for i in range(n_orgs)]
    for slug in orgs:
        _write(content / "orgs" / f"{slug}.yml", _dump({"name": f"{names.word(2)} Council", "summary": "A body."}))
    topics = [f"topic-{i}" for i in range(n_topics)]
    for i, slug in enumerate(topics):
        _write(content / "topics" / f"{slug}.yml", _dump({"name": f"{TOPIC_WORDS[i].capitalize()} {i}"}))
    people: list[tuple[str, str, str]] = []
    for _ in range(n_people):
        first, last = names.word(2), names.word(3)
        slug = f"{first}-{last}".lower()
        people.append((slug, f"{first} {last}", last))
        _write(content / "people" / f"{slug}.yml", _dump({
            "name": f"{first} {last}", "aliases": [last],
            "roles": [{"title": rng.choice(ROLES), "org": rng.choice(orgs), "from": "2020-01-01"}],
            "country": rng.choice(places), "summary": f"{first} {last} is a fictional public figure.",
        }))
    start = dt.date(2024, 1, 1)
    pick_person = _zipf_picker(rng, n_people)
    events: list[tuple[str, str, dt.date]] = []
    for i in range(n_events):
        day = start + dt.timedelta(days=rng.randrange(0, 730))
        slug, name = f"event-{i}", f"{names.word(2)} Summit {day.year}"
        events.append((slug, name, day))
        participants = sorted({people[pick_person()][0] for _ in range(3)})
        _write(content / "events" / f"{slug}.yml", _dump({
            "name": name, "start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat(),
            "place": rng.choice(places), "participants": participants, "summary": "A fictional meeting.",
        }))
    pick_event = _zipf_picker(rng, n_events, 0.8)
    for i in range(articles):
        day = start + dt.timedelta(days=i * 730 // max(articles, 1))
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
        _write(content / "articles" / f"{day:%Y}" / f"{day:%m}" / f"story-{i}.md", f"---\n{_dump(front)}---\n{body}\n")
    (out / "mkdocs.yml").write_text(
        "site_name: Demo desk\nsite_url: https://demo.example/\ndocs_dir: content\n"
        "theme:\n  name: material\nplugins:\n  - briefgen\n", encoding="utf-8")
    return {"article": articles, "person": n_people, "event": n_events, "org": n_orgs, "place": n_places,
            "topic": n_topics}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
