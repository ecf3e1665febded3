"""The editor's preview: builds that keep what they loaded, so saving an issue re-makes only the pages it changes.

`digest serve` builds through a Preview. Its first build, and any build after a change to a template,
digest.yaml, static files or the set of issue files, is a whole `build()` that also hands the Preview
what it loaded: the views, the view cache, the pages' keys. After a save of existing issue files only,
the Preview rebuilds just those issues' views (and the next issue's, whose window starts at their
`published` time), plans the site again, and writes the pages whose key changed straight into the
published folder, each replaced whole. The browser reloads then. The site is `behind` until
`catch_up()`: a whole build that brings the search index and the build state up to date (and removes
pages the edit left without a reason to exist), making the folder byte-identical to `digest build`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..editorial.issues import issue_date_from_name
from ..errors import Problem
from . import build
from . import state as st

if TYPE_CHECKING:
    from datetime import date

    from ..editorial.config import Config
    from ..render.pages import SitePlan
    from ..render.view import IssueView
    from . import BuildResult, Loaded
    from .memo import Memo


@dataclass
class _Kept:
    """What the last whole build loaded (see build.Loaded), brought up to date by each quick update."""

    loaded: Loaded
    root: Path  # the project folder whose build this is
    dates: set[date]  # of the issues loaded (a quick update never adds or removes one)
    # The feeds' stashes by page path: read after the whole build, then those the quick updates made (which
    # catch_up() saves).
    memos: dict[str, Memo] = field(default_factory=dict)


class Preview:
    """Builds for `digest serve`; call it as serve's builder: (config, out, changed paths or None)."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self.behind = False  # pages were replaced in place; the search index and build state lag

    def __call__(self, config: Config, out: Path, changed: frozenset[Path] | None) -> BuildResult:
        """A quick update when only existing issue files changed since the last build, else a whole build."""
        if changed and self._kept is not None and self._kept.root == config.root:
            from .gc_policy import BuildHeap

            # The collector paused: its full passes would walk every kept view (seconds at 3,650 issues).
            with BuildHeap():
                quick = self._quick(config, out, changed)
            if quick is not None:
                self.behind = True
                return quick
        return self.catch_up(config, out)

    def catch_up(self, config: Config, out: Path) -> BuildResult:
        """A whole build (incremental from what is on disk), keeping what it loaded for the next quick update."""
        if self._kept is not None:
            for memo in self._kept.memos.values():
                if memo.used:  # made by a quick update: saved for the whole build to find
                    memo.save()
        self._kept = None  # until this build succeeds, nothing kept can be trusted
        result = build(config, out, checked=True, keep=lambda loaded: self._keep(config, loaded))
        self.behind = False
        return result

    def _keep(self, config: Config, loaded: Loaded) -> None:
        from .memo import Memo

        self._kept = _Kept(loaded, config.root, {v.issue.date for v in loaded.project.views})
        # The feeds' kept entries are read now rather than on the next save (3 MB of JSON at 3,650 issues).
        folder = st.memo_dir(config.root)
        for memo_file in sorted(folder.rglob("*.json")) if folder.is_dir() else ():
            path = memo_file.relative_to(folder).as_posix()[: -len(".json")]
            if path in loaded.keys:
                self._kept.memos[path] = Memo(memo_file, loaded.stamp)
        # Compiled now, not on the first save: a build that hard-linked every page rendered none of them.
        for name in loaded.template_keys:
            loaded.env.get_template(name)

    def _quick(self, config: Config, out: Path, changed: frozenset[Path]) -> BuildResult | None:
        """Re-make the pages that an edit of existing issue files changes; None when it needs a whole build."""
        from .keys import page_keys
        from .views import reload_views
        from .writer import replace_pages

        started = time.perf_counter()
        loaded = self._kept.loaded
        dates = _changed_issues(config, changed, self._kept.dates)
        if dates is None:
            return None
        views, warnings = reload_views(config, loaded.cache, loaded.project.views, dates)
        try:
            plan = self._plan(config, views)
            keys = dict(zip((spec.path for spec in plan.pages), page_keys(plan, loaded.stamp, loaded.template_keys)))
            stale = [spec for spec in plan.pages
                     if keys[spec.path] is None or loaded.keys.get(spec.path) != keys[spec.path]]
            written = replace_pages(out, stale, st.memo_dir(config.root), loaded.stamp, loaded.cache.ledger.release,
                                    self._kept.memos)
        except BaseException:
            self._kept = None  # the views were relinked: the next build loads them all again
            raise
        # Every reloaded issue's problems are replaced: those of `dates`, and the next issue's when it came along.
        reloaded = {now.issue.date for before, now in zip(loaded.project.views, views) if before is not now}
        shown = _shown(config, reloaded)
        loaded.project.views[:] = views
        loaded.project.problems[:] = [p for p in loaded.project.problems if p.file not in shown]
        loaded.project.problems.extend(warnings)
        if plan.partial:
            loaded.keys.update(keys)
        else:
            loaded.keys, loaded.collections = keys, plan.collections
        warnings = sorted(p for p in loaded.project.problems if p.severity == "warning")
        return _result(out, len(loaded.keys), len(views), started, warnings, written)

    def _plan(self, config: Config, views: list[IssueView]) -> SitePlan:
        """The pages the edit can change (site.replan), or every page when it reaches beyond those."""
        from ..render.site import plan_pages, replan

        loaded = self._kept.loaded
        if loaded.collections is not None:
            plan = replan(config, views, loaded.env, loaded.collections, list(loaded.keys))
            if plan is not None:
                return plan
        return plan_pages(config, views, loaded.env)


def _changed_issues(config: Config, changed: frozenset[Path], known: set[date]) -> set[date] | None:
    """The dates of the issues whose files changed; None when anything else changed (or an issue came or went)."""
    dates: set[date] = set()
    folder = config.issues_dir.resolve()
    for path in changed:
        path = Path(path)
        if path.parent.resolve() != folder:
            return None
        if path.name.startswith("."):
            continue  # an editor's temporary file: no input of the site
        if not path.is_file():
            return None
        name = path.name
        if name.endswith(".candidates.json"):
            name = name[: -len(".candidates.json")] + ".yaml"
        day = issue_date_from_name(path.with_name(name))
        if day is None or day not in known:
            return None
        dates.add(day)
    return dates


def _shown(config: Config, dates: set[date]) -> set[str]:
    """How problems name the files of the issues of `dates` (their editor and candidates files)."""
    from ..editorial.candidates import candidates_path

    names = set()
    for day in dates:
        names.add(config.display(config.issues_dir / f"{day.isoformat()}.yaml"))
        names.add(config.display(candidates_path(config.issues_dir, day)))
    return names


def _result(out: Path, pages: int, issues: int, started: float, warnings: list[Problem], written: int) -> BuildResult:
    from . import BuildResult

    return BuildResult(out=out, pages=pages, issues=issues, seconds=time.perf_counter() - started,
                       warnings=warnings, changed=written > 0, written=written, unchanged=pages - written)
