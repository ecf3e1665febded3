"""Build the whole site into a fresh folder and swap it in only when it is complete.

Builds are incremental where that cannot change the result (see digest/manifest.py and digest/cache.py):
a build whose inputs and published folder match the last build's manifest stops before loading the
project; issue views come from the per-issue cache when their inputs are unchanged; the search index is
reused when the HTML it is built from is unchanged; pages whose bytes equal the published ones are
hard-linked rather than written again. The published folder is never modified in place.
`clean=True` (`digest build --clean`) ignores all of that and builds from nothing.

This module imports no rendering library at import time, so `digest build` decides quickly when there is
nothing to do.
"""
from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import manifest as mf
from .errors import DigestError, Problem
from .fsutil import clean_stale_build_dirs, make_build_dir, swap_in_dir

if TYPE_CHECKING:
    from .config import Config


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    pages: int
    issues: int
    seconds: float
    warnings: list
    changed: bool = True


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
    data = mf.unchanged(root, name, out)
    if data is None:
        return None
    return BuildResult(out=out, pages=data["pages"], issues=data["issues"], seconds=time.perf_counter() - started,
                       warnings=[Problem(*w) for w in data["warnings"]], changed=False)


def build(config: Config, out: str | Path | None = None, *, clean: bool = False,
          checked: bool = False) -> BuildResult:
    """Render the site into `out` (default: site/ beside digest.yaml); the old site stays until the new one is whole."""
    started = time.perf_counter()
    out = Path(out) if out is not None else config.root / "site"
    root, name = config_name(config.path)
    if not clean and not checked:  # `checked`: the caller already asked unchanged_result()
        quick = unchanged_result(config.path, out, started)
        if quick is not None:
            return quick
    from .cache import ViewCache
    from .render.search import BUNDLE_DIR, index_inputs, reuse_index

    previous = None if clean else mf.load(root)
    if previous is not None and (previous["out"] != str(out.resolve()) or previous["code"] != mf.code_fingerprint()):
        previous = None
    views_dir = mf.cache_root(root) / "views"
    if clean:
        shutil.rmtree(views_dir, ignore_errors=True)
    # Inputs are hashed before they are read: a file edited during the build shows as changed next time.
    inputs = mf.hash_inputs(root, name, previous)
    project = load_project(config, cache=ViewCache(views_dir, config, mf.code_fingerprint()))
    if project.errors:
        raise DigestError(project.errors)
    clean_stale_build_dirs(out)
    tmp = make_build_dir(out)
    try:
        pages = render_pages(config, project.views)
        linkable = _linkable(previous, out)
        hashes: dict[str, str] = {}
        for page in pages:
            dest = tmp / page.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            sha = hashlib.sha256(page.body).hexdigest()
            hashes[page.path] = sha
            if linkable.get(page.path) == sha:
                try:
                    os.link(out / page.path, dest)
                    continue
                except OSError:
                    pass
            dest.write_bytes(page.body)
        copy_static(config, tmp)
        for rel in mf.stat_tree(tmp):
            if rel not in hashes:
                hashes[rel] = mf.sha256_file(tmp / rel)
        # The search index is part of the site: built offline from the finished pages, before the swap.
        searched = index_inputs(hashes)
        reused = False
        if previous is not None and previous.get("pagefind_inputs") == searched:
            bundle = {rel: rec[2] for rel, rec in previous["outputs"].items() if rel.startswith(BUNDLE_DIR + "/")}
            reused = reuse_index(out, tmp, bundle)
            if reused:
                hashes.update(bundle)
        if not reused:
            index_site(tmp)
        tmp.chmod(0o755)
        # A rebuild with nothing new leaves the published folder alone (mtimes, rsync, caches).
        changed = not same_tree(tmp, out, hashes, _linkable(previous, out))
        if changed:
            swap_in_dir(tmp, out)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        mf.save(root, mf.record(root, name, out, inputs, hashes, pages=len(pages), issues=len(project.views),
                                warnings=project.warnings, pagefind_inputs=searched))
    except OSError:
        pass  # without a manifest the next build is a full one
    return BuildResult(out=out, pages=len(pages), issues=len(project.views),
                       seconds=time.perf_counter() - started, warnings=project.warnings, changed=changed)


# The heavy steps, imported on first use (Jinja2, markdown-it, latex2mathml, Babel, jsonschema).
def load_project(config, cache=None):
    """project.load_project."""
    from .project import load_project as impl

    return impl(config, cache=cache)


def render_pages(config, views):
    """render.site.render_pages."""
    from .render.site import render_pages as impl

    return impl(config, views)


def copy_static(config, out):
    """render.site.copy_static."""
    from .render.site import copy_static as impl

    return impl(config, out)


def index_site(site):
    """render.search.index_site."""
    from .render.search import index_site as impl

    return impl(site)


def _linkable(previous: dict | None, out: Path) -> dict[str, str]:
    """Published files still exactly as the last build recorded them (path -> sha256), safe to hard-link."""
    if previous is None:
        return {}
    limit = previous["recorded_ns"] - mf.RACY_NS
    found = {}
    for rel, (size, mtime) in mf.stat_tree(out).items():
        rec = previous["outputs"].get(rel)
        if rec is not None and rec[0] == size and rec[1] == mtime and mtime < limit:
            found[rel] = rec[2]
    return found


def same_tree(a: Path, b: Path, hashes_a: dict[str, str] | None = None, hashes_b: dict[str, str] | None = None) -> bool:
    """True when the two folders hold the same files with the same bytes.

    `hashes_a` / `hashes_b` (path -> sha256, trusted) spare reading files whose hashes are known on both sides.
    """
    if not b.is_dir():
        return False
    files_a = sorted(mf.stat_tree(a))
    files_b = sorted(mf.stat_tree(b))
    if files_a != files_b:
        return False
    hashes_a, hashes_b = hashes_a or {}, hashes_b or {}
    for rel in files_a:
        ha, hb = hashes_a.get(rel), hashes_b.get(rel)
        if ha is not None and hb is not None:
            if ha != hb:
                return False
        elif not _same_file(a / rel, b / rel):
            return False
    return True


def _same_file(x: Path, y: Path) -> bool:
    sx, sy = x.stat(), y.stat()
    if (sx.st_dev, sx.st_ino) == (sy.st_dev, sy.st_ino):
        return True  # hard-linked from the published site
    return filecmp.cmp(x, y, shallow=False)
