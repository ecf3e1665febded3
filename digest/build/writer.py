"""The writer: the one place a site's bytes get out, into the new site folder.

Each page is either linked from the published site (its key and the published file are as last
recorded) or made, hashed and written (or linked anyway when its bytes came out the same). Many pages
are made across forked worker processes. Static files are copied here too.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from ..files import atomic_write_bytes, sha256_file
from ..render.pages import NoStash, PageSpec, Stash
from . import workers
from .memo import Memo
from .search_index import page_fingerprint
from .workers import Beside, run_tasks

PARALLEL_MIN_PAGES = 64  # below this, forking costs more than rendering in one process
CHUNK = 32
# Below this many links they are made before rendering: forking a big process costs a few milliseconds.
FORK_MIN_LINKS = 256


class KeyedPage(NamedTuple):
    """A page of the plan and its key (build/keys.py; None: always made)."""

    spec: PageSpec
    key: str | None

    @property
    def path(self) -> str:
        """The page's site path."""
        return self.spec.path


class Placed(NamedTuple):
    """A page made by the writer."""

    path: str
    sha256: str
    same: bool  # the published file already had these bytes (it was linked, not written)
    # What the search index reads of it (search_index.page_fingerprint); "" for non-HTML; None when the page
    # is the published file: the search index takes that one's from its record.
    fingerprint: str | None


@dataclass
class Written:
    """What write_pages did: sha256 of every page by path, and how many were new or changed."""

    hashes: dict[str, str]
    written: int = 0
    unchanged: int = 0
    fingerprints: dict[str, str] = field(default_factory=dict)  # of the pages written in this build (not linked)


@dataclass
class Writer:
    """Writes one new site folder `tmp`, beside the published one `out`.

    `linkable`: published files still exactly as recorded (path -> sha256), safe to hard-link.
    `memo_dir` / `stamp`: where the pages that keep work for the next build (PageSpec.stashes) keep it, and
    the build's base key that such work is valid for. `release`: called after each page is made (the view
    cache leaves the prose that page read back to its file). `kept_memos`: when given, the stashes are kept
    there (by page path) and taken from there by the next make, instead of saved and read again.
    """

    tmp: Path
    out: Path
    linkable: dict[str, str]
    memo_dir: Path | None = None
    stamp: str | None = None
    release: Callable[[], None] = lambda: None
    kept_memos: dict[str, Memo] | None = None  # page path -> its stash, kept in memory instead of saved
    stale: frozenset[str] = frozenset()  # pages to link or make whose old file `tmp` still holds (write_pages)

    def write_pages(self, pages: list[KeyedPage], old_keys: dict[str, str], present: dict[str, int],
                    inodes: dict[str, int]) -> Written:
        """Put every page into the new site: linked when its key is `old_keys`' and the file is linkable,
        else made.

        `present`: the inode of each page already in `tmp` (a spare tree); `inodes`: those of the published
        files. A page to reuse that is the published file already stays; any other is replaced, or rewritten
        where it is a file of its own, never written through when it is a hard link to a published file.
        """
        todo, reuse, in_place = self._sort(pages, old_keys, present, inodes)
        # What the spare tree holds at a path to link or make is stale: the linker and the page's maker
        # replace it (see _rewrite_own_file), beside the rendering, instead of 3,650 unlinks (0.5 s after a
        # template change) before it.
        self.stale = frozenset(rel for rel in reuse + [pages[i].path for i in todo] if rel in present)
        # The links for the reused pages (a folder and a link each) are made meanwhile by another process.
        linking = _Linker(reuse, os.fspath(self.out), os.fspath(self.tmp))
        try:
            placed = self._make_all(pages, todo)
        except BaseException:
            linking.cancel()
            raise
        failed = set(linking.join())
        made = _Folders(os.fspath(self.tmp))
        placed += [self.make_one(page.spec, made) for page in pages if page.path in failed]
        result = Written({rel: self.linkable[rel] for rel in in_place + reuse})
        result.unchanged = len(in_place) + len(reuse) - len(failed)
        for page in placed:
            result.hashes[page.path] = page.sha256
            if page.fingerprint is not None:
                result.fingerprints[page.path] = page.fingerprint
            if page.same:
                result.unchanged += 1
            else:
                result.written += 1
        return result

    def _sort(self, pages: list[KeyedPage], old_keys: dict[str, str], present: dict[str, int],
              inodes: dict[str, int]) -> tuple[list[int], list[str], list[str]]:
        """(indices of pages to make, paths to link from the published site, paths already in place)."""
        todo: list[int] = []
        reuse: list[str] = []
        in_place: list[str] = []
        for index, page in enumerate(pages):
            rel = page.path
            if page.key is not None and old_keys.get(rel) == page.key and rel in self.linkable:
                (in_place if rel in present and present[rel] == inodes.get(rel) else reuse).append(rel)
            else:
                todo.append(index)
        return todo, reuse, in_place

    def _make_all(self, pages: list[KeyedPage], todo: list[int]) -> list[Placed]:
        """Make the pages at `todo`, across worker processes when there are many."""
        count = min(workers.worker_count(), len(todo) // PARALLEL_MIN_PAGES)
        if count > 1 and workers.can_fork_now():
            return self._make_parallel(pages, todo, count)
        made = _Folders(os.fspath(self.tmp))
        return [self.make_one(pages[i].spec, made) for i in todo]

    def make(self, spec: PageSpec) -> bytes:
        """One page's bytes (its stash, if it keeps one, saved for the next build, or kept in `kept_memos`)."""
        memo = None
        if spec.stashes:
            path = self.memo_dir / f"{spec.path}.json" if self.memo_dir else None
            kept = self.kept_memos.get(spec.path) if self.kept_memos is not None else None
            memo = Memo(path, self.stamp, after=kept)
        try:
            body = spec.make(memo if memo is not None else _NO_STASH)
        finally:
            self.release()
        if memo is not None:
            if self.kept_memos is not None:
                self.kept_memos[spec.path] = memo  # saved by whoever keeps them (Preview.catch_up)
            else:
                memo.save()
        return body

    def make_one(self, spec: PageSpec, made: _Folders) -> Placed:
        """Make one page into the new site."""
        body = self.make(spec)
        sha = hashlib.sha256(body).hexdigest()
        dest = made.parent(spec.path) + "/" + spec.path.rpartition("/")[2]
        stale = spec.path in self.stale
        if self.linkable.get(spec.path) == sha:
            if stale:
                _unlink_if_there(dest)
                stale = False
            try:
                os.link(os.fspath(self.out) + "/" + spec.path, dest)
                return Placed(spec.path, sha, True, None)
            except OSError:
                pass
        fingerprint = page_fingerprint(body) if spec.path.endswith(".html") else ""
        _put(dest, body, stale)
        return Placed(spec.path, sha, False, fingerprint)

    def _make_parallel(self, pages: list[KeyedPage], todo: list[int], workers: int) -> list[Placed]:
        """Make the pages at `todo` in `workers` forked processes, each writing its pages itself."""
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        placed: list[Placed] = []
        failed: int | None = None
        for done, bad in run_tasks(_make_chunk, (self, pages), chunks, workers):
            placed += done
            if bad is not None and (failed is None or bad < failed):
                failed = bad
        if failed is not None:
            self.make_one(pages[failed].spec, _Folders(os.fspath(self.tmp)))  # raises this page's error
            raise RuntimeError(f"page {pages[failed].path} failed in a worker process but not when made again")
        return placed

    def copy_static(self, files: list[tuple[Path, str]]) -> dict[str, str]:
        """Copy (source file, site path) pairs into the new site, in order; sha256 of each by site path."""
        hashes: dict[str, str] = {}
        for src, rel in files:
            dest = self.tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                dest.unlink()  # it may be hard-linked to the published site, which must not change
            shutil.copyfile(src, dest)
            hashes[rel] = sha256_file(dest)
        return hashes


_NO_STASH: Stash = NoStash()


def _unlink_if_there(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # made once already (a page that failed in a worker is made again to raise its error)


def _put(path: str, body: bytes, stale: bool) -> None:
    """Write a page's file; `stale`: an old file may be there (see _rewrite_own_file), else there is none."""
    if stale:
        if _rewrite_own_file(path, body):
            return
        _unlink_if_there(path)
    with open(path, "wb") as fh:
        fh.write(body)


def _rewrite_own_file(path: str, body: bytes) -> bool:
    """Write `body` over the regular file at `path` when no other name links to it; False (nothing
    written) when it is shared, not a regular file, or cannot be opened.

    An old page of the spare tree that is a file of its own (the page changed in the last build) is
    rewritten where it is: on ext4 mounted with `discard`, unlinking it and making a new file cost
    about 20 times as much (measured here: 290 µs against 15 µs a page, a second of a template change
    on a ten-year archive). A file that is also published (two links) is never written through.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if st.st_nlink != 1 or not stat.S_ISREG(st.st_mode):
            return False
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view):]
        os.ftruncate(fd, len(body))
        return True
    finally:
        os.close(fd)


def replace_pages(out: Path, specs: list[PageSpec], memo_dir: Path | None, stamp: str | None,
                  release: Callable[[], None], kept_memos: dict[str, Memo] | None = None) -> int:
    """Make `specs` and replace each one's file in the published folder `out` whole (the preview's update);
    how many files had other bytes. `kept_memos`: see Writer.

    Each file is renamed into place, never written through: the spare tree may hard-link the old one.
    """
    writer = Writer(out, out, {}, memo_dir, stamp, release, kept_memos)
    replaced = 0
    for spec in specs:
        body, dest = writer.make(spec), out / spec.path
        try:
            if dest.stat().st_size == len(body) and dest.read_bytes() == body:
                continue
        except OSError:
            pass
        atomic_write_bytes(dest, body, durable=False)
        replaced += 1
    return replaced


def _make_chunk(shared: tuple[Writer, list[KeyedPage]], indices: list[int]) -> tuple[list[Placed], int | None]:
    """Worker: make the pages at `indices`; stops at the first failure and reports its index.

    Failures are not sent back as exceptions (a Jinja2 error does not always survive pickling): the parent
    makes that page again and raises exactly what a one-process build would.
    """
    writer, pages = shared
    made = _Folders(os.fspath(writer.tmp))
    done = []
    for i in indices:
        try:
            done.append(writer.make_one(pages[i].spec, made))
        except Exception:  # noqa: BLE001 - see above
            return done, i
    return done, None


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
    """Hard-link the published files at `paths` into the new site, replacing what is there; those that could
    not be linked."""
    made = _Folders(tmp)
    failed = []
    for rel in paths:
        dest = made.parent(rel) + "/" + rel.rpartition("/")[2]
        try:
            try:
                os.link(out + "/" + rel, dest)
            except FileExistsError:  # the spare tree's stale copy
                os.unlink(dest)
                os.link(out + "/" + rel, dest)
        except OSError:
            failed.append(rel)
    return failed


class _Linker:
    """_link_all beside the rendering (workers.Beside: a thread would wait for the GIL after every system
    call while the main thread renders), or at once when there are few links."""

    def __init__(self, paths: list[str], out: str, tmp: str):
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
