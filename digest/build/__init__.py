"""Build the whole site into a fresh folder and swap it in only when it is complete.

A build reads as its steps: the last build's state, the inputs' stamps, the issues' views, the page plan
(render/), each page's key, the writer, the search index, the swap, the new state. Each step is a module of
this package:

- state.py: the manifest of the last build, the inputs' stamps, the no-change shortcut;
- views.py and view_cache.py: loading every issue's view, from the per-issue cache when its inputs are
  unchanged (from its index, what planning reads; the rest of a view, and its long prose, stay in the cache
  file until a page reads them);
- keys.py: a page's key, the hash of everything it is made from;
- writer.py: the one place bytes get out (a page whose key is as recorded is hard-linked from the
  published site instead of being made);
- search_index.py: the Pagefind index, in shards reused when what Pagefind reads is unchanged;
- publish.py: the new site is assembled in the tree the last build replaced, and swapped in whole;
- workers.py and gc_policy.py: worker processes, and the garbage collector during a build;
- memo.py: work the feeds keep between builds; template_cache.py: the compiled templates; lock.py: one
  run at a time.

`clean=True` (`digest build --clean`) ignores all the state and builds from nothing. This module imports
no rendering library at import time, so `digest build` decides quickly when there is nothing to do.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import state as st

if TYPE_CHECKING:
    import jinja2

    from ..editorial.config import Config
    from ..render.collections import Collections
    from .gc_policy import BuildHeap
    from .view_cache import ViewCache
    from .views import Project


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    pages: int
    issues: int
    seconds: float
    warnings: list
    changed: bool = True
    written: int = 0  # pages whose bytes are new or differ from the published ones
    unchanged: int = 0  # pages published again as they were (`pages` - `written`)


@dataclass
class Loaded:
    """What a build loaded and planned, for a caller that keeps it between builds (the preview)."""

    cache: ViewCache
    project: Project
    stamp: str | None  # the pages' base key (keys.base_key)
    keys: dict[str, str | None]  # every page's key, by site path
    env: jinja2.Environment  # the templates the pages were made with
    template_keys: dict[str, str | None]  # keys.template_keys of those the pages render
    collections: Collections | None  # what the cross-issue pages were planned from (render.site.replan)


def config_name(config_path: str | Path) -> tuple[Path, str]:
    """The project root and the config file's name in it, as the manifest records them."""
    path = Path(config_path).resolve()
    return path.parent, path.name


def unchanged_result(config_path: str | Path, out: str | Path | None, started: float | None = None) -> BuildResult | None:
    """A BuildResult (changed=False) when the last build's manifest shows nothing to do; None otherwise.

    Needs neither the loaded config nor any rendering library.
    """
    started = time.perf_counter() if started is None else started
    root, name = config_name(config_path)
    out = Path(out) if out is not None else root / "site"
    summary = st.unchanged(root, name, out)
    if summary is None:
        return None
    return BuildResult(out=out, pages=summary.pages, issues=summary.issues, seconds=time.perf_counter() - started,
                       warnings=summary.warnings, changed=False)


def build(config: Config, out: str | Path | None = None, *, clean: bool = False, checked: bool = False,
          keep: Callable[[Loaded], None] | None = None, exiting: bool = False) -> BuildResult:
    """Render the site into `out` (default: site/ beside digest.yaml); the old site stays until the new one is whole.

    `keep` is given what the build loaded, once it has published (not when nothing had to be done).
    `exiting`: the process ends once this returns (`digest build`), so what the build loaded is left in
    memory instead of being freed (gc_policy.BuildHeap).
    """
    started = time.perf_counter()
    out = Path(out) if out is not None else config.root / "site"
    if not clean and not checked:  # `checked`: the caller already asked unchanged_result()
        quick = unchanged_result(config.path, out, started)
        if quick is not None:
            return quick
    from .gc_policy import BuildHeap

    with BuildHeap(exiting=exiting) as heap:
        return _build(config, out, clean, started, heap, keep)


def _build(config: Config, out: Path, clean: bool, started: float, heap: BuildHeap,
           keep: Callable[[Loaded], None] | None) -> BuildResult:
    """build(), once it is known that there is something to do."""
    from ..render.site import plan_pages, static_files
    from .keys import base_key, earlier_basis, page_keys, plan_record, plan_template_keys
    from .publish import (
        PublishOutcome,
        clean_stale_build_dirs,
        make_build_dir,
        nothing_to_publish,
        publish,
        published_tree,
        stat_published,
    )
    from .template_cache import compiled_environment, token_memo
    from .view_cache import ViewCache
    from .views import load_views
    from .workers import Beside
    from .writer import KeyedPage, Writer

    root, name = config_name(config.path)
    state = st.BuildState(root, name, out, clean=clean)
    inputs = state.snapshot_inputs()
    # The published folder (45,000 files for ten years) is walked beside the loading and planning, which
    # are Python: in a forked process, where its system calls never wait for this one's GIL.
    walking = Beside(stat_published, out, name="digest-stat")
    try:
        cache = ViewCache(state.views_dir, config, st.code_fingerprint(), state.file_digests(inputs))
        project = load_views(config, cache)
        clean_stale_build_dirs(out)
        env = compiled_environment(config, state.templates_dir, st.code_fingerprint())
        stamp = base_key(inputs.sha256(name))
        # The pages no new issue reaches keep the keys the last build's plan gave them (render.site.plan_pages).
        since = earlier_basis(state.previous.plan, stamp, env, token_memo(env)) if state.previous else None
        plan = plan_pages(config, project.views, env, since)
        tkeys = plan_template_keys(plan, token_memo(plan.env))
        earlier = state.previous.page_keys if since is not None else None
        pages = [KeyedPage(spec, key) for spec, key in zip(plan.pages, page_keys(plan, stamp, tkeys, earlier))]
    except BaseException:
        walking.cancel()
        raise
    tree = published_tree(out, state.previous, *walking.result())
    heap.settle()  # views and page plans live as long as the build: later collections need not walk them
    static = static_files(config)
    previous = state.previous
    if previous is not None and nothing_to_publish(pages, state.static_inputs(static, inputs), previous, tree):
        # Every page would be hard-linked and every other file is as published: building a copy only to
        # find it identical would cost a folder and a link per page.
        outcome = PublishOutcome(dict(tree.linkable), previous.search, False, 0, len(pages), tree.stats)
    else:
        writer = Writer(make_build_dir(out), out, tree.linkable, state.memo_dir, stamp, cache.ledger.release)
        outcome = publish(writer, pages, static, previous, tree)
    cache.save_index(project.views)  # what the next build plans from, reading only the views it renders
    summary = st.Summary(len(pages), len(project.views), project.warnings)
    keys = {page.path: page.key for page in pages}
    state.record(inputs, outcome.hashes, summary=summary, stats=outcome.stats, search=outcome.search,
                 page_keys={path: key for path, key in keys.items() if key is not None},
                 plan=plan_record(plan, stamp, tkeys))
    if keep is not None:
        keep(Loaded(cache, project, stamp, keys, plan.env, tkeys, plan.collections))
    heap.hold(cache, project, plan, pages, tree, state, inputs, keys, outcome)
    return BuildResult(out=out, pages=summary.pages, issues=summary.issues, seconds=time.perf_counter() - started,
                       warnings=summary.warnings, changed=outcome.changed, written=outcome.written,
                       unchanged=outcome.unchanged)
