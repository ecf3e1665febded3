"""Files the program writes and reads back itself: writes that never leave a half-written file behind,
sha256 of a file, and JSON where damage of any kind means "not there" (unreadable, not UTF-8, not JSON, or
nested past the decoder's depth: RecursionError, which json.loads raises for a few hundred kilobytes of '[')."""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, fsync and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid is in the name, so a file left by a killed writer can be told apart (clean_stale_tmp).
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; published and shared files get the usual umask-based mode.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def clean_stale_tmp(path: Path) -> None:
    """Remove the temporary files that writers of `path` killed mid-write (SIGKILL, power loss) left beside it.

    Only files whose writing process is gone: a concurrent writer keeps its own.
    """
    path = Path(path)
    prefix = f".{path.name}."
    try:
        leftovers = [p for p in path.parent.glob(prefix + "*.tmp") if p.is_file()]
    except OSError:
        return
    for p in leftovers:
        try:
            pid = int(p.name[len(prefix):].split("-")[0])
        except ValueError:
            pid = None  # an older naming without the pid: nobody is writing it under the project lock
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue
        try:
            p.unlink()
        except OSError:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    if pid is not None and pid != os.getpid() and _alive(pid):
        return
    shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True



def parse_json(raw: bytes) -> object | None:
    """The JSON value in `raw` (UTF-8), or None when it is not one the decoder can read."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def read_json(path: Path) -> object | None:
    """parse_json of the file at `path`; None also when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return parse_json(raw)
