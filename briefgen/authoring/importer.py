"""`briefgen import`: a scraped news article as a draft brief.

Desk editors paste articles as news sites serve them: interface lines ("close", "Share",
"Advertisement"), photo captions repeated, a site name after the headline, bylines, time stamps,
"Also Read" links, wire datelines and credits, lists of other headlines after "Keep reading". The
cleaning below is a chain of small rules, one per *kind* of noise (never a list of one site's
lines); each returns what it removed and why, so the editor can see and undo any of it. The
article's own paragraphs are kept in order and never reworded.

A saved HTML page is first reduced to its article text by trafilatura (offline: it never fetches),
then cleaned the same way.

The draft is written the way `briefgen new article` writes one (every field, commented,
`status: draft`), never over an existing file, and is checked before it is written. The article
schema has no fields for captions or for the dates the text mentions, and `check` refuses unknown
fields, so both go into comments of the front matter for the editor. So does a fingerprint of the
source text goes into the `source_fingerprint` field (`desk.verbatim`), from which `check` can tell
a published brief that still copies long runs of its source.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..desk.load import relative_path
from ..desk.project import Project
from ..desk.schema import PLACEHOLDER_URL, slug_problem
from ..desk.verbatim import fingerprint
from .scaffold import TODO, ScaffoldError, find_existing, render, slug_for, target_path, write_new

#: Largest input accepted: a long news article is well under a megabyte, even as a saved page.
MAX_BYTES = 5 * 1024 * 1024


class ImportRefused(ScaffoldError):
    """The input cannot be imported (empty, binary, too large, no date) or the draft would replace a file."""


@dataclass(frozen=True)
class Removed:
    """One line (or part of one) the cleaning took out of the source, and the rule that did."""

    line: int
    text: str
    why: str


@dataclass
class Line:
    """A non-blank line of the source with its 1-based number."""

    no: int
    text: str


@dataclass
class Cleaned:
    """What the cleaning made of a scraped text."""

    title: str | None
    date: dt.date | None
    date_why: str
    paragraphs: list[str]
    captions: list[str]
    removed: list[Removed]
    event_dates: list[tuple[str, str]] = field(default_factory=list)
    """(phrase as written, the date or month it means) for each date the text mentions."""


# --- reading the input -----------------------------------------------------------------------------------------


def read_input(data: bytes, name: str) -> str:
    """The text of an input file, or `ImportRefused` saying why it cannot be one."""
    if not data.strip():
        raise ImportRefused(f"{name} is empty; paste the article's text into it")
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"{name} is {len(data) / 1024 / 1024:.1f} MB; an article is at most "
                            f"{MAX_BYTES // 1024 // 1024} MB (is it the right file?)")
    if b"\0" in data[:8192]:
        raise ImportRefused(f"{name} is a binary file, not text or HTML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # text saved by older Windows tools
        except UnicodeDecodeError:
            raise ImportRefused(f"{name} is neither UTF-8 nor Windows-1252 text") from None
    bad = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if bad > 8:
        raise ImportRefused(f"{name} is a binary file, not text or HTML")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def looks_like_html(text: str, name: str) -> bool:
    """Whether the input is a saved web page rather than pasted text."""
    if name.lower().endswith((".html", ".htm")):
        return True
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html"))


def html_to_text(html: str) -> tuple[str, dt.date | None]:
    """The article text of a saved page (paragraphs on their own lines, headline first) and the
    publication date its metadata gives, if any.

    trafilatura finds the article among menus, footers and comment sections; it reads only the
    string given, never the network.
    """
    import trafilatura  # imported here: plain text imports do not need it

    text = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=False,
                               include_images=False, favor_precision=True, deduplicate=False)
    if not text:
        raise ImportRefused("found no article text in the HTML page")
    meta = trafilatura.extract_metadata(html)
    title = getattr(meta, "title", None) if meta is not None else None
    published = getattr(meta, "date", None) if meta is not None else None
    lines = text.split("\n")
    if title and not any(title.strip() == line.strip() for line in lines[:3]):
        lines.insert(0, title.strip())
    day = None
    if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        day = dt.date.fromisoformat(published)
    return "\n\n".join(line for line in lines if line.strip()), day


# --- dates --------------------------------------------------------------------------------------------------------

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | \
    {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
#: Offsets of the zone abbreviations news sites print. Read here rather than by a date library: those
#: read IST as Israel Standard Time, while Indian sites mean India Standard Time.
ZONES = {"IST": "+05:30", "BST": "+01:00", "GMT": "+00:00", "UTC": "+00:00", "CET": "+01:00", "CEST": "+02:00",
         "EET": "+02:00", "EEST": "+03:00", "WET": "+00:00", "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00",
         "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00", "JST": "+09:00",
         "KST": "+09:00", "SGT": "+08:00", "HKT": "+08:00", "AEST": "+10:00", "AEDT": "+11:00", "PKT": "+05:00",
         "MSK": "+03:00", "SAST": "+02:00", "WAT": "+01:00", "EAT": "+03:00", "NZST": "+12:00"}
_TIME = r"(?:,?\s*(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?" \
        r"(?:\s*(?P<zone>" + "|".join(ZONES) + r")\b)?"
_DATE_FORMS = [
    re.compile(r"(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2}))?"),
    re.compile(r"\b(?:\w{3,9},?\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b" + _TIME,
               re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b" + _TIME, re.I),
]
_STAMP = re.compile(r"^\s*(?:last\s+)?(?:updated|published|first published|posted|modified|last modified)"
                    r"(?:\s+(?:on|at))?\s*:?\s*(?P<rest>.*)$", re.I)


def parse_stamp(text: str) -> dt.date | None:
    """The date (with time and zone where given) in a time stamp such as `Mar 14, 2025 09:12 PM IST`.

    A date with a time and a known zone is returned as an aware `datetime`, which the article's `date`
    field takes (`2025-03-14T21:12+05:30`); otherwise a plain date.
    """
    for form in _DATE_FORMS:
        m = form.search(text)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower().rstrip(".")]
        try:
            day = dt.date(int(groups["year"]), month, int(groups["day"]))
        except ValueError:
            continue
        zone = groups.get("zone")
        if groups.get("hour") and zone:
            hour = int(groups["hour"]) % 24
            ampm = (groups.get("ampm") or "").lower()
            if ampm.startswith("p") and hour < 12:
                hour += 12
            if ampm.startswith("a") and hour == 12:
                hour = 0
            sign, hours, minutes = ZONES[zone.upper()][0], int(ZONES[zone.upper()][1:3]), int(ZONES[zone.upper()][4:])
            offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
            return dt.datetime(day.year, day.month, day.day, hour, int(groups["minute"]), tzinfo=dt.timezone(offset))
        return day
    return None


# --- the cleaning rules -------------------------------------------------------------------------------------------
# Each rule takes the lines still kept and returns those it keeps; what it drops goes into `ctx`.


@dataclass
class _Context:
    removed: list[Removed] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    stamps: list[tuple[dt.date, str]] = field(default_factory=list)
    pasted: list[int] = field(default_factory=list)
    """The numbers of the non-blank lines as pasted."""
    datelines: list[tuple[int, int, str]] = field(default_factory=list)
    """(month, day, text) of a wire dateline, whose year the other dates give."""

    def drop(self, line: Line, why: str, text: str | None = None) -> None:
        self.removed.append(Removed(line.no, line.text if text is None else text, why))


def _wordset(text: str) -> frozenset[str]:
    """The words of a long list written as text (easier to read and extend than a literal of strings)."""
    return frozenset(text.split())


Rule = Callable[[list[Line], _Context], list[Line]]

#: Words of site interfaces: a short line made of these alone is a button, a menu or a label.
_INTERFACE_WORDS = _wordset("""
close share shares save saved print email e-mail comment comments advertisement advertisements ad ads
sponsored menu home search subscribe subscription sign signin login log in up newsletter newsletters skip to
content main follow us on facebook twitter x instagram whatsapp telegram linkedin youtube google news copy
link copied loading reuse this reprints permissions published updated listen article audio min mins minute minutes read
reading next
previous back top more less show hide expand collapse story continues below gallery photos photo video videos
watch play pause view all related topics tags trending latest popular most recommended for you get the app
download open in feedback report an error corrections topics the a of our with
""")
_UI_PHRASES = re.compile(
    r"^(?:follow us on\b|listen to this article\b|story continues below\b|advertisement\b|sponsored\b"
    r"|subscribe\b|sign up\b|share (?:this|on)\b|click here\b|download the\b|get the latest\b"
    r"|reuse this content\b|skip to\b|for immediate release\b|read (?:the )?full\b"
    r"|comments?\s*\(\d+\)|\d+\s+comments?\b|(?:tags|tagged|topics|filed under|categories|keywords)\s*:"
    r"|listen\s*\|?\s*\d+\s*min)", re.I)
_SENTENCE_END = re.compile(r"[.!?…][”\"’')\]]*$|[”\"]$")


def _words(text: str) -> list[str]:
    return re.findall(r"[\w’'-]+", text)


def interface_lines(lines: list[Line], ctx: _Context) -> list[Line]:
    """Buttons, menus and labels: short lines of interface words ("close", "Share", "Follow us on")."""
    kept = []
    for line in lines:
        text = line.text.strip()
        words = [w.lower() for w in _words(text)]
        # "Loading comments…": an ellipsis ends a label as often as a sentence.
        short = len(words) <= 8 and not _SENTENCE_END.search(text.rstrip("…. "))
        all_interface = bool(words) and all(w in _INTERFACE_WORDS or w.isdigit() for w in words)
        if (short and all_interface) or (_UI_PHRASES.match(text) and len(words) <= 12):
            ctx.drop(line, "interface text (a button, menu or label of the site)")
        else:
            kept.append(line)
    return kept


_TEASER = re.compile(r"^\s*(?:also read|read also|read more|see also|must read|don'?t miss|watch|related|"
                     r"recommended|more from|also see)\s*[:|–—-]\s*\S", re.I)


def read_more_links(lines: list[Line], ctx: _Context) -> list[Line]:
    """Links to other stories inside the article: "Also Read: …", "Read more: …", "Watch: …"."""
    kept = []
    for line in lines:
        if _TEASER.match(line.text):
            ctx.drop(line, "link to another story (\"Also Read\" and the like)")
        else:
            kept.append(line)
    return kept


_LIST_MARKERS = re.compile(r"^\s*(?:keep reading|more on this story|related (?:stories|articles|coverage|topics|"
                           r"content|news)|read more|more stories|more from \w+|most read|most popular|"
                           r"you may also like|you might also like|recommended(?: for you)?|top stories|"
                           r"trending(?: now)?|latest news|what to read next|more in this section|"
                           r"explore more on these topics|suggested topics|related)\s*:?\s*$", re.I)


def headline_lists(lines: list[Line], ctx: _Context) -> list[Line]:
    """A "Keep reading" or "More on this story" marker and the list of other headlines below it.

    The list ends at the first line that reads like a paragraph of the article (a long sentence
    ending in a full stop): headlines have no closing full stop.
    """
    kept = []
    in_list = False
    for line in lines:
        if _LIST_MARKERS.match(line.text):
            in_list = True
            ctx.drop(line, "heading of a list of other stories")
            continue
        if in_list:
            if _is_paragraph(line.text):
                in_list = False
            else:
                ctx.drop(line, "headline of another story, listed after a \"Keep reading\"-like heading")
                continue
        kept.append(line)
    return kept


def _is_paragraph(text: str) -> bool:
    return len(_words(text)) >= 12 and bool(_SENTENCE_END.search(text.strip()))


_BYLINE = re.compile(r"^\s*(?:by|written by|words by|reported by|story by|posted by|compiled by)\s+"
                     r"(?:[A-Z][\w.’'-]*|and|&|,|\s|in|for|de|van|von|al|el|\||–|—|-)+$", re.I)
_BYLINE_ROLE = re.compile(r"^\s*[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3}\s*(?:\||,|–|—)\s*"
                          r"(?:[A-Z][\w.’'-]*\s*){0,3}(?:correspondent|reporter|editor|writer|desk|bureau|staff)"
                          r"[\w\s,]*$", re.I)


def bylines(lines: list[Line], ctx: _Context) -> list[Line]:
    """Author lines: "By Jane Doe", "Jane Doe | Political correspondent", a role line ("Economics
    correspondent") and a bare name written next to a role line or a time stamp."""
    kept = []
    roles = {line.no for line in lines if _ROLE_LINE.match(line.text)}
    stamps = {r.line for r in ctx.removed if r.why.startswith("time stamp")}
    for line in lines:
        text = line.text.strip()
        count = len(_words(text))
        if (_BYLINE.match(text) and count <= 12) or (_BYLINE_ROLE.match(text) and count <= 10):
            ctx.drop(line, "byline (the author, not the story)")
        elif line.no in roles:
            ctx.drop(line, "byline: the author's role")
        elif _BARE_NAME.match(text) and ({line.no - 1, line.no + 1} & (roles | stamps)):
            ctx.drop(line, "byline: the author's name, next to their role or the time stamp")
        else:
            kept.append(line)
    return kept


_ROLE_LINE = re.compile(r"^\s*(?:[A-Z][\w-]*\s+){0,3}(?:correspondent|reporter|editor|writer|columnist|analyst)s?"
                        r"\s*$", re.I)
_BARE_NAME = re.compile(r"^\s*[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){1,3}\s*$")


_AGO = re.compile(r"^\s*(?:updated|published|posted)?\s*(?:\d+|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|"
                  r"weeks?)\s+ago\s*$", re.I)


def time_stamps(lines: list[Line], ctx: _Context) -> list[Line]:
    """Publication stamps: "Updated: Mar 14, 2025 09:12 PM IST", "First published on Fri 11 Apr 2025 17.20 BST".

    Their date becomes the article's date; a line that is only a date and time is a stamp too.
    """
    kept = []
    for line in lines:
        text = line.text.strip()
        m = _STAMP.match(text)
        when = parse_stamp(m.group("rest")) if m else None
        if when is None and len(_words(text)) <= 9 and not _SENTENCE_END.search(text.rstrip(".")):
            bare = parse_stamp(text)
            when = bare if bare is not None and re.sub(r"[\W\d_]+", "", text).lower() != "" and \
                _only_date_words(text) else None
        if when is not None and len(_words(text)) <= 16:
            ctx.stamps.append((when, text))
            ctx.drop(line, "time stamp of the page (its date is the article's date)")
        elif _AGO.match(text):
            ctx.drop(line, "time stamp relative to the time of reading (\"2 hours ago\")")
        else:
            kept.append(line)
    return kept


def _only_date_words(text: str) -> bool:
    words = [w.lower().rstrip(".") for w in re.findall(r"[A-Za-z][A-Za-z.]*", text)]
    days = {d.lower() for d in [*calendar.day_name, *calendar.day_abbr]}
    return all(w in _MONTHS or w in days or w.upper() in ZONES or w in {"am", "pm", "a.m", "p.m", "at", "on"}
               for w in words)


_CREDIT = re.compile(
    r"^\s*\(?\s*(?:(?:additional\s+)?reporting by|writing by|editing by|edited by|compiled by|produced by|"
    r"graphics? by|fact[- ]checked by|with (?:inputs|reporting) from|\(?with inputs from|inputs from|"
    r"photo(?:graph)?s?\s*(?:by|:|credit)|source\s*:|copyright|©|\(c\)\s*\d{4}|"
    r"all rights reserved|our standards\s*:|this (?:story|article) (?:was|has been) (?:published|auto-generated|"
    r"edited))", re.I)


def credit_lines(lines: list[Line], ctx: _Context) -> list[Line]:
    """Credits: "Reporting by …; Editing by …", "Image source, Getty Images", copyright and sourcing notes."""
    kept = []
    for line in lines:
        if _CREDIT.match(line.text) and len(_words(line.text)) <= 30:
            ctx.drop(line, "credit line (who reported, edited or photographed)")
        else:
            kept.append(line)
    return kept


_CAPTION_LABEL = re.compile(r"^\s*(?:image caption|caption|photo caption|picture)\s*[,:]\s*(?P<text>.+)$", re.I)
_PHOTO_CREDIT = re.compile(r"\((?:[^()]*\b(?:photo|photos|image|pic|picture|file|handout|via|getty|afp|ap|"
                           r"reuters|pti|ani)\b[^()]*)\)\s*$|(?:photo|image|picture)\s*(?:credit)?\s*:\s*[^.]+$",
                           re.I)
_IMAGE_SOURCE = re.compile(r"^\s*image source\s*[,:]\s*(?P<credit>.+)$", re.I)


def captions(lines: list[Line], ctx: _Context) -> list[Line]:
    """Photo captions: "Image caption, …" lines, lines ending in a photo credit ("(PTI Photo)"), and
    lines the page repeats. Each is kept once, with its credit, for the `captions` comment."""
    kept = []
    counts = Counter(line.text.strip() for line in lines)
    seen: set[str] = set()
    credit = ""
    for line in lines:
        text = line.text.strip()
        source = _IMAGE_SOURCE.match(text)
        if source:
            credit = source.group("credit").strip()
            ctx.drop(line, "photo credit (kept with its caption)")
            continue
        label = _CAPTION_LABEL.match(text)
        is_caption = bool(label) or (bool(_PHOTO_CREDIT.search(text)) and len(_words(text)) <= 60) or \
            (counts[text] > 1 and len(_words(text)) <= 60)
        if not is_caption:
            kept.append(line)
            credit = ""
            continue
        caption = label.group("text").strip() if label else text
        if credit and credit not in caption:
            caption = f"{caption} ({credit})"
        credit = ""
        if text in seen or caption in ctx.captions:
            ctx.drop(line, "photo caption repeated")
        else:
            seen.add(text)
            ctx.captions.append(caption)
            ctx.drop(line, "photo caption (kept once in the captions comment)")
    return kept


def menus(lines: list[Line], ctx: _Context) -> list[Line]:
    """Navigation menus: three or more lines in a row of one to three words each ("Home", "News", "Sport").

    Judged on the lines as pasted (lines other rules took out, such as "Share", still make a run), and
    only where at least two short lines of the run are left: a single short subheading between
    paragraphs is kept.
    """
    kept_nos = {line.no for line in lines}
    removed_nos = {r.line for r in ctx.removed}
    short = {line.no for line in lines if len(_words(line.text)) <= 3 and not _SENTENCE_END.search(line.text)}
    in_run: set[int] = set()
    run: list[int] = []
    for no in [*ctx.pasted, None]:
        if no is not None and (no in short or (no in removed_nos and no not in kept_nos)):
            run.append(no)
            continue
        left = [n for n in run if n in short]
        if len(run) >= 3 and len(left) >= 2:
            in_run.update(left)
        run = []
    for line in lines:
        if line.no in in_run:
            ctx.drop(line, "navigation menu (a run of one-to-three-word lines)")
    return [line for line in lines if line.no not in in_run]


_END_MATTER = re.compile(r"^\s*(?:#{3}|-\s*ends\s*-|ends|notes to editors?:?|"
                         r"(?:media|press) (?:contacts?|enquiries):?.*|"
                         r"for (?:more|further) information.*)\s*$", re.I)
_ABOUT = re.compile(r"^About (?:the )?[A-Z][\w’'&.-]*(?:\s+(?:of|the|and|for|[A-Z][\w’'&.-]*))*$")


def end_matter(lines: list[Line], ctx: _Context) -> list[Line]:
    """What follows the end of a press release: "###" or "-ends-", "About <organisation>" boilerplate,
    media contacts. Everything from the first such line on goes."""
    for index, line in enumerate(lines):
        text = line.text.strip()
        short = len(_words(text)) <= 8 and not _SENTENCE_END.search(text)
        if index > 0 and short and (_END_MATTER.match(text) or _ABOUT.match(text)):
            for rest in lines[index:]:
                ctx.drop(rest, "end matter (\"###\", \"About …\", media contacts)")
            return lines[:index]
    return lines


def repeated_lines(lines: list[Line], ctx: _Context) -> list[Line]:
    """A line the page shows twice (a pull quote, a teaser): kept where it first appears."""
    kept, seen = [], set()
    for line in lines:
        key = line.text.strip()
        if key in seen:
            ctx.drop(line, "line repeated")
        else:
            seen.add(key)
            kept.append(line)
    return kept


_DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?)"
    r"(?:,\s*(?P<when>[\w ,]{3,30}?))?\s*(?:\((?P<agency>[A-Za-z][\w .&]{1,30})\))?)\s*[-–—:]+\s*(?=\S)")
_MONTH_DAY = re.compile(_MONTH + r"\s+(?P<day>\d{1,2})\b|\b(?P<day2>\d{1,2})\s+(?P<month2>[A-Za-z]+)\b", re.I)


def wire_datelines(lines: list[Line], ctx: _Context) -> list[Line]:
    """The dateline that opens a wire story or a release: "KESTRANY CITY, April 2 (Northwire) -", "NEW DELHI:".

    Only the dateline is taken off the paragraph; its date dates the article when no time stamp
    does (a month and day alone take their year from --date).
    """
    for index, line in enumerate(lines[:6]):
        m = _DATELINE.match(line.text)
        if not m or not _is_paragraph(line.text[m.end():]):
            continue
        when = m.group("when") or ""
        full = parse_stamp(when) if when else None
        if when and full is None and not _MONTH_DAY.search(when):
            continue  # "PARIS, a city of…": not a date after the comma
        if not (when or m.group("agency") or line.text[m.end("dateline"):m.end()].strip() == ":"):
            continue
        if full is not None:
            ctx.stamps.append((full, m.group("dateline").strip()))
        elif when:
            md = _MONTH_DAY.search(when)
            assert md is not None
            month_name = (md.group("month") or md.group("month2") or "").lower().rstrip(".")
            if month_name in _MONTHS:
                ctx.datelines.append((_MONTHS[month_name], int(md.group("day") or md.group("day2")),
                                      m.group("dateline").strip()))
        ctx.drop(line, "dateline (place, date and agency)", m.group("dateline").strip())
        lines = [*lines[:index], Line(line.no, line.text[m.end():]), *lines[index + 1:]]
        break
    return lines


#: The rules, in the order they run: stamps before interface words (a stamp line has few words),
#: interface words before captions (a repeated "close" is a button), captions before repeated lines
#: (a repeated caption is a caption), lists before the rest.
RULES: tuple[Rule, ...] = (end_matter, time_stamps, headline_lists, read_more_links, credit_lines, interface_lines,
                           captions, bylines, menus, repeated_lines, wire_datelines)


# --- the title -----------------------------------------------------------------------------------------------------

_SUFFIX = re.compile(r"^(?P<title>.+?)\s+(?:\||–|—|-|::|•)\s+(?P<site>[^|–—]+)$")


def split_site_suffix(headline: str, site: str | None = None) -> tuple[str, str | None]:
    """The headline without a site's name after it ("… | Latest News India"), and that name."""
    m = _SUFFIX.match(headline.strip())
    if not m:
        return headline.strip(), None
    suffix = m.group("site").strip()
    words = suffix.split()
    named = site is not None and site.lower() in suffix.lower()
    looks_like_site = len(words) <= 5 and all(w[:1].isupper() or w[:1].isdigit() or w in {"&", "of", "the"}
                                                 for w in words)
    if named or (looks_like_site and ("|" in headline or len(words) <= 3)):
        return m.group("title").strip(), suffix
    return headline.strip(), None


def _is_headline(text: str) -> bool:
    """A headline: one line of at most about 25 words without a sentence's closing full stop."""
    stripped = text.strip()
    return 2 <= len(_words(stripped)) <= 30 and not re.search(r"[.;:,]$", stripped) and \
        not re.search(r"\.\s+[A-Z]", stripped)


# --- relative dates ------------------------------------------------------------------------------------------------

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_RELATIVE = re.compile(
    r"\b(?:(?P<on>on|last|this|next|since|by|until|from)\s+)?(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)\b"
    r"|\b(?P<rel>yesterday|today|tomorrow|last (?:week|month|year)|next (?:week|month|year)|this (?:week|month|year)"
    r"|earlier this (?:week|month|year))\b"
    r"|\b(?:on\s+)?(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(?P<day>\d{1,2})(?:\s*[-–]\s*(?P<day2>\d{1,2}))?(?:,?\s+(?P<year>\d{4}))?\b"
    r"|\b(?:in\s+)?(?P<month2>January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(?P<year2>\d{4})\b", re.I)


def mentioned_dates(paragraphs: Iterable[str], day: dt.date) -> list[tuple[str, str]]:
    """(phrase, date) for each date the text names, relative ones resolved against the article's `day`.

    A weekday means the latest such day up to the article's date ("on Wednesday" in a story of
    Wednesday is that day; "next Friday" the one after); a month without a year the nearest one.
    """
    found: list[tuple[str, str]] = []
    for paragraph in paragraphs:
        for m in _RELATIVE.finditer(paragraph):
            meant = _resolve(m, day)
            if meant and (m.group(0).lower(), meant) not in {(p.lower(), d) for p, d in found}:
                found.append((m.group(0), meant))
    return found


def _resolve(m: re.Match[str], day: dt.date) -> str | None:
    if m.group("weekday"):
        target = _WEEKDAYS[m.group("weekday").lower()]
        back = (day.weekday() - target) % 7
        if (m.group("on") or "").lower() in {"next", "until", "by"}:
            return (day + dt.timedelta(days=(target - day.weekday()) % 7 or 7)).isoformat()
        if (m.group("on") or "").lower() == "last" and back == 0:
            back = 7
        return (day - dt.timedelta(days=back)).isoformat()
    rel = (m.group("rel") or "").lower()
    if rel:
        shift = {"yesterday": -1, "today": 0, "tomorrow": 1}
        if rel in shift:
            return (day + dt.timedelta(days=shift[rel])).isoformat()
        step = -1 if rel.startswith("last") else 1 if rel.startswith("next") else 0
        if rel.endswith("week"):
            monday = day - dt.timedelta(days=day.weekday()) + dt.timedelta(weeks=step)
            return f"week of {monday.isoformat()}"
        if rel.endswith("month"):
            month = day.month + step
            year = day.year + (month - 1) // 12
            return f"{year:04d}-{(month - 1) % 12 + 1:02d}"
        return f"{day.year + step:04d}"
    if m.group("month"):
        month = _MONTHS[m.group("month").lower()]
        year = int(m.group("year")) if m.group("year") else _nearest_year(day, month)
        first = _safe_date(year, month, int(m.group("day")))
        if first is None:
            return None
        if m.group("day2"):
            last = _safe_date(year, month, int(m.group("day2")))
            return f"{first.isoformat()}/{last.isoformat()}" if last else first.isoformat()
        return first.isoformat()
    if m.group("month2"):
        return f"{int(m.group('year2')):04d}-{_MONTHS[m.group('month2').lower()]:02d}"
    return None


def _nearest_year(day: dt.date, month: int) -> int:
    """The year that puts `month` closest to `day` (a story of January naming "December" means last year's)."""
    return min((day.year - 1, day.year, day.year + 1), key=lambda y: abs((y - day.year) * 12 + month - day.month))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --- the whole cleaning ----------------------------------------------------------------------------------------------


def clean(text: str, *, fallback_date: dt.date | None = None, site: str | None = None,
          rules: Iterable[Rule] = RULES, fallback_why: str = "from --date") -> Cleaned:
    """The article in a scraped text: headline, date, paragraphs, captions, and what was removed and why.

    `fallback_date` dates the article when the text has no time stamp or dateline (`fallback_why` says
    where it came from).
    """
    lines = [Line(no, raw.strip()) for no, raw in enumerate(text.split("\n"), 1) if raw.strip()]
    ctx = _Context(pasted=[line.no for line in lines])
    for rule in rules:
        lines = rule(lines, ctx)
    title = None
    if lines and _is_headline(lines[0].text) and len(lines) > 1:
        headline = lines.pop(0)
        title, suffix = split_site_suffix(headline.text, site)
        if suffix:
            ctx.drop(headline, "name of the site after the headline", suffix)
    day, why = _article_date(ctx, fallback_date, fallback_why)
    paragraphs = [line.text for line in lines]
    ctx.removed.sort(key=lambda r: r.line)
    plain = day.date() if isinstance(day, dt.datetime) else day
    return Cleaned(title, day, why, paragraphs, ctx.captions, ctx.removed,
                   mentioned_dates(paragraphs, plain) if plain else [])


def _article_date(ctx: _Context, fallback: dt.date | None, fallback_why: str) -> tuple[dt.date | None, str]:
    if ctx.stamps:
        # The first publication, not the last update: a brief is dated by the story it summarises.
        published = [s for s in ctx.stamps if re.match(r"\s*(?:first )?published|posted", s[1], re.I)]
        when, text = (published or ctx.stamps)[0]
        return when, f"from the time stamp `{text}`"
    if ctx.datelines:
        month, day, text = ctx.datelines[0]
        if fallback is not None:
            year = _nearest_year(fallback, month)
            found = _safe_date(year, month, day)
            if found:
                return found, f"from the dateline `{text}` (year from the date given)"
    if fallback is not None:
        return fallback, fallback_why
    return None, ""


# --- the draft -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """A draft written by `import_article`."""

    path: Path
    cleaned: Cleaned


_BRIEF_NOTE = [
    "# IMPORTED from a scraped article. The desk writes briefs, not copies: rewrite the body below in your",
    "# own words, keep only short quotes verbatim (inside double quotes, listed under `quotes`), and fill in",
    "# every TODO. `briefgen check` warns (`long-verbatim`) while a published body copies long runs of it.",
]


def draft_text(cleaned: Cleaned, *, source_name: str | None, source_url: str | None) -> str:
    """The draft's file: `briefgen new article`'s, filled with what the import found, plus its comments."""
    known = {"title": cleaned.title or TODO + "the headline (the source has none)", "date": cleaned.date,
             "status": "draft", "source": {"name": source_name or TODO + "the publication",
                                           "url": source_url or PLACEHOLDER_URL},
             "source_fingerprint": fingerprint(cleaned.paragraphs) if cleaned.paragraphs else None}
    text = render("article", known)
    head, _, _ = text.partition("\n---\n\n")
    extra = list(_BRIEF_NOTE)
    if cleaned.date_why:
        extra.append(f"# date: {cleaned.date_why}")
    if cleaned.captions:
        extra.append("# captions (the source's photo captions, with their credits):")
        extra += [f"#   - {caption}" for caption in cleaned.captions]
    if cleaned.event_dates:
        extra.append("# event dates mentioned (check them; relative days resolved against the date):")
        extra += [f"#   - {phrase} = {meant}" for phrase, meant in cleaned.event_dates]
    first, rest = head.split("\n", 1)  # the `---` line
    body = "\n\n".join(cleaned.paragraphs)
    return "\n".join([first, *extra, rest, "---", "", body]) + "\n"


def import_article(project: Project, data: bytes, name: str, *, date: dt.date | None = None,
                   source_name: str | None = None, source_url: str | None = None,
                   slug: str | None = None) -> Imported:
    """Clean a scraped article (`data`, read from `name`) and write it as a draft; never overwrites a file.

    Raises `ImportRefused` before writing anything when the input is not an article's text, no date
    can be found and none is given, the slug is taken, or the draft would not pass `check`.
    """
    text = read_input(data, name)
    fallback, why = date, "from --date"
    if looks_like_html(text, name):
        text, published = html_to_text(text)
        if published is not None:
            # The page's own metadata is surer than a date the editor types.
            fallback, why = published, "from the page's metadata"
    cleaned = clean(text, fallback_date=fallback, site=source_name, fallback_why=why)
    if not cleaned.paragraphs:
        raise ImportRefused(f"found no paragraphs of an article in {name}")
    if cleaned.date is None:
        raise ImportRefused(f"{name} has no time stamp or dateline with a year; pass --date YYYY-MM-DD "
                            "(it decides the month folder)")
    slug = slug or slug_for(cleaned.title or cleaned.paragraphs[0][:80])
    problem = slug_problem(slug) if slug else "is empty"
    if problem:
        raise ImportRefused(f"`{slug}` {problem}; pass another with --slug")
    day = cleaned.date.date() if isinstance(cleaned.date, dt.datetime) else cleaned.date
    target = target_path(project, "article", slug, day)
    rel = relative_path(target, project.root)
    existing = find_existing(project, "article", slug)
    if target.exists() or target.is_symlink() or existing is not None:
        where = relative_path(existing, project.root) if existing is not None else rel
        raise ImportRefused(f"an article with the slug `{slug}` already exists: {where}; "
                            "briefgen import never overwrites a file (pass --slug)")
    body = draft_text(cleaned, source_name=source_name, source_url=source_url)
    try:
        write_new(project, "article", slug, target, body, command="briefgen import")
    except ScaffoldError as exc:
        raise ImportRefused(str(exc)) from None
    return Imported(target, cleaned)
