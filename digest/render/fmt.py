"""Human wording of dates, times, counts and lists (English; one place to add languages)."""
from __future__ import annotations

from datetime import date, datetime

_NUMBER_WORDS = ["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
                 "Eleven", "Twelve"]


def count_word(n: int) -> str:
    """5 -> 'Five'; numbers past twelve stay digits."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def long_date(d: date) -> str:
    """July 1, 2026."""
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def month_day(d: date) -> str:
    """July 1."""
    return f"{d.strftime('%B')} {d.day}"


def month_day_time(dt: datetime) -> str:
    """June 30, 09:20."""
    return f"{month_day(dt)}, {dt.strftime('%H:%M')}"


def month_year(d: date) -> str:
    """July 2026."""
    return f"{d.strftime('%B')} {d.year}"


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B, and C'."""
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def short_authors(authors: list[str], limit: int = 3) -> str:
    """First few authors, then 'et al.'."""
    if len(authors) <= limit:
        return join_names(authors)
    return ", ".join(authors[:limit]) + " et al."


def number(value: float) -> str:
    """9.0 -> '9', 8.5 -> '8.5'."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
