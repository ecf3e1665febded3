"""Load and validate the site configuration, digest.yaml."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from ..arxiv_id import split_written_id
from ..errors import DigestError, Problem
from ..timeutil import parse_cutoff, parse_date, zone
from . import schemas
from .holidays import shipped_holidays
from .taxonomy import category_problem
from .validate import check, field_name
from .window import Window, cutoff_instant, issue_window
from .yamlload import load_file

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_RSS_URL = "https://rss.arxiv.org/rss"
# The listing pages for programs: a category's batch is <listing_url>/<category>/new.
DEFAULT_LISTING_URL = "https://export.arxiv.org/list"
# `digest new` proposes only candidates whose automatic relevance (0-10) is at least this.
DEFAULT_RELEVANCE_FLOOR = 4
# The relevance model learns from the editors' decisions in this many of the latest issues (a year).
DEFAULT_TRAINING_ISSUES = 365
# A window from a previous issue longer than this many days is refused, not silently backfilled.
DEFAULT_MAX_WINDOW_DAYS = 7


@dataclass(frozen=True)
class SiteConfig:
    """The `site:` section."""

    title: str
    base_url: str
    language: str
    timezone: str
    tz: ZoneInfo
    topic: str


@dataclass(frozen=True)
class ScheduleConfig:
    """The `schedule:` section: daily cutoff (display zone), arXiv holidays (US Eastern dates: the shipped
    schedules and `schedule.holidays` together), window limit."""

    cutoff: time = time(9, 0)
    holidays: frozenset[date] = frozenset()
    max_window_days: int = DEFAULT_MAX_WINDOW_DAYS
    cutoff_zone: ZoneInfo | None = None  # the cutoff's own zone ("20:00 America/New_York"); None: the display zone
    where: tuple[int, int] = (1, 1)  # line and column of `schedule:` in digest.yaml, for warnings about it

    def cutoff_at(self, issue_date: date, tz: ZoneInfo) -> datetime:
        """The instant the issue dated `issue_date` closes, in the display zone `tz`."""
        return cutoff_instant(issue_date, tz, self.cutoff, self.cutoff_zone)

    def window(self, issue_date: date, tz: ZoneInfo, previous_published: datetime | None = None) -> Window:
        """The issue's default window: from the previous publication (or the day before's cutoff) to its cutoff."""
        return issue_window(issue_date, tz, self.cutoff, previous_published, self.cutoff_zone)


@dataclass(frozen=True)
class ArxivConfig:
    """The `arxiv:` section."""

    categories: tuple[str, ...] = ("cs.CV", "cs.LG", "cs.CL")
    api_url: str = DEFAULT_API_URL
    rss_url: str = DEFAULT_RSS_URL
    listing_url: str = DEFAULT_LISTING_URL
    delay_seconds: float = 3.0


@dataclass(frozen=True)
class TopicExample:
    """One item of `topic.examples`: an arXiv paper (by versionless id, title and abstract left to the
    scorer to look up) or a paper described by its title and, optionally, its abstract."""

    arxiv: str | None
    title: str = ""
    abstract: str = ""


@dataclass(frozen=True)
class Config:
    """The whole validated configuration; `root` is the folder holding digest.yaml."""

    path: Path
    root: Path
    site: SiteConfig
    schedule: ScheduleConfig
    arxiv: ArxivConfig
    phrases: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=lambda: {s: 1.0 for s in schemas.SIGNALS})
    featured: int = 5
    history_issues: int = 10
    venue_tiers: dict[str, int] = field(default_factory=dict)
    labs: tuple[str, ...] = ()
    examples: tuple[TopicExample, ...] = ()
    relevance_floor: float = DEFAULT_RELEVANCE_FLOOR
    training_issues: int = DEFAULT_TRAINING_ISSUES

    def display(self, path: str | Path) -> str:
        """`path` as messages show it: relative to the project folder when it lies inside."""
        path = Path(path)
        try:
            return str(path.resolve().relative_to(self.root))
        except (ValueError, OSError):
            return str(path)

    @property
    def issues_dir(self) -> Path:
        """Where editor files and candidates files live."""
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        """The folder's own templates and assets, each overriding the packaged theme's file of the same path."""
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        """Files copied as they are into the site (covers, images)."""
        return self.root / "static"

    @property
    def cache_dir(self) -> Path:
        """Machine-owned caches (raw arXiv responses, build state)."""
        return self.root / ".digest-cache"


def load_config(path: str | Path = "digest.yaml") -> Config:
    """Read digest.yaml, check it against the schema, and return a Config (DigestError lists every problem)."""
    path = Path(path)
    display = str(path)
    doc = load_file(path, display)
    if doc.data is None:
        raise DigestError(Problem(display, 1, 1, "digest.yaml is empty; it needs at least a site: section"))
    if not isinstance(doc.data, dict):
        raise DigestError(doc.problem((), "digest.yaml must be a mapping of sections (site:, schedule:, ...)"))
    problems = check(doc, schemas.CONFIG)
    if problems:
        raise DigestError(problems)
    data = doc.data
    site = data["site"]
    try:
        tz = zone(site["timezone"])
    except ValueError as exc:
        problems.append(doc.problem(("site", "timezone"), str(exc)))
        tz = None
    base_url = site["base_url"]
    if not base_url.endswith("/"):
        base_url += "/"
    sched = data.get("schedule") or {}
    cutoff, cutoff_zone = time(9, 0), None
    if "cutoff" in sched:
        try:
            cutoff, cutoff_zone = parse_cutoff(sched["cutoff"])
        except ValueError as exc:
            problems.append(doc.problem(("schedule", "cutoff"), str(exc)))
    holidays = set()
    for i, text in enumerate(sched.get("holidays") or []):
        try:
            holidays.add(parse_date(text))
        except ValueError as exc:
            problems.append(doc.problem(("schedule", "holidays", i), str(exc)))
    ax = data.get("arxiv") or {}
    categories = tuple(ax.get("categories") or ArxivConfig.categories)
    seen: set[str] = set()
    for i, cat in enumerate(categories):
        if cat in seen:
            problems.append(doc.problem(("arxiv", "categories", i), f"category {cat} is listed twice; keep one"))
        seen.add(cat)
        unknown = category_problem(cat)
        if unknown:
            problems.append(doc.problem(("arxiv", "categories", i), f"{field_name(('arxiv', 'categories', i))}: {unknown}"))
    endpoints = {key: _endpoint(ax, key, default, problems) for key, default in
                 (("api_url", DEFAULT_API_URL), ("rss_url", DEFAULT_RSS_URL), ("listing_url", DEFAULT_LISTING_URL))}
    examples = _examples(doc, (data.get("topic") or {}).get("examples") or [], problems)
    rank = data.get("ranking") or {}
    weights = {s: 1.0 for s in schemas.SIGNALS}
    weights.update({k: float(v) for k, v in (rank.get("weights") or {}).items()})
    if not any(weights.values()):
        problems.append(doc.problem(("ranking", "weights"), "all ranking weights are 0, so nothing can be ranked; give at least one signal a weight"))
    if problems:
        raise DigestError(problems)
    phrases = {str(k).lower(): float(v) for k, v in ((data.get("topic") or {}).get("phrases") or {}).items()}
    scoring = data.get("scoring") or {}
    return Config(
        path=path,
        root=path.resolve().parent,
        site=SiteConfig(
            title=site["title"],
            base_url=base_url,
            language=site.get("language", "en"),
            timezone=site["timezone"],
            tz=tz,
            topic=site["topic"],
        ),
        schedule=ScheduleConfig(cutoff=cutoff, cutoff_zone=cutoff_zone, holidays=frozenset(holidays) | shipped_holidays(),
                                max_window_days=int(sched.get("max_window_days", DEFAULT_MAX_WINDOW_DAYS)),
                                where=doc.where(("schedule",), key=True)),
        arxiv=ArxivConfig(
            categories=categories,
            api_url=endpoints["api_url"],
            rss_url=endpoints["rss_url"].rstrip("/"),
            listing_url=endpoints["listing_url"].rstrip("/"),
            delay_seconds=float(ax.get("delay_seconds", 3)),
        ),
        phrases=phrases,
        weights=weights,
        featured=int(rank.get("featured", 5)),
        history_issues=int(scoring.get("history_issues", 10)),
        venue_tiers={str(k): int(v) for k, v in (scoring.get("venue_tiers") or {}).items()},
        labs=tuple(scoring.get("labs") or ()),
        examples=examples,
        relevance_floor=float(scoring.get("relevance_floor", DEFAULT_RELEVANCE_FLOOR)),
        training_issues=int(scoring.get("training_issues", DEFAULT_TRAINING_ISSUES)),
    )


# A mirror of arXiv (or a local stand-in) without editing digest.yaml: each variable wins over its arxiv.* key.
ENDPOINT_VARIABLES = {"api_url": "DIGEST_ARXIV_API_URL", "rss_url": "DIGEST_ARXIV_RSS_URL",
                      "listing_url": "DIGEST_ARXIV_LISTING_URL"}


def _endpoint(ax: dict, key: str, default: str, problems: list[Problem]) -> str:
    """`arxiv.<key>`, or its environment variable when that is set (a bad value goes to `problems`)."""
    name = ENDPOINT_VARIABLES[key]
    value = os.environ.get(name, "").strip()
    if not value:
        return ax.get(key, default)
    if not value.startswith(("http://", "https://")):
        problems.append(Problem(name, 0, 0, f"environment variable {name}={value!r} is not an http:// or https:// URL"))
    return value


def _examples(doc, items: list, problems: list[Problem]) -> tuple[TopicExample, ...]:
    """`topic.examples` (already schema-checked) as TopicExample items; bad or repeated ids go to `problems`."""
    out: list[TopicExample] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = ("topic", "examples", i)
        if isinstance(item, dict):
            out.append(TopicExample(None, item["title"].strip(), (item.get("abstract") or "").strip()))
            continue
        try:
            ident, _version = split_written_id(item)
        except ValueError as exc:
            problems.append(doc.problem(where, f"{exc}; write it like \"2606.32020\" or \"hep-th/9901001\" (in quotes)"))
            continue
        if ident in seen:
            first = doc.where(("topic", "examples", seen[ident]))[0]
            problems.append(doc.problem(where, f"arXiv {ident} is listed twice in topic.examples (first at line {first}); "
                                               "keep one (versions of one paper count as the same paper)"))
            continue
        seen[ident] = i
        out.append(TopicExample(ident))
    return tuple(out)
