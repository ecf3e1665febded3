"""Read the machine-owned candidates file, issues/<date>.candidates.json."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import DigestError, Problem

FORMAT = 1


@dataclass
class Candidates:
    """A fetched window: its metadata and the candidate papers by versionless id."""

    path: Path
    data: dict
    by_id: dict[str, dict] = field(default_factory=dict)

    @property
    def papers(self) -> list[dict]:
        """Every candidate, in file order."""
        return list(self.by_id.values())


def candidates_path(issues_dir: Path, issue_date: date) -> Path:
    """Where the candidates file of an issue lives."""
    return issues_dir / f"{issue_date.isoformat()}.candidates.json"


def load_candidates(path: Path, display: str | None = None) -> Candidates | None:
    """The candidates file at `path`, None when there is none; DigestError when it is unreadable."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DigestError(Problem(file, 0, 0, f"cannot read candidates file: {exc.strerror or exc}")) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line, col = (getattr(exc, "lineno", 1), getattr(exc, "colno", 1))
        raise DigestError(Problem(file, line, col, "candidates file is damaged; run `digest fetch --refresh DATE` to rewrite it")) from None
    if not isinstance(data, dict) or not isinstance(data.get("candidates", []), list):
        raise DigestError(Problem(file, 1, 1, "candidates file has an unexpected shape; run `digest fetch --refresh DATE` to rewrite it"))
    if int(data.get("format", 0) or 0) > FORMAT:
        raise DigestError(Problem(file, 1, 1, f"candidates file format {data.get('format')} is newer than this digest understands; upgrade paper-digest"))
    by_id = {}
    for item in data.get("candidates", []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            by_id[item["id"]] = item
    return Candidates(path=path, data=data, by_id=by_id)
