"""The timeline of events: every event as a bar over its dates, drawn at build time, and the same events
as a list with `<time>` for screen readers and search.

One page while the desk has few events; else a page per year (`timeline/2024/`), the year of the desk's
date at `timeline/` itself, each year cut into pages of at most `YEAR_PAGE_SIZE` events. An event that
spans years is on each of their pages.

`render` imports this module, so this module does not import `render`: the views receive the renderer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..desk.model import Event
from . import pictures, urls
from .briefings import Renderer
from .charts import drawn_end, span_of
from .dates import format_date
from .spec import Listing, PageSpec

#: Events the whole timeline may hold on one page; with more it is paged by year.
ONE_PAGE = 150
#: Events a page of one year holds; a busier year is cut into pages of this many.
YEAR_PAGE_SIZE = 150


def _listed(r: Renderer, event: Event) -> dict[str, Any]:
    """An event in the list under the picture: its dates as `<time>`, its link, its status."""
    today = r.desk.date
    end = drawn_end(event, today)
    ongoing = event.end is None and (event.ongoing or event.status == "ongoing")
    return {
        "name": event.name,
        "url": r._href(event.key),
        "start": format_date(event.start),
        "iso_start": event.start.isoformat(),
        "end": format_date(end) if end != event.start and not ongoing else "",
        "iso_end": end.isoformat(),
        "ongoing": ongoing,
        "status": event.status_on(today),
    }


def _page_view(r: Renderer, events: Sequence[Event], axis: tuple[dt.date, dt.date], scope: str,
               chart_id: str) -> dict[str, Any]:
    spans = [span_of(r, e, r._href(e.key)) for e in events]
    count = f"{len(events)} {'event' if len(events) == 1 else 'events'}"
    caption = (f"{count} {scope}, from {format_date(axis[0])} to {format_date(axis[1])}: each row an "
               f"event, its bar over its dates (an ongoing event's reaches {format_date(r.desk.date)}, "
               f"the latest brief's date). The same events are listed below.")
    return {
        "svg": pictures.timeline(spans, axis, chart_id=chart_id, title=f"Events {scope} on a timeline",
                                 caption=caption) if events else None,
        "events": [_listed(r, e) for e in events],
        "scope": scope,
    }


def timeline_pages(r: Renderer) -> list[PageSpec]:
    """The pages of the timeline (at least `timeline/`, even for a desk without events)."""
    today = r.desk.date
    events = sorted((e for e in r.desk.entities["event"].values() if isinstance(e, Event)),
                    key=lambda e: (e.start, e.slug))
    description = "Every event of the briefing on a timeline, with its dates."
    if len(events) <= ONE_PAGE:
        if events:
            first, last = events[0].start, max(drawn_end(e, today) for e in events)
            pad = max(1, (last - first).days // 50)
            axis = (first - dt.timedelta(days=pad), last + dt.timedelta(days=pad))
        else:
            axis = (today, today)

        def view(r: Renderer) -> dict[str, Any]:
            data = _page_view(r, events, axis, "in the briefing", "bg-timeline")
            data.update({"years": [], "pager": None, "total": len(events)})
            return data

        return [PageSpec(urls.timeline_uri(), "Timeline", "timeline.html", description, None, view,
                         listing=Listing.TIMELINE, search_boost=0.0)]

    by_year: dict[int, list[Event]] = {}
    for event in events:  # in order: each year's events stay sorted by start
        # On every year it runs through: a war that began in 2022 is on the page of 2023 too.
        for year in range(event.start.year, drawn_end(event, today).year + 1):
            by_year.setdefault(year, []).append(event)
    years = sorted(by_year)
    main = today.year if today.year in by_year else years[-1]

    def uri(year: int, number: int = 1) -> str:
        return urls.timeline_uri(None if year == main else year, number)

    specs = []
    for year in years:
        listed = by_year[year]
        chunks = [listed[i : i + YEAR_PAGE_SIZE] for i in range(0, len(listed), YEAR_PAGE_SIZE)]
        for number, chunk in enumerate(chunks, start=1):

            def view(r: Renderer, year: int = year, chunk: Sequence[Event] = chunk, number: int = number,
                     pages: int = len(chunks), total: int = len(listed)) -> dict[str, Any]:
                axis = (dt.date(year, 1, 1), dt.date(year, 12, 31))
                chart_id = f"bg-timeline-{year}" + (f"-{number}" if number > 1 else "")
                data = _page_view(r, chunk, axis, f"in {year}", chart_id)
                data.update({
                    "years": [{"label": str(y), "url": r._url(uri(y)), "count": len(by_year[y]), "current": y == year}
                              for y in years],
                    "pager": r._pager(lambda n: uri(year, n), number, pages),
                    "total": total,
                })
                return data

            title = f"Timeline of {year}" + (f" (page {number})" if number > 1 else "")
            specs.append(PageSpec(uri(year, number), title, "timeline.html", description, None, view,
                                  listing=Listing.TIMELINE, number=number, search_boost=0.0))
    return specs
