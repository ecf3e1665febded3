"""Editor files: the contract's keys load; every kind of mistake is located, explained, and fast."""
from __future__ import annotations

import time

import pytest
from conftest import ROOT, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.editorial.config import load_config
from digest.editorial.issues import load_issue
from digest.errors import DigestError

HEAD = """
date: 2026-07-02
papers:
"""


def load(tmp_path, body: str, name: str = "2026-07-02.yaml"):
    path = write(tmp_path / "issues" / name, body)
    return load_issue(path), path


def problems(tmp_path, body: str, name: str = "2026-07-02.yaml") -> list[str]:
    path = write(tmp_path / "issues" / name, body)
    with pytest.raises(DigestError) as info:
        load_issue(path)
    return [str(p) for p in info.value.problems]


def test_reference_issue_loads_with_every_section():
    issue = load_issue(ROOT / "issues" / "2026-07-01.yaml")
    assert len(issue.entries) == 5
    assert issue.published.isoformat() == "2026-07-01T09:24:00+09:00"
    assert issue.reading_order and issue.cover and issue.cover.credit
    for e in issue.entries:
        assert e.scores and e.reason and e.evidence and e.tagline
        assert e.decision and e.what and e.technical and e.limits
    no_arxiv = [e for e in issue.entries if e.arxiv is None]
    assert [e.short for e in no_arxiv] == ["Multi-Block Diffusion Language Models"]


@pytest.mark.parametrize("given, expected", [
    ("2606.32020", ("2606.32020", None)),
    ("2606.32020v3", ("2606.32020", 3)),
    ("arXiv:2606.32020v1", ("2606.32020", 1)),
    ("0704.0001", ("0704.0001", None)),
    ("astro-ph/0601001", ("astro-ph/0601001", None)),
    ("math.GT/0309136v2", ("math.GT/0309136", 2)),
])
def test_arxiv_id_forms_are_accepted(tmp_path, given, expected):
    issue, _ = load(tmp_path, HEAD + f'  - arxiv: "{given}"\n')
    assert (issue.entries[0].arxiv, issue.entries[0].version) == expected


@pytest.mark.parametrize("bad", ["2606.3202", "2606.320201", "2606.32020v0", "abc", "astro-ph/060100", "https://arxiv.org/abs/2606.32020"])
def test_bad_arxiv_ids_are_located_with_a_hint(tmp_path, bad):
    (msg,) = problems(tmp_path, HEAD + f'  - arxiv: "{bad}"\n')
    assert ":3:12:" in msg and "is not an arXiv id" in msg and '"2606.32020"' in msg


def test_unquoted_numeric_arxiv_id_asks_for_quotes(tmp_path):
    (msg,) = problems(tmp_path, HEAD + "  - arxiv: 2606.32020\n")
    assert ":3:12:" in msg and "must be text" in msg and "quotes" in msg


def test_unknown_key_gets_did_you_mean(tmp_path):
    (msg,) = problems(tmp_path, HEAD + '  - arxiv: "2606.32020"\n    tagine: x\n')
    assert ":4:5: unknown key 'tagine' in papers[0]; did you mean 'tagline'?" in msg


def test_unknown_top_level_key_lists_nothing_silently(tmp_path):
    (msg,) = problems(tmp_path, HEAD + '  - arxiv: "2606.32020"\nreading_ordr: []\n')
    assert ":4:1: unknown key 'reading_ordr'; did you mean 'reading_order'?" in msg


@pytest.mark.parametrize("score", ["11", "-1", "7.5", "high"])
def test_scores_outside_0_to_10_are_refused(tmp_path, score):
    (msg,) = problems(tmp_path, HEAD + f'  - arxiv: "2606.32020"\n    scores: {{novelty: {score}}}\n')
    assert ":4:23:" in msg and "papers[0].scores.novelty" in msg


def test_same_paper_twice_even_as_another_version_is_an_error(tmp_path):
    (msg,) = problems(tmp_path, HEAD + '  - arxiv: "2606.32020"\n  - arxiv: "2606.32020v2"\n')
    assert ":4:12:" in msg and "listed twice (first at line 3)" in msg


def test_date_must_match_file_name(tmp_path):
    (msg,) = problems(tmp_path, HEAD + '  - arxiv: "2606.32020"\n', name="2026-07-03.yaml")
    assert ":1:7:" in msg and "does not match the file name 2026-07-03.yaml" in msg


def test_impossible_date_is_refused(tmp_path):
    (msg,) = problems(tmp_path, "date: 2026-02-30\npapers: []\n", name="2026-02-30.yaml")
    assert ":1:7:" in msg and "not a real date" in msg


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "ftp://x.org/a", "//evil.example/x", "http://"])
@pytest.mark.parametrize("field", ["code", "url"])
def test_only_http_urls_are_accepted(tmp_path, url, field):
    entry = f'  - title: T\n    url: https://example.org/p\n' if field == "code" else "  - title: T\n"
    msgs = problems(tmp_path, HEAD + entry + f'    {field}: "{url}"\n')
    assert any("must be an http:// or https:// URL" in m for m in msgs), msgs


def test_paper_needs_arxiv_or_title_and_url(tmp_path):
    (msg,) = problems(tmp_path, HEAD + "  - short: Nameless\n")
    assert ":3:5:" in msg and "needs either `arxiv:` or both `title:` and `url:`" in msg


def test_title_and_url_paper_loads(tmp_path):
    issue, _ = load(tmp_path, HEAD + "  - title: Off arXiv\n    url: https://example.org/paper\n")
    assert issue.entries[0].arxiv is None and issue.entries[0].url == "https://example.org/paper"


def test_two_pins_on_one_position_and_pin_plus_exclude(tmp_path):
    msgs = problems(tmp_path, HEAD + '  - arxiv: "2606.00001"\n    pin: 1\n  - arxiv: "2606.00002"\n    pin: 1\n'
                                     '  - arxiv: "2606.00003"\n    pin: 2\n    exclude: true\n')
    assert any("pin 1 is already taken" in m for m in msgs)
    assert any("both pinned and excluded" in m for m in msgs)


def test_published_needs_an_offset(tmp_path):
    (msg,) = problems(tmp_path, HEAD.replace("papers:", "published: 2026-07-02T09:00:00\npapers: []"))
    assert ":2:12:" in msg and "UTC offset" in msg


def test_window_must_end_after_it_starts(tmp_path):
    (msg,) = problems(tmp_path, HEAD.replace("papers:", "window: {start: 2026-07-02T09:00:00+09:00, end: 2026-07-01T09:00:00+09:00}\npapers: []"))
    assert ":2:49:" in msg and "window.end must be later than window.start" in msg


def test_missing_required_keys_and_wrong_shapes(tmp_path):
    assert any("missing required key 'papers'" in m for m in problems(tmp_path, "date: 2026-07-02\n"))
    assert any("must be a list" in m for m in problems(tmp_path, HEAD.rstrip() + " {a: 1}\n"))
    assert any("is a mapping" in m for m in problems(tmp_path, "- just a list\n"))


def test_duplicate_yaml_key_is_an_error(tmp_path):
    (msg,) = problems(tmp_path, HEAD + '  - arxiv: "2606.32020"\n    short: A\n    short: B\n')
    assert ":5:5:" in msg and "duplicate key 'short'" in msg


def test_hostile_yaml_fails_fast(tmp_path):
    lines = ["date: 2026-07-02", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = "a" + "b" * (i - 1), "a" + "b" * i
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    started = time.perf_counter()
    msgs = problems(tmp_path, "\n".join(lines) + "\npapers: []\n")
    assert any("alias bomb" in m for m in msgs)
    deep = problems(tmp_path, "date: 2026-07-02\npapers: " + "[" * 3000 + "]" * 3000 + "\n")
    assert deep and "nest" in deep[0]
    assert time.perf_counter() - started < 5  # a guard against hangs, not a speed target


def test_every_problem_of_a_file_is_reported_together(tmp_path):
    msgs = problems(tmp_path, HEAD + '  - arxiv: "bad"\n    scores: {novelty: 12}\n    colour: red\n')
    assert len(msgs) == 3


PAPER_KEYS = ["arxiv", "title", "url", "short", "scores", "pin", "exclude", "code", "areas", "nonsense"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-5, 20) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(PAPER_KEYS), inner, max_size=4),
    max_leaves=12,
))
def test_any_paper_shape_gives_an_issue_or_located_errors(tmp_path, value):
    import yaml

    text = yaml.safe_dump({"date": "2026-07-02", "papers": [value]}, allow_unicode=True)
    path = tmp_path / "issues" / "2026-07-02.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        load_issue(path)
    except DigestError as exc:
        for p in exc.problems:
            assert p.file == str(path) and p.line >= 1 and p.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_text_gives_an_issue_or_located_errors(tmp_path, text):
    path = tmp_path / "issues" / "2026-07-02.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "replace"))
    try:
        load_issue(path)
    except DigestError as exc:
        assert all(p.file == str(path) for p in exc.problems)
