"""Build the whole site into a fresh folder and swap it in only when it is complete.

Builds are incremental where that cannot change the result (see digest/manifest.py and digest/cache.py):
a build whose inputs and published folder match the last build's manifest stops before loading the
project; issue views come from the per-issue cache when their inputs are unchanged; a page whose key (what
it is made from, see render/site.py plan_pages) is as last recorded is hard-linked from the published site
without being rendered, and a rendered page whose bytes equal the published ones is hard-linked too; a
search index shard is reused when what Pagefind reads of its pages is unchanged. The published folder is
never modified in place: the new one is assembled in the tree the last build replaced (the spare, see
_publish), and swapped in whole.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DigestError, Problem
from ..files import (
    claim_spare,
    clean_stale_build_dirs,
    discard_spare,
    discard_tree,
    keep_as_spare,
    make_build_dir,
    swap_in_dir,
)
from . import state as mf

if TYPE_CHECKING:
    from ..editorial.config import Config
    from .gc_policy import BuildHeap


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
    from .gc_policy import BuildHeap

    with BuildHeap() as heap:
        return _build(config, out, root, name, clean, started, heap)


def _build(config: Config, out: Path, root: Path, name: str, clean: bool, started: float,
           heap: BuildHeap) -> BuildResult:
    """build(), once it is known that there is something to do."""
    from .view_cache import ViewCache
    from .workers import Beside

    previous = None if clean else mf.load(root)
    if previous is not None and (previous["out"] != str(out.resolve()) or previous["code"] != mf.code_fingerprint()):
        previous = None
    views_dir = mf.cache_root(root) / "views"
    memo_dir = mf.cache_root(root) / "feeds"
    if clean:
        shutil.rmtree(views_dir, ignore_errors=True)
        shutil.rmtree(memo_dir, ignore_errors=True)
    # Inputs are hashed before they are read: a file edited during the build shows as changed next time.
    inputs = mf.hash_inputs(root, name, previous)
    # The view cache keys issues by their files' hashes, which were just taken: no need to read them again.
    digests = {str(mf.input_path(root, rel)): (size, mtime, sha) for rel, (size, mtime, sha) in inputs[1].items()}
    # The published folder (45,000 files for ten years) is walked beside the loading and planning, which
    # are Python: in a forked process, where its system calls never wait for this one's GIL.
    walking = Beside(_stat_published, out, name="digest-stat")
    try:
        project = load_project(config, cache=ViewCache(views_dir, config, mf.code_fingerprint(), digests))
        if project.errors:
            raise DigestError(project.errors)
        clean_stale_build_dirs(out)
        base_key = _base_key(inputs[1].get(name))
        jobs = plan_pages(config, project.views, base_key, memo_dir)
    except BaseException:
        walking.cancel()
        raise
    published, inodes = walking.result()
    heap.settle()  # views and page plans live as long as the build: later collections need not walk them
    linkable = _linkable(previous, out, published)
    page_keys = {job.path: job.key for job in jobs if job.key is not None}
    if previous is not None and _nothing_to_publish(config, root, jobs, previous, linkable, inputs[1]):
        # Every page would be hard-linked and every other file is as published: building a copy only to
        # find it identical would cost a folder and a link per page.
        hashes, record, changed = dict(linkable), previous.get("search"), False
        counts = Written(hashes, unchanged=len(jobs))
    else:
        hashes, record, changed, counts, published = _publish(config, jobs, out, previous, linkable, published,
                                                               inodes)
    mf.save_quietly(root, mf.record(root, name, out, inputs, hashes, pages=len(jobs), issues=len(project.views),
                                    page_keys=page_keys, stats=published,
                                    warnings=project.warnings, search=record,
                                    tokens=mf.template_tokens(root, inputs[1])))
    return BuildResult(out=out, pages=len(jobs), issues=len(project.views),
                       seconds=time.perf_counter() - started, warnings=project.warnings, changed=changed,
                       written=counts.written, unchanged=counts.unchanged)


def _stat_published(out: Path) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    """mf.stat_tree of the published folder, and its files' inode numbers."""
    inodes: dict[str, int] = {}
    return mf.stat_tree(out, inodes), inodes


def _publish(config, jobs: list, out: Path, previous: dict | None, linkable: dict[str, str],
             published: dict[str, tuple[int, int]],
             inodes: dict[str, int]) -> tuple[dict[str, str], dict, bool, Written, dict]:
    """Make the new site in a folder beside `out` and swap it in when it differs from the published one.

    The folder is the spare tree the last build kept (fsutil.spare_dir), when there is one: most of its
    pages are the published files already (hard links), so only the others are linked or written again,
    instead of a folder and a link for every page. The tree replaced by this one becomes the next spare.
    (sha256 of every file by site path, the search index's record, whether it was swapped in, the pages'
    counts, (size, mtime_ns) of the files now published: renaming the new folder into place keeps them).
    """
    from .search_index import BUNDLE_DIR, bundle_hashes, indexing_writes
    from .workers import Beside

    tmp = make_build_dir(out)
    big = len(jobs) >= BACKGROUND_REMOVAL_PAGES
    try:
        present: dict[str, int] = {}
        if previous is None:
            discard_spare(out)  # nothing of it could be reused
        elif claim_spare(out, tmp):
            present = _prepare_spare(tmp, out, {job.path for job in jobs})
        counts = write_pages(jobs, tmp, out, previous, linkable, present, inodes)
        hashes = counts.hashes
        for rel in copy_static(config, tmp):
            hashes[rel] = mf.sha256_file(tmp / rel)
        # The rest of the new tree is walked while Pagefind runs (most of an edit's time, on one core).
        walking = Beside(mf.stat_tree, tmp, None, indexing_writes, name="digest-stat")
        try:
            # The search index is part of the site: built offline from the finished pages, before the swap.
            # Shards whose pages Pagefind would read the same way are hard-linked from the published site.
            record = index_site(tmp, hashes, previous.get("search") if previous else None,
                                out if previous is not None else None,
                                discard=lambda folder: discard_tree(folder, out, background=big), trusted=linkable,
                                fingerprints=counts.fingerprints, inodes=inodes)
        except BaseException:
            walking.cancel()
            raise
        hashes.update(bundle_hashes(record))
        tmp.chmod(0o755)
        built = walking.result()
        built.update((f"{BUNDLE_DIR}/{rel}", stat) for rel, stat in mf.stat_tree(tmp / BUNDLE_DIR).items())
        # A rebuild with nothing new leaves the published folder alone (mtimes, rsync, caches).
        changed = not same_tree(tmp, out, hashes, linkable, stats=(built, published))
        if changed:
            # A tree replaced by a build from nothing shares no file with the new one: no use as a spare.
            swap_in_dir(tmp, out, background=big, keep=previous is not None)
        else:
            _set_aside(tmp, out, previous, big)  # the same as the published tree: the best spare there is
    except BaseException:
        # Whatever state it is in, the folder is a valid spare: the next build trusts only its files that
        # are the published ones.
        _set_aside(tmp, out, previous, big)
        raise
    return hashes, record, changed, counts, built if changed else published


def _set_aside(tmp: Path, out: Path, previous: dict | None, big: bool) -> None:
    """Keep the unpublished tree `tmp` as the spare, unless it was built from nothing (no `previous`).

    Such a tree holds none of the published files, only copies: as the spare it would cost the next build
    an unlink and a link for each of them, more than starting from an empty folder (at 3,650 issues the
    first edit after `digest build --clean` took 19.5 s with it, 18.0 s without).
    """
    if previous is None:
        discard_tree(tmp, out, background=big)
    else:
        keep_as_spare(tmp, out, background=big)


# The heavy steps, imported on first use (Jinja2, markdown-it, latex2mathml, Babel, jsonschema).
def load_project(config, cache=None):
    """project.load_project."""
    from .views import load_project as impl

    return impl(config, cache=cache)


def _nothing_to_publish(config, root: Path, jobs: list, previous: dict, linkable: dict[str, str], inputs: dict[str, list]) -> bool:
    """True when the published site is exactly what this build would make, known without making it.

    That is: every published file is as recorded (`linkable`), every page's key is the recorded one, the
    static files' sources have the published bytes, and nothing was added or removed. The search index
    is then what the last build made of the same pages.
    """
    from ..render.site import static_files
    from .search_index import bundle_hashes

    outputs = previous["outputs"]
    if len(linkable) != len(outputs):
        return False
    old_keys = previous["page_keys"]
    expected = set(bundle_hashes(previous.get("search") or {}))
    for job in jobs:
        if job.key is None or old_keys.get(job.path) != job.key:
            return False
        expected.add(job.path)
    static: dict[str, str] = {}
    for src, rel in static_files(config):
        name = mf.input_name(root, src)  # None for a static folder outside the project: not in the inputs
        record = inputs.get(name) if name is not None else None
        if record is None:
            return False
        static[rel] = record[2]
    for rel, sha in static.items():
        if linkable.get(rel) != sha:
            return False
        expected.add(rel)
    return expected == outputs.keys()


def plan_pages(config, views, base_key, memo_dir=None):
    """render.site.plan_pages."""
    from ..render.site import plan_pages as impl

    return impl(config, views, base_key, memo_dir)


def _base_key(config_record: list | None) -> str | None:
    """What every page depends on beyond its own inputs: this package's code and digest.yaml's bytes."""
    if not config_record:
        return None
    return hashlib.sha256(f"pages 1\0{mf.code_fingerprint()}\0{config_record[2]}".encode()).hexdigest()


@dataclass
class Written:
    """What write_pages did: sha256 of every page by path, and how many were new or changed."""

    hashes: dict[str, str]
    written: int = 0
    unchanged: int = 0
    fingerprints: dict[str, str] = field(default_factory=dict)  # search.page_fingerprint of rendered pages


PARALLEL_MIN_PAGES = 64  # below this, forking costs more than rendering in one process
CHUNK = 32
# Replaced sites at least this big are deleted by a detached process after the swap (see fsutil.discard_tree):
# removing a folder costs ~1.5 ms on ext4 mounted with `discard` (measured here), and every page has one.
BACKGROUND_REMOVAL_PAGES = 500


def write_pages(jobs: list, tmp: Path, out: Path, previous: dict | None, linkable: dict[str, str],
                present: dict[str, int] | None = None, inodes: dict[str, int] | None = None) -> Written:
    """Put every page into `tmp`: hard-linked from `out` when its key and the published file are as last
    recorded, else rendered (across worker processes when there are many) and written, or hard-linked when
    the bytes came out the same. `linkable`: _linkable(previous, out).

    `present`: the inode of each page already in `tmp` (a spare tree, see _prepare_spare); `inodes`: those of
    the published files. A page to reuse that is the published file already stays; any other is replaced,
    never written through (it may be a hard link to a published file).
    """
    old_keys = (previous or {}).get("page_keys") or {}
    present, inodes = present or {}, inodes or {}
    result = Written({})
    todo: list[int] = []
    reuse: list[str] = []
    in_place: list[str] = []
    for index, job in enumerate(jobs):
        if job.key is not None and old_keys.get(job.path) == job.key and job.path in linkable:
            if job.path in present and present[job.path] == inodes.get(job.path):
                in_place.append(job.path)
            else:
                reuse.append(job.path)
        else:
            todo.append(index)
    base = os.fspath(tmp) + "/"
    for rel in reuse + [jobs[i].path for i in todo]:
        if rel in present:
            os.unlink(base + rel)
    from .workers import can_fork_now, worker_count

    workers = min(worker_count(), len(todo) // PARALLEL_MIN_PAGES)
    made = _Folders(os.fspath(tmp))  # for pages rendered here, including those that could not be linked
    # The links for the reused pages (a folder and a link each) are made meanwhile by another process.
    linking = _Linker(reuse, os.fspath(out), os.fspath(tmp))
    try:
        if workers > 1 and can_fork_now():
            placed = _render_parallel(jobs, todo, tmp, out, linkable, workers)
        else:
            placed = [_render_one(jobs[i], tmp, out, linkable, made) for i in todo]
    except BaseException:
        linking.cancel()
        raise
    failed = linking.join()
    if failed:
        missing = set(failed)
        placed += [_render_one(job, tmp, out, linkable, made) for job in jobs if job.path in missing]
    for rel in in_place + reuse:
        result.hashes[rel] = linkable[rel]
    result.unchanged = len(in_place) + len(reuse) - len(failed)
    for rel, sha, same, fingerprint in placed:
        result.hashes[rel] = sha
        result.fingerprints[rel] = fingerprint
        if same:
            result.unchanged += 1
        else:
            result.written += 1
    return result


def _prepare_spare(tmp: Path, out: Path, pages: set[str]) -> dict[str, int]:
    """Empty the spare tree now in `tmp` of everything but files at the site paths `pages`; their inodes.

    Its search index is moved to where index_site looks for an earlier bundle (search.SPARE_DIR), and
    folders left empty are removed.
    """
    from .search_index import BUNDLE_DIR, SPARE_DIR

    bundle, spare = tmp / BUNDLE_DIR, tmp / SPARE_DIR
    if spare.exists() or spare.is_symlink():  # left by a build that failed while indexing
        discard_tree(spare, out, background=True)
    if bundle.is_dir() and not bundle.is_symlink():
        os.rename(bundle, spare)
    present: dict[str, int] = {}

    def walk(folder: str, prefix: str) -> int:
        """Clean one folder; how many entries are left in it."""
        left = 0
        for entry in list(os.scandir(folder)):
            rel = prefix + entry.name
            if rel == SPARE_DIR:
                left += 1
            elif entry.is_dir(follow_symlinks=False):
                if rel in pages:  # a folder where a page goes
                    shutil.rmtree(entry.path)
                elif walk(entry.path, rel + "/"):
                    left += 1
                else:
                    os.rmdir(entry.path)
            elif rel in pages and entry.is_file(follow_symlinks=False):
                present[rel] = entry.inode()
                left += 1
            else:
                os.unlink(entry.path)
        return left

    walk(os.fspath(tmp), "")
    return present


class _Folders:
    """The folders made so far under one root (site paths as strings: 22,000 Path objects cost seconds)."""

    def __init__(self, root: str):
        self.root = root
        self.made: set[str] = set()

    def parent(self, rel: str) -> str:
        """Make the folder of site path `rel` if needed; its absolute path."""
        folder = rel.rpartition("/")[0]
        full = self.root + "/" + folder if folder else self.root
        if folder and folder not in self.made:
            os.makedirs(full, exist_ok=True)
            self.made.add(folder)  # set.add is atomic under the GIL; a folder made twice is harmless
        return full


def _link_all(paths: list[str], out: str, tmp: str) -> list[str]:
    """Hard-link the published files at `paths` into the new site; those that could not be linked."""
    made = _Folders(tmp)
    failed = []
    for rel in paths:
        try:
            os.link(out + "/" + rel, made.parent(rel) + "/" + rel.rpartition("/")[2])
        except OSError:
            failed.append(rel)
    return failed


# Below this many links they are made before rendering: forking a big process costs a few milliseconds.
FORK_MIN_LINKS = 256


class _Linker:
    """_link_all beside the rendering (parallel.Beside: a thread would wait for the GIL after every system
    call while the main thread renders), or at once when there are few links."""

    def __init__(self, paths: list[str], out: str, tmp: str):
        from .workers import Beside

        self.failed: list[str] = []
        self.beside: Beside | None = None
        if len(paths) < FORK_MIN_LINKS:
            # Done at once: a thread left running would also keep the rendering from forking workers.
            self.failed = _link_all(paths, out, tmp)
        else:
            self.beside = Beside(_link_all, paths, out, tmp, name="digest-link")

    def join(self) -> list[str]:
        """Wait for the links; the paths that could not be linked."""
        return self.failed if self.beside is None else self.beside.result()

    def cancel(self) -> None:
        """Stop (a process) or wait for (a thread) the linking: the build failed."""
        if self.beside is not None:
            self.beside.cancel()


def _render_one(job, tmp: Path, out: Path, linkable: dict[str, str],
                made: _Folders) -> tuple[str, str, bool, str]:
    """Render one page into `tmp`; (path, sha256, whether the published file already had these bytes, what
    the search index reads of it: search.page_fingerprint, taken here because workers render in parallel)."""
    from .search_index import page_fingerprint
    from .view_cache import release_bodies

    try:
        body = job.make()
    finally:
        # The prose the page read goes back to the cache file: a worker rendering thousands of issue pages
        # would otherwise end up holding all of it.
        release_bodies()
    sha = hashlib.sha256(body).hexdigest()
    fingerprint = page_fingerprint(body) if job.path.endswith(".html") else ""
    folder = made.parent(job.path)
    dest = folder + "/" + job.path.rpartition("/")[2]
    if linkable.get(job.path) == sha:
        try:
            os.link(os.fspath(out) + "/" + job.path, dest)
            return job.path, sha, True, fingerprint
        except OSError:
            pass
    with open(dest, "wb") as fh:
        fh.write(body)
    return job.path, sha, False, fingerprint


def _render_chunk(shared: tuple, indices: list[int]) -> tuple[list[tuple[str, str, bool, str]], int | None]:
    """Worker: render the jobs at `indices`; stops at the first failure and reports its index.

    Failures are not sent back as exceptions (a Jinja2 error does not always survive pickling): the parent
    renders that page again and raises exactly what a one-process build would.
    """
    jobs, tmp, out, linkable = shared
    made = _Folders(os.fspath(tmp))
    done = []
    for i in indices:
        try:
            done.append(_render_one(jobs[i], tmp, out, linkable, made))
        except Exception:  # noqa: BLE001 - see above
            return done, i
    return done, None


def _render_parallel(jobs: list, todo: list[int], tmp: Path, out: Path, linkable: dict[str, str],
                     workers: int) -> list[tuple[str, str, bool, str]]:
    """Render the pages at `todo` in `workers` forked processes, each writing its pages itself."""
    from .workers import run_tasks

    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    placed: list[tuple[str, str, bool, str]] = []
    failed: int | None = None
    for done, bad in run_tasks(_render_chunk, (jobs, tmp, out, linkable), chunks, workers):
        placed += done
        if bad is not None and (failed is None or bad < failed):
            failed = bad
    if failed is not None:
        _render_one(jobs[failed], tmp, out, linkable, _Folders(os.fspath(tmp)))  # raises this page's error
        raise RuntimeError(f"page {jobs[failed].path} failed in a worker process but not when rendered again")
    return placed


def copy_static(config, out):
    """render.site.copy_static."""
    from ..render.site import copy_static as impl

    return impl(config, out)


def index_site(site, html_hashes=None, previous=None, previous_site=None, discard=None, trusted=None,
               fingerprints=None, inodes=None):
    """render.search.index_site."""
    from .search_index import index_site as impl

    return impl(site, html_hashes, previous, previous_site, discard=discard, trusted=trusted,
                fingerprints=fingerprints, inodes=inodes)


def _linkable(previous: dict | None, out: Path, published: dict[str, tuple[int, int]] | None = None) -> dict[str, str]:
    """Published files still exactly as the last build recorded them (path -> sha256), safe to hard-link."""
    if previous is None:
        return {}
    limit = previous["recorded_ns"] - mf.RACY_NS
    found = {}
    for rel, (size, mtime) in (mf.stat_tree(out) if published is None else published).items():
        rec = previous["outputs"].get(rel)
        if rec is None or rec[0] != size or rec[1] != mtime:
            continue
        # A file written just before it was recorded may have changed since without its mtime moving.
        try:
            if mtime < limit or mf.sha256_file(out / rel) == rec[2]:
                found[rel] = rec[2]
        except OSError:
            continue
    return found


def same_tree(a: Path, b: Path, hashes_a: dict[str, str] | None = None, hashes_b: dict[str, str] | None = None,
              stats: tuple[dict, dict] | None = None) -> bool:
    """True when the two folders hold the same files with the same bytes.

    `hashes_a` / `hashes_b` (path -> sha256, trusted) spare reading files whose hashes are known: on both
    sides nothing is read, on one side only the other side's file is. `stats`: mf.stat_tree of both.
    """
    if not b.is_dir():
        return False
    stats_a, stats_b = stats if stats is not None else (mf.stat_tree(a), mf.stat_tree(b))
    if stats_a.keys() != stats_b.keys():
        return False
    # Sizes first: a difference there needs no file read (a build from nothing over a published site
    # would otherwise read its 45,000 files before finding it).
    if any(stats_a[rel][0] != stats_b[rel][0] for rel in stats_a):
        return False
    hashes_a, hashes_b = hashes_a or {}, hashes_b or {}
    for rel in sorted(stats_a):
        ha, hb = hashes_a.get(rel), hashes_b.get(rel)
        if ha is not None and hb is not None:
            if ha != hb:
                return False
        elif not _same_file(a / rel, b / rel, ha, hb):
            return False
    return True


def _same_file(x: Path, y: Path, hx: str | None = None, hy: str | None = None) -> bool:
    """Whether x and y hold the same bytes; `hx` / `hy`: the sha256 of either, when known (then only the
    other file is read)."""
    sx, sy = x.stat(), y.stat()
    if (sx.st_dev, sx.st_ino) == (sy.st_dev, sy.st_ino):
        return True  # hard-linked from the published site
    if hx is not None:
        return mf.sha256_file(y) == hx
    if hy is not None:
        return mf.sha256_file(x) == hy
    return filecmp.cmp(x, y, shallow=False)
