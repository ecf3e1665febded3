"""Everything one run knows about the project: config, editor files, their views, problems."""
from __future__ import annotations

import functools
import hashlib
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..editorial.candidates import MAX_BYTES as CANDIDATES_MAX_BYTES
from ..editorial.candidates import Candidates, candidates_path, load_candidates
from ..editorial.config import Config
from ..editorial.freshness import news_horizon, news_since_edit, no_news
from ..editorial.issues import issue_date_from_name, issue_files, load_issue
from ..editorial.model import Issue
from ..editorial.yamlload import MAX_BYTES as YAML_MAX_BYTES
from ..errors import DigestError, Problem
from ..render.view import IssueView, build_issue_view
from .view_cache import NEWS_PATH
from .workers import WorkerTraceback, can_fork_now, run_tasks, sendable, worker_count

if TYPE_CHECKING:
    from .view_cache import ViewCache

# The candidate fields news_since_edit reads: a cached issue keeps only these.
_NEWS_FIELDS = ("id", "title", "version", "first_seen", "proposed")


@dataclass
class Project:
    """Loaded issues (oldest first), their views, and every problem found.

    An issue whose view came from the cache or was stored there reads its long prose (its classes' `deferred` fields) from the
    cache file when it is first used. The candidates files are not kept: the views hold what pages show.
    """

    config: Config
    issues: list[Issue] = field(default_factory=list)
    views: list[IssueView] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0  # issue files read, whether or not they loaded

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a build."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop a build."""
        return [p for p in self.problems if p.severity == "warning"]


def _read(path: Path) -> bytes | None:
    """The file's bytes for the cache key; None (no caching) when unreadable or larger than the loaders accept."""
    try:
        if path.stat().st_size > max(YAML_MAX_BYTES, CANDIDATES_MAX_BYTES):
            return None
        return path.read_bytes()
    except OSError:
        return None


def _sha(path: Path) -> bytes | None:
    """The sha256 of the file's bytes as _read gives them; None when _read gives None."""
    raw = _read(path)
    return None if raw is None else hashlib.sha256(raw).digest()


def _news_candidates(cands: Candidates | None) -> Candidates | None:
    """The part of a candidates file that "new since you last edited" warnings depend on."""
    if cands is None:
        return None
    slim = {k: {f: c[f] for f in _NEWS_FIELDS if f in c} for k, c in cands.by_id.items()}
    return Candidates(path=cands.path, data={}, by_id=slim)


def _news_problems(issue: Issue, cands: Candidates | None) -> list[Problem]:
    return [issue.source.problem(
        NEWS_PATH, f"new since you last edited: {news.id} {news.title[:70]} ({news.detail}); "
                     f"see `digest rank {issue.date.isoformat()}`", severity="warning")
        for news in news_since_edit(issue, cands)]


def load_project(config: Config, cache: ViewCache | None = None) -> Project:
    """Load and check every issue; never raises for bad input, problems are collected instead.

    With a `cache`, issues whose view is cached (see view_cache.py) are neither parsed nor rendered
    again; they report the same warnings. Entries the project no longer uses are pruned. When many issues
    must be built, worker processes build them (see _load_items); the result is the same as in one process.
    """
    project = Project(config)
    files, warnings = issue_files(config)
    project.files_read = len(files)
    project.problems.extend(warnings)
    items = _load_items(files, config, cache)
    for item in items:
        project.problems.extend(item.problems)
        if item.issue is not None:
            project.issues.append(item.issue)
    # Files are read in name order, which is date order for every issue that loaded (names must match dates).
    loaded = sorted((item for item in items if item.issue is not None), key=lambda item: item.issue.date)
    project.issues.sort(key=lambda i: i.date)
    previous = None
    for item in loaded:
        if item.view is None:
            _build(item, config, cache, previous.published if previous else None)
        project.problems.extend(item.view.problems)
        project.views.append(item.view)
        previous = item.issue
    if cache is not None:
        cache.prune()
    for older, newer in zip(project.views, project.views[1:]):
        older.next, newer.prev = newer, older
    project.problems.sort(key=lambda p: (p.file, p.line, p.col))
    return project


# ---------------------------------------------------------------- one issue file

@dataclass
class _Item:
    """One issue file: what loading it found, and its view once built or taken from the cache."""

    problems: list[Problem] = field(default_factory=list)  # the file's, its candidates', news warnings
    issue: Issue | None = None  # None: the file did not load
    candidates: Candidates | None = None  # its candidates file, until its view is built
    view: IssueView | None = None
    key: str | None = None  # the view-cache key it was found under or is built for; None: not cacheable
    failed: bool = False  # its candidates file did not load: such a view is never cached


def _scan(path: Path, config: Config, cache: ViewCache | None, previous_published: datetime | None) -> _Item:
    """Take the file's view from the cache, or load the issue and its candidates (the view is built later)."""
    key = raw = craw = None
    known: tuple[bytes, bytes | None] | None = None  # digests the build already took, instead of raw/craw
    file_date = issue_date_from_name(path)
    if cache is not None and file_date is not None:
        cpath = candidates_path(config.issues_dir, file_date)
        sha, csha = cache.digest(path), cache.digest(cpath)
        if sha is not None and (csha is not None or not cpath.exists()):
            known = (sha, csha)
            key = cache.key_from_digests(path, sha, csha, previous_published)
        else:
            raw = _read(path)
            craw = _read(cpath)
            if raw is not None:
                key = cache.key(path, raw, craw, previous_published)
        if key is not None:
            entry = cache.get(key, quiet=functools.partial(no_news, path=path),
                              rebuild=functools.partial(_fresh_view, path, config, previous_published))
            if entry is not None:
                view = entry["view"]
                view.source_key = key
                quiet = "news" not in entry or no_news(entry["horizon"], path)  # from the index: checked already
                news = [] if quiet else _news_problems(view.issue, entry["news"]())
                return _Item(news, view.issue, None, view, key)
    try:
        issue = load_issue(path, config)
    except DigestError as exc:
        return _Item(list(exc.problems))
    cpath = candidates_path(config.issues_dir, issue.date)
    problems: list[Problem] = []
    failed = False
    try:
        cands: Candidates | None = load_candidates(cpath, config.display(cpath))
    except DigestError as exc:
        problems.extend(exc.problems)
        cands = None
        failed = True
    problems.extend(_news_problems(issue, cands))
    # Cache only what was read under this key: the files must not have changed while loading.
    if known is not None:
        cacheable = key is not None and issue.date == file_date and _sha(path) == known[0] and _sha(cpath) == known[1]
    else:
        cacheable = key is not None and issue.date == file_date and _read(path) == raw and _read(cpath) == craw
    return _Item(problems, issue, cands, None, key if cacheable else None, failed)


def _fresh_view(path: Path, config: Config, previous_published: datetime | None) -> IssueView:
    """The issue's view built from its files, as a cached one was (its cache entry was found damaged late)."""
    item = _scan(path, config, None, previous_published)
    if item.issue is None:
        raise DigestError(item.problems)
    _build(item, config, None, previous_published)
    return item.view


def _build(item: _Item, config: Config, cache: ViewCache | None, previous_published: datetime | None) -> None:
    """Build a scanned issue's view and store it in the cache when it may be."""
    view = build_issue_view(item.issue, config, item.candidates, previous_published)
    view.source_key = item.key
    if item.key is not None and not item.failed and not any(p.severity == "error" for p in view.problems):
        # Stored, the view leaves its long prose in the file until a page needs it (see view_cache.py).
        cache.put(item.key, view, _news_candidates(item.candidates), slim=True,
                  horizon=news_horizon(item.issue, item.candidates))
    item.view = view
    item.candidates = None


# ---------------------------------------------------------------- many issue files, in worker processes

# Go parallel after this many files in a row had to be built (an edit misses one or two, a code or
# settings change misses all) ...
MISS_STREAK = 3
# ... when at least this many files are left from the first of them. Starting the workers and sending the
# views back costs about what building a dozen views does: on benchmarks/synth.py archives with 2 cores,
# 12 misses took 171 ms in one process and 177 ms with two workers, 16 took 246 and 201 ms.
MIN_PARALLEL = 16
CHUNKS_PER_WORKER = 4  # contiguous ranges a worker takes one after another: the parent reads one while
                       # the workers build the next, and uneven ranges even out


def _load_items(files: list[Path], config: Config, cache: ViewCache | None) -> list[_Item]:
    """Every file's _Item in file order; views built by worker processes when enough must be built.

    Serially, each file is scanned in turn (a file's cache key needs the previous issue's `published`),
    and load_project builds the missing views afterwards. When MISS_STREAK files in a row miss the cache
    and enough files remain, the rest from the first unbuilt one on goes to workers instead.
    """
    workers = worker_count()
    items: list[_Item] = []
    previous = None
    streak = 0
    for index, path in enumerate(files):
        item = _scan(path, config, cache, previous)
        items.append(item)
        if item.issue is not None:
            previous = item.issue.published
        streak = 0 if item.view is not None else streak + 1
        if streak < MISS_STREAK or workers < 2:
            continue
        first = next(i for i, it in enumerate(items) if it.view is None)
        if len(files) - first >= MIN_PARALLEL and can_fork_now():
            return items[:first] + _load_parallel(files, config, cache, items, first, workers)
        workers = 1  # not here: stay serial from now on
    return items


@dataclass
class _Shared:
    """What the workers of one load share with the parent (through the fork, not pickled)."""

    config: Config
    cache: ViewCache | None
    files: list[Path]
    scanned: list[_Item]  # the files the parent scanned already, from index 0
    first: int  # the first file handed to the workers
    previous_published: datetime | None  # `published` of the last issue that loaded before `first`


class _Failure(NamedTuple):
    """What a worker raised, for the parent to raise again in the order one process would have."""

    phase: int  # 0 while loading the files, 1 while building their views
    index: int  # the file's index
    exc: BaseException
    text: str  # its traceback, as the worker saw it


@dataclass
class _ChunkResult:
    """A worker's answer for one range of files."""

    items: list[_Item | None]  # None: the parent's own scan found it in the cache
    hits: int = 0
    misses: int = 0
    used: set[str] = field(default_factory=set)
    horizons: dict[str, object] = field(default_factory=dict)  # of the views this process stored or read
    error: _Failure | None = None


def _load_parallel(files: list[Path], config: Config, cache: ViewCache | None, scanned: list[_Item],
                   first: int, workers: int) -> list[_Item]:
    """The _Items of files[first:], views built, from contiguous ranges loaded in worker processes."""
    previous = None
    for item in scanned[:first]:
        if item.issue is not None:
            previous = item.issue.published
    shared = _Shared(config, cache, files, scanned, first, previous)
    count = len(files) - first
    chunks = max(1, min(workers * CHUNKS_PER_WORKER, count // 2))
    bounds = [first + count * i // chunks for i in range(chunks + 1)]
    tasks = list(zip(bounds, bounds[1:]))
    results: list[_ChunkResult] = run_tasks(_load_chunk, shared, tasks, workers)
    errors = [r.error for r in results if r.error is not None]
    if errors:
        # The serial path raises the first loading error in file order, else the first building error.
        first_error = min(errors, key=lambda e: (e.phase, e.index))
        raise first_error.exc from WorkerTraceback(first_error.text)
    out: list[_Item] = []
    for r, (start, _) in zip(results, tasks):
        for index, item in enumerate(r.items, start):
            if item is None:  # a cache hit of the parent's scan: its view stays the parent's
                out.append(scanned[index])
                continue
            out.append(item)
            if cache is not None and item.view is not None:
                cache.adopt(item.view)
        if cache is not None:
            cache.hits += r.hits
            cache.misses += r.misses
            cache.used |= r.used
            cache.index.horizons.update(r.horizons)
    return out


def _load_chunk(shared: _Shared, task: tuple[int, int]) -> _ChunkResult:
    """Worker: scan files[start:end] and build their views, as load_project would in one process."""
    start, end = task
    config, cache, files = shared.config, shared.cache, shared.files
    if cache is not None:
        # This process's copy of the cache counts for this range only; the parent adds the counts up.
        cache.hits = cache.misses = 0
        cache.used = set()
        cache.use_index = False  # its views go back pickled: whole, not reading themselves from this process
    items: list[_Item] = []
    result = _ChunkResult(items)
    # What the parent scanned and found in the cache, it has: only what this process makes goes back.
    theirs = {i for i in range(start, min(end, len(shared.scanned))) if shared.scanned[i].view is not None}
    phase, index = 0, start
    try:
        before = previous = _published_before(shared, start)
        for index in range(start, end):
            if index < len(shared.scanned):
                item = shared.scanned[index]
            else:
                item = _scan(files[index], config, cache, previous)
            items.append(item)
            if item.issue is not None:
                previous = item.issue.published
        phase, previous = 1, before
        for index, item in sorted(((i, it) for i, it in zip(range(start, end), items) if it.issue is not None),
                                  key=lambda pair: pair[1].issue.date):
            if item.view is None:
                _build(item, config, cache, previous)
            previous = item.issue.published
    except Exception as exc:  # noqa: BLE001 - raised again by the parent, in the serial path's order
        result.error = _Failure(phase, index, sendable(exc), traceback.format_exc())
        result.items = []
        return result
    if cache is not None:
        result.hits, result.misses, result.used = cache.hits, cache.misses, cache.used
        result.horizons = {key: cache.index.horizons[key] for key in cache.used if key in cache.index.horizons}
    result.items = [None if index in theirs else item for index, item in enumerate(items, start)]
    return result


def _published_before(shared: _Shared, start: int) -> datetime | None:
    """`published` of the last issue before files[start] that loads, as the serial scan would have it."""
    for index in range(start - 1, shared.first - 1, -1):
        if index < len(shared.scanned):
            issue = shared.scanned[index].issue
        else:
            # Loading it again is cheaper than waiting for the worker that has it; a cache hit's issue is
            # what loading the same bytes gives, so either way this is the `published` the scan saw.
            try:
                issue = load_issue(shared.files[index], shared.config)
            except DigestError:
                issue = None
        if issue is not None:
            return issue.published
    return shared.previous_published


def load_views(config: Config, cache: ViewCache | None = None) -> Project:
    """load_project, for a build: DigestError with every error when an issue has one."""
    project = load_project(config, cache)
    if project.errors:
        raise DigestError(project.errors)
    return project


def reload_views(config: Config, cache: ViewCache, views: list[IssueView],
                 dates: set) -> tuple[list[IssueView], list[Problem]]:
    """`views` (oldest first) with the issues of `dates` loaded again, and those issues' warnings.

    An issue's window starts at the previous issue's `published` time, so the issue after a reloaded one
    is reloaded too when that time moved. Returns a new list, relinked; raises DigestError, changing
    nothing, when a reloaded issue has errors.
    """
    out = list(views)
    todo = sorted(i for i, view in enumerate(views) if view.issue.date in dates)
    warnings: list[Problem] = []
    while todo:
        index = todo.pop(0)
        old = out[index]
        previous = out[index - 1].issue.published if index else None
        item = _scan(old.issue.path, config, cache, previous)
        if item.issue is not None and item.view is None and not item.failed:
            _build(item, config, cache, previous)
        problems = sorted(item.problems + (item.view.problems if item.view is not None else []))
        errors = [p for p in problems if p.severity == "error"]
        if errors or item.view is None:
            raise DigestError(errors)
        out[index] = item.view
        warnings += [p for p in problems if p.severity == "warning"]
        if item.issue.published != old.issue.published and index + 1 < len(out) and index + 1 not in todo:
            todo.append(index + 1)
            todo.sort()
    for older, newer in zip(out, out[1:]):
        older.next, newer.prev = newer, older
    return out, warnings
