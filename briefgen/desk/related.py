"""Related coverage: the articles (and events) closest to one, by what they share.

An article's score for another is the sum, over the entries both name, of the entry's kind weight
times how central it is to each (an entry an article is `about` counts twice a passing mention),
divided by how common the entry is (`commonness`) (sharing a country that half the desk names says little), times
a recency factor. Candidates are the articles next to it in time in each shared entry's coverage (a
window of `WINDOW` either side), so the cost per article is bounded by its annotations, never by
the size of the desk: no all-pairs loop. Ties go to the newer article, then to the slug. Events
are scored alike, their candidates found the same way in the events of each participant and place.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence

from .model import Article, EntityKey, Event
from .model import newest_first as order

#: How much sharing an entry of each kind says about two articles being on the same story.
KIND_WEIGHT: Mapping[str, float] = {"event": 3.0, "person": 2.0, "org": 1.5, "topic": 1.5, "place": 1.0,
                                    "source": 0.0}
#: Salience of an entry to an article: what it is about, or what it mentions in passing.
ABOUT, MENTION = 2, 1
#: Articles looked at on each side of an article in each shared entry's coverage.
WINDOW = 12
#: Days over which the recency factor halves.
HALF_LIFE_DAYS = 30


def salience(article: Article, key: EntityKey) -> int:
    """`ABOUT` when the article is about `key`, else `MENTION`."""
    return ABOUT if key in article.about_set else MENTION


def commonness(articles: int) -> int:
    """How common an entry covered by `articles` articles is: the bit length of 2 + that number, a
    logarithm in whole steps, so that a score changes when an entry's coverage doubles, not with
    every article added (the preview then re-ranks the articles near an edit, not all of an entry's)."""
    return (2 + articles).bit_length()


def related_articles(article: Article, coverage: Callable[[EntityKey], Sequence[Article]],
                     limit: int = 5) -> list[Article]:
    """Up to `limit` articles most related to `article`; `coverage(key)` lists an entry's articles newest first."""
    scores: dict[str, float] = {}
    found: dict[str, Article] = {}
    for key in article.covers():
        weight = KIND_WEIGHT.get(key[0], 1.0)
        if not weight:
            continue
        listed = coverage(key)
        rarity = weight * salience(article, key) / commonness(len(listed))
        at = bisect.bisect_left(listed, order(article), key=order)
        for other in listed[max(0, at - WINDOW): at + WINDOW + 1]:
            if other.slug == article.slug:
                continue
            scores[other.slug] = scores.get(other.slug, 0.0) + rarity * salience(other, key)
            found[other.slug] = other
    day = article.date.toordinal()
    ranked = sorted(found.values(), key=lambda other: (
        -_tied(scores[other.slug] * _recency(abs(day - other.date.toordinal()))), *order(other)))
    return ranked[:limit]


def _tied(score: float) -> float:
    """`score` rounded, so that sums equal but for the order of their terms tie (then date and slug decide)."""
    return round(score, 9)


def _recency(days: int) -> float:
    return 1.0 / (1.0 + days / HALF_LIFE_DAYS)


def related_events(event: Event, candidates: Mapping[EntityKey, float], events: Mapping[str, Event],
                   limit: int = 5) -> list[tuple[EntityKey, float]]:
    """Up to `limit` events from `candidates` (event → what it shares with `event`), each weighed by
    how close in time the two are; ties to the later event, then the slug."""
    day = event.start.toordinal()

    def rank(item: tuple[EntityKey, float]) -> tuple[float, int, str]:
        other = events[item[0][1]]
        return -_tied(item[1] * _recency(abs(day - other.start.toordinal()))), -other.start.toordinal(), item[0][1]

    return sorted(candidates.items(), key=rank)[:limit]
