"""How pages write dates: in English words, whatever the machine's locale (`strftime` would follow it)."""

from __future__ import annotations

import datetime as dt

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_date(day: dt.date | None) -> str:
    """`3 July 2024`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""


def format_span(start: dt.date, end: dt.date | None, ongoing: bool = False) -> str:
    """`3–4 July 2024`, `30 June – 2 July 2024`, `since 24 February 2022`."""
    if ongoing:
        return f"since {format_date(start)}"
    if end is None or end == start:
        return format_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def weekday_name(day: dt.date) -> str:
    """`Wednesday`."""
    return WEEKDAYS[day.weekday()]


def month_label(year: int, month: int) -> str:
    """`July 2024`."""
    return f"{MONTHS[month - 1]} {year}"
