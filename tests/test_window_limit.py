"""A window has a limit: a previous issue published long ago is refused, not backfilled; --since starts it later."""
from __future__ import annotations

import importlib
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, write

from digest.cli import main
from digest.editorial.config import load_config
from digest.editorial.window_start import window_start
from digest.errors import DigestError, NotAvailableYet

KST = ZoneInfo("Asia/Seoul")
# Nothing listens on the discard port: a fetch that reached the network would fail with exit 3, not 1.
CONFIG = """
site:
  title: T
  base_url: https://example.org/
  timezone: Asia/Seoul
  topic: diffusion
schedule:
  cutoff: "09:00"
arxiv:
  api_url: http://127.0.0.1:9/api/query
  rss_url: http://127.0.0.1:9/rss
  listing_url: http://127.0.0.1:9/list
  delay_seconds: 0
"""


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+09:00")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project with no issues and an arXiv that cannot be reached."""
    write(tmp_path / "proj" / "digest.yaml", CONFIG)
    (tmp_path / "proj" / "issues").mkdir()
    return tmp_path / "proj"


def issue(root: Path, day: str, published: str) -> Path:
    return write(root / "issues" / f"{day}.yaml", f"date: {day}\npublished: {published}\npapers: []\n")


def shipped_issue(root: Path) -> tuple[Path, int]:
    """issues/2024-11-29.yaml as shipped, and the line of its `published:` key."""
    path = root / "issues" / "2024-11-29.yaml"
    shutil.copy(ROOT / "issues" / "2024-11-29.yaml", path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("published:"))
    return path, line


def digest(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), *args])


def test_a_19_month_window_is_refused_with_the_previous_issue_located_and_nothing_written(root, capsys):
    _, line = shipped_issue(root)
    code = digest(root, "fetch", "2026-07-01", "--now", "2026-07-01T09:30:00+09:00", "--quiet")
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"issues/2024-11-29.yaml:{line}:1: the issue of 2026-07-01 would cover 579 days")
    assert len(err.strip().splitlines()) == 1
    assert "2024-11-29 09:15 KST" in err and "max_window_days (7)" in err
    assert "--since 2026-06-30" in err and "digest nightly 2024-11-30" in err
    assert sorted(p.name for p in (root / "issues").iterdir()) == ["2024-11-29.yaml"]


def test_nightly_refuses_the_same_window_before_fetching_or_building(root, capsys):
    shipped_issue(root)
    assert digest(root, "nightly", "2026-07-01", "--now", "2026-07-01T09:30:00+09:00") == 1
    assert "max_window_days" in capsys.readouterr().err
    assert sorted(p.name for p in (root / "issues").iterdir()) == ["2024-11-29.yaml"]
    assert not (root / "site").exists()


def test_a_skipped_week_is_accepted(root):
    issue(root, "2026-06-24", "2026-06-24T09:24:00+09:00")
    start = window_start(load_config(root / "digest.yaml"), date(2026, 7, 1))
    assert start.window.start == at("2026-06-24", "09:24") and start.window.end == at("2026-07-01")
    assert start.previous == root / "issues" / "2026-06-24.yaml" and start.since is None


def test_the_limit_is_counted_from_the_cutoff_exactly_that_many_days_before(root):
    config = load_config(root / "digest.yaml")
    issue(root, "2026-06-24", "2026-06-24T09:00:00+09:00")
    assert window_start(config, date(2026, 7, 1)).window.start == at("2026-06-24")
    issue(root, "2026-06-24", "2026-06-24T08:59:00+09:00")
    with pytest.raises(DigestError) as info:
        window_start(config, date(2026, 7, 1))
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.col) == ("issues/2026-06-24.yaml", 2, 1)
    assert "would cover 7 days 1 min" in problem.message


def test_since_starts_the_window_at_that_dates_cutoff_at_any_length(root):
    shipped_issue(root)
    config = load_config(root / "digest.yaml")
    start = window_start(config, date(2026, 7, 1), since=date(2026, 6, 30))
    assert start.start == at("2026-06-30") and start.since == date(2026, 6, 30)
    assert start.previous == root / "issues" / "2024-11-29.yaml"
    assert window_start(config, date(2026, 7, 1), since=date(2026, 5, 1)).start == at("2026-05-01")
    with pytest.raises(ValueError, match="not before the issue date"):
        window_start(config, date(2026, 7, 1), since=date(2026, 7, 1))


@pytest.mark.parametrize("since", ["2026-07-01", "2026-07-02"])
def test_since_not_before_the_issue_date_is_a_usage_error(root, capsys, since):
    code = digest(root, "fetch", "2026-07-01", "--since", since, "--now", "2026-07-01T09:30:00+09:00")
    assert code == 2
    assert f"--since {since} is not before the issue date 2026-07-01" in capsys.readouterr().err
    assert digest(root, "nightly", "2026-07-01", "--since", since, "--now", "2026-07-01T09:30:00+09:00") == 2


def test_the_limit_defaults_to_7_and_is_read_from_digest_yaml(root):
    assert load_config(root / "digest.yaml").schedule.max_window_days == 7
    write(root / "digest.yaml", CONFIG.replace('  cutoff: "09:00"\n', '  cutoff: "09:00"\n  max_window_days: 14\n'))
    config = load_config(root / "digest.yaml")
    assert config.schedule.max_window_days == 14
    issue(root, "2026-06-21", "2026-06-21T09:24:00+09:00")
    assert window_start(config, date(2026, 7, 1)).start == at("2026-06-21", "09:24")


@pytest.mark.parametrize("value, words", [("0", "must be a whole number of days, 1 or more"),
                                          ("x", "must be a whole number, not text 'x'")])
def test_an_invalid_limit_is_a_located_config_error(root, value, words):
    path = write(root / "digest.yaml", CONFIG.replace('  cutoff: "09:00"\n', f'  cutoff: "09:00"\n  max_window_days: {value}\n'))
    with pytest.raises(DigestError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{path}:8:20: schedule.max_window_days {words}")


def test_without_a_previous_issue_the_window_is_one_normal_day(root):
    start = window_start(load_config(root / "digest.yaml"), date(2026, 7, 1))
    assert (start.start, start.window.end) == (at("2026-06-30"), at("2026-07-01"))
    assert start.previous is None and start.previous_published is None


def test_an_invalid_previous_issue_is_skipped(root):
    issue(root, "2026-06-29", "2026-06-29T09:24:00+09:00")
    write(root / "issues" / "2026-06-30.yaml", "date: 2026-06-30\npapers: not a list\n")
    start = window_start(load_config(root / "digest.yaml"), date(2026, 7, 1))
    assert start.previous == root / "issues" / "2026-06-29.yaml" and start.start == at("2026-06-29", "09:24")


def test_fetch_and_nightly_pass_the_since_window_to_the_fetcher(root, monkeypatch):
    fetch_run = importlib.import_module("digest.fetch.run")  # the module, not a name digest.fetch exports

    shipped_issue(root)
    starts = []

    def fake_fetch(config, issue_date, now, *, window=None, **_):
        starts.append(window.start)
        raise NotAvailableYet("not available yet", now)

    monkeypatch.setattr(fetch_run, "fetch_issue", fake_fetch)
    for command in ("fetch", "nightly"):
        assert digest(root, command, "2026-07-01", "--since", "2026-06-30", "--now", "2026-07-01T09:30:00+09:00") == 75
    assert starts == [at("2026-06-30"), at("2026-06-30")]


def test_an_issue_started_from_a_since_fetch_keeps_that_window(root):
    """`digest new` writes the fetched window into the editor file, so the page says what was fetched."""
    import json

    from digest.editorial.issues import load_issue

    shipped_issue(root)
    window = {"start": "2026-06-30T09:00:00+09:00", "end": "2026-07-01T09:00:00+09:00"}
    (root / "issues" / "2026-07-01.candidates.json").write_text(json.dumps(
        {"format": 1, "date": "2026-07-01", "source": "listing", "window": window, "candidates": []}))
    assert digest(root, "new", "2026-07-01") == 0
    issue = load_issue(root / "issues" / "2026-07-01.yaml", load_config(root / "digest.yaml"))
    assert (issue.window_start, issue.window_end) == (at("2026-06-30"), at("2026-07-01"))
    assert digest(root, "check") == 0


def test_an_issue_fetched_for_its_default_window_does_not_repeat_it(root):
    import json

    issue(root, "2026-06-30", "2026-06-30T09:24:00+09:00")
    window = {"start": "2026-06-30T09:24:00+09:00", "end": "2026-07-01T09:00:00+09:00"}
    (root / "issues" / "2026-07-01.candidates.json").write_text(json.dumps(
        {"format": 1, "date": "2026-07-01", "window": window, "candidates": []}))
    assert digest(root, "new", "2026-07-01") == 0
    assert "window:" not in (root / "issues" / "2026-07-01.yaml").read_text()
