"""`digest new` and `digest nightly` against a local arXiv: idempotent, never touching the editor's file."""
from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from arxiv_server import Reply, arxiv_server, point_at  # noqa: F401 - the fixture
from conftest import copy_project

from digest.build.lock import project_lock
from digest.cli import main
from digest.editorial.config import load_config

FEED = "rss_all-archives_combined_2024-11-28.xml"
NOW = "2024-11-29T08:30:00+09:00"


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def api_from_feed(request) -> Reply:
    """id_list lookups answered with minimal entries built from the ids asked for."""
    entries = []
    for ident in request.param("id_list").split(","):
        entries.append(f"<entry><id>http://arxiv.org/abs/{ident}v1</id><title>T {ident}</title>"
                       "<published>2024-11-27T10:00:00Z</published><updated>2024-11-27T10:00:00Z</updated>"
                       "<summary>A diffusion model.</summary><author><name>A. Author</name></author>"
                       '<arxiv:primary_category term="cs.CV"/><category term="cs.CV"/></entry>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">'
            f"<id>x</id><title>x</title><updated>2024-11-28T00:00:00Z</updated>"
            f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>"
            + "".join(entries) + "</feed>")
    return Reply(200, body.encode())


@pytest.fixture
def site_project(tmp_path, arxiv_server):  # noqa: F811 - pytest fixture injection
    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server)
    arxiv_server.route("/rss/cs.CV+cs.LG+cs.CL", Reply.fixture(FEED))
    arxiv_server.route("/api/query", api_from_feed)
    return root


def digest(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), *args])


def test_nightly_fetches_starts_the_issue_and_builds(site_project, capsys):
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    err = capsys.readouterr().err
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0900 digest nightly 2024-11-29: window ", err, re.M)
    editor = site_project / "issues" / "2024-11-29.yaml"
    text = editor.read_text()
    assert text.count("\n  - arxiv: ") == 5
    assert "#   relevance " in text and 'decision: ""' in text
    assert digest(site_project, "check") == 0
    page = (site_project / "site" / "2024" / "11" / "29" / "index.html").read_text()
    assert "Not yet reviewed" in page


def test_second_nightly_with_nothing_new_changes_no_file(site_project):
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    before = tree(site_project / "issues") | {f"site/{k}": v for k, v in tree(site_project / "site").items()}
    site_inode = (site_project / "site").stat().st_ino
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    after = tree(site_project / "issues") | {f"site/{k}": v for k, v in tree(site_project / "site").items()}
    assert before == after
    assert (site_project / "site").stat().st_ino == site_inode


def test_editor_edit_survives_nightly_and_new_candidates_arrive(site_project, arxiv_server, capsys):  # noqa: F811
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    editor = site_project / "issues" / "2024-11-29.yaml"
    edited = editor.read_text().replace('intro: ""', "intro: An editor wrote this.")
    editor.write_text(edited)
    saved = datetime.fromisoformat("2024-11-29T08:45:00+09:00").timestamp()  # after the first fetch, before the next
    os.utime(editor, (saved, saved))
    raw = (Path(__file__).parent / "fixtures" / "arxiv" / FEED).read_bytes()
    extra = (b"<item><title>A Late Flow Matching Paper</title><link>https://arxiv.org/abs/2411.99999</link>"
             b"<description>arXiv:2411.99999v1 Announce Type: new \nAbstract: Flow matching for diffusion.</description>"
             b"<category>cs.LG</category><dc:creator>Late Author</dc:creator></item>")
    arxiv_server.route("/rss/cs.CV+cs.LG+cs.CL", Reply(200, raw.replace(b"</channel>", extra + b"</channel>")))
    assert digest(site_project, "nightly", "2024-11-29", "--now", "2024-11-29T10:00:00+09:00") == 0
    assert editor.read_text() == edited
    ids = {c["id"] for c in json.loads((site_project / "issues" / "2024-11-29.candidates.json").read_text())["candidates"]}
    assert "2411.99999" in ids
    assert "An editor wrote this." in (site_project / "site" / "2024" / "11" / "29" / "index.html").read_text()
    assert digest(site_project, "rank", "2024-11-29") == 0
    out = capsys.readouterr().out
    assert "new since you last edited (1):" in out and "2411.99999  A Late Flow Matching Paper" in out
    assert digest(site_project, "check") == 0
    assert "warning: new since you last edited: 2411.99999" in capsys.readouterr().out


def test_fetch_failure_still_rebuilds_and_exits_nonzero(site_project, arxiv_server, capsys):  # noqa: F811
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    cands = site_project / "issues" / "2024-11-29.candidates.json"
    before = cands.read_bytes()
    (site_project / "issues" / "2024-11-29.yaml").write_text(
        (site_project / "issues" / "2024-11-29.yaml").read_text().replace('intro: ""', "intro: Edited."))
    arxiv_server.route("/rss/cs.CV+cs.LG+cs.CL", Reply(503, b"down", headers={"Retry-After": "0"}))
    code = digest(site_project, "nightly", "2024-11-29", "--now", NOW)
    assert code == 3
    assert cands.read_bytes() == before
    assert "Edited." in (site_project / "site" / "2024" / "11" / "29" / "index.html").read_text()
    assert "rebuilding the site from what exists" in capsys.readouterr().err


def test_not_available_yet_exits_75_and_writes_nothing(site_project, capsys):
    code = digest(site_project, "nightly", "2024-11-29", "--now", "2024-11-28T09:55:00+09:00")
    assert code == 75
    assert "retry after 10:00" in capsys.readouterr().err
    assert not (site_project / "site").exists()
    assert not list((site_project / "issues").iterdir())


def test_second_concurrent_run_exits_locked(site_project, capsys):
    config = load_config(site_project / "digest.yaml")
    with project_lock(config.cache_dir, "test"):
        assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 6
    assert "locked" in capsys.readouterr().err
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0  # the lock is free again


def test_new_never_overwrites(site_project, capsys):
    assert digest(site_project, "fetch", "2024-11-29", "--now", NOW, "--quiet") == 0
    assert digest(site_project, "new", "2024-11-29") == 0
    editor = site_project / "issues" / "2024-11-29.yaml"
    editor.write_text(editor.read_text() + "# mine\n")
    before = editor.read_bytes()
    assert digest(site_project, "new", "2024-11-29") == 1
    assert editor.read_bytes() == before
    assert "already exists" in capsys.readouterr().err


def test_new_without_candidates_is_refused_and_writes_nothing(site_project, capsys):
    # The contract changed (issue 18): an issue with no papers is started only on purpose, with --empty.
    assert digest(site_project, "new", "2024-12-02") == 1
    assert "run `digest fetch 2024-12-02` first" in capsys.readouterr().err
    assert not (site_project / "issues" / "2024-12-02.yaml").exists()


def test_rank_explain_gives_each_signal_its_reason(site_project, capsys):
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    capsys.readouterr()
    first = json.loads((site_project / "issues" / "2024-11-29.candidates.json").read_text())["candidates"][0]["id"]
    assert digest(site_project, "rank", "2024-11-29", "--explain", first) == 0
    out = capsys.readouterr().out
    for signal in ("novelty", "relevance", "venue", "evidence"):
        assert re.search(rf"^  {signal}\s+(automatic \d+: .+|\d+ set by the editor.*|no score.*)$", out, re.M), out
    assert digest(site_project, "rank", "2024-11-29", "--explain", "9999.99999") == 1


def test_a_paper_featured_before_is_marked_and_not_proposed_again(site_project):
    (site_project / "issues" / "2024-11-28.yaml").write_text(
        'date: 2024-11-28\npapers:\n  - arxiv: "2411.18263"\n    short: TSD-SR\n'
        "    scores: {novelty: 8, relevance: 9, venue: 5, evidence: 7}\n")
    assert digest(site_project, "nightly", "2024-11-29", "--now", NOW) == 0
    cands = {c["id"]: c for c in json.loads((site_project / "issues" / "2024-11-29.candidates.json").read_text())["candidates"]}
    seen = cands["2411.18263"]
    assert seen["seen_before"] == {"issue": "2024-11-28", "url": "2024/11/28/"}
    assert seen["proposed"] is False
    assert sum(1 for c in cands.values() if c.get("seen_before")) == 1
    assert '"2411.18263' not in (site_project / "issues" / "2024-11-29.yaml").read_text()
