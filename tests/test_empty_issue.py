"""No silent empty issue: an issue with no papers is started only on purpose and published only with a note.

`digest new` refuses a date with no candidates file or whose window had no arXiv announcement
(`--empty` starts one on purpose); `check` and `build` refuse an issue with no papers unless its
`note:` says why; `nightly` starts no editor file for such a window and says so.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from arxiv_server import Reply, arxiv_server, point_at  # noqa: F401 - the fixture
from conftest import copy_project, write

from digest.cli import main
from digest.editorial.yamlload import load_file

NOTE = "No announcement today: arXiv's Thanksgiving break"


@pytest.fixture
def root(tmp_path: Path, arxiv_server) -> Path:  # noqa: F811 - pytest fixture injection
    """The shipped config and templates with no issues, pointed at the local arXiv stand-in."""
    project = copy_project(tmp_path / "proj", issues=False)
    point_at(project, arxiv_server)
    return project


def digest(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), *args])


def editor_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "issues").glob("*.yaml"))


def calendar_candidates(root: Path, day: str, **overrides) -> None:
    """A candidates file as `digest fetch` writes it for a window with no announcement."""
    before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    data = {"format": 1, "date": day, "source": "calendar", "approximate": False,
            "window": {"start": f"{before}T09:00:00+09:00", "end": f"{day}T09:00:00+09:00"},
            "announcements": [], "counts": {"screened": 0, "matched": 0, "kept": 0, "enriched": 0},
            "candidates": [], **overrides}
    (root / "issues" / f"{day}.candidates.json").write_text(json.dumps(data), encoding="utf-8")


def one_paper_issue(root: Path, day: str) -> None:
    write(root / "issues" / f"{day}.yaml", f"""
        date: {day}
        papers:
          - title: A paper that is not on arXiv
            url: https://example.org/{day}
            scores: {{novelty: 5, relevance: 5, venue: 5, evidence: 5}}
        """)


# --- digest new -------------------------------------------------------------------------------------


def test_new_without_candidates_is_one_line_error_and_writes_nothing(root, capsys):
    assert digest(root, "new", "2024-12-02") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "issues/2024-12-02.candidates.json:0:0: no candidates file for 2024-12-02: run `digest fetch 2024-12-02` "
        "first, or `digest new 2024-12-02 --empty` to start a hand-written issue on purpose"]
    assert editor_files(root) == []


@pytest.mark.parametrize("overrides", [{}, {"source": "rss", "announcements": []}], ids=["calendar", "no-announcements"])
def test_new_refuses_a_window_without_announcement(root, capsys, overrides):
    calendar_candidates(root, "2024-12-01", **overrides)
    assert digest(root, "new", "2024-12-01") == 1
    err = capsys.readouterr().err
    assert ("no arXiv announcement in this window (weekend or holiday): nothing to start; "
            "`digest new 2024-12-01 --empty` writes one anyway") in err
    assert len(err.splitlines()) == 1
    assert editor_files(root) == []


def test_empty_starts_an_issue_whose_note_check_flags_until_filled(root, capsys):
    calendar_candidates(root, "2024-11-30")
    assert digest(root, "new", "2024-11-30", "--empty") == 0
    assert "created issues/2024-11-30.yaml with no papers, on purpose: write its note:" in capsys.readouterr().out
    path = root / "issues" / "2024-11-30.yaml"
    text = path.read_text(encoding="utf-8")
    assert "papers: []" in text and 'note: ""' in text
    line = text.splitlines().index('note: ""') + 1
    # The placeholder is not a note: the editor must say why there are no papers.
    assert digest(root, "check") == 1
    assert (f"issues/2024-11-30.yaml:{line}:1: the issue has no papers and its note is empty; write why there are "
            "none (e.g. note: no announcement today), or add papers") in capsys.readouterr().out
    assert digest(root, "build") == 1
    assert not (root / "site").exists()
    path.write_text(text.replace('note: ""', f'note: "{NOTE}"'), encoding="utf-8")
    assert digest(root, "check") == 0
    assert digest(root, "build") == 0
    page = (root / "site" / "2024" / "11" / "30" / "index.html").read_text(encoding="utf-8")
    assert '<p class="issue-note">No announcement today: arXiv&#39;s Thanksgiving break</p>' in page


def test_a_window_with_nothing_on_topic_starts_an_issue_whose_note_says_so(root):
    calendar_candidates(root, "2024-11-29", source="rss", announcements=[{"announced": "2024-11-27T20:00:00-05:00"}])
    assert digest(root, "new", "2024-11-29") == 0
    data = load_file(root / "issues" / "2024-11-29.yaml").data
    assert data["papers"] == [] and data["intro"] == ""
    assert data["note"] == "No papers today: this issue's arXiv window brought no new paper about diffusion."
    assert digest(root, "check") == 0


def test_empty_works_without_a_candidates_file(root):
    assert digest(root, "new", "2024-12-02", "--empty") == 0
    assert 'note: ""' in (root / "issues" / "2024-12-02.yaml").read_text(encoding="utf-8")


# --- check and build --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "build"])
def test_an_issue_with_no_papers_and_no_note_is_a_located_error(root, capsys, command):
    write(root / "issues" / "2024-12-02.yaml", "date: 2024-12-02\nintro: Hello.\npapers: []\n")
    assert digest(root, command) == 1
    out, err = capsys.readouterr()
    assert ("issues/2024-12-02.yaml:3:1: the issue has no papers; add papers, or a note: saying why there are none "
            "(e.g. note: no announcement today)") in out + err
    assert not (root / "site").exists()


def test_an_issue_whose_papers_are_all_excluded_needs_a_note_too(root, capsys):
    write(root / "issues" / "2024-12-02.yaml", 'date: 2024-12-02\npapers:\n  - arxiv: "2411.00001"\n    exclude: true\n')
    assert digest(root, "check") == 1
    assert "issues/2024-12-02.yaml:2:1: every paper of the issue is excluded" in capsys.readouterr().out


def test_a_notice_with_no_papers_is_published_with_its_note(root):
    one_paper_issue(root, "2024-11-29")
    write(root / "issues" / "2024-11-30.yaml", f'date: 2024-11-30\nnote: "{NOTE}"\npapers: []\n')
    one_paper_issue(root, "2024-12-03")
    assert digest(root, "check") == 0
    assert digest(root, "build") == 0
    site = root / "site"
    escaped = "No announcement today: arXiv&#39;s Thanksgiving break"
    assert f'<p class="issue-note">{escaped}</p>' in (site / "2024" / "11" / "30" / "index.html").read_text("utf-8")
    archive = (site / "archive" / "index.html").read_text(encoding="utf-8")
    assert f'title="{escaped}"' in archive  # the calendar cell's tooltip
    assert f'<span class="muted">{escaped}</span>' in archive  # the month's list of issues
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert '&lt;p class="issue-note"&gt;No announcement today: arXiv&amp;#39;s Thanksgiving break&lt;/p&gt;' in feed


def test_the_archive_labels_days_whose_window_had_no_announcement(root):
    """Nov 30 2024 (Seoul) holds only Thanksgiving's skipped announcement (a shipped holiday), Dec 1-2 none."""
    one_paper_issue(root, "2024-11-29")
    one_paper_issue(root, "2024-12-03")
    assert digest(root, "build") == 0
    archive = (root / "site" / "archive" / "index.html").read_text(encoding="utf-8")
    assert ('<td class="cal-holiday" title="No issue: arXiv holiday (November 28, US Eastern), so this day&#39;s '
            'window is empty."><span class="cal-num">30</span>') in archive
    assert '<td class="cal-weekend" title="No issue: arXiv makes no announcement on Friday or Saturday' in archive
    for day in (1, 2):
        assert f'<span class="cal-num">{day}</span> <span class="cal-why">weekend</span>' in archive


# --- nightly ----------------------------------------------------------------------------------------


def test_nightly_on_a_weekend_window_starts_no_issue_and_says_why(root, arxiv_server, capsys):  # noqa: F811
    one_paper_issue(root, "2024-11-29")
    assert digest(root, "nightly", "2024-12-01", "--now", "2024-12-01T09:30:00+09:00") == 0
    err = capsys.readouterr().err
    assert "no arXiv announcement in this window (weekend or holiday), wrote issues/2024-12-01.candidates.json" in err
    assert "digest nightly 2024-12-01: no arXiv announcement in this window (weekend or holiday): no issue for 2024-12-01" in err
    assert editor_files(root) == ["2024-11-29.yaml"]
    assert arxiv_server.count() == 0
    assert (root / "site" / "2024" / "11" / "29" / "index.html").is_file()  # the site is still rebuilt


def test_nightly_after_a_failed_first_fetch_starts_no_issue(root, arxiv_server, capsys):  # noqa: F811
    arxiv_server.route("/rss/cs.CV+cs.LG+cs.CL", Reply(503, b"down", headers={"Retry-After": "0"}))
    one_paper_issue(root, "2024-11-28")
    assert digest(root, "nightly", "2024-11-29", "--now", "2024-11-29T08:30:00+09:00") == 3
    err = capsys.readouterr().err
    assert "no candidates file: no issue for 2024-11-29" in err
    assert editor_files(root) == ["2024-11-28.yaml"]
    assert (root / "site" / "2024" / "11" / "28" / "index.html").is_file()
