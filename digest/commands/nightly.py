"""`digest nightly`: fetch, start the editor file if absent, build; safe to re-run from cron."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Callable

from ..build import BuildResult, build
from ..build.lock import project_lock
from ..editorial.config import Config
from ..editorial.holidays import unknown_year_warning
from ..editorial.window_start import window_start
from ..errors import NotAvailableYet, UpstreamError
from .new import NewResult, NothingToStart, new_issue

Log = Callable[[str], None]


class NightlyOutcome(Enum):
    """How a nightly run ended (the CLI turns it into an exit code)."""

    DONE = "done"                # fetched, started the editor file if it was missing, built
    NOT_YET = "not yet"          # arXiv does not serve the batch yet: nothing was changed
    UNREACHABLE = "unreachable"  # the fetch could not reach arXiv; the site was rebuilt from what exists
    UPSTREAM = "upstream"        # arXiv's answer was unusable; the site was rebuilt from what exists


@dataclass
class NightlyResult:
    """What one nightly run did, and how it ended."""

    outcome: NightlyOutcome = NightlyOutcome.DONE
    fetched: object | None = None
    fetch_error: str | None = None
    new: NewResult | None = None
    built: BuildResult | None = None


def run_nightly(config: Config, issue_date: date, now: datetime, *, refresh: bool = True,
                since: date | None = None, log: Log = lambda _msg: None, exiting: bool = False) -> NightlyResult:
    """Fetch the window, create the editor file if it does not exist, rebuild the site.

    Unlike `digest fetch`, the nightly run asks arXiv again by default (refresh)
    so that late additions reach the candidates file; the file is rewritten only
    when its content changes. A fetch that fails still rebuilds from what exists
    and says why in its outcome; a batch that is not available yet changes nothing
    (outcome NOT_YET). The window starts at `since`'s cutoff when given, else at the
    previous issue's publication; a window longer than `schedule.max_window_days`
    raises DigestError before anything is fetched or written. No editor file is
    started for a window with no arXiv announcement, nor without a candidates file
    (a failed first fetch): the log says why and the site is still rebuilt. `exiting`: the
    process ends once this returns (build()'s `exiting`).
    """
    from ..fetch.run import fetch_issue, summary_line
    from ..prescore import prescorer

    with project_lock(config.cache_dir, f"digest nightly {issue_date.isoformat()}"):
        result = NightlyResult()
        unknown = unknown_year_warning(config, now.astimezone(config.site.tz).year)
        if unknown is not None:
            log(str(unknown))
        start = window_start(config, issue_date, since)
        try:
            result.fetched = fetch_issue(config, issue_date, now, refresh=refresh,
                                         window=start.window,
                                         prescore=prescorer(config, issue_date))
            log(summary_line(result.fetched))
        except NotAvailableYet as exc:
            log(str(exc))
            result.outcome = NightlyOutcome.NOT_YET
            return result
        except UpstreamError as exc:
            result.fetch_error = str(exc)
            result.outcome = NightlyOutcome.UNREACHABLE if exc.unreachable else NightlyOutcome.UPSTREAM
            log(f"fetch failed: {exc}; rebuilding the site from what exists")
        try:
            result.new = new_issue(config, issue_date)
        except NothingToStart as exc:
            log(f"{exc.reason}: no issue for {issue_date.isoformat()}")
        else:
            if result.new.created:
                log(f"started {config.display(result.new.path)} with {result.new.papers} papers "
                    f"from {result.new.candidates} candidates")
            else:
                log(f"{config.display(result.new.path)} exists: left as the editor wrote it")
        result.built = build(config, exiting=exiting)
        state = "site updated" if result.built.changed else "site unchanged"
        log(f"built {result.built.issues} issues, {result.built.pages} pages in {result.built.seconds:.2f} s: {state}")
        return result
