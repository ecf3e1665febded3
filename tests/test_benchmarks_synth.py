"""The synthetic-archive generator behind benchmarks/archive.py: deterministic, valid, buildable."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import benchmark_script

from digest.cli import main

ROOT = Path(__file__).resolve().parent.parent
ISSUES = 3


synth = benchmark_script("synth")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "archive"
    synth.generate(out, ISSUES, seed=1)
    return out


def test_two_runs_are_byte_identical(archive: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    synth.main([str(again), "--issues", str(ISSUES), "--seed", "1"])
    first, second = _files(archive), _files(again)
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def test_an_issue_added_afterwards_is_the_one_a_longer_archive_holds(archive: Path, tmp_path: Path) -> None:
    # benchmarks/archive.py's nightly phase adds the next day's issue with write_issue.
    grown = tmp_path / "grown"
    synth.generate(grown, ISSUES, seed=1)
    _, written = synth.write_issue(grown, synth.END.fromordinal(synth.END.toordinal() + 1), 1, synth.read_site(grown))
    assert sorted(p.relative_to(grown).as_posix() for p in written) == [
        "hugo/content/issues/2026-07-02.md", "issues/2026-07-02.candidates.json", "issues/2026-07-02.yaml"]
    longer = tmp_path / "longer"
    synth.generate(longer, ISSUES + 1, seed=1, end=synth.END.fromordinal(synth.END.toordinal() + 1))
    for path in written:
        rel = path.relative_to(grown)
        assert path.read_bytes() == (longer / rel).read_bytes(), rel
    yaml_file = written[0]  # its mtime is its publication time, which decides what counts as news
    assert yaml_file.stat().st_mtime_ns == (longer / yaml_file.relative_to(grown)).stat().st_mtime_ns


def test_another_seed_gives_other_content(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    synth.generate(other, ISSUES, seed=2)
    name = "issues/2026-07-01.yaml"
    assert (other / name).read_bytes() != (archive / name).read_bytes()


def test_issues_are_consecutive_days_ending_on_the_end_date(archive: Path) -> None:
    names = sorted(p.name for p in (archive / "issues").glob("????-??-??.yaml"))
    assert names == ["2026-06-29.yaml", "2026-06-30.yaml", "2026-07-01.yaml"]
    assert (archive / "digest.yaml").read_bytes() == (ROOT / "digest.yaml").read_bytes()
    assert (archive / "templates" / "_issue.html").is_file()


def test_issue_and_candidates_have_the_promised_shape(archive: Path) -> None:
    ids: set[str] = set()
    for path in sorted((archive / "issues").glob("????-??-??.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["published"] and data["intro"] and data["reading_order"]
        assert len(data["papers"]) == 5
        for paper in data["papers"]:
            words = sum(len(paper[k].split()) for k in ("decision", "what", "technical", "limits"))
            assert 320 <= words <= 560, (path.name, paper["short"], words)
            assert "[@]" in " ".join(paper[k] for k in ("decision", "what", "technical", "limits"))
            assert paper["reason"] and paper["evidence"] and paper["areas"]
        cands = json.loads(path.with_name(path.stem + ".candidates.json").read_text(encoding="utf-8"))
        assert cands["format"] == 1 and len(cands["candidates"]) == 60
        assert [c["id"] for c in cands["candidates"]] == sorted(c["id"] for c in cands["candidates"])
        assert {p["arxiv"] for p in data["papers"]} <= {c["id"] for c in cands["candidates"]}
        for c in cands["candidates"]:
            assert set(c["scores"]) == {"novelty", "relevance", "venue", "evidence"}
            assert all(0 <= s["value"] <= 10 and s["reason"] for s in c["scores"].values())
            assert 100 <= len(c["abstract"].split()) <= 220
        new_ids = {c["id"] for c in cands["candidates"]}
        assert not ids & new_ids, "candidate ids repeat across issues"
        ids |= new_ids


def test_some_prose_has_formulas_and_tables() -> None:
    # Over a few weeks of issues the optional features all appear.
    site = synth.read_site(ROOT)
    issues = [synth.make_issue(synth.END.fromordinal(synth.END.toordinal() - i), 1, site) for i in range(20)]
    cards = [s for i in issues for p in i.papers for s in p.sections.values()]
    assert any(re.search(r"\$[^$]+\$", s) for s in cards)
    assert any("\n|---|" in i.intro for i in issues)


def test_output_passes_digest_check_and_builds(archive: Path, tmp_path: Path, capsys) -> None:
    config = str(archive / "digest.yaml")
    assert main(["--config", config, "check"]) == 0
    captured = capsys.readouterr()
    assert "0 errors" in captured.err
    assert "error" not in captured.out.lower()
    out = tmp_path / "site"
    assert main(["--config", config, "build", "--out", str(out)]) == 0
    assert f"built {ISSUES} issues" in capsys.readouterr().out
    for day in ("2026/06/29", "2026/06/30", "2026/07/01"):
        assert (out / day / "index.html").is_file()


def test_hugo_site_has_the_same_issues(archive: Path) -> None:
    hugo = archive / "hugo"
    assert (hugo / "hugo.toml").is_file()
    for name in ("baseof.html", "single.html", "list.html", "home.html"):
        assert (hugo / "layouts" / name).is_file()
    pages = sorted(p.stem for p in (hugo / "content" / "issues").glob("????-??-??.md"))
    issues = sorted(p.stem for p in (archive / "issues").glob("????-??-??.yaml"))
    assert pages == issues
    text = (hugo / "content" / "issues" / "2026-07-01.md").read_text(encoding="utf-8")
    assert "| # | Paper | First-read reason | Evidence strength |" in text
    assert len(re.findall(r"^## \d\. ", text, re.M)) == 5
    assert "[@" not in text  # citations are plain numbered links for Hugo


def test_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    with pytest.raises(SystemExit):
        synth.generate(tmp_path / "mine", 1, force=True)
    assert (tmp_path / "mine" / "keep.txt").is_file()
