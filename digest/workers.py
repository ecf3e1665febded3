"""How many worker processes a build may use for work that splits across cores."""
from __future__ import annotations

import multiprocessing
import os
import sys

ENV = "DIGEST_JOBS"


def worker_count(default_max: int = 8) -> int:
    """$DIGEST_JOBS when it is a positive integer, else the CPUs this process may use (at most `default_max`).

    1 means: do everything in this process. Platforms without fork(2) always get 1, because workers there
    would have to re-import and re-load the project, which costs more than it saves.
    """
    if not can_fork():
        return 1
    raw = os.environ.get(ENV, "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, default_max))


def can_fork() -> bool:
    """True where worker processes can be forked from this one (Linux, BSDs; not Windows or macOS by default)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
