"""Names that two entries share: two people called Reyes, Georgia the country and the US state.

A shared name means the one of its entries the article annotates, on the page, in `check`, in the
mention sentences and in `briefgen annotate`; annotating none or several of them, it is ambiguous.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from conftest import Desk, article

from briefgen.desk.matcher import AliasMatcher, resolve


def _story(slug: str, date: str, people: str, body: str, places: str = "") -> dict[str, str]:
    """An article (conftest's) that also lists `places`."""
    files = article(slug, date=date, people=people, body=body, title=slug.replace("-", " ").capitalize())
    return {path: text.replace(f"people: [{people}]\n", f"people: [{people}]\nplaces: [{places}]\n")
            for path, text in files.items()}


FILES = {
    "content/people/ada-lovelace.yml": "name: Ada Lovelace\n",
    "content/people/ana-reyes.yml": "name: Ana Reyes\naliases: [Reyes]\n",
    "content/people/luis-reyes.yml": "name: Luis Reyes\naliases: [Reyes]\n",
    "content/places/georgia.yml": "name: Georgia\n",
    "content/places/georgia-us-state.yml": "name: Georgia (U.S. state)\naliases: [Georgia]\n",
    **_story("ana-story", "2024-07-03", "ada-lovelace, ana-reyes",
             "Ada Lovelace spoke first. Then she met Reyes in Georgia. Reyes agreed.", places="georgia"),
    **_story("luis-story", "2024-07-04", "luis-reyes",
             "The talks went on. Later, Reyes spoke in Georgia.", places="georgia-us-state"),
    **_story("neither-story", "2024-07-05", "ada-lovelace", "Ada Lovelace wrote.\nThe envoy Reyes replied."),
    **_story("both-story", "2024-07-06", "ada-lovelace, ana-reyes, luis-reyes",
             "Ada Lovelace met both. Reyes and Reyes nodded."),
}
NEITHER = "content/articles/2024/07/neither-story.md"
BOTH = "content/articles/2024/07/both-story.md"


@pytest.fixture
def desk(desk_factory: Callable[..., Desk]) -> Desk:
    return desk_factory(FILES)


def _links(html: str) -> list[str]:
    """The entities the body's mention links point to, in order."""
    return re.findall(r'data-entity="([^"]+)"', html)


def _together(page: str) -> list[tuple[str, int]]:
    """The "most often mentioned with" cards of a person page: (name, articles together)."""
    section = page[page.index('id="mentioned-with"'):].split("</ul>")[0]
    return [(name, int(n)) for name, n in re.findall(r'>([^<>]+)</a><span class="bg-count"[^>]*>(\d+)<', section)]


def test_a_shared_name_resolves_against_the_annotations_or_is_ambiguous() -> None:
    matcher = AliasMatcher([("Ana Reyes", "ana"), ("Reyes", "ana"), ("Luis Reyes", "luis"), ("Reyes", "luis"),
                            ("Reyes", "ana")])
    (match,) = matcher.find("Then Reyes spoke.")
    assert match.targets == ("ana", "luis") and match.shared and match.target == "ana"
    assert resolve(match.targets, {"ana"}) == "ana" and resolve(match.targets, {"luis", "x"}) == "luis"
    assert resolve(match.targets, set()) is None and resolve(match.targets, {"ana", "luis"}) is None
    (single,) = matcher.find("Luis Reyes")
    assert single.targets == ("luis",) and not single.shared
    # A single target is the matcher's own tuple each time: nothing is made per match.
    assert next(matcher.find("Luis Reyes")).targets is single.targets
    assert matcher.claimants("Reyes") == ("ana", "luis") and matcher.claimants("Nobody") == ()


def test_check_accepts_shared_aliases_and_warns_where_a_shared_name_is_ambiguous(
        desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert desk.cli("check") == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "error[" in line] == []
    warnings = [line for line in out if "warning[" in line]
    assert warnings == [
        f"{BOTH}:13:24: warning[ambiguous-mention]: `Reyes` may name person `ana-reyes` or person `luis-reyes`, "
        "and this article lists more than one of them, so it is not linked",
        f"{NEITHER}:14:11: warning[ambiguous-mention]: `Reyes` may name person `ana-reyes` or person "
        "`luis-reyes`, and this article lists none of them, so it is not linked",
    ]


def test_pages_link_a_shared_name_to_the_annotated_entry_and_follow_the_annotations(desk: Desk) -> None:
    assert desk.build() == 0
    assert _links(desk.page("articles/ana-story")) == ["person:ada-lovelace", "person:ana-reyes", "place:georgia"]
    assert _links(desk.page("articles/luis-story")) == ["person:luis-reyes", "place:georgia-us-state"]
    assert _links(desk.page("articles/neither-story")) == ["person:ada-lovelace"]
    assert _links(desk.page("articles/both-story")) == ["person:ada-lovelace"]
    ana, luis = desk.page("people/ana-reyes"), desk.page("people/luis-reyes")
    assert "Then she met Reyes in Georgia." in ana and "Later, Reyes spoke in Georgia." not in ana
    assert "Later, Reyes spoke in Georgia." in luis and "Then she met Reyes in Georgia." not in luis
    assert "Reyes and Reyes nodded." not in ana + luis  # ambiguous there: no mention sentence
    # "Often covered with": Ada shares two articles with Ana (one of them both Reyes') and one with Luis.
    ada = desk.page("people/ada-lovelace")
    assert _together(ada) == [("Ana Reyes", 2), ("Luis Reyes", 1)]
    assert _together(ana) == [("Ada Lovelace", 2), ("Luis Reyes", 1)]
    assert _together(luis) == [("Ada Lovelace", 1), ("Ana Reyes", 1)]


def test_annotate_lists_a_shared_name_as_ambiguous(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert desk.cli("annotate", str(desk.root / NEITHER), "--format", "json") == 0
    found = json.loads(capsys.readouterr().out)
    assert [(a["text"], a["candidates"]) for a in found["ambiguous"]] == [("Reyes", ["ana-reyes", "luis-reyes"])]
    assert "ana-reyes" not in {r["slug"] for r in found["people"]}
    assert "luis-reyes" not in {r["slug"] for r in found["people"]}
