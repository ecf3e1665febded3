"""Located problems, the failures the library raises, and how each reads to a user (file:line:col where known)."""
from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, order=True)
class Problem:
    """One located finding about an input file; `severity` is "error" or "warning"."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}:{self.col}: {tag}{self.message}"


class DigestError(Exception):
    """Raised by the library for bad input; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("digest", 0, 0, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(problems, key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_order(p: Problem) -> tuple:
    return (p.file, p.line, p.col, p.message)


class NotAvailableYet(Exception):
    """The batch this command needs is not served by arXiv yet; nothing was changed (a later run may succeed)."""

    def __init__(self, message: str, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamError(Exception):
    """arXiv could not be reached (`unreachable`) or answered with something unusable."""

    def __init__(self, message: str, *, unreachable: bool):
        super().__init__(message)
        self.unreachable = unreachable


class Locked(Exception):
    """Another run holds the project lock."""


def describe(exc: BaseException, template_path: Callable[[str], str | None] = lambda filename: None) -> list[str]:
    """The lines that tell a user what went wrong, located as file:line:col where the error says where.

    `template_path` names a template file as messages show it (None for a file that is no template);
    the caller supplies it because theme lookup belongs to a later layer.
    """
    if isinstance(exc, DigestError):
        return [str(p) for p in exc.problems]
    if isinstance(exc, NotAvailableYet):
        return [str(exc)]
    if isinstance(exc, UpstreamError):
        return [f"error: {exc}"]
    if isinstance(exc, Locked):
        return [f"locked: {exc}"]
    # Only a template could have raised a jinja2 error; a run that never loaded jinja2 need not import it.
    jinja2 = sys.modules.get("jinja2")
    if jinja2 is not None and isinstance(exc, jinja2.TemplateSyntaxError):
        where = template_path(exc.filename) if exc.filename else None
        return [f"{where or 'templates/' + str(exc.name)}:{exc.lineno}:1: template error: {exc.message}"]
    if jinja2 is not None and isinstance(exc, jinja2.TemplateError):
        # The innermost template frame of the traceback is where a runtime error happened.
        where = None
        for frame in traceback.extract_tb(exc.__traceback__):
            shown = template_path(frame.filename)
            if shown is not None:
                where = f"{shown}:{frame.lineno}:1: "
        return [f"{where or ''}template error: {exc}"]
    if isinstance(exc, OSError):
        return [f"error: {exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}"]
    return [f"internal error: {type(exc).__name__}: {exc} (a bug; rerun with DIGEST_DEBUG=1 and report the traceback)"]
