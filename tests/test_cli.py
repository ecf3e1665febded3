"""The `digest` command line: exit codes, located messages, no tracebacks."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import write

from digest import cli
from digest.cli import main
from digest.errors import DigestError, Locked, NotAvailableYet, Problem, UpstreamError, describe


def run(project, *args, capsys):
    code = main(["--config", str(project / "digest.yaml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_shipped_project(project, capsys):
    # A year whose arXiv holidays are known: from 2027 on, the real clock's year would add a warning.
    code, out, err = run(project, "check", "--now", "2026-07-01T09:30:00+09:00", capsys=capsys)
    assert code == 0 and out == ""
    assert "0 errors" in err


BAD_FILES = {
    "unknown key": ('  - arxiv: "2606.32020"\n    tagine: x\n', "did you mean 'tagline'?"),
    "bad id": ('  - arxiv: "26.1"\n', "is not an arXiv id"),
    "score range": ('  - arxiv: "2606.32020"\n    scores: {venue: 11}\n', "from 0 to 10"),
    "duplicate": ('  - arxiv: "2606.32020"\n  - arxiv: "2606.32020v2"\n', "listed twice"),
    "javascript url": ('  - title: X\n    url: "javascript:alert(1)"\n', "http:// or https://"),
    "yaml syntax": ('  - arxiv: "2606.32020\n', "YAML syntax error"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_check_reports_each_kind_of_bad_file_located_without_traceback(project, capsys, kind):
    body, words = BAD_FILES[kind]
    write(project / "issues" / "2026-07-02.yaml", "date: 2026-07-02\npapers:\n" + body)
    code, out, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert out.startswith("issues/2026-07-02.yaml:") and words in out
    assert "Traceback" not in out + err
    # The summary counts the files read, the broken one included (2 shipped + this one).
    assert "checked digest.yaml and 3 issue files: 1 error" in err


def test_check_reports_date_mismatch(project, capsys):
    write(project / "issues" / "2026-07-03.yaml", "date: 2026-07-02\npapers: []\n")
    code, out, _ = run(project, "check", capsys=capsys)
    assert code == 1 and "issues/2026-07-03.yaml:1:7: date 2026-07-02 does not match the file name" in out


def test_check_warns_about_missing_scores_but_passes(project, capsys):
    write(project / "issues" / "2026-07-02.yaml", 'date: 2026-07-02\npapers:\n  - arxiv: "2607.00001"\n    scores: {novelty: 3}\n')
    code, out, _ = run(project, "check", capsys=capsys)
    assert code == 0
    assert "issues/2026-07-02.yaml:3:5: warning: 2607.00001: no score for relevance, venue, evidence" in out


def test_bad_config_exits_1_with_location(project, capsys):
    (project / "digest.yaml").write_text("site:\n  title: x\n  base_url: https://e.org/\n  timezone: UTC\n  topic: t\n  colour: red\n")
    code, _, err = run(project, "build", capsys=capsys)
    assert code == 1 and "digest.yaml:6:3: unknown key 'colour' in site" in err


def test_build_prints_one_summary_line_with_pages_written_and_unchanged(project, capsys):
    code, out, _ = run(project, "build", capsys=capsys)
    assert code == 0
    shipped = len(list((project / "issues").glob("????-??-??.yaml")))
    m = re.fullmatch(rf"built {shipped} issues into .*site/: (\d+) pages, (\d+) written, (\d+) unchanged, in [\d.]+ s\n", out)
    assert m, out
    pages, written, unchanged = map(int, m.groups())
    assert written == pages and unchanged == 0
    assert (project / "site" / "index.html").is_file()
    # Editing one issue's intro rewrites its page and the pages that show it, not the whole site.
    issue = sorted((project / "issues").glob("????-??-??.yaml"))[0]
    issue.write_text(issue.read_text().replace("intro: |\n", "intro: |\n  A new first sentence.\n", 1))
    code, out, _ = run(project, "build", capsys=capsys)
    m = re.fullmatch(rf"built {shipped} issues into .*site/: (\d+) pages, (\d+) written, (\d+) unchanged, in [\d.]+ s\n", out)
    assert code == 0 and m, out
    assert 0 < int(m[2]) < pages and int(m[2]) + int(m[3]) == pages
    code, out, _ = run(project, "build", capsys=capsys)
    assert code == 0 and f"{pages} pages, 0 written, {pages} unchanged" in out


def test_rank_table_shows_each_signal_with_its_source(project, capsys):
    code, out, _ = run(project, "rank", "2026-07-01", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["#", "paper", "novelty", "relevance", "venue", "evidence", "total"]
    assert lines[2].startswith("1  Cross-Space Distillation") and lines[2].endswith("34")
    assert "9 editor" in lines[2]
    assert len(lines) == 7


def test_rank_json_for_scripts(project, capsys):
    code, out, _ = run(project, "rank", "2026-07-01", "--format", "json", capsys=capsys)
    rows = json.loads(out)
    assert code == 0 and [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    first = rows[0]
    assert first["id"] == "2606.32020" and first["venue"] == "ECCV 2026" and first["total"] == 34
    assert first["signals"]["novelty"] == {"value": 9.0, "source": "editor"}
    assert rows[2]["code"] == "https://github.com/UnicomAI/OTCache"
    assert rows[3]["id"] is None and rows[3]["url"].startswith("https://sjtu-deng-lab.github.io/")


def test_rank_of_a_date_without_issue_says_what_to_do(project, capsys):
    code, _, err = run(project, "rank", "2026-07-09", capsys=capsys)
    assert code == 1 and "issues/2026-07-09.yaml" in err and "no issue file" in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["rank", "not-a-date"])
    assert info.value.code == 2


@pytest.mark.parametrize("exc, code, text", [
    (DigestError(Problem("issues/x.yaml", 2, 3, "bad")), 1, "issues/x.yaml:2:3: bad"),
    (UpstreamError("arXiv API at h: timed out after 3 attempts", unreachable=True), 3,
     "error: arXiv API at h: timed out after 3 attempts"),
    (UpstreamError("arXiv API at h: malformed XML", unreachable=False), 4, "error: arXiv API at h: malformed XML"),
    (PermissionError(13, "Permission denied", "site/index.html"), 5, "error: Permission denied: site/index.html"),
    (Locked("digest build (pid 7) holds the lock"), 6, "locked: digest build (pid 7) holds the lock"),
    (RuntimeError("boom"), 70,
     "internal error: RuntimeError: boom (a bug; rerun with DIGEST_DEBUG=1 and report the traceback)"),
    (NotAvailableYet("the batch is not available yet, retry after 10:00 KST", None), 75,
     "the batch is not available yet, retry after 10:00 KST"),
], ids=["invalid", "unreachable", "upstream", "disk", "locked", "internal", "not-yet"])
def test_each_library_failure_is_described_once_and_mapped_to_its_exit_code(exc, code, text, capsys, monkeypatch):
    monkeypatch.delenv("DIGEST_DEBUG", raising=False)
    assert cli._report(exc) == code
    assert capsys.readouterr().err == text + "\n"
    assert describe(exc) == [text]  # the same words `digest serve` shows


@pytest.mark.parametrize("outcome, code", [("DONE", 0), ("UNREACHABLE", 3), ("UPSTREAM", 4), ("NOT_YET", 75)])
def test_each_nightly_outcome_has_its_exit_code(project, monkeypatch, outcome, code):
    import digest.commands.nightly as nightly

    monkeypatch.setattr(nightly, "run_nightly",
                        lambda *a, **kw: nightly.NightlyResult(outcome=nightly.NightlyOutcome[outcome]))
    assert main(["--config", str(project / "digest.yaml"), "nightly", "2026-07-01",
                 "--now", "2026-07-01T09:30:00+09:00"]) == code


def test_the_command_ends_with_its_output_written_exit_handlers_run_and_its_exit_code(project, tmp_path):
    # run() ends the process without tearing the interpreter down: nothing it owes may be lost on the way.
    marker = tmp_path / "exit-handler-ran"
    script = ("import atexit, pathlib, sys; from digest.cli import run; "
              f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes'); "
              "sys.argv = ['digest'] + sys.argv[1:]; run()")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output to a pipe is buffered
    proc = subprocess.run([sys.executable, "-c", script, "build"], capture_output=True, text=True, cwd=project,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("built ") and proc.stdout.endswith(" s\n")
    assert marker.read_text() == "yes"
    marker.unlink()
    (project / "issues" / "2026-06-30.yaml").write_text("date: [unclosed\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", script, "build"], capture_output=True, text=True, cwd=project,
                          env=env)
    assert proc.returncode == 1 and "issues/2026-06-30.yaml:1:7: YAML syntax error" in proc.stderr
    assert marker.read_text() == "yes"


def test_console_script_runs_and_documents_exit_codes(project):
    env = {**os.environ, "PYTHONPATH": ""}
    proc = subprocess.run([sys.executable, "-m", "digest", "--help"], capture_output=True, text=True, env=env, cwd=project)
    assert proc.returncode == 0 and "exit codes:" in proc.stdout and "75" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "digest", "check"], capture_output=True, text=True, cwd=project)
    assert proc.returncode == 0
