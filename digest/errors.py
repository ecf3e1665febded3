"""Located problems: every user-facing error names a file, a line and a column."""
from __future__ import annotations

from dataclasses import dataclass


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
    """The batch this command needs is not served by arXiv yet; nothing was changed."""

    exit_code = 75  # EX_TEMPFAIL: cron may retry

    def __init__(self, message: str, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamError(Exception):
    """arXiv could not be reached (exit 3) or answered with something unusable (exit 4)."""

    def __init__(self, message: str, *, unreachable: bool):
        super().__init__(message)
        self.exit_code = 3 if unreachable else 4


class Locked(Exception):
    """Another run holds the project lock."""

    exit_code = 6
