"""Read the machine-owned candidates file, issues/<date>.candidates.json."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import DigestError, Problem

FORMAT = 1
# A real window's file is a few MB at most (a few hundred candidates of a few kB); anything far larger is
# damage or hostile input, refused before it is parsed so a build stays fast and its memory bounded.
MAX_BYTES = 32 * 1024 * 1024
MAX_FIELD_CHARS = 100_000  # one title, abstract, comment ...: arXiv caps abstracts at 1,920 characters


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
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DigestError(Problem(file, 1, 1, f"candidates file is larger than {MAX_BYTES // (1024 * 1024)} MiB "
                                                  f"({size // (1024 * 1024)} MiB); run `digest fetch --refresh DATE` to rewrite it"))
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
    except RecursionError:  # the decoder's limit: arrays or objects nested thousands deep
        raise DigestError(Problem(file, 1, 1, "candidates file is nested too deeply to be a candidates file; "
                                              "run `digest fetch --refresh DATE` to rewrite it")) from None
    if not isinstance(data, dict) or not isinstance(data.get("candidates", []), list):
        raise DigestError(Problem(file, 1, 1, "candidates file has an unexpected shape; run `digest fetch --refresh DATE` to rewrite it"))
    if int(data.get("format", 0) or 0) > FORMAT:
        raise DigestError(Problem(file, 1, 1, f"candidates file format {data.get('format')} is newer than this digest understands; upgrade paper-digest"))
    by_id = {}
    for item in data.get("candidates", []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            too_long = _too_long(item)
            if too_long:
                raise DigestError(Problem(file, 1, 1, f"candidate {item['id'][:40]}: {too_long} is longer than "
                                                      f"{MAX_FIELD_CHARS:,} characters; run `digest fetch --refresh DATE` to rewrite it"))
            by_id[item["id"]] = item
    return Candidates(path=path, data=data, by_id=by_id)


def _too_long(item: dict) -> str | None:
    """The name of the first text field (or list of texts) of a candidate longer than MAX_FIELD_CHARS."""
    for key, value in item.items():
        if isinstance(value, str):  # most fields: no list to make and sum (60 candidates an issue, 20 fields each)
            size = len(value)
        elif isinstance(value, list):
            size = sum(len(t) for t in value if isinstance(t, str))
        else:
            continue
        if size > MAX_FIELD_CHARS:
            return str(key)[:40]
    return None
