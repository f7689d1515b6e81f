"""`briefgen import`: scraped articles become clean drafts that pass `check`, and nothing is ever overwritten."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Desk, tree_digest

from briefgen.authoring import importer
from briefgen.authoring.importer import (
    Line,
    _Context,
    clean,
    mentioned_dates,
    parse_stamp,
    split_site_suffix,
)
from briefgen.desk.verbatim import copied_run, fingerprint

SEED = Path(__file__).resolve().parents[2] / "shared/seeds/000_c526a3261d03e795.txt"  # beside the clone, in CI too
FIXTURES = Path(__file__).parent / "fixtures" / "scraped"
SEED_TEXT = SEED.read_text(encoding="utf-8") if SEED.exists() else None
CAPTION = ("External Affairs Minister S. Jaishankar with Russian Foreign Minister Sergey Lavrov on the sidelines of "
           "the Shanghai Cooperation Organisation summit in Astana, Kazakhstan. (PTI Photo)")


def _import(desk: Desk, capsys: pytest.CaptureFixture[str], source: Path, *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    status = desk.cli("import", str(source), "--format", "json", *args)
    captured = capsys.readouterr()
    return status, (json.loads(captured.out) if status == 0 else {}), captured.err


def _check_passes(desk: Desk, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    status = desk.cli("check", "--no-cache")
    out = capsys.readouterr().out
    assert status == 0, out
    assert "error[" not in out
    return out


# --- the seed ----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(SEED_TEXT is None, reason="the shared seed is not on this machine")
def test_the_seed_becomes_a_clean_draft_that_passes_check(desk_factory: Callable[..., Desk],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    status, report, err = _import(desk, capsys, SEED, "--date", "2024-07-03", "--source-name", "Hindustan Times")
    assert status == 0, err
    assert report["path"] == "content/articles/2024/07/eam-pressures-russia-for-early-return-of-indian-nationals-in.md"
    assert report["title"] == "EAM pressures Russia for early return of Indian nationals caught in Ukraine war"
    assert report["date"] == "2024-07-03"
    assert [(r["line"], r["text"]) for r in report["removed"]] == [
        (1, "close"), (2, "close"), (4, "Latest News India"), (8, CAPTION), (9, CAPTION)]
    assert [r["why"].split(" (")[0] for r in report["removed"]] == [
        "interface text", "interface text", "name of the site after the headline", "photo caption",
        "photo caption repeated"]
    assert report["captions"] == [CAPTION]

    text = (desk.root / report["path"]).read_text(encoding="utf-8")
    front, body = text.split("\n---\n\n", 1)
    source_paragraphs = [p.strip() for p in SEED_TEXT.split("\n\n")]
    # Every paragraph of the article, in order, word for word; no "close", the caption once, in a comment.
    kept = [p for p in source_paragraphs if p.startswith(("India on", "The meeting", "Jaishankar", "Last month",
                                                          "On June", "Around 25", "India has", "People familiar",
                                                          "Modi and", "Soon after"))]
    assert body.rstrip("\n").split("\n\n") == kept
    assert "close" not in body.split()
    assert text.count("(PTI Photo)") == 1 and f"#   - {CAPTION}" in front
    assert "status: draft" in front and "The desk writes briefs, not copies" in front
    assert "#   - on Wednesday = 2024-07-03" in front and "#   - on Tuesday = 2024-07-02" in front
    assert "name: Hindustan Times" in front
    _check_passes(desk, capsys)


# --- each kind of noise --------------------------------------------------------------------------------------------


def _rule(rule: importer.Rule, *texts: str) -> tuple[list[str], list[str], _Context]:
    ctx = _Context(pasted=list(range(1, len(texts) + 1)))
    kept = rule([Line(i, t) for i, t in enumerate(texts, 1)], ctx)
    return [line.text for line in kept], [r.why for r in ctx.removed], ctx


PARAGRAPH = "The council said on Tuesday that it would publish the full figures for the first quarter next week."


@pytest.mark.parametrize(("rule", "noise"), [
    (importer.interface_lines, "close"),
    (importer.interface_lines, "Advertisement"),
    (importer.interface_lines, "Follow us on"),
    (importer.interface_lines, "Share"),
    (importer.interface_lines, "Listen to this article | 4 mins"),
    (importer.interface_lines, "Reuse this content"),
    (importer.interface_lines, "Story continues below advertisement"),
    (importer.read_more_links, "Also Read: Kestrany raises port fees again"),
    (importer.credit_lines, "Reporting by Jana Holm; Editing by Ruth Amsel"),
    (importer.credit_lines, "Photograph: Kai Moreno/The Meridian"),
    (importer.bylines, "By Jana Holm and Piet Varga"),
    (importer.time_stamps, "Updated: Mar 14, 2025 09:12 PM IST"),
    (importer.time_stamps, "First published on Fri 11 Apr 2025 17.20 BST"),
    (importer.time_stamps, "Updated 2 hours ago"),
])
def test_each_kind_of_noise_is_removed_with_its_reason_and_the_paragraph_kept(rule: importer.Rule,
                                                                               noise: str) -> None:
    kept, why, _ = _rule(rule, noise, PARAGRAPH)
    assert kept == [PARAGRAPH]
    assert len(why) == 1 and why[0]


def test_a_headline_list_after_keep_reading_goes_up_to_the_next_paragraph() -> None:
    kept, why, _ = _rule(importer.headline_lists, PARAGRAPH, "Keep reading", "Why the dockworkers walked out",
                         "The central bank's gamble", PARAGRAPH.replace("council", "board"))
    assert kept == [PARAGRAPH, PARAGRAPH.replace("council", "board")]
    assert why[0].startswith("heading of a list") and len(why) == 3


def test_captions_are_kept_once_with_their_credit() -> None:
    kept, why, ctx = _rule(importer.captions, "Image source, Getty Images", "Image caption, Freighters wait outside",
                           PARAGRAPH, "Workers leave the port. (CH Photo)", "Workers leave the port. (CH Photo)")
    assert kept == [PARAGRAPH]
    assert ctx.captions == ["Freighters wait outside (Getty Images)", "Workers leave the port. (CH Photo)"]
    assert why[-1] == "photo caption repeated"


def test_a_repeated_line_is_kept_where_it_first_appears() -> None:
    kept, why, _ = _rule(importer.repeated_lines, PARAGRAPH, "A pull quote", "A pull quote")
    assert kept == [PARAGRAPH, "A pull quote"] and why == ["line repeated"]


def test_a_menu_is_a_run_of_short_lines_but_a_lone_subheading_stays() -> None:
    kept, _, _ = _rule(importer.menus, "Home", "News", "Sport", "Weather", PARAGRAPH, "What next", PARAGRAPH)
    assert kept == [PARAGRAPH, "What next", PARAGRAPH]


def test_a_wire_dateline_is_taken_off_and_dates_the_story() -> None:
    cleaned = clean("Ports reopen\n\nKESTRANY CITY, April 2 (Northwire) - " + PARAGRAPH,
                    fallback_date=dt.date(2025, 4, 21))
    assert cleaned.paragraphs == [PARAGRAPH]
    assert cleaned.date == dt.date(2025, 4, 2)
    assert cleaned.removed[0].text == "KESTRANY CITY, April 2 (Northwire)"


def test_press_release_end_matter_goes() -> None:
    kept, _, _ = _rule(importer.end_matter, PARAGRAPH, "###", "About the Council", "It was founded in 1961.")
    assert kept == [PARAGRAPH]


def test_the_site_suffix_goes_but_a_dash_in_a_headline_stays() -> None:
    assert split_site_suffix("EAM pressures Russia | Latest News India") == ("EAM pressures Russia",
                                                                             "Latest News India")
    assert split_site_suffix("Ports reopen - but for how long?")[1] is None


def test_zones_are_read_as_news_sites_mean_them() -> None:
    ist = parse_stamp("Mar 14, 2025 09:12 PM IST")
    assert ist == dt.datetime(2025, 3, 14, 21, 12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    bst = parse_stamp("Fri 11 Apr 2025 17.20 BST")
    assert bst == dt.datetime(2025, 4, 11, 17, 20, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert parse_stamp("14 March 2025") == dt.date(2025, 3, 14)


def test_relative_days_are_resolved_against_the_article_date() -> None:
    found = dict(mentioned_dates(["On Wednesday the talks began; last month a deal failed, and on Tuesday "
                                  "and next Friday more meet, as on June 11 and in December 2023."],
                                 dt.date(2024, 7, 3)))
    assert found == {"On Wednesday": "2024-07-03", "last month": "2024-06", "on Tuesday": "2024-07-02",
                     "next Friday": "2024-07-05", "on June 11": "2024-06-11", "in December 2023": "2023-12"}


def test_the_fingerprint_finds_a_long_verbatim_run_and_not_a_rewrite() -> None:
    recorded = fingerprint([" ".join(f"word{i}" for i in range(200))])
    assert copied_run(recorded, [" ".join(f"word{i}" for i in range(50, 68))]), "18 words in a row"
    rewritten = " ".join(f"word{i}" if i % 5 else "other" for i in range(50, 68))
    assert copied_run(recorded, [rewritten]) is None


# --- whole files ---------------------------------------------------------------------------------------------------


def test_a_text_without_a_headline_gets_a_todo_title_and_passes_check(desk_factory: Callable[..., Desk],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    status, report, err = _import(desk, capsys, FIXTURES / "07_no_headline.txt", "--date", "2025-04-21")
    assert status == 0, err
    assert report["title"] is None
    text = (desk.root / report["path"]).read_text(encoding="utf-8")
    assert 'title: "TODO: the headline (the source has none)"' in text
    assert text.endswith("“We have waited long enough,” she said.\n")
    _check_passes(desk, capsys)


def test_a_saved_html_page_is_reduced_to_its_article(desk_factory: Callable[..., Desk],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    status, report, err = _import(desk, capsys, FIXTURES / "06_page.html", "--source-name", "The Velorian Post")
    assert status == 0, err
    assert report["title"] == "Reyes calls for inquiry into Halvard Shipping contracts"
    assert report["date"] == "2025-04-16"
    body = (desk.root / report["path"]).read_text(encoding="utf-8").split("\n---\n\n", 1)[1]
    assert body.startswith("Opposition leader Ana Reyes on Wednesday demanded")
    for noise in ("Subscribe", "Most read", "All rights reserved", "Follow us", "By Oskar Lund"):
        assert noise not in body
    assert len(body.strip().split("\n\n")) == 4
    _check_passes(desk, capsys)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("0*") if not p.name.endswith(".json")))
def test_every_fictional_text_imports_as_expected(name: str, desk_factory: Callable[..., Desk],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    expected = json.loads((FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")).read_text(encoding="utf-8"))
    desk = desk_factory()
    status, report, err = _import(desk, capsys, FIXTURES / name, "--date", "2025-04-21")
    assert status == 0, err
    assert report["title"] == expected["title"]
    assert report["date"][:10] == expected["date"]
    assert [c for c in report["captions"]] == expected["captions"]
    body = (desk.root / report["path"]).read_text(encoding="utf-8").split("\n---\n\n", 1)[1]
    paragraphs = body.rstrip("\n").split("\n\n")
    assert len(paragraphs) == expected["paragraphs"]
    assert all(p.startswith(start) for p, start in zip(paragraphs, expected["paragraph_starts"], strict=True))
    source = (FIXTURES / name).read_text(encoding="utf-8")
    if not name.endswith(".html"):
        assert all(p in source for p in paragraphs)  # nothing reworded
    _check_passes(desk, capsys)


def test_a_taken_slug_is_refused_naming_the_file_and_nothing_changes(desk_factory: Callable[..., Desk],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    source = FIXTURES / "05_press_release.txt"
    assert _import(desk, capsys, source)[0] == 0
    before = tree_digest(desk.root / "content")
    status, _, err = _import(desk, capsys, source)
    assert status == 2
    assert err.startswith("briefgen: error: an article with the slug `northern-maritime-council-opens-emergency-"
                          "corridor-through` already exists: content/articles/2025/03/")
    assert "never overwrites" in err and err.count("\n") == 1
    assert tree_digest(desk.root / "content") == before


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty"),
    (b"  \n\n ", "is empty"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4, "is a binary file"),
    (b"A line of text. " * (11 * 1024 * 1024 // 16), "MB; an article is at most 5 MB"),
    (b"Share\nAdvertisement\n", "found no paragraphs"),
    (b"Ports reopen\n\n" + PARAGRAPH.encode(), "pass --date"),
])
def test_malformed_input_is_one_clear_error_and_writes_nothing(data: bytes, message: str, tmp_path: Path,
                                                               desk_factory: Callable[..., Desk],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    source = tmp_path / "input.txt"
    source.write_bytes(data)
    before = tree_digest(desk.root)
    status, _, err = _import(desk, capsys, source)
    assert status == 2
    assert err.startswith("briefgen: error: ") and message in err and err.count("\n") == 1
    assert "Traceback" not in err
    assert tree_digest(desk.root) == before


def test_a_missing_file_is_one_clear_error(desk_factory: Callable[..., Desk],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    status, _, err = _import(desk, capsys, desk.root / "nope.txt")
    assert status == 2 and err.startswith("briefgen: error: cannot read") and err.count("\n") == 1


def test_a_published_brief_that_still_copies_its_source_is_warned(desk_factory: Callable[..., Desk],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_factory()
    status, report, err = _import(desk, capsys, FIXTURES / "01_wire.txt", "--source-name", "Wire",
                                  "--source-url", "https://wire.example/story")
    assert status == 0, err
    draft = desk.root / report["path"]
    assert _check_passes(desk, capsys) is not None, "a draft may copy: it is being rewritten"
    # Published without a rewrite: the placeholders filled, the body still the source's.
    text = draft.read_text(encoding="utf-8").replace("status: draft\n", "")
    text = re.sub(r'"TODO: [^"\n]*"', '"Filled in."', text)
    draft.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert desk.cli("check", "--no-cache", "--format", "json") == 0
    found = [d for d in json.loads(capsys.readouterr().out) if d["path"] == report["path"]]
    assert [d["code"] for d in found] == ["long-verbatim"]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("source_fingerprint:"))
    assert found[0]["line"] == line
    # Rewritten in the desk's own words (quotations may stay): no warning.
    head, _, _ = text.partition("\n---\n\n")
    draft.write_text(head + '\n---\n\nThe talks went on. "We will keep talking," an official said.\n', encoding="utf-8")
    capsys.readouterr()
    assert desk.cli("check", "--no-cache", "--format", "json") == 0
    assert [d for d in json.loads(capsys.readouterr().out) if d["path"] == report["path"]] == []
