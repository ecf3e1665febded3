"""digest.yaml: the contract's keys load, defaults apply, mistakes are located and explained."""
from __future__ import annotations

import time
from datetime import date
from datetime import time as dtime

import pytest
from conftest import ROOT, write
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.editorial.config import DEFAULT_RELEVANCE_FLOOR, TopicExample, load_config
from digest.errors import DigestError

MINIMAL = """
site:
  title: T
  base_url: https://example.org/
  timezone: Asia/Seoul
  topic: diffusion
"""


def problems_of(path) -> list[str]:
    with pytest.raises(DigestError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def test_shipped_config_loads_every_contract_key():
    config = load_config(ROOT / "digest.yaml")
    assert config.site.timezone == "Asia/Seoul" and config.site.topic == "diffusion"
    assert config.schedule.cutoff == dtime(9, 0)
    assert len([d for d in config.schedule.holidays if d.year == 2026]) == 9  # with the shipped years (test_holidays.py)
    assert config.arxiv.categories == ("cs.CV", "cs.LG", "cs.CL")
    assert config.arxiv.delay_seconds == 3
    assert config.phrases["flow matching"] == 3
    assert config.featured == 5


def test_defaults_are_equal_weights_and_five_featured(tmp_path):
    config = load_config(write(tmp_path / "digest.yaml", MINIMAL))
    assert config.weights == {"novelty": 1, "relevance": 1, "venue": 1, "evidence": 1}
    assert config.featured == 5
    assert config.site.language == "en"
    assert config.site.base_url == "https://example.org/"


def test_unknown_key_is_located_with_a_did_you_mean(tmp_path):
    path = write(tmp_path / "digest.yaml", MINIMAL + "ranking:\n  wieghts: {novelty: 2}\n")
    (msg,) = problems_of(path)
    assert msg.startswith(f"{path}:7:3: unknown key 'wieghts'")
    assert "did you mean 'weights'?" in msg


@pytest.mark.parametrize("extra, where, words", [
    ("schedule:\n  cutoff: '9am'\n", ":7:11:", "HH:MM"),
    ("schedule:\n  cutoff: '20:00 Mars/Olympus'\n", ":7:11:", "unknown time zone 'Mars/Olympus'"),
    ("arxiv:\n  categories: [cs.CV, 'not a cat']\n", ":7:23:", "arXiv category"),
    ("arxiv:\n  api_url: ftp://example.org/\n", ":7:12:", "http:// or https://"),
    ("ranking:\n  weights: {novelty: -1}\n", ":7:22:", "must be a number from 0 to 100"),
    ("ranking:\n  featured: many\n", ":7:13:", "must be a whole number"),
    ("schedule:\n  holidays: [2026-02-30]\n", ":7:14:", "not a real date"),
    ("ranking:\n  weights: {novelty: 0, relevance: 0, venue: 0, evidence: 0}\n", ":7:12:", "all ranking weights are 0"),
    ("topic:\n  examples: [2606.3202]\n", ":7:14:", "must be text or a mapping of keys, not the number 2606.3202 (put the value in quotes)"),
    ("topic:\n  examples: ['not an id']\n", ":7:14:", "topic.examples[0] is not an arXiv id"),
    ("topic:\n  examples: ['2613.00001']\n", ":7:14:", "'2613.00001' is not an arXiv id"),
    ("topic:\n  examples: [{abstract: text only}]\n", ":7:14:", "missing required key 'title' in topic.examples[0]"),
    ("topic:\n  examples: [{title: T, abstrct: x}]\n", ":7:25:", "unknown key 'abstrct' in topic.examples[0]; did you mean 'abstract'?"),
    ("topic:\n  examples: [{title: '  '}]\n", ":7:22:", "topic.examples[0].title must not be empty"),
    ("topic:\n  examples: [[a, b]]\n", ":7:14:", "must be text or a mapping of keys, not a list"),
    ("topic:\n  examples: ['2606.32020', '2606.32021',\n    '2606.32020v3']\n", ":8:5:",
     "arXiv 2606.32020 is listed twice in topic.examples (first at line 7)"),
    ("scoring:\n  relevance_floor: 11\n", ":7:20:", "scoring.relevance_floor must be a number from 0 to 10"),
    ("scoring:\n  relevance_floor: -1\n", ":7:20:", "scoring.relevance_floor must be a number from 0 to 10"),
    ("scoring:\n  relevance_floor: high\n", ":7:20:", "scoring.relevance_floor must be a number"),
])
def test_bad_values_are_located_and_explained(tmp_path, extra, where, words):
    path = write(tmp_path / "digest.yaml", MINIMAL + extra)
    (msg,) = problems_of(path)
    assert where in msg and words in msg, msg


def test_topic_examples_are_arxiv_ids_or_titles_with_abstracts(tmp_path):
    path = write(tmp_path / "digest.yaml", MINIMAL + """
topic:
  examples:
    - "2606.32020v2"
    - "hep-th/9901001"
    - {title: " One-step distillation ", abstract: "We distil a teacher."}
    - title: Flow matching for video
""")
    config = load_config(path)
    assert config.examples == (
        TopicExample("2606.32020", "", ""),  # versionless: the scorer looks the paper up
        TopicExample("hep-th/9901001", "", ""),
        TopicExample(None, "One-step distillation", "We distil a teacher."),
        TopicExample(None, "Flow matching for video", ""),
    )
    assert load_config(write(tmp_path / "min.yaml", MINIMAL)).examples == ()


def test_relevance_floor_defaults_to_4_and_takes_fractions(tmp_path):
    assert load_config(write(tmp_path / "a.yaml", MINIMAL)).relevance_floor == DEFAULT_RELEVANCE_FLOOR == 4
    assert load_config(write(tmp_path / "b.yaml", MINIMAL + "scoring:\n  relevance_floor: 6.5\n")).relevance_floor == 6.5


def test_unknown_time_zone_names_the_zone(tmp_path):
    path = write(tmp_path / "digest.yaml", MINIMAL.replace("Asia/Seoul", "Mars/Olympus"))
    (msg,) = problems_of(path)
    assert ":4:13:" in msg and "Mars/Olympus" in msg and "IANA" in msg


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path / "digest.yaml", MINIMAL.replace("timezone", "timezon") + "extra: 1\n")
    msgs = problems_of(path)
    assert len(msgs) == 3  # missing timezone, unknown timezon, unknown extra


def test_missing_file_and_syntax_error_are_located(tmp_path):
    assert "file not found" in problems_of(tmp_path / "nope.yaml")[0]
    path = write(tmp_path / "digest.yaml", "site: [unclosed\n")
    (msg,) = problems_of(path)
    assert msg.startswith(f"{path}:1:7: YAML syntax error: the [ opened here is not closed")


def test_alias_bomb_fails_fast(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    path = write(tmp_path / "digest.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    (msg,) = problems_of(path)
    assert "alias bomb" in msg
    assert time.perf_counter() - started < 5  # a guard against a hang, not a speed target


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_config_or_located_errors(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "digest.yaml"
    path.write_bytes(text.encode("utf-8", "replace"))
    try:
        load_config(path)
    except DigestError as exc:
        for p in exc.problems:
            assert p.file == str(path) and p.message


def test_a_cutoff_may_name_its_own_zone(tmp_path):
    from zoneinfo import ZoneInfo

    config = load_config(write(tmp_path / "digest.yaml", MINIMAL + "schedule:\n  cutoff: '20:00 America/New_York'\n"))
    assert (config.schedule.cutoff, config.schedule.cutoff_zone) == (dtime(20, 0), ZoneInfo("America/New_York"))
    winter = config.schedule.cutoff_at(date(2024, 11, 28), config.site.tz)
    assert winter.astimezone(ZoneInfo("America/New_York")).time() == dtime(20, 0)
