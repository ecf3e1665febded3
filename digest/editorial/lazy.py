"""Dataclass instances some of whose fields are read from disk only when first used.

A build keeps every issue's view in memory, but only the pages of a few issues are rendered again: the
long prose of the others (card sections, intros, the editor's text) is left in the view cache's file
until a template reads it (see build/view_cache.py). Each class names those fields in `deferred`. A left-out field is absent from the instance's
`__dict__`; the first read of any absent field asks the instance's loader to fill in all of them, for
every object of that issue at once.

A view taken from the cache's index holds even less: only the fields its class names in `indexed`, what
planning the site reads of every issue. Its loader reads the rest of the view, which attaches the loader
of the long prose in its place; a field is looked for again after each loader.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Protocol


class Loader(Protocol):
    """Fills in the left-out fields of every object it was attached to."""

    def fill(self) -> None:
        """Set the fields (and detach itself); raise anything but AttributeError when it cannot."""


class Lazy:
    """Mixin for dataclasses whose instances may have fields left out and a loader attached (`_lazy`)."""

    deferred: ClassVar[tuple[str, ...]] = ()  # the fields that may be left out: long prose only some pages show
    # The fields a view from the cache's index has before its loader runs: what planning reads of every issue
    # (a field missing here only costs time: reading it reads the rest of that view).
    indexed: ClassVar[tuple[str, ...]] = ()

    def __setstate__(self, state: dict[str, Any]) -> None:
        # What unpickling does anyway; defined so that it does not look the method up through __getattr__
        # (a failed lookup per object, twelve per issue view).
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails. Dunder lookups (copy, pickle, Jinja2's __html__ test) must
        # not trigger a read from disk.
        state = self.__dict__
        loader = state.get("_lazy")
        while loader is not None and not name.startswith("__"):
            loader.fill()
            if name in state:
                return state[name]
            # Filled, and still absent: a field of the next loader's (the prose), or no field at all.
            loader, before = state.get("_lazy"), loader
            if loader is before:
                break
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {name!r}")


def lazy_fields(cls: type) -> type:
    """Class decorator, above @dataclass: a left-out field is read from disk, never taken from its default.

    A dataclass keeps a field's plain default (`title: str | None = None`) as a class attribute, which normal
    lookup would find before `__getattr__` is asked, so a left-out field would read as its default.
    The generated `__init__` holds its own copy of the defaults, so removing the class attributes loses none.
    Every field's is removed, not only the deferred ones': a view from the cache's index has only its
    `indexed` fields until its loader runs.
    """
    for f in fields(cls):
        if f.name in cls.__dict__:
            delattr(cls, f.name)
    return cls


def leave_out(obj: Lazy, names: tuple[str, ...], loader: Loader) -> dict[str, Any]:
    """Remove the fields `names` from `obj` and attach `loader`; the removed values, by name."""
    state = obj.__dict__
    removed = {name: state.pop(name) for name in names if name in state}
    state["_lazy"] = loader
    return removed


def put_back(obj: Lazy, values: dict[str, Any]) -> None:
    """Set fields that leave_out removed, and detach the loader."""
    state = obj.__dict__
    state.update(values)
    state.pop("_lazy", None)
