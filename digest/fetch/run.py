"""Fetch one issue's window: decide RSS or API backfill, filter by topic, write the candidates file."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..editorial.candidates import candidates_path
from ..editorial.config import Config
from ..editorial.window import NO_ANNOUNCEMENT, Announcement, Window, announcements_in, latest_announcement_before
from ..errors import NotAvailableYet
from .api import ArxivApi
from .batch import Batch, StaleBatch
from .http import HttpClient
from .listing import fetch_batch
from .records import dedupe, finish, from_api, from_feed
from .rss import fetch_feed
from .store import write_candidates
from .topic import TopicFilter

FORMAT = 1
# How late a listing may be before the "not available yet" message suggests an unlisted holiday.
_LATE_HINT_AFTER = timedelta(hours=3)
_STALE_RETRY = timedelta(minutes=15)

Progress = Callable[[int, int], None]
# Fills each record's `scores`, `proposed` and `seen_before` in place (digest.prescore.prescorer).
Prescore = Callable[[list[dict]], None]


@dataclass
class FetchResult:
    """What one fetch did: where it wrote, the window and its announcements, counts and requests."""

    path: Path
    window: Window
    announcements: list[Announcement]
    counts: dict
    requests: dict
    approximate: bool
    source: str  # "listing", "rss", "api", "listing+api", "rss+api", or "calendar" (no announcement in the window)
    changed: bool  # False when the file already held the same candidates and was left untouched
    notes: list[str] = field(default_factory=list)


def fetch_issue(
    config: Config,
    issue_date: date,
    now: datetime,
    *,
    refresh: bool = False,
    progress: Progress | None = None,
    window: Window | None = None,
    client: HttpClient | None = None,
    page_size: int = 2000,
    batch_size: int = 100,
    prescore: Prescore | None = None,
) -> FetchResult:
    """Fetch the candidates of the issue dated `issue_date` as of `now` and write its candidates file.

    The window's newest batch is read from arXiv's listing pages between its announcement
    (20:00 ET) and midnight ET, from the RSS after midnight while the RSS still shows it, and
    older batches through the API's submittedDate search (approximate).

    Raises NotAvailableYet (nothing written) before the window's last batch is announced, and
    UpstreamError when arXiv cannot be reached or answers with something unusable; on any
    error the previous candidates file is left as it was. `progress(done, total)` is called
    as API lookups and backfills advance. `client` (tests, benchmarks) replaces the default
    HTTP client built from the config; its request log is reported for this fetch only.

    `window` is the issue's window as `digest.window_start.window_start` decides it (the previous
    issue, --since, the window limit); without it, one normal day ending at the issue's cutoff.

    `prescore(records)` fills in the automatic pre-scores once the whole window is known:
    pass `digest.prescore.prescorer(config, issue_date)`, as every command does (the fetcher
    itself knows nothing of scoring). Without it the records are written unscored: `scores`
    stays empty, and `proposed` and `seen_before` are absent.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now {now.isoformat()} has no time zone; give an aware datetime")
    tz = config.site.tz
    holidays = config.schedule.holidays
    window = window or config.schedule.window(issue_date, tz)
    announcements = announcements_in(window, holidays)
    path = candidates_path(config.issues_dir, issue_date)
    fetched_at = now.astimezone(tz).isoformat(timespec="seconds")

    if announcements and now < announcements[-1].announced:
        raise NotAvailableYet(_not_yet_message(announcements[-1], now, tz), announcements[-1].announced.astimezone(tz))

    http = client or HttpClient.for_config(config)
    started = http.log.copy()
    try:
        if announcements:
            found = _collect(
                config, announcements, now, http, refresh=refresh, progress=progress,
                page_size=page_size, batch_size=batch_size, first_seen=fetched_at,
            )
        else:
            found = _Collected(source="calendar", notes=[NO_ANNOUNCEMENT])
        if prescore is not None:
            prescore(found.records)
        request_log = http.log.since(started).as_dict()
        doc = {
            "format": FORMAT,
            "date": issue_date.isoformat(),
            "fetched_at": fetched_at,
            "source": found.source,
            "approximate": found.approximate,
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "announcements": [_announcement_dict(a) for a in announcements],
            "requests": request_log,
            "counts": found.counts,
            "candidates": found.records,
        }
        changed = write_candidates(path, doc)
    finally:
        if client is None:
            http.close()
    return FetchResult(
        path=path,
        window=window,
        announcements=announcements,
        counts=found.counts,
        requests=request_log,
        approximate=found.approximate,
        source=found.source,
        changed=changed,
        notes=found.notes,
    )


def summary_line(result: FetchResult) -> str:
    """One line for the log: window, announcements, counts and the file written."""
    w = result.window
    start_zone = "" if w.start.tzname() == w.end.tzname() else f" {w.start.tzname()}"
    span = f"window {_short(w.start)}{start_zone} – {_short(w.end)} {w.end.tzname()}"
    n = len(result.announcements)
    where = f"{result.path.parent.name}/{result.path.name}"
    action = f"wrote {where}" if result.changed else f"{where} unchanged"
    if n == 0:
        return f"{span}: {NO_ANNOUNCEMENT}, {action}"
    c = result.counts
    approx = " (approximate: backfilled by submission date)" if result.approximate else ""
    plural = "" if n == 1 else "s"
    return f"{span}: {n} announcement{plural}, {c.get('screened', 0)} screened, {c.get('matched', 0)} matched{approx}, {action}"


# --- internals -------------------------------------------------------------------------------


@dataclass
class _Collected:
    """The candidates of a window and how they were found."""

    source: str
    records: list[dict] = field(default_factory=list)
    approximate: bool = False
    counts: dict = field(default_factory=lambda: {"screened": 0, "matched": 0, "kept": 0, "enriched": 0})
    notes: list[str] = field(default_factory=list)


def _collect(
    config: Config,
    announcements: list[Announcement],
    now: datetime,
    http: HttpClient,
    *,
    refresh: bool,
    progress: Progress | None,
    page_size: int,
    batch_size: int,
    first_seen: str,
) -> _Collected:
    categories = tuple(config.arxiv.categories)
    wanted = set(categories)
    topic = TopicFilter(config.phrases)
    api = ArxivApi(http, config.arxiv.api_url, page_size=page_size, batch_size=batch_size, refresh=refresh)
    latest = announcements[-1]
    outlet = _outlet(latest, now, config.schedule.holidays)
    # The RSS and the listing pages only ever show the newest batch; anything older needs the
    # API's submittedDate search.
    backfilled = announcements[:-1] if outlet else announcements
    notes: list[str] = []
    screened = matched = enriched = 0
    raw: list[dict] = []

    batch = None
    if outlet:
        # The batch first: if arXiv has not switched to it yet, stop before spending requests
        # on the backfill.
        batch = _read_batch(outlet, config, http, latest, now, refresh=refresh)

    for ann in backfilled:
        for paper in api.backfill(ann.submitted_date_query(), categories, config.phrases, progress=progress):
            if not wanted.intersection(paper.categories):
                continue
            screened += 1
            hits = topic.hits(paper.title, paper.abstract)
            if hits:
                matched += 1
                enriched += 1
                raw.append(finish(from_api(paper), hits, first_seen))
    if backfilled:
        notes.append(
            f"backfilled {len(backfilled)} announcement(s) by submission date: approximate, "
            "without cross-lists or replacements"
        )

    if batch is not None:
        topical = []
        for item in batch.items:
            if not wanted.intersection(item.categories):
                continue
            screened += 1
            hits = topic.hits(item.title, item.abstract)
            if hits:
                topical.append((item, hits))
        matched += len(topical)
        known = api.lookup([item.id for item, _ in topical], require=True, progress=progress) if topical else {}
        missing = sum(1 for item, _ in topical if item.id not in known)
        enriched += len(topical) - missing
        if missing:
            notes.append(f"{missing} announced paper(s) not yet known to the API: kept with the announcement's metadata only")
        for item, hits in topical:
            raw.append(finish(from_feed(item, known.get(item.id)), hits, first_seen))

    records = dedupe(raw)
    return _Collected(
        source="+".join(part for part in (outlet, "api" if backfilled else "") if part),
        records=records,
        approximate=bool(backfilled),
        counts={"screened": screened, "matched": matched, "kept": len(records), "enriched": enriched},
        notes=notes,
    )


def _outlet(latest: Announcement, now: datetime, holidays: frozenset[date]) -> str:
    """Where arXiv shows the batch `latest` at `now`: "listing", "rss", or "" (neither: backfill it)."""
    if latest == _newest_in_feed(now, holidays):
        return "rss"
    if latest == latest_announcement_before(now, holidays):
        return "listing"  # announced, and the RSS is rebuilt only at midnight ET
    return ""


def _read_batch(outlet: str, config: Config, http: HttpClient, ann: Announcement, now: datetime, *,
                refresh: bool) -> Batch:
    """The batch of `ann` from `outlet`; NotAvailableYet while arXiv still shows the previous one."""
    categories = tuple(config.arxiv.categories)
    try:
        if outlet == "listing":
            return fetch_batch(http, config.arxiv.listing_url, categories, ann.listing_date, refresh=refresh)
        return fetch_feed(http, config.arxiv.rss_url, categories, ann.listing_date, refresh=refresh)
    except StaleBatch as exc:
        readable = ann.announced if outlet == "listing" else ann.available
        raise NotAvailableYet(*_stale_message(exc, ann, readable, now, config.site.tz)) from None


def _newest_in_feed(now: datetime, holidays: frozenset[date]) -> Announcement:
    """The newest announcement the RSS already shows at `now` (announced, and past 00:00 ET)."""
    latest = latest_announcement_before(now, holidays)
    if now < latest.available:
        latest = latest_announcement_before(latest.announced - timedelta(seconds=1), holidays)
    return latest


def _announcement_dict(a: Announcement) -> dict:
    return {
        "announced": a.announced.isoformat(),
        "listing_date": a.listing_date.isoformat(),
        "submissions_start": a.submissions_start.isoformat(),
        "submissions_end": a.submissions_end.isoformat(),
        "available": a.available.isoformat(),
    }


def _short(value: datetime) -> str:
    return f"{value:%b} {value.day} {value:%H:%M}"


def _clock(when: datetime, now: datetime, tz: ZoneInfo) -> str:
    """"14:00 KST", with the day when it is not today in the display zone."""
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M %Z}"
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"


def _not_yet_message(ann: Announcement, now: datetime, tz: ZoneInfo) -> str:
    return (
        f"the arXiv listing of {ann.listing_date:%a} {ann.listing_date.day} {ann.listing_date:%b %Y} "
        f"is announced at {_clock(ann.announced, now, tz)}: not available yet, "
        f"retry after {_clock(ann.announced, now, tz)}"
    )


def _stale_message(exc: StaleBatch, ann: Announcement, readable: datetime, now: datetime,
                   tz: ZoneInfo) -> tuple[str, datetime]:
    retry = max(readable, now + _STALE_RETRY).astimezone(tz)
    retry = (retry + timedelta(seconds=59)).replace(second=0, microsecond=0)
    message = (
        f"arXiv's {exc.source} still shows the listing of {exc.found}, not yet the one of {ann.listing_date}: "
        f"not available yet, retry after {_clock(retry, now, tz)}"
    )
    if now - readable > _LATE_HINT_AFTER:
        message += (
            f" (hours late: if arXiv skipped its {ann.announced:%a %Y-%m-%d} announcement, "
            f"add {ann.announced.date()} to schedule.holidays)"
        )
    return message, retry
