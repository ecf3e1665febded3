"""Python's cyclic garbage collector during a build.

A build of a big archive holds one view per issue for its whole length: a few hundred thousand objects that
live until it ends. The collector's full passes walk every tracked object each time, so while the views are
read back and then while pages are planned, most of its work is walking views that cannot be garbage
(measured on a 3,650-issue archive: reading the cached views took twice as long with it running, and a
one-issue rebuild a third longer). So a build pauses the collector while it loads the views, then freezes
them (`gc.freeze`: later passes skip them) and lets it run again; at the end the views are handed back to
it, so a process that builds again (`digest serve`) frees them.

A process that ends right after its build (`digest build`) need not free them at all: freeing what a build
of 3,650 issues loaded, one object at a time, takes about 0.1 s, for memory the system takes back anyway. Such
a build's heap keeps what it was given to hold until the process ends.

Worker processes forked by a build start with the inherited objects frozen: their collections never walk
the parent's heap, which also keeps those memory pages shared with the parent instead of copied.
"""
from __future__ import annotations

import gc
from types import TracebackType


class BuildHeap:
    """A context for one build: the collector is paused from entry until settle(), and all is restored on exit."""

    def __init__(self, *, exiting: bool = False) -> None:
        self._enabled = False
        self._unfreeze = False
        self._settled = False
        self._exiting = exiting  # the process ends after this build: what it holds is never freed
        self._held: list[object] = []

    def __enter__(self) -> BuildHeap:
        self._enabled = gc.isenabled()
        # Objects someone else froze are left frozen: unfreezing cannot tell theirs from ours.
        self._unfreeze = gc.get_freeze_count() == 0
        gc.disable()
        return self

    def settle(self) -> None:
        """The long-lived data is loaded: keep it out of later collections and resume collecting."""
        if self._settled:
            return
        self._settled = True
        gc.freeze()
        if self._enabled:
            gc.enable()

    def hold(self, *objects: object) -> None:
        """Keep `objects` (what the build loaded) until the build ends, or until the process ends if it is exiting."""
        self._held.extend(objects)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._exiting:
            _UNTIL_EXIT.append(self._held)
        self._held = []
        if self._unfreeze:
            gc.unfreeze()
        if self._enabled:
            gc.enable()


_UNTIL_EXIT: list[list[object]] = []  # what exiting builds held: never freed, the process is ending


def in_forked_child() -> None:
    """What a forked worker does first: leave the inherited objects out of its collections, and collect."""
    gc.freeze()
    gc.enable()
