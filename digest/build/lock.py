"""One project-wide lock so two runs never write at the same time."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..errors import Locked


@contextmanager
def project_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `folder`/lock for the duration; raise Locked at once if another run holds it.

    flock is released by the kernel when its holder dies, so a lock left by a
    killed run (even kill -9) is simply free again: nothing stale to clean up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            raise Locked(f"another digest run holds {path}{' (' + holder + ')' if holder else ''}; "
                         "try again when it has finished") from None
        stamp = f"{what}, pid {os.getpid()}, since {datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
