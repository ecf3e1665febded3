"""Parsing the date and time forms that appear in YAML and on the command line."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_date(text: str) -> date:
    """YYYY-MM-DD to a date; ValueError with a readable message otherwise."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date (YYYY-MM-DD)") from None


def parse_datetime(text: str) -> datetime:
    """An ISO date-time with a UTC offset to an aware datetime; naive input is refused."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date and time") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add one such as +09:00")
    return value


def parse_time(text: str) -> time:
    """HH:MM to a time."""
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)") from None


class Cutoff(NamedTuple):
    """A schedule cutoff: a wall time, in its own zone when one is named (else the display zone)."""

    at: time
    zone: ZoneInfo | None


def parse_cutoff(text: str) -> Cutoff:
    """'HH:MM' or 'HH:MM Area/City' to a Cutoff; ValueError naming the bad part."""
    at, _, zone_name = " ".join(str(text).split()).partition(" ")
    try:
        where = zone(zone_name) if zone_name else None
    except ValueError as exc:
        raise ValueError(f"{exc} (the cutoff's zone, after its time)") from None
    return Cutoff(parse_time(at), where)


def zone(name: str) -> ZoneInfo:
    """An IANA time zone; ValueError naming the zone when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Seoul") from None


def now(override: str | None = None, tz: ZoneInfo | None = None) -> datetime:
    """The current instant, or the one fixed by --now / DIGEST_NOW (naive values are read in `tz`)."""
    text = override or os.environ.get("DIGEST_NOW")
    if not text:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--now/DIGEST_NOW {text!r} is not an ISO date-time such as 2026-07-01T09:30:00+09:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or timezone.utc)
    return value
