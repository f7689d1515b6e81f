"""Pictures drawn at build time: activity bars, sparklines, timelines and connection graphs, as SVG.

Pure functions of plain data (dates, counts, labels and the relative URLs to link), no model and no
Jinja: `charts` and `timeline` gather the data from the index. Each function returns the markup whole,
ready for a template (`Markup`, which autoescape leaves as it is), so every text that reaches it is
escaped here with `html.escape`, and every number is written with a fixed format: the same data gives
the same bytes.

Each picture has a `<title>` and a text alternative that states its figures (a caption the SVG names
with `aria-describedby`, or, for a sparkline, the title itself). Colours come from classes
(`templates/assets/pictures.css`) that read the theme's CSS variables, so the light and the dark
scheme both apply; no `style` attribute, so a strict Content-Security-Policy holds. Every SVG has a
`viewBox` and scales to the width of the page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from .dates import MONTHS, format_date, format_span, month_label

#: The most bars an activity chart draws: a longer span is drawn by coarser periods (`activity_bins`).
MAX_BARS = 36
#: The fewest: a short span is drawn over this many weeks ending with its last, so one article is not a
#: single bar filling the chart.
MIN_BARS = 6
#: Spans up to this many weeks are drawn week by week.
WEEK_BARS = 16
#: Characters of a name a timeline row or a graph's node shows; the whole name is in its `<title>`.
LABEL_CHARS = 30
NODE_CHARS = 24

SVG_NS = "http://www.w3.org/2000/svg"


def _mon(day: dt.date) -> str:
    return MONTHS[day.month - 1][:3]


def _n(x: float) -> str:
    """A coordinate, with one decimal whatever the platform: `12.0`, `3.5`."""
    return f"{x:.1f}"


def _t(text: str) -> str:
    """Text for an element or an attribute, escaped."""
    return escape(text, quote=True)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def span_text(start: dt.date, end: dt.date) -> str:
    """`3 July 2024`, `3–9 July 2024`, `30 June – 6 July 2024`, `30 December 2024 – 5 January 2025`."""
    return format_span(start, max(start, end))


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --- activity: coverage per period ------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    """One bar: the articles of a period (first and last day included)."""

    start: dt.date
    end: dt.date
    count: int
    label: str
    """The period in words: `July 2024`, `the week of 1 July 2024`, `2024 Q3`, `2024`."""
    short: str
    """The period on the axis: `Jul 2024`, `1 Jul`, `Q3 2024`, `2024`."""


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


def activity_bins(dates: Iterable[dt.date], max_bars: int = MAX_BARS) -> tuple[str, list[Bin], int]:
    """Articles per period over the span of `dates`: (the period's name, the bars, articles before the first bar).

    Weeks when the span is at most `WEEK_BARS` weeks (at least `MIN_BARS` of them, ending with the last),
    else months, quarters or years, the finest that fits in `max_bars` bars; years beyond that are the
    latest `max_bars`, and the articles before them are counted apart. One pass over the dates.
    """
    days = list(dates)
    if not days:
        return "month", [], 0
    first, last = min(days), max(days)
    weeks = (_monday(last) - _monday(first)).days // 7 + 1
    if weeks <= WEEK_BARS:
        count = max(weeks, MIN_BARS)
        origin = _monday(last) - dt.timedelta(weeks=count - 1)
        tally = [0] * count
        for day in days:
            tally[(_monday(day) - origin).days // 7] += 1
        bins = []
        for i, n in enumerate(tally):
            start = origin + dt.timedelta(weeks=i)
            bins.append(Bin(start, start + dt.timedelta(days=6), n, f"the week of {format_date(start)}",
                            f"{start.day} {_mon(start)}"))
        return "week", bins, 0
    months = _month_number(last) - _month_number(first) + 1
    if months <= max_bars:
        origin_month = _month_number(first)
        tally = [0] * months
        for day in days:
            tally[_month_number(day) - origin_month] += 1
        bins = []
        for i, n in enumerate(tally):
            start = _month_start(origin_month + i)
            end = _month_start(origin_month + i + 1) - dt.timedelta(days=1)
            bins.append(Bin(start, end, n, month_label(start.year, start.month), f"{_mon(start)} {start.year}"))
        return "month", bins, 0
    quarters = _month_number(last) // 3 - _month_number(first) // 3 + 1
    if quarters <= max_bars:
        origin_quarter = _month_number(first) // 3
        tally = [0] * quarters
        for day in days:
            tally[_month_number(day) // 3 - origin_quarter] += 1
        bins = []
        for i, n in enumerate(tally):
            start = _month_start((origin_quarter + i) * 3)
            end = _month_start((origin_quarter + i + 1) * 3) - dt.timedelta(days=1)
            quarter = f"Q{start.month // 3 + 1} {start.year}"
            bins.append(Bin(start, end, n, quarter, quarter))
        return "quarter", bins, 0
    origin_year = max(first.year, last.year - max_bars + 1)
    tally = [0] * (last.year - origin_year + 1)
    earlier = 0
    for day in days:
        if day.year < origin_year:
            earlier += 1
        else:
            tally[day.year - origin_year] += 1
    bins = [Bin(dt.date(origin_year + i, 1, 1), dt.date(origin_year + i, 12, 31), n, str(origin_year + i),
                str(origin_year + i)) for i, n in enumerate(tally)]
    return "year", bins, earlier


def _label_indices(count: int, most: int = 6) -> list[int]:
    """Which bars of `count` get a label on the axis: the first, the last, and evenly between, at most `most`."""
    if count <= 0:
        return []
    stride = max(1, math.ceil(count / most))
    chosen = list(range(0, count, stride))
    if chosen[-1] != count - 1:
        if count - 1 - chosen[-1] <= stride * 0.75 and len(chosen) > 1:
            chosen[-1] = count - 1
        else:
            chosen.append(count - 1)
    return chosen


def activity_caption(unit: str, bins: Sequence[Bin], earlier: int = 0, what: str = "article") -> str:
    """The figures of an activity chart in words, capped: every period when there are few, else the busiest."""
    total = sum(b.count for b in bins) + earlier
    text = f"{_plural(total, what)}"
    if bins and unit == "week":
        text += f", {span_text(bins[0].start, bins[-1].end)}"
    elif len(bins) > 1:
        text += f", {bins[0].label} to {bins[-1].label}"
    elif bins:
        text += f", {bins[0].label}"
    text += "."
    if len(bins) <= 12:
        text += f" By {unit}: " + "; ".join(f"{b.label}: {b.count}" for b in bins) + "."
    else:
        busiest = sorted((b for b in bins if b.count), key=lambda b: (-b.count, b.start))[:5]
        text += f" The busiest {unit}s: " + "; ".join(f"{b.label}: {b.count}" for b in busiest) + "."
    if earlier:
        text += f" {earlier} earlier, before {bins[0].label}."
    return text


def bar_chart(bins: Sequence[Bin], *, chart_id: str, title: str, caption: str, what: str = "article") -> Markup:
    """A figure: the bars of `bins` over a baseline, the largest count and a few periods labelled, `caption` below.

    Each bar has its own `<title>` (`July 2024: 3 articles`) for pointers; the caption holds the figures for
    everyone, and the SVG names it as its description.
    """
    width, height, left, right, top, base = 600.0, 112.0, 30.0, 596.0, 10.0, 88.0
    peak = max((b.count for b in bins), default=0) or 1
    slot = (right - left) / max(len(bins), 1)
    bar = max(1.0, slot * 0.78)
    parts = [
        f'<figure class="bg-picture bg-activity" id="{chart_id}">',
        f'<svg xmlns="{SVG_NS}" class="bg-pic bg-pic-bars" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-caption">',
        f'<title id="{chart_id}-title">{_t(title)}</title>',
        f'<line class="bg-pic-grid" x1="{_n(left)}" y1="{_n(top)}" x2="{_n(right)}" y2="{_n(top)}"/>',
        f'<text class="bg-pic-small" x="{_n(left - 4)}" y="{_n(top + 4)}" text-anchor="end">{peak}</text>',
        f'<text class="bg-pic-small" x="{_n(left - 4)}" y="{_n(base + 3)}" text-anchor="end">0</text>',
    ]
    for i, b in enumerate(bins):
        if not b.count:
            continue
        h = max(1.0, (base - top) * b.count / peak)
        x = left + i * slot + (slot - bar) / 2
        parts.append(f'<rect class="bg-pic-bar" x="{_n(x)}" y="{_n(base - h)}" width="{_n(bar)}" height="{_n(h)}">'
                     f'<title>{_t(b.label[:1].upper() + b.label[1:])}: {_t(_plural(b.count, what))}</title></rect>')
    parts.append(f'<line class="bg-pic-axis" x1="{_n(left)}" y1="{_n(base)}" x2="{_n(right)}" y2="{_n(base)}"/>')
    labels = _label_indices(len(bins))
    for i in labels:
        if i == 0:
            x, anchor = left, "start"
        elif i == len(bins) - 1:
            x, anchor = right, "end"
        else:
            x, anchor = left + (i + 0.5) * slot, "middle"
        parts.append(f'<text x="{_n(x)}" y="{_n(base + 18)}" text-anchor="{anchor}">{_t(bins[i].short)}</text>')
    parts += ["</svg>", f'<figcaption id="{chart_id}-caption">{_t(caption)}</figcaption>', "</figure>"]
    return Markup("\n".join(parts))


def sparkline(counts: Sequence[int], *, chart_id: str, title: str) -> Markup:
    """A word-sized bar chart (oldest first). Its `<title>` states the figures: it is the text alternative."""
    width, height, gap = 60.0, 16.0, 1.0
    peak = max(counts, default=0) or 1
    slot = width / max(len(counts), 1)
    parts = [f'<svg xmlns="{SVG_NS}" class="bg-spark" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             f'aria-labelledby="{chart_id}-title" id="{chart_id}">',
             f'<title id="{chart_id}-title">{_t(title)}</title>']
    for i, n in enumerate(counts):
        if n:
            h = max(1.5, (height - 1) * n / peak)
            parts.append(f'<rect class="bg-pic-bar" x="{_n(i * slot + gap / 2)}" y="{_n(height - 1 - h)}" '
                         f'width="{_n(slot - gap)}" height="{_n(h)}"/>')
    axis = _n(height - 0.5)
    parts.append(f'<line class="bg-pic-axis" x1="0.0" y1="{axis}" x2="{_n(width)}" y2="{axis}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- timelines -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One row of a timeline: an event's bar from `start` to `end` (both included)."""

    label: str
    url: str
    """Relative link to its page; empty: the row is not a link."""
    start: dt.date
    end: dt.date
    note: str = ""
    """Said after the name in the row's `<title>`: its dates, its status."""
    css: str = ""
    """Classes of the row (`bg-tl-ongoing`, `bg-tl-scheduled`, `bg-tl-current`), from briefgen's code only."""


def ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Dates to mark on an axis from `start` to `end`: days or weeks, months (every few over years), or years;
    at most about eight, so that their labels never meet."""
    days = (end - start).days + 1
    if days <= 62:
        step = 7 if days > 14 else 1 if days <= 8 else 2
        marks = [start + dt.timedelta(days=d) for d in range(0, days, step)]
        return [(d, f"{d.day} {_mon(d)}") for d in marks]
    if days <= 4 * 366:
        first = _month_number(start) + (0 if start.day == 1 else 1)
        numbers = list(range(first, _month_number(end) + 1))
        # A label with its year is about a tenth of the axis wide: eight at most, every 1, 2, 3, 6 or 12
        # months, on months that divide the year evenly (so that January is marked).
        stride = next((k for k in (1, 2, 3, 6) if math.ceil(len(numbers) / k) <= 8), 12)
        marks = [_month_start(m) for m in numbers if m % 12 % stride == 0]
        return [(d, f"{_mon(d)} {d.year}" if d.month == 1 or i == 0 else _mon(d))
                for i, d in enumerate(marks)]
    years = list(range(start.year + (0 if (start.month, start.day) == (1, 1) else 1), end.year + 1))
    stride = max(1, math.ceil(len(years) / 8))
    return [(dt.date(y, 1, 1), str(y)) for y in years[::stride]]


def timeline(spans: Sequence[Span], axis: tuple[dt.date, dt.date], *, chart_id: str, title: str, caption: str,
             coverage: Sequence[Bin] = (), what: str = "article") -> Markup:
    """A figure: one row per span (name on the left, a bar over its dates on a shared axis), each row a link;
    with `coverage`, a last row of bars: the articles of each period on the same axis.

    Spans reaching past the axis are cut at its ends (their `<title>` still gives the whole dates). Links
    inside the SVG are `<a href>` elements: keyboard-reachable, and named by the text they hold.
    """
    a0, a1 = axis
    if a1 < a0:
        a0, a1 = a1, a0
    total_days = (a1 - a0).days + 1
    width, label_right, x0, x1 = 640.0, 214.0, 222.0, 628.0
    row, top = 20.0, 30.0
    hist = 44.0 if coverage else 0.0
    height = top + row * len(spans) + hist + 8.0

    def x_of(day: dt.date) -> float:
        days = min(max((day - a0).days, 0), total_days)
        return x0 + (x1 - x0) * days / total_days

    # With links inside, a group (its links stay reachable); without, an image.
    role = "group" if any(span.url for span in spans) else "img"
    parts = [
        f'<figure class="bg-picture bg-timeline" id="{chart_id}">',
        f'<svg xmlns="{SVG_NS}" class="bg-pic bg-pic-wide" viewBox="0 0 {width:.0f} {height:.0f}" role="{role}" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-caption">',
        f'<title id="{chart_id}-title">{_t(title)}</title>',
    ]
    for day, label in ticks(a0, a1):
        x = x_of(day)
        parts.append(f'<line class="bg-pic-grid" x1="{_n(x)}" y1="{_n(top - 8)}" x2="{_n(x)}" y2="{_n(height - 4)}"/>')
        # A label that would run past the right edge ends at its tick instead (small text: ~6 units a letter).
        place = f'x="{_n(x + 2)}"' if x + 2 + 6 * len(label) <= width else f'x="{_n(x - 2)}" text-anchor="end"'
        parts.append(f'<text class="bg-pic-small" {place} y="{_n(top - 12)}">{_t(label)}</text>')
    for i, span in enumerate(spans):
        y = top + i * row
        start, end = max(span.start, a0), min(max(span.end, span.start), a1)
        bx = x_of(start)
        bw = max(3.0, x_of(end + dt.timedelta(days=1)) - bx) if span.start <= a1 and span.end >= a0 else 0.0
        name = _t(span.label) + (f", {_t(span.note)}" if span.note else "")
        shown = _t(_short(span.label, LABEL_CHARS))
        row_parts = [f"<title>{name}</title>",
                     f'<text x="{_n(label_right)}" y="{_n(y + 14)}" text-anchor="end">{shown}</text>']
        if bw:
            row_parts.append(f'<rect class="bg-tl-bar" x="{_n(bx)}" y="{_n(y + 5)}" width="{_n(bw)}" '
                             f'height="10.0" rx="2.0"/>')
        body = "".join(row_parts)
        css = f"bg-tl-row {span.css}".strip()
        if span.url:
            parts.append(f'<g class="{_t(css)}"><a href="{_t(span.url)}">{body}</a></g>')
        else:
            parts.append(f'<g class="{_t(css)}">{body}</g>')
    if coverage:
        y = top + len(spans) * row + 4
        peak = max((b.count for b in coverage), default=0) or 1
        base = y + hist - 10
        parts.append(f'<text x="{_n(label_right)}" y="{_n(base - 2)}" text-anchor="end">'
                     f'{_t(what.capitalize())}s</text>')
        for b in coverage:
            if not b.count:
                continue
            bx = x_of(b.start)
            bw = max(1.5, x_of(b.end + dt.timedelta(days=1)) - bx - 1)
            h = max(1.5, (hist - 14) * b.count / peak)
            parts.append(f'<rect class="bg-pic-bar" x="{_n(bx)}" y="{_n(base - h)}" width="{_n(bw)}" height="{_n(h)}">'
                         f'<title>{_t(b.label)}: {_t(_plural(b.count, what))}</title></rect>')
        parts.append(f'<line class="bg-pic-axis" x1="{_n(x0)}" y1="{_n(base)}" x2="{_n(x1)}" y2="{_n(base)}"/>')
    parts += ["</svg>", f'<figcaption id="{chart_id}-caption">{_t(caption)}</figcaption>', "</figure>"]
    return Markup("\n".join(parts))


def even_bins(dates: Iterable[dt.date], axis: tuple[dt.date, dt.date], most: int = 48) -> list[Bin]:
    """Articles per equal stretch of days over `axis` (at most `most` stretches); dates outside are left out."""
    a0, a1 = axis
    total_days = (a1 - a0).days + 1
    size = max(1, math.ceil(total_days / most))
    count = math.ceil(total_days / size)
    tally = [0] * count
    for day in dates:
        if a0 <= day <= a1:
            tally[(day - a0).days // size] += 1
    bins = []
    for i, n in enumerate(tally):
        start = a0 + dt.timedelta(days=i * size)
        end = min(a1, start + dt.timedelta(days=size - 1))
        bins.append(Bin(start, end, n, span_text(start, end), ""))
    return bins


# --- connections ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A person in a graph."""

    label: str
    url: str
    count: int
    """Sizes the node: articles together with the centre, or articles of the period."""
    title: str
    """The node's `<title>`: the whole name and what the count means."""


def network(nodes: Sequence[Node], links: Sequence[tuple[int, int, int]], *, chart_id: str, title: str,
            caption: str, centre: Node | None = None) -> Markup:
    """A figure: `nodes` on a circle in the order given, `links` (node, node, articles) as curves between
    them, wider for more articles; with `centre`, that person in the middle, joined to every node by a line
    as wide as the articles they share. Names stand outside the circle along their radius, so that they
    never overlap; each node is a link. Deterministic: positions follow the order of `nodes` alone.
    """
    n = len(nodes)
    radius = 140.0 if n <= 25 else 190.0
    half = radius + 220.0  # room for a name of `NODE_CHARS` and its count along the radius
    size = 2 * half
    c = half
    angles = [-math.pi / 2 + 2 * math.pi * i / max(n, 1) for i in range(n)]
    points = [(c + radius * math.cos(a), c + radius * math.sin(a)) for a in angles]
    peak = max((node.count for node in nodes), default=0) or 1
    parts = [
        f'<figure class="bg-picture bg-network" id="{chart_id}">',
        f'<svg xmlns="{SVG_NS}" class="bg-pic bg-pic-network" viewBox="0 0 {size:.0f} {size:.0f}" role="group" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-caption">',
        f'<title id="{chart_id}-title">{_t(title)}</title>',
    ]
    strongest = max((k for _, _, k in links), default=0) or 1
    for i, j, k in links:
        (xa, ya), (xb, yb) = points[i], points[j]
        # A curve bent towards the middle: links between neighbours on the circle stay apart from the centre's.
        qx, qy = c + ((xa + xb) / 2 - c) * 0.35, c + ((ya + yb) / 2 - c) * 0.35
        parts.append(f'<path class="bg-net-edge" d="M{_n(xa)} {_n(ya)} Q{_n(qx)} {_n(qy)} {_n(xb)} {_n(yb)}" '
                     f'stroke-width="{_n(0.6 + 3.4 * k / strongest)}"/>')
    if centre is not None:
        for (x, y), node in zip(points, nodes, strict=True):
            parts.append(f'<line class="bg-net-edge bg-net-edge-centre" x1="{_n(c)}" y1="{_n(c)}" x2="{_n(x)}" '
                         f'y2="{_n(y)}" stroke-width="{_n(1.0 + 5.0 * node.count / peak)}"/>')
    for angle, (x, y), node in zip(angles, points, nodes, strict=True):
        degrees = math.degrees(angle)
        r = 3.5 + 5.5 * math.sqrt(node.count / peak)
        label = _t(f"{_short(node.label, NODE_CHARS)} ({node.count})")
        if math.cos(angle) >= -1e-9:  # right half: the name reads outwards from the node
            text = (f'<text x="{_n(c + radius + 12)}" y="{_n(c + 4)}" '
                    f'transform="rotate({_n(degrees)} {_n(c)} {_n(c)})">{label}</text>')
        else:  # left half: turned half a circle, so that it is not upside down
            text = (f'<text x="{_n(c - radius - 12)}" y="{_n(c + 4)}" text-anchor="end" '
                    f'transform="rotate({_n(degrees - 180)} {_n(c)} {_n(c)})">{label}</text>')
        body = (f'<title>{_t(node.title)}</title><circle class="bg-net-node" cx="{_n(x)}" cy="{_n(y)}" '
                f'r="{_n(r)}"/>{text}')
        parts.append(f'<a href="{_t(node.url)}">{body}</a>' if node.url else f"<g>{body}</g>")
    if centre is not None:
        body = (f'<title>{_t(centre.title)}</title><circle class="bg-net-node bg-net-centre" cx="{_n(c)}" '
                f'cy="{_n(c)}" r="10.0"/><text class="bg-net-centre-label" x="{_n(c)}" y="{_n(c + 26)}" '
                f'text-anchor="middle">{_t(_short(centre.label, NODE_CHARS))}</text>')
        parts.append(f'<a href="{_t(centre.url)}">{body}</a>' if centre.url else f"<g>{body}</g>")
    parts += ["</svg>", f'<figcaption id="{chart_id}-caption">{_t(caption)}</figcaption>', "</figure>"]
    return Markup("\n".join(parts))
