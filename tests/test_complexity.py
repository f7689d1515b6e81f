"""Every stage that reads an article body takes time in proportion to the body's length.

Bodies come from pull requests: one of a few tens of kilobytes that makes a stage read the rest of
the paragraph again at each mark (`*a *a *a …`, `<a <a …`, `[[[…`) would stall `check` or `build`
for minutes. Speed is otherwise measured by the benchmark, never here: these tests compare the time
of each stage on one body with its time on a body four times as long (a linear stage takes about
four times as long; one whose time grows with the square of the body, sixteen), so they hold on a
slow or busy machine too. What Python-Markdown or nh3 cannot convert in proportionate time is kept
from them: `briefgen check` reports it as `too-complex`, checked here through the command line.
"""

from __future__ import annotations

import gc
import random
import re
import time
from collections.abc import Callable

import pytest
from conftest import article, person

from briefgen.desk.htmlpolicy import MAX_NESTING, too_complex, unsafe_html
from briefgen.desk.matcher import AliasMatcher
from briefgen.desk.text import (
    _strip_emphasis,
    _strip_tags,
    _unwrap,
    _without_markers,
    plain_paragraphs,
    sentence_spans,
)
from briefgen.pages.body import BodyRenderer


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


#: Bodies of about `size` characters that some stage once read again and again.
PATTERNS: dict[str, Callable[[int], str]] = {
    "emphasis that never closes": _repeat("*a "),
    "underscores that never close": _repeat("_a "),
    "strong emphasis that never closes": _repeat("**a "),
    "emphasis marks side by side": _repeat("*_"),
    "tags that never close": _repeat("<a "),
    "attribute values that never close": _repeat("<a x='"),
    "autolinks that never close": _repeat("<http://a "),
    "end tags that never close": _repeat("</a "),
    "comments that never close": _repeat("<!--"),
    "marked sections": _repeat("<![if "),
    "opening brackets": _repeat("["),
    "link addresses that never close": _repeat("[a]("),
    "image addresses that never close": _repeat("![a]("),
    "reference links that never close": _repeat("[a]["),
    "a run of backticks": lambda size: "x" + "`" * (size - 1),
    "code spans side by side": _repeat("`a"),
    "nested quotes": _repeat("> "),
    "nested lists": _repeat("- "),
    "one long word": _repeat("a"),
    "initials": _repeat("A. "),
    "blank lines": _repeat("a\n\n"),
    "headings in one block": _repeat("# a\n"),
    "nested HTML elements": _repeat("<div>\n"),
    "references to one footnote": lambda size: _repeat("[^a] ")(size) + "\n\n[^a]: A note.\n",
    "links side by side": _repeat("[a](b) "),
}

MATCHER = AliasMatcher([("Ada Lovelace", ("person", "ada-lovelace")), ("Lovelace", ("person", "ada-lovelace")),
                        ("a", ("person", "a")), ("A", ("person", "capital-a"))])
RENDERER = BodyRenderer(MATCHER)

#: Each function that reads a body, with what it is given.
STAGES: dict[str, Callable[[str], object]] = {
    "plain_paragraphs": plain_paragraphs,
    "sentence_spans": lambda body: sentence_spans(body.replace("\n", " ")),
    "unsafe_html": unsafe_html,
    "too_complex": too_complex,
    "AliasMatcher": lambda body: (list(MATCHER.find(body)), MATCHER.targets(body), MATCHER.candidates(body)),
    "BodyRenderer.render": lambda body: RENDERER.render(body, {("person", "ada-lovelace"), ("person", "a")},
                                                        lambda key: f"/people/{key[1]}/"),
}

#: The time a stage must take on the shorter body for the ratio to say something.
MEASURABLE = 0.003
SMALLEST, LARGEST = 8_000, 128_000
#: Four times the length may take at most this many times as long (16 for a stage that grows with its square) ...
MOST_GROWTH = 8
#: ... give or take this much (seconds), for the shortest times.
SLACK = 0.002


def _seconds(stage: Callable[[str], object], body: str, runs: int) -> float:
    """The shortest of `runs` times of `stage(body)`, without the garbage collector's pauses."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            stage(body)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def _growth(stage: Callable[[str], object], make: Callable[[int], str]) -> tuple[int, float, float]:
    """(length, time at that length, time at four times that length), the length long enough to measure."""
    size = SMALLEST
    while size < LARGEST and _seconds(stage, make(size), 1) < MEASURABLE:
        size *= 2
    return size, _seconds(stage, make(size), 3), _seconds(stage, make(4 * size), 3)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_stage_takes_time_in_proportion_to_the_body(stage: str, pattern: str) -> None:
    for _ in range(2):  # once more if another process took the processor in the middle
        size, short, long = _growth(STAGES[stage], PATTERNS[pattern])
        if long <= MOST_GROWTH * short + SLACK:
            return
    pytest.fail(f"{stage} took {short * 1000:.1f} ms on {size:,} characters of {pattern} "
                f"and {long * 1000:.1f} ms on {4 * size:,}: more than linear")


# --- the linear rewrites substitute what the regular expressions did --------------------------------------------

REFERENCE = {
    "links": (re.compile(r"\[([^\]]+)\]\([^)]*\)"), lambda text: _unwrap(text, "[", 1, "(", ")")),
    "images": (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), lambda text: _unwrap(text, "![", 0, "(", ")")),
    "reference links": (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), lambda text: _unwrap(text, "[", 1, "[", "]")),
    "tags": (re.compile(r"<[^>]{0,500}>"), _strip_tags),
}
EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|`+|~~)(?=\S)(.+?)(?<=\S)\1")


@pytest.mark.parametrize("name", REFERENCE)
def test_links_and_tags_are_removed_as_the_expression_removed_them(name: str) -> None:
    expression, rewrite = REFERENCE[name]
    rng = random.Random(name)
    pieces = ["[", "]", "(", ")", "![", "](", "][", "a", " ", "<", ">", "<b>", "x" * 300]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert rewrite(text) == expression.sub(r"\1" if name != "tags" else "", text), text


def test_emphasis_is_removed_as_the_expression_removed_it() -> None:
    rng = random.Random(1)
    for _ in range(5000):
        text = "".join(rng.choice("*_`~ ab\t") for _ in range(rng.randint(0, 30)))
        assert _strip_emphasis(text) == EMPHASIS.subn(r"\2", text), text


def test_line_markers_are_removed_as_the_expression_removed_them() -> None:
    expression = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+")
    rng = random.Random(2)
    pieces = ["#", "# ", "####### ", ">", "> ", "-", "- ", "*", "+ ", "1.", "1) ", "12", " ", "\t", "a"]
    for _ in range(5000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _without_markers(line) == expression.sub("", line), line
    assert _without_markers("> - " * 100 + "text") == "text"


def test_sentences_end_where_they_ended() -> None:
    paragraph = "Mr. Modi met S. Jaishankar. " + "A. B. C. " * 5 + "Then Dr. Lavrov left! “Why?” He asked. No. 5 won."
    assert [paragraph[s:e] for s, e in sentence_spans(paragraph)] == [
        "Mr. Modi met S. Jaishankar.", "A. B. C. A. B. C. A. B. C. A. B. C. A. B. C. Then Dr. Lavrov left!",
        "“Why?”", "He asked.", "No. 5 won."]


# --- what the check reports -------------------------------------------------------------------------------------

STORY = "content/articles/2024/07/a-story.md"
BODY_LINE = 12  # the first line of the body in conftest's ARTICLE
OPENING = "Ada Lovelace spoke.\n\n"  # the pathological run starts on the body's third line


@pytest.mark.parametrize(("run", "col", "message", "hint"), [
    ("See " + "[" * 30_000, 5, "`[` whose `]` is far away or missing", "break up the run with blank lines"),
    ("<a " * 10_000, 1, "`<` whose `>` is far away or missing", "escape the `<` as `&lt;`"),
    ("Read [a](" * 5_000, 9, "link addresses `](` whose `)` is far away or missing", "close each link's `(`"),
    ("".join("`" * length + "a" for length in range(1, 300)), 1, "backticks with no run as long soon after them",
     "pair each run of backticks"),
    ("- " * 100 + "a", 1, f"a line nested more than {MAX_NESTING} lists or quotes deep", "nest lists and quotes"),
    ("*_" * 30_000, 1, "59,998 pieces of markup in one paragraph", "break the paragraph up with blank lines"),
])
def test_a_body_too_complex_to_convert_is_an_error_where_its_run_starts(
        run: str, col: int, message: str, hint: str, desk_factory, capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article(body=OPENING + run)})
    started = time.perf_counter()
    assert desk.cli("check") == 1
    assert time.perf_counter() - started < 10  # no stall: it reports instead
    lines = capsys.readouterr().out.splitlines()
    expected = f"{STORY}:{BODY_LINE + 2}:{col}: error[too-complex]: the body is too complex to convert: {message}"
    assert expected in lines, lines
    assert hint in lines[lines.index(expected) + 1]


def test_html_nested_too_deep_is_an_error_at_the_element_too_deep(desk_factory,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article(body=OPENING + "<div>\n" * 100)})
    assert desk.cli("check") == 1
    expected = (f"{STORY}:{BODY_LINE + 2 + MAX_NESTING}:1: error[too-complex]: the body is too complex to convert: "
                f"HTML elements nested more than {MAX_NESTING} deep")
    assert expected in capsys.readouterr().out.splitlines()


def test_the_build_stops_at_such_a_body_without_converting_it(desk_factory,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory({**person(), **article(body=OPENING + "[" * 100_000)})
    started = time.perf_counter()
    assert desk.build() == 1
    assert time.perf_counter() - started < 20
    assert f"{STORY}:{BODY_LINE + 2}:1: error[too-complex]" in capsys.readouterr().err  # the build reports there
    assert not desk.site.exists()


def test_a_body_with_markup_in_ordinary_amounts_is_not_too_complex(desk_factory,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    paragraph = ("Ada Lovelace met *Babbage* at the [Royal Society](https://royalsociety.org/) on `1833-06-05`; "
                 "<abbr title=\"Analytical Engine\">AE</abbr> plans followed[^1] &amp; **notes** (see [below][n]).\n\n")
    body = "## Notes\n\n" + paragraph * 200 + "[n]: https://example.org/notes\n\n[^1]: A footnote.\n"
    assert too_complex(body) is None
    desk = desk_factory({**person(), **article(body=body)})
    assert desk.cli("check") == 0
    assert "too-complex" not in capsys.readouterr().out
