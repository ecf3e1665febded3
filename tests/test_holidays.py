"""arXiv's holidays without yearly upkeep: the package ships arXiv's published schedules, merged with
`schedule.holidays`; `check` and `nightly` warn when the current year has no schedule."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from arxiv_server import arxiv_server, point_at  # noqa: F401 - the fixture
from conftest import copy_project, write

from digest.cli import main
from digest.editorial.config import load_config
from digest.editorial.holidays import shipped_schedules
from digest.editorial.window import ET, announcements_in, is_announcement_day, latest_announcement_before

MINIMAL = """
site:
  title: T
  base_url: https://example.org/
  timezone: Asia/Seoul
  topic: t
"""
# As arXiv published them (info.arxiv.org/help/availability.html), and as ../shared/DESIGN.md lists 2026.
THANKSGIVING = {2023: date(2023, 11, 23), 2024: date(2024, 11, 28), 2025: date(2025, 11, 27), 2026: date(2026, 11, 26)}
DESIGN_2026 = {date(2026, 1, 1), date(2026, 1, 19), date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7),
               date(2026, 11, 26), date(2026, 12, 25), date(2026, 12, 29), date(2026, 12, 31)}


def digest(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), *args])


def test_the_shipped_schedules_are_arxivs():
    shipped = shipped_schedules()
    assert sorted(shipped) == [2023, 2024, 2025, 2026]
    assert all(day.year == year for year, days in shipped.items() for day in days)
    assert all(THANKSGIVING[year] in days for year, days in shipped.items())
    assert shipped[2026] == DESIGN_2026
    assert {date(2024, 12, 25), date(2024, 12, 26), date(2024, 12, 31), date(2025, 7, 6)} <= shipped[2024] | shipped[2025]


def test_a_config_without_holidays_gets_the_shipped_ones(tmp_path):
    config = load_config(write(tmp_path / "digest.yaml", MINIMAL))
    assert config.schedule.holidays == frozenset().union(*shipped_schedules().values())


def test_schedule_holidays_are_added_to_the_shipped_ones(tmp_path):
    config = load_config(write(tmp_path / "digest.yaml", MINIMAL + "schedule:\n  holidays: [2027-01-01, 2025-11-27]\n"))
    assert date(2027, 1, 1) in config.schedule.holidays
    assert config.schedule.holidays == frozenset({date(2027, 1, 1)}).union(*shipped_schedules().values())


def test_thanksgiving_2025_has_no_announcement_and_its_batch_goes_out_on_sunday(tmp_path):
    config = load_config(write(tmp_path / "digest.yaml", MINIMAL))
    holidays, tz = config.schedule.holidays, config.site.tz
    assert not is_announcement_day(date(2025, 11, 27), holidays)
    assert is_announcement_day(date(2025, 11, 27), ())  # a Thursday: only the holiday stops it
    # The Seoul issue of Sat 29 Nov would hold Thursday's 20:00 ET announcement: its window is empty.
    assert announcements_in(config.schedule.window(date(2025, 11, 29), tz), holidays) == []
    # Sunday's announcement carries everything submitted since Wednesday's deadline.
    sunday = latest_announcement_before(datetime(2025, 11, 30, 20, 0, tzinfo=ET), holidays)
    assert sunday.announced == datetime(2025, 11, 30, 20, 0, tzinfo=ET)
    assert sunday.submissions_start == datetime(2025, 11, 26, 14, 0, tzinfo=ET)


def test_check_warns_naming_a_year_without_a_schedule(tmp_path, capsys):
    root = copy_project(tmp_path / "proj", issues=False)
    assert digest(root, "check", "--now", "2027-03-01T10:00:00+09:00") == 0
    out, err = capsys.readouterr()
    line = (root / "digest.yaml").read_text().splitlines().index("schedule:") + 1
    assert out == (f"{root / 'digest.yaml'}:{line}:1: warning: no arXiv holiday schedule for 2027 is known to this "
                   "version; add arXiv's published holidays to schedule.holidays "
                   "(https://info.arxiv.org/help/availability.html) or upgrade paper-digest\n")
    assert "0 errors, 1 warning" in err


@pytest.mark.parametrize("now", ["2026-12-31T23:59:00+09:00", "2024-02-01T10:00:00+09:00"])
def test_check_does_not_warn_for_a_shipped_year(tmp_path, capsys, now):
    root = copy_project(tmp_path / "proj", issues=False)
    assert digest(root, "check", "--now", now) == 0
    assert capsys.readouterr().out == ""


def test_the_year_is_the_display_zones(tmp_path, capsys, monkeypatch):
    root = copy_project(tmp_path / "proj", issues=False)
    monkeypatch.setenv("DIGEST_NOW", "2026-12-31T16:00:00+00:00")  # 2027-01-01 01:00 in Seoul
    assert digest(root, "check") == 0
    assert "no arXiv holiday schedule for 2027" in capsys.readouterr().out


def test_a_year_listed_in_schedule_holidays_needs_no_warning(tmp_path, capsys):
    root = copy_project(tmp_path / "proj", issues=False)
    cfg = root / "digest.yaml"
    cfg.write_text(cfg.read_text().replace("holidays: [", "holidays: [2027-01-01, "))
    assert digest(root, "check", "--now", "2027-03-01T10:00:00+09:00") == 0
    assert capsys.readouterr().out == ""


def test_nightly_warns_too(tmp_path, arxiv_server, capsys):  # noqa: F811
    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server)
    # Sat 2 Jan 2027 in Seoul: its window holds only Thu 31 Dec 2026, a shipped holiday, so nothing is fetched.
    now = datetime(2027, 1, 2, 9, 30, tzinfo=load_config(root / "digest.yaml").site.tz)
    assert digest(root, "nightly", "2027-01-02", "--now", now.isoformat()) == 0
    err = capsys.readouterr().err
    assert "warning: no arXiv holiday schedule for 2027 is known to this version" in err
    assert "no arXiv announcement in this window (weekend or holiday): no issue for 2027-01-02" in err
    assert arxiv_server.count() == 0
