"""Publishing a finished site: swapped in whole, the tree it replaces kept as the next build's spare.

Readers see either the old site or the new one, never a mix. The new site is assembled beside the published
one (make_build_dir), in the spare tree the last build kept when there is one (most of its pages are the
published files already), and exchanged with it in one system call where the platform has one.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import filecmp
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from ..files import process_alive, sha256_file, walk
from .search_index import (
    BUNDLE_DIR,
    SPARE_DIR,
    BundleListing,
    bundle_hashes,
    index_site,
    indexing_writes,
    list_bundle,
)
from .state import Manifest, stat_tree
from .workers import Beside
from .writer import KeyedPage, Writer, Written

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with renameat2(RENAME_EXCHANGE); False where the OS cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def swap_in_dir(new: Path, target: Path, *, background: bool = False, keep: bool = False) -> None:
    """Make the finished folder `new` become `target`; the old `target` is removed afterwards.

    Readers see either the old tree or the new one: on Linux the two are
    exchanged in one system call; elsewhere the old tree is moved aside first.
    `background`: remove the old tree in a detached process (see discard_tree).
    `keep`: keep the old tree as the spare (see keep_as_spare) instead.
    """
    new, target = Path(new), Path(target)
    if target.exists() and not target.is_symlink() and target.is_dir():
        if _exchange(new, target):
            old = new  # `new` now holds the old site
        else:
            old = target.with_name(f".{target.name}-old-{os.getpid()}-{id(new)}")
            os.replace(target, old)
            os.replace(new, target)
        if keep:
            keep_as_spare(old, target, background=background)
        else:
            discard_tree(old, target, background=background)
        return
    if target.exists() or target.is_symlink():
        raise FileExistsError(f"{target} exists and is not a folder; move it away")
    os.replace(new, target)


# Run by a detached interpreter: claim the folder under the remover's own pid (so a build starting meanwhile
# leaves it alone, see clean_stale_build_dirs), then delete it.
_REMOVER = """
import os, shutil, sys
folder, name = sys.argv[1], sys.argv[2]
claimed = os.path.join(os.path.dirname(folder), "." + name + "-old-" + str(os.getpid()) + "-bg")
try:
    os.rename(folder, claimed)
except OSError:
    claimed = folder
shutil.rmtree(claimed, ignore_errors=True)
"""


_aside = itertools.count()


def discard_tree(folder: Path, target: Path, *, background: bool = False) -> None:
    """Delete a replaced site tree beside `target`.

    Unlinking tens of thousands of files takes seconds, and nothing waits for it: with `background` a
    detached process does it and this returns at once. If that process dies, the next build removes the
    leftover (it is named like the folders clean_stale_build_dirs looks for).
    """
    if background:
        target = Path(target)
        # Out of the way first (it may be inside a site about to be published), under a name the next
        # build recognises as leftover.
        aside = target.with_name(f".{target.name}-old-{os.getpid()}-{next(_aside)}")
        try:
            os.replace(folder, aside)
            folder = aside
            subprocess.Popen([sys.executable, "-c", _REMOVER, str(folder), target.name],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, close_fds=True)
            return
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


# Run by a detached interpreter after a build from nothing, given the empty folder the build made: claim it
# under the maker's own pid (a build starting meanwhile leaves it alone; clean_stale_build_dirs removes it if
# the maker dies), fill it with hard links to every published file and folder, then rename it to the spare.
# The rename is refused when a build kept a spare meanwhile: that one is as good, and this one is removed. A
# file or folder that went away meanwhile (a build published over the site) is left out: the next build
# trusts only spare files that are the published ones, and removes folders no page goes into. Where files
# cannot be hard-linked, no spare is kept.
_SPARE_MAKER = """
import os, shutil, sys
site, given, spare, name = sys.argv[1:5]
work = os.path.join(os.path.dirname(given), "." + name + "-build-" + str(os.getpid()) + "-spare")
try:
    os.rename(given, work)
except OSError:
    sys.exit()
for folder, dirs, files in os.walk(site):
    rel = os.path.relpath(folder, site)
    dest = work if rel == "." else os.path.join(work, rel)
    if not os.path.isdir(dest):
        dirs[:] = []
        continue
    for entry in dirs:
        if not os.path.islink(os.path.join(folder, entry)):
            try:
                os.mkdir(os.path.join(dest, entry))
            except OSError:
                pass
    for entry in files:
        source = os.path.join(folder, entry)
        if os.path.islink(source):
            continue
        try:
            os.link(source, os.path.join(dest, entry))
        except FileNotFoundError:
            pass
        except OSError:  # no hard links here: folders alone are not worth keeping
            shutil.rmtree(work, ignore_errors=True)
            sys.exit()
try:
    os.rename(work, spare)
except OSError:
    shutil.rmtree(work, ignore_errors=True)
"""


def make_spare(target: Path, *, background: bool = True) -> None:
    """Give the published site `target` a spare tree of hard links to its files, when it has none.

    A build from nothing leaves no spare (the tree it replaced shares no file with the new one), so the next
    build would make a folder and a link for every page: on a ten-year archive, 22,000 folders and about four
    seconds of the first edit after `digest build --clean`. A detached process makes it instead, after the
    build; its folder is there when this returns. `background=False` waits for it.
    """
    target = Path(target)
    spare = spare_dir(target)
    if spare.exists() or spare.is_symlink():
        return
    try:
        given = Path(tempfile.mkdtemp(prefix=f".{target.name}-build-{os.getpid()}-", suffix="-spare",
                                      dir=target.parent))
        command = [sys.executable, "-c", _SPARE_MAKER, str(target), str(given), str(spare), target.name]
        if background:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        else:
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
    except OSError:
        pass  # without a spare the next build takes longer, with the same result


def spare_dir(target: Path) -> Path:
    """Where a build keeps the site tree it replaced, for the next build to build in: `.site.spare` beside
    `site/`. Its files are hard links shared with the published site or older copies; the next build trusts
    none of them by content, only a file that is the very one published (same inode), so any state is safe."""
    target = Path(target)
    return target.with_name(f".{target.name}.spare")


def keep_as_spare(folder: Path, target: Path, *, background: bool = False) -> None:
    """Make `folder` the spare tree of `target`; discard it (see discard_tree) when there is one already."""
    try:
        os.rename(folder, spare_dir(target))  # refused when a spare exists: it is not empty
    except OSError:
        discard_tree(folder, target, background=background)


def claim_spare(target: Path, build_dir: Path) -> bool:
    """Move the spare tree of `target` onto the empty folder `build_dir`; False when there is none."""
    spare = spare_dir(target)
    try:
        if spare.is_symlink() or not spare.is_dir():
            return False
        os.rename(spare, build_dir)  # replaces the empty folder; only one of two racing builds gets it
    except OSError:
        return False
    return True


def discard_spare(target: Path) -> None:
    """Remove the spare tree of `target`, in the background (a build from nothing does not use it)."""
    spare = spare_dir(target)
    if spare.is_dir() and not spare.is_symlink():
        discard_tree(spare, target, background=True)


def make_build_dir(target: Path) -> Path:
    """A fresh empty folder beside `target` to build into (same file system, so the swap is a rename)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}-build-{os.getpid()}-", dir=target.parent))


def clean_stale_build_dirs(target: Path) -> None:
    """Remove build folders that a killed run left beside `target`."""
    target = Path(target)
    if not target.parent.is_dir():
        return
    for kind in ("build", "old"):
        prefix = f".{target.name}-{kind}-"
        for p in target.parent.glob(prefix + "*"):
            _remove_if_stale(p, p.name[len(prefix):])


def _remove_if_stale(p: Path, rest: str) -> None:
    # Only folders whose creating process is gone: a concurrent build keeps its own.
    try:
        pid = int(rest.split("-")[0])
    except ValueError:
        pid = None
    if pid is not None and pid != os.getpid() and process_alive(pid):
        return
    shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------- publishing a whole site

# Replaced sites at least this big are deleted by a detached process after the swap (see discard_tree):
# removing a folder costs ~1.5 ms on ext4 mounted with `discard` (measured here), and every page has one.
BACKGROUND_REMOVAL_PAGES = 500


class SpareListing(NamedTuple):
    """What a spare tree holds, by site path, its search bundle apart: the inode of each regular file, its
    other entries (symbolic links and the like) and its folders; and its search bundle (index_site reuses
    that by itself)."""

    files: dict[str, int]
    others: list[str]
    folders: list[str]
    bundle: BundleListing


class PublishedTree(NamedTuple):
    """The published site as found before this build: (size, mtime_ns) and inode of each file, and which of
    them are still exactly as the last build recorded (path -> sha256, safe to hard-link); and the spare
    tree as listed then (None: there was none)."""

    stats: dict[str, tuple[int, int]]
    inodes: dict[str, int]
    linkable: dict[str, str]
    spare: SpareListing | None = None


class PublishOutcome(NamedTuple):
    """What publishing did."""

    hashes: dict[str, str]  # sha256 of every file of the site now published, by site path
    search: dict | None  # the search index's record (search_index.index_site)
    changed: bool  # whether a new folder was swapped in
    written: int  # pages whose bytes are new or differ from the published ones
    unchanged: int  # pages published again as they were
    stats: dict[str, tuple[int, int]]  # (size, mtime_ns) of the files now published


def stat_published(out: Path) -> tuple[dict[str, tuple[int, int]], dict[str, int], SpareListing | None]:
    """(size, mtime_ns) of every published file, their inode numbers, and the spare tree's listing (None: no
    spare). Run beside the loading: both walks are system calls that would otherwise wait for the GIL."""
    inodes: dict[str, int] = {}
    stats = stat_tree(out, inodes)
    spare = spare_dir(out)
    return stats, inodes, list_spare(spare) if spare.is_dir() and not spare.is_symlink() else None


def list_spare(folder: Path) -> SpareListing:
    """Everything in the spare tree `folder`."""
    listing = SpareListing({}, [], [], list_bundle(folder / BUNDLE_DIR))
    top = (BUNDLE_DIR, SPARE_DIR)

    def enter(rel: str) -> bool:
        if rel in top:
            return False
        listing.folders.append(rel)
        return True

    for rel, entry in walk(folder, enter=enter, follow_symlinks=False):
        if rel in top:
            continue
        if entry.is_file(follow_symlinks=False):
            listing.files[rel] = entry.inode()
        else:
            listing.others.append(rel)
    return listing


def published_tree(out: Path, previous: Manifest | None, stats: dict[str, tuple[int, int]],
                   inodes: dict[str, int], spare: SpareListing | None = None) -> PublishedTree:
    """The published site as the build found it."""
    return PublishedTree(stats, inodes, previous.linkable(out, stats) if previous is not None else {}, spare)


def nothing_to_publish(pages: list[KeyedPage], static: dict[str, str | None], previous: Manifest,
                       tree: PublishedTree) -> bool:
    """True when the published site is exactly what this build would make, known without making it.

    That is: every published file is as recorded, every page's key is the recorded one, the static files'
    sources (`static`: site path -> their input's sha256, None when not an input) have the published bytes,
    and nothing was added or removed. The search index is then what the last build made of the same pages.
    """
    outputs, linkable = previous.outputs, tree.linkable
    if len(linkable) != len(outputs):
        return False
    expected = set(bundle_hashes(previous.search))
    for page in pages:
        if page.key is None or previous.page_keys.get(page.path) != page.key:
            return False
        expected.add(page.path)
    for rel, sha in static.items():
        if sha is None or linkable.get(rel) != sha:
            return False
        expected.add(rel)
    return expected == outputs.keys()


def publish(writer: Writer, pages: list[KeyedPage], static: list[tuple[Path, str]], previous: Manifest | None,
            tree: PublishedTree) -> PublishOutcome:
    """Make the new site in `writer.tmp` and swap it in for `writer.out` when it differs from the published one.

    The folder is the spare tree the last build kept (spare_dir), when there is one: most of its pages are
    the published files already (hard links), so only the others are linked or written again, instead of
    a folder and a link for every page. The tree replaced by this one becomes the next spare.
    """
    tmp, out, big = writer.tmp, writer.out, len(pages) >= BACKGROUND_REMOVAL_PAGES
    try:
        present: dict[str, int] = {}
        bundle: BundleListing | None = None
        if previous is None:
            discard_spare(out)  # nothing of it could be reused
        elif claim_spare(out, tmp):
            listing = tree.spare or list_spare(tmp)
            present = _prepare_spare(tmp, out, {page.path for page in pages}, listing)
            bundle = listing.bundle
        written = writer.write_pages(pages, previous.page_keys if previous else {}, present, tree.inodes)
        hashes = written.hashes
        hashes.update(writer.copy_static(static))
        record, built = _index(writer, hashes, written, previous, tree, big, bundle)
        # A rebuild with nothing new leaves the published folder alone (mtimes, rsync, caches).
        changed = not same_tree(tmp, out, hashes, tree.linkable, stats=(built, tree.stats))
        if changed:
            # A tree replaced by a build from nothing shares no file with the new one: no use as a spare.
            swap_in_dir(tmp, out, background=big, keep=previous is not None)
        else:
            _set_aside(tmp, out, previous, big)  # the same as the published tree: the best spare there is
        if previous is None and big:
            make_spare(out)  # links to the published files, made after this build returns
    except BaseException:
        # Whatever state it is in, the folder is a valid spare: the next build trusts only its files that
        # are the published ones.
        _set_aside(tmp, out, previous, big)
        raise
    return PublishOutcome(hashes, record, changed, written.written, written.unchanged,
                          built if changed else tree.stats)


def _index(writer: Writer, hashes: dict[str, str], written: Written, previous: Manifest | None,
           tree: PublishedTree, big: bool, spare: BundleListing | None) -> tuple[dict, dict[str, tuple[int, int]]]:
    """Build the search index into the new site; its record, and stat_tree of the finished site. `spare`: the
    spare tree's search bundle as listed before it was claimed.

    The search index is part of the site: built offline from the finished pages, before the swap. Shards
    whose pages Pagefind would read the same way are hard-linked from the published site. The rest of the
    new tree is walked meanwhile (most of an edit's time is Pagefind's, on one core).
    """
    tmp, out = writer.tmp, writer.out
    walking = Beside(stat_tree, tmp, None, indexing_writes, name="digest-stat")
    try:
        record = index_site(tmp, hashes, previous.search if previous else None, out if previous else None,
                            discard=lambda folder: discard_tree(folder, out, background=big),
                            trusted=tree.linkable, fingerprints=written.fingerprints, inodes=tree.inodes,
                            spare=spare)
    except BaseException:
        walking.cancel()
        raise
    bundle = bundle_hashes(record)
    hashes.update(bundle)
    tmp.chmod(0o755)
    built = walking.result()
    built.update(_bundle_stats(tmp, bundle, _reused_shards(record, previous), tree))
    return record, built


def _reused_shards(record: dict, previous: Manifest | None) -> set[str]:
    """The shards of the new search index whose files are, by name and hash, those the last build published."""
    # The manifest is data: its search record may be anything (index_site checks it for itself).
    search = previous.search if previous is not None else None
    old = search.get("shards") if isinstance(search, dict) else None
    if not isinstance(old, dict):
        return set()
    return {name for name, shard in record.get("shards", {}).items()
            if isinstance(old.get(name), dict) and old[name].get("files") == shard["files"]}


def _bundle_stats(tmp: Path, bundle: dict[str, str], reused: set[str],
                  tree: PublishedTree) -> dict[str, tuple[int, int]]:
    """stat_tree of the new site's search bundle, from the files index_site recorded (`bundle`: site path ->
    sha256, as bundle_hashes gives them).

    A file of a `reused` shard that is, by hash, the published one was linked from it: it has the published
    file's size and mtime, with no system call (a ten-year archive's bundle has 23,000 files, a tenth of a
    second to walk). Were it a copy instead, its mtime would differ from the one recorded here, and the next
    build would only check it again.
    """
    stats: dict[str, tuple[int, int]] = {}
    prefix = BUNDLE_DIR + "/"
    for path, sha in bundle.items():
        shard = path[len(prefix):].partition("/")[0]
        known = tree.stats.get(path) if shard in reused and tree.linkable.get(path) == sha else None
        if known is None:
            st = os.stat(os.fspath(tmp) + "/" + path)
            known = (st.st_size, st.st_mtime_ns)
        stats[path] = known
    return stats


def _set_aside(tmp: Path, out: Path, previous: Manifest | None, big: bool) -> None:
    """Keep the unpublished tree `tmp` as the spare, unless it was built from nothing (no `previous`).

    Such a tree holds none of the published files, only copies: as the spare it would cost the next build
    an unlink and a link for each of them, more than starting from an empty folder (at 3,650 issues the
    first edit after `digest build --clean` took 19.5 s with it, 18.0 s without).
    """
    if previous is None:
        discard_tree(tmp, out, background=big)
    else:
        keep_as_spare(tmp, out, background=big)


def _prepare_spare(tmp: Path, out: Path, pages: set[str], listing: SpareListing) -> dict[str, int]:
    """Empty the spare tree now in `tmp` of everything but files at the site paths `pages`; their inodes.

    `listing`: the tree as list_spare found it (beside the loading, before it was claimed, or since). Builds
    hold the lock, so nothing else changes the spare meanwhile. Its search index is moved to where
    index_site looks for an earlier bundle (SPARE_DIR). Folders no page goes into are removed once emptied,
    empty ones included (a spare linked while a build published may have some); the others stay for the
    pages.
    """
    bundle, spare = tmp / BUNDLE_DIR, tmp / SPARE_DIR
    if spare.exists() or spare.is_symlink():  # left by a build that failed while indexing
        discard_tree(spare, out, background=True)
    if bundle.is_dir() and not bundle.is_symlink():
        os.rename(bundle, spare)
    base = os.fspath(tmp) + "/"
    doomed = tuple(folder + "/" for folder in listing.folders if folder in pages)
    for folder in doomed:
        shutil.rmtree(base + folder)  # a folder where a page goes
    present: dict[str, int] = {}
    for rel in [*listing.files, *listing.others]:
        if rel in pages and rel in listing.files:  # only a regular file is offered for reuse
            present[rel] = listing.files[rel]
        elif not (doomed and rel.startswith(doomed)):  # gone with its folder otherwise
            os.unlink(base + rel)
    needed = _folders_of(pages)
    for folder in sorted((f for f in listing.folders if f not in needed), key=lambda f: -f.count("/")):
        try:
            os.rmdir(base + folder)  # deepest first: its own folders are gone by now
        except OSError:
            pass  # gone with a doomed folder already
    return present


def _folders_of(paths: set[str]) -> set[str]:
    """Every folder that holds one of the site paths `paths`, at any depth."""
    folders = {rel.rpartition("/")[0] for rel in paths}
    for folder in list(folders):
        folder = folder.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    folders.discard("")
    return folders


def same_tree(a: Path, b: Path, hashes_a: dict[str, str] | None = None, hashes_b: dict[str, str] | None = None,
              stats: tuple[dict, dict] | None = None) -> bool:
    """True when the two folders hold the same files with the same bytes.

    `hashes_a` / `hashes_b` (path -> sha256, trusted) spare reading files whose hashes are known: on both
    sides nothing is read, on one side only the other side's file is. `stats`: stat_tree of both.
    """
    if not b.is_dir():
        return False
    stats_a, stats_b = stats if stats is not None else (stat_tree(a), stat_tree(b))
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
        return sha256_file(y) == hx
    if hy is not None:
        return sha256_file(x) == hy
    return filecmp.cmp(x, y, shallow=False)
