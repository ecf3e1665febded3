"""Where an issue's window starts: the previous issue, --since, and the window limit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ..errors import DigestError, Problem
from .config import Config
from .issues import issue_date_from_name, issue_files, load_issue
from .model import Issue
from .window import Window

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WindowStart:
    """An issue's window and what decided its start: the previous issue, a --since date, or neither."""

    window: Window
    previous: Path | None  # the latest valid editor file before the issue date
    previous_published: datetime | None  # its `published` time
    since: date | None  # the --since date that set the start, when one did

    @property
    def start(self) -> datetime:
        """The window's start (exclusive), in the display time zone."""
        return self.window.start


def previous_issue(config: Config, issue_date: date) -> Issue | None:
    """The latest issue before `issue_date` that loads without error (invalid files are skipped)."""
    files, _ = issue_files(config)
    earlier = [p for p in files if (d := issue_date_from_name(p)) and d < issue_date]
    for path in reversed(earlier):
        try:
            return load_issue(path, config)
        except DigestError:
            continue
    return None


def window_start(config: Config, issue_date: date, since: date | None = None) -> WindowStart:
    """The window of the issue dated `issue_date`: from `since`'s cutoff, else the previous issue's publication.

    Without `since`, a window from the previous issue longer than `schedule.max_window_days`
    raises DigestError located at that issue's `published:`; an explicit `since` may be longer.
    With no previous issue (or one without `published`) the window is one normal day.
    Raises ValueError when `since` is not before `issue_date`.
    """
    previous = previous_issue(config, issue_date)
    path = previous.path if previous else None
    published = previous.published if previous else None
    if since is not None:
        if since >= issue_date:
            raise ValueError(f"--since {since.isoformat()} is not before the issue date {issue_date.isoformat()}")
        return WindowStart(config.schedule.window(issue_date, config.site.tz, config.schedule.cutoff_at(since, config.site.tz)), path, published, since)
    window = config.schedule.window(issue_date, config.site.tz, published)
    limit = config.schedule.max_window_days
    # Counted in calendar days at the cutoff's wall time, so a DST change inside the window neither
    # refuses an exact week nor lets an extra hour through.
    if published is not None and window.start < config.schedule.cutoff_at(issue_date - limit * _DAY, config.site.tz):
        raise DigestError(_too_long(config, previous, issue_date, window))
    return WindowStart(window, path, published, None)


def _too_long(config: Config, previous: Issue, issue_date: date, window: Window) -> Problem:
    """The located refusal of a window that the previous issue opened too long ago, with the ways out."""
    limit = config.schedule.max_window_days
    line, col = previous.source.where(("published",), key=True) if previous.source else (1, 1)
    shown = window.start.astimezone(config.site.tz).strftime("%Y-%m-%d %H:%M %Z")
    day = issue_date.isoformat()
    since = (issue_date - _DAY).isoformat()
    missing = (previous.date + _DAY).isoformat()
    message = (f"the issue of {day} would cover {_length(window.duration, limit)} of arXiv announcements, "
               f"from this issue's publication ({shown}), more than schedule.max_window_days ({limit}); "
               f"start the window later with `digest fetch {day} --since {since}` (or `digest nightly {day} "
               f"--since {since}`), publish the missing days first (`digest nightly {missing}`, ...), "
               f"or raise schedule.max_window_days")
    return Problem(config.display(previous.path), line, col, message)


def _length(duration: timedelta, limit: int) -> str:
    """Whole days when that already exceeds the limit, else days and the hours and minutes beyond them."""
    days = round(duration / _DAY)
    if days > limit:
        return f"{days} days"
    whole = duration.days
    hours, rest = divmod(int((duration - whole * _DAY).total_seconds()), 3600)
    parts = [f"{whole} day{'s' if whole != 1 else ''}"]
    if hours:
        parts.append(f"{hours} h")
    if rest // 60:
        parts.append(f"{rest // 60} min")
    return " ".join(parts)
