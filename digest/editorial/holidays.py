"""arXiv's published holiday schedules, shipped with the package, and the warning for a year without one."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from ..errors import Problem

if TYPE_CHECKING:
    from .config import Config

AVAILABILITY_URL = "https://info.arxiv.org/help/availability.html"
_DATA = "arxiv_holidays.yaml"


@lru_cache(maxsize=1)
def shipped_schedules() -> dict[int, frozenset[date]]:
    """Year -> the US Eastern dates of that year's skipped arXiv announcements, as arXiv published them."""
    text = (resources.files("digest") / "data" / _DATA).read_text(encoding="utf-8")
    out: dict[int, frozenset[date]] = {}
    # libyaml when present (as digest.yamlload does): the pure-Python loader takes a few ms on every command.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for year, days in (yaml.load(text, Loader=loader) or {}).items():
        # Package data, checked by the tests: a bad entry is a bug in this package, not the user's input.
        if (not isinstance(year, int) or not isinstance(days, list) or not days
                or any(not isinstance(d, date) or d.year != year for d in days)):
            raise ValueError(f"digest/data/{_DATA}: {year!r} must map a year to a list of its dates (YYYY-MM-DD)")
        out[year] = frozenset(days)
    return out


def shipped_holidays() -> frozenset[date]:
    """Every shipped holiday, all years together (merged with `schedule.holidays` by load_config)."""
    return frozenset().union(*shipped_schedules().values())


def unknown_year_warning(config: Config, year: int) -> Problem | None:
    """A warning at digest.yaml's `schedule:` when neither this package nor `schedule.holidays` knows `year`."""
    # config.schedule.holidays holds the shipped years too, and no shipped year is empty.
    if any(day.year == year for day in config.schedule.holidays):
        return None
    line, col = config.schedule.where
    return Problem(str(config.path), line, col,
                   f"no arXiv holiday schedule for {year} is known to this version; add arXiv's published "
                   f"holidays to schedule.holidays ({AVAILABILITY_URL}) or upgrade paper-digest", "warning")
