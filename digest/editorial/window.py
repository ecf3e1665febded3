"""Which arXiv announcements an issue covers: issue windows and arXiv's announcement calendar."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")

# What `digest fetch`, `new` and `nightly` say of a window arXiv made no announcement in.
NO_ANNOUNCEMENT = "no arXiv announcement in this window (weekend or holiday)"

_UTC = timezone.utc
_ANNOUNCE_AT = time(20, 0)
_DEADLINE_AT = time(14, 0)
# Python weekday(): Monday is 0, Sunday is 6. arXiv announces Sunday to Thursday evenings.
_ANNOUNCING_WEEKDAYS = frozenset({6, 0, 1, 2, 3})
_FRIDAY = 4
# A holiday list that blanks out a whole year is a configuration error, not a calendar;
# bounding the backward search turns it into an exception instead of an endless loop.
_MAX_SEARCH_DAYS = 400


@dataclass(frozen=True)
class Window:
    """The span of time one issue covers: `start` exclusive, `end` inclusive."""

    start: datetime  # aware, display tz; EXCLUSIVE
    end: datetime  # aware, display tz; INCLUSIVE

    def __post_init__(self) -> None:
        _require_aware(self.start, "Window.start")
        _require_aware(self.end, "Window.end")
        if _utc(self.start) >= _utc(self.end):
            raise ValueError(f"window start {self.start.isoformat()} is not before its end {self.end.isoformat()}")

    def contains(self, instant: datetime) -> bool:
        """True when start < instant <= end, compared as instants."""
        _require_aware(instant, "instant")
        # Same-tzinfo comparisons in Python use wall time; going through UTC keeps them exact.
        return _utc(self.start) < _utc(instant) <= _utc(self.end)

    @property
    def duration(self) -> timedelta:
        """Elapsed time from start to end (23 h or 25 h across a DST switch in the display zone)."""
        # Subtracting two datetimes that share a tzinfo ignores DST, so subtract in UTC.
        return _utc(self.end) - _utc(self.start)


@dataclass(frozen=True)
class Announcement:
    """One arXiv announcement and the submissions it carries."""

    announced: datetime  # aware, America/New_York, 20:00 local ET on an announcement day
    listing_date: date  # the listing's date (RSS pubDate date): the ET day after `announced`
    submissions_start: datetime  # aware UTC; the previous announcement's submission deadline (exclusive)
    submissions_end: datetime  # aware UTC; this announcement's deadline (inclusive), 14:00 ET
    available: datetime  # aware ET: 00:00 ET on listing_date, when the RSS serves the batch (the listing
    # pages have it from `announced`)

    def submitted_date_query(self) -> str:
        """The arXiv API `submittedDate` range (GMT) for this announcement's new submissions."""
        start = _utc(self.submissions_start)
        end = _utc(self.submissions_end)
        return f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"


def cutoff_instant(issue_date: date, tz: ZoneInfo, cutoff: time, zone: ZoneInfo | None = None) -> datetime:
    """The aware instant at which the issue dated `issue_date` closes, in `tz`.

    `cutoff` is a wall time in the display zone `tz`, or in `zone` when given (20:00 in
    America/New_York: the window closes at arXiv's announcement whatever the season); then
    it is the instant with that wall time in `zone` that falls on `issue_date` in `tz`.
    """
    _require_date(issue_date, "issue_date")
    if tz is None:
        raise ValueError("a display time zone is required")
    if cutoff.tzinfo is not None:
        raise ValueError(f"cutoff {cutoff} must be a wall-clock time without a time zone; the zone is {tz}")
    if zone is None:
        return _wall(issue_date, cutoff, tz).astimezone(tz)
    # The zones are less than a day apart, so the instant is that wall time on the day before,
    # of or after the issue date; on the rare day when daylight-saving changes in both zones
    # leave none or two on the date, the latest one not after the date keeps windows in order.
    candidates = [_wall(issue_date + timedelta(days=k), cutoff, zone).astimezone(tz) for k in (-1, 0, 1)]
    return max(c for c in candidates if c.date() <= issue_date)


def _wall(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant showing `at` on `day` in `zone`, as UTC."""
    # A wall time inside a spring-forward gap names no real instant; the UTC round trip moves it
    # to the wall time that instant actually shows. Ambiguous (fall-back) times keep fold=0,
    # the earlier of the two instants.
    return _utc(datetime.combine(day, at, tzinfo=zone))


def issue_window(
    issue_date: date,
    tz: ZoneInfo,
    cutoff: time,
    previous_published: datetime | None = None,
    cutoff_zone: ZoneInfo | None = None,
) -> Window:
    """The window of the issue dated `issue_date`: from the previous publication (or a day earlier) to its cutoff."""
    end = cutoff_instant(issue_date, tz, cutoff, cutoff_zone)
    if previous_published is not None:
        _require_aware(previous_published, "previous_published")
        if _utc(previous_published) < _utc(end):
            return Window(previous_published.astimezone(tz), end)
    # Step back a calendar day on the local date, not 24 hours, so the start keeps the
    # cutoff's wall time on days when the display zone changes its offset.
    start = cutoff_instant(issue_date - timedelta(days=1), tz, cutoff, cutoff_zone)
    return Window(start, end)


def is_announcement_day(day: date, holidays: frozenset[date] | Iterable[date]) -> bool:
    """True when arXiv announces at 20:00 ET on the ET date `day` (Sunday to Thursday, not a holiday)."""
    _require_date(day, "day")
    return _announces(day, _holiday_set(holidays))


def announcements_in(window: Window, holidays: Iterable[date]) -> list[Announcement]:
    """Every announcement made inside `window` (start exclusive, end inclusive), in time order."""
    hols = _holiday_set(holidays)
    # The window's ET dates already bracket every candidate; the extra day each side is a cheap
    # safety margin, and `contains` makes the exact instant-based cut.
    first = _utc(window.start).astimezone(ET).date() - timedelta(days=1)
    last = _utc(window.end).astimezone(ET).date() + timedelta(days=1)
    return [a for a in _announcements_between(first, last, hols) if window.contains(a.announced)]


def latest_announcement_before(instant: datetime, holidays: Iterable[date]) -> Announcement:
    """The last announcement made at or before `instant`."""
    _require_aware(instant, "instant")
    hols = _holiday_set(holidays)
    day = _utc(instant).astimezone(ET).date()
    if _announces(day, hols) and _announced_at(day) <= _utc(instant):
        return next(_announcements_between(day, day, hols))
    return next(_announcements_between(_previous_announcement_day(day, hols), day, hols))


# --- internals -------------------------------------------------------------------------------


def _announcements_between(first: date, last: date, hols: frozenset[date]) -> Iterator[Announcement]:
    """Announcements on ET dates first..last inclusive, each chained to its predecessor's deadline."""
    previous_deadline = _deadline(_previous_announcement_day(first, hols))
    day = first
    while day <= last:
        if _announces(day, hols):
            deadline = _deadline(day)
            listing = day + timedelta(days=1)
            yield Announcement(
                announced=datetime.combine(day, _ANNOUNCE_AT, tzinfo=ET),
                listing_date=listing,
                submissions_start=previous_deadline,
                submissions_end=deadline,
                available=datetime.combine(listing, time(0, 0), tzinfo=ET),
            )
            previous_deadline = deadline
        day += timedelta(days=1)


def _announces(day: date, hols: frozenset[date]) -> bool:
    return day.weekday() in _ANNOUNCING_WEEKDAYS and day not in hols


def _announced_at(day: date) -> datetime:
    # 20:00 ET is never inside a DST transition (those happen at 02:00), so it is unambiguous.
    return datetime.combine(day, _ANNOUNCE_AT, tzinfo=ET).astimezone(_UTC)


def _deadline(announce_day: date) -> datetime:
    """14:00 ET on the last weekday (Mon-Fri) on or before `announce_day`, in UTC."""
    # Sunday's announcement closes on Friday: arXiv takes no cut over the weekend.
    back = max(0, announce_day.weekday() - _FRIDAY)
    return datetime.combine(announce_day - timedelta(days=back), _DEADLINE_AT, tzinfo=ET).astimezone(_UTC)


def _previous_announcement_day(day: date, hols: frozenset[date]) -> date:
    """The latest announcement day strictly before `day`."""
    candidate = day
    for _ in range(_MAX_SEARCH_DAYS):
        candidate -= timedelta(days=1)
        if _announces(candidate, hols):
            return candidate
    raise ValueError(f"no arXiv announcement day in the {_MAX_SEARCH_DAYS} days before {day}; check the holiday list")


def _holiday_set(holidays: frozenset[date] | Iterable[date]) -> frozenset[date]:
    hols = holidays if isinstance(holidays, frozenset) else frozenset(holidays)
    for item in hols:
        # A datetime or a string never equals a date, so it would silently stop being a holiday.
        if isinstance(item, datetime) or not isinstance(item, date):
            raise TypeError(f"holidays must be dates (YYYY-MM-DD); got {item!r}")
    return hols


def _require_date(value: date, name: str) -> None:
    # datetime subclasses date; accepting one would drop its time and zone without a word.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__} {value!r}")


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__} {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} has no time zone; give an aware datetime such as 2026-07-01T09:00+09:00")


def _utc(value: datetime) -> datetime:
    return value.astimezone(_UTC)
