"""Files the program writes and reads back itself.

Writes that never leave a half-written file behind, the sha256 of a file, the one directory walker, and
JSON where damage of any kind means "not there" (unreadable, not UTF-8, not JSON, or nested past the
decoder's depth: RecursionError, which json.loads raises for a few hundred kilobytes of '[').
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder, fsync and rename.

    `durable=False` skips the fsyncs: readers still see the old file or the new one, but a power cut may
    lose the write (for files a later step writes durably anyway).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid is in the name, so a file left by a killed writer can be told apart (clean_stale_tmp).
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; published and shared files get the usual umask-based mode.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable:
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
        if pid is not None and pid != os.getpid() and process_alive(pid):
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






def parse_json(raw: bytes) -> object | None:
    """The JSON value in `raw` (UTF-8), or None when it is not one the decoder can read.

    orjson reads it first: a build reads back a 15 MB manifest, which takes the json module 0.15 s and
    orjson 0.07. What orjson refuses and the json module reads (NaN, Infinity, a lone surrogate escape) is
    read by the json module, as before; the one difference left is an integer beyond 64 bits, which comes
    back as a float (nothing digest writes holds one).
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def tuple_as_list(value: object) -> list:
    """orjson's `default` for the JSON digest writes with it: a named tuple is a list, as the json module
    writes one; any other value orjson cannot write has no JSON form (TypeError)."""
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} has no JSON form")


def read_json(path: Path) -> object | None:
    """parse_json of the file at `path`; None also when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return parse_json(raw)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def walk(folder: str | Path, *, enter: Callable[[str], bool] | None = None,
         follow_symlinks: bool = True) -> Iterator[tuple[str, os.DirEntry]]:
    """(site-style relative path, entry) of everything under `folder` but the folders it enters.

    A subfolder is entered when `enter(its relative path)` is true (always, without `enter`); one that is
    not is yielded like a file. A missing folder yields nothing. Paths are plain strings joined with '/':
    a ten-year site has 22,000 folders, and Path objects for them cost seconds.
    """
    stack = [(os.fspath(folder), "")]
    while stack:
        current, prefix = stack.pop()
        try:
            with os.scandir(current) as entries:
                found = list(entries)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in found:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=follow_symlinks) and (enter is None or enter(rel)):
                stack.append((entry.path, rel + "/"))
            else:
                yield rel, entry


def sha256_file(path: str | Path) -> str:
    """The hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
