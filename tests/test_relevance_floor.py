"""`scoring.relevance_floor`: an automatic issue never fills a card with an off-topic paper.

`digest new` proposes only candidates whose automatic relevance reaches the floor; when fewer than
`featured` do, the file lists fewer (maybe none) and its intro tells readers why. `digest rank` still
lists every candidate, marking the ones below the floor.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from digest.cli import main
from digest.editorial.config import DEFAULT_RELEVANCE_FLOOR, load_config
from digest.editorial.yamlload import load_file

DATE = "2024-11-29"


def digest(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), *args])


def candidate(ident: str, relevance: float | None, *, novelty: int = 5, venue: int = 5, evidence: int = 5,
              proposed: bool = True) -> dict:
    """A candidate with its automatic scores (relevance None: no relevance score)."""
    scores = {"novelty": {"value": novelty, "reason": "n"}, "venue": {"value": venue, "reason": "v"},
              "evidence": {"value": evidence, "reason": "e"}}
    if relevance is not None:
        scores["relevance"] = {"value": relevance, "reason": f"relevance {relevance}"}
    return {"id": ident, "version": 1, "title": f"Paper {ident}", "authors": ["A. Author"],
            "abstract": "An abstract.", "categories": ["cs.CV"], "scores": scores, "proposed": proposed}


def write_candidates(root: Path, cands: list[dict]) -> None:
    data = {"format": 1, "date": DATE, "candidates": sorted(cands, key=lambda c: c["id"])}
    (root / "issues" / f"{DATE}.candidates.json").write_text(json.dumps(data), encoding="utf-8")


def set_scoring(root: Path, text: str) -> None:
    cfg = root / "digest.yaml"
    body = re.sub(r"(?ms)^scoring:\n(  .*\n)*", "", cfg.read_text())
    cfg.write_text(body + "scoring:\n" + text)


def new_file(root: Path) -> tuple[str, dict]:
    assert digest(root, "new", DATE) == 0
    path = root / "issues" / f"{DATE}.yaml"
    return path.read_text(encoding="utf-8"), load_file(path).data


def listed(data: dict) -> list[str]:
    return [p["arxiv"].split("v")[0] for p in data["papers"]]


# Six candidates; the two with the highest totals are off topic (relevance 3 and 1).
MIXED = [candidate("2411.00001", 3, novelty=10, venue=10), candidate("2411.00002", 1, novelty=10, venue=9),
         candidate("2411.00003", 9), candidate("2411.00004", 8), candidate("2411.00005", 2),
         candidate("2411.00006", None)]


def test_off_topic_papers_get_no_card_even_with_the_best_totals(empty_project):
    assert load_config(empty_project / "digest.yaml").relevance_floor == DEFAULT_RELEVANCE_FLOOR == 4
    write_candidates(empty_project, MIXED)
    text, data = new_file(empty_project)
    assert listed(data) == ["2411.00003", "2411.00004"]
    assert data["intro"] == ("Two papers today: only two of the six arXiv papers we looked at for this issue were "
                             "really about diffusion; the rest only mentioned it in passing or were about something else.")
    assert "scoring.relevance_floor" in text and "is 4/10 or more, the relevance floor (change it with scoring.relevance_floor" in text
    assert "2 of 6 candidates reach it" in text
    assert digest(empty_project, "check") == 0


def test_alternates_list_the_best_below_the_floor_marked(empty_project):
    write_candidates(empty_project, MIXED)
    text, _ = new_file(empty_project)
    alternates = text.split("# Next candidates by automatic total", 1)[1].splitlines()
    rows = [line for line in alternates if re.match(r"#   \d{4}\.\d{5}", line)]
    assert [r.split()[1] for r in rows] == ["2411.00001", "2411.00002", "2411.00005", "2411.00006"]
    assert "(below the floor: relevance 3)" in rows[0]
    assert "(below the floor: relevance 0)" in rows[3]  # no relevance score counts as 0
    assert all("below the floor" in r for r in rows)


def test_on_topic_alternates_are_not_marked(empty_project):
    write_candidates(empty_project, [candidate(f"2411.0000{i}", 9, evidence=i) for i in range(1, 8)]
                     + [candidate("2411.00009", 2)])
    text, data = new_file(empty_project)
    assert len(data["papers"]) == 5 and data["intro"] == ""
    rows = [line for line in text.splitlines() if re.match(r"#   \d{4}\.\d{5}", line)]
    assert ["below the floor" in r for r in rows] == [False, False, True]
    assert "Fewer than" not in text


def test_no_candidate_on_topic_gives_an_issue_with_no_papers_that_builds(empty_project):
    write_candidates(empty_project, [candidate("2411.00001", 3), candidate("2411.00002", 0), candidate("2411.00003", None)])
    text, data = new_file(empty_project)
    assert data["papers"] == []
    # With no papers, the reason is the issue's note: (an issue with no papers needs one to build), not its intro.
    assert data["intro"] == ""
    assert data["note"] == ("No papers today: none of the three arXiv papers we looked at for this issue was really "
                            "about diffusion; they only mentioned it in passing or were about something else.")
    assert "No candidate reached the relevance floor" in text
    assert text.count("(below the floor: relevance") == 3
    assert digest(empty_project, "check") == 0
    assert digest(empty_project, "build") == 0
    page = (empty_project / "site" / "2024" / "11" / "29" / "index.html").read_text(encoding="utf-8")
    assert "none of the three arXiv papers" in page


def test_one_candidate_off_topic(empty_project):
    write_candidates(empty_project, [candidate("2411.00001", 2)])
    _, data = new_file(empty_project)
    assert data["papers"] == [] and data["intro"] == ""
    assert data["note"] == "No papers today: the one arXiv paper we looked at for this issue was not really about diffusion."


def test_fewer_candidates_than_cards_all_on_topic_need_no_explaining(empty_project):
    write_candidates(empty_project, [candidate("2411.00001", 7), candidate("2411.00002", 4)])
    text, data = new_file(empty_project)
    assert len(data["papers"]) == 2 and data["intro"] == ""  # 4 is on the floor: it clears it


def test_candidates_featured_before_do_not_count(empty_project):
    write_candidates(empty_project, [candidate("2411.00001", 9, proposed=False), candidate("2411.00002", 8),
                                     candidate("2411.00003", 1)])
    _, data = new_file(empty_project)
    assert listed(data) == ["2411.00002"]
    assert data["intro"].startswith("One paper today: only one of the two arXiv papers") and " was really " in data["intro"]


@pytest.mark.parametrize("floor, expected", [
    ("0", ["2411.00001", "2411.00002", "2411.00003", "2411.00004", "2411.00005"]),
    ("2.5", ["2411.00001", "2411.00003", "2411.00004"]),
    ("8.5", ["2411.00003"]),
])
def test_the_floor_is_configurable(empty_project, floor, expected):
    set_scoring(empty_project, f"  relevance_floor: {floor}\n")
    assert load_config(empty_project / "digest.yaml").relevance_floor == float(floor)
    write_candidates(empty_project, MIXED)
    text, data = new_file(empty_project)
    assert listed(data) == expected
    assert f"is {floor}/10 or more" in text


def test_the_intro_follows_the_site_language(empty_project):
    cfg = empty_project / "digest.yaml"
    cfg.write_text(cfg.read_text().replace("language: en", "language: ko"))
    write_candidates(empty_project, MIXED)
    _, data = new_file(empty_project)
    assert data["intro"].startswith("오늘은 2편입니다.") and "논문 6편 가운데 diffusion 주제를" in data["intro"]


def test_an_editor_file_is_never_overwritten(empty_project, capsys):
    write_candidates(empty_project, MIXED)
    editor = empty_project / "issues" / f"{DATE}.yaml"
    editor.write_text(f'date: {DATE}\nintro: mine\npapers:\n  - arxiv: "2411.00001"\n')
    before = editor.read_bytes()
    assert digest(empty_project, "new", DATE) == 1
    assert editor.read_bytes() == before
    assert "already exists" in capsys.readouterr().err


def test_rank_without_editor_file_lists_every_candidate_and_marks_those_below_the_floor(empty_project, capsys):
    write_candidates(empty_project, MIXED)
    assert digest(empty_project, "rank", DATE) == 0
    out = capsys.readouterr().out
    marked = {m for line in out.splitlines() if "(below floor)" in line for m in re.findall(r"2411\.\d{5}", line)}
    assert marked == {"2411.00001", "2411.00002", "2411.00005", "2411.00006"}
    assert all(f"Paper 2411.0000{i}" in out for i in range(1, 7))
    assert "automatic relevance under 4 (scoring.relevance_floor in digest.yaml)" in out
    assert digest(empty_project, "rank", DATE, "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    assert {r["id"] for r in rows if r.get("below_floor")} == {"2411.00001", "2411.00002", "2411.00005", "2411.00006"}
    assert all("below_floor" not in r for r in rows if r["id"] in ("2411.00003", "2411.00004"))
    assert digest(empty_project, "rank", DATE, "--explain", "2411.00005") == 0
    assert "below the relevance floor (4, scoring.relevance_floor)" in capsys.readouterr().out


def test_rank_marks_only_other_candidates_once_the_editor_chose(empty_project, capsys):
    write_candidates(empty_project, MIXED)
    (empty_project / "issues" / f"{DATE}.yaml").write_text(f'date: {DATE}\npapers:\n  - arxiv: "2411.00001"\n')
    assert digest(empty_project, "rank", DATE, "--format", "json") == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["2411.00001"]["in_issue"] and "below_floor" not in rows["2411.00001"]  # the editor's choice stands
    assert rows["2411.00002"]["below_floor"] is True and "below_floor" not in rows["2411.00003"]


def test_new_file_says_how_to_seed_the_topic_only_when_no_examples_are_configured(empty_project: Path):
    write_candidates(empty_project, MIXED)
    text, _ = new_file(empty_project)
    assert "topic.examples" not in text  # the shipped digest.yaml lists examples
    (empty_project / "issues" / f"{DATE}.yaml").unlink()
    cfg = empty_project / "digest.yaml"
    cfg.write_text(re.sub(r"(?ms)^  examples:\n(    .*\n|      .*\n|  #.*\n)*", "", cfg.read_text()))
    assert load_config(cfg).examples == ()
    text, _ = new_file(empty_project)
    assert "# Tip: no topic.examples in digest.yaml" in text and "Automatic pre-scores" in text
