"""docs/configuration.md documents every digest.yaml key, written from the schema, with the defaults the loader uses."""
from __future__ import annotations

from conftest import ROOT, write

from digest.editorial.config import load_config
from digest.editorial.config_reference import _settings, reference_markdown
from digest.editorial.schemas import CONFIG

MINIMAL = "site:\n  title: T\n  base_url: https://example.org/\n  timezone: Asia/Seoul\n  topic: t\n"


def test_the_committed_reference_is_the_generated_one():
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "run `digest schema --reference docs/configuration.md`"


def test_every_key_is_described():
    undocumented = [path for name, section in CONFIG["properties"].items()
                    for _, path, node in _settings(section, name) if not node.get("description")]
    assert undocumented == []


def test_the_documented_defaults_are_the_loaders(tmp_path):
    config = load_config(write(tmp_path / "digest.yaml", MINIMAL))
    loaded = {
        "site.language": config.site.language,
        "schedule.cutoff": config.schedule.cutoff.strftime("%H:%M"),
        "schedule.max_window_days": config.schedule.max_window_days,
        "arxiv.categories": list(config.arxiv.categories),
        "arxiv.api_url": config.arxiv.api_url,
        "arxiv.rss_url": config.arxiv.rss_url,
        "arxiv.listing_url": config.arxiv.listing_url,
        "arxiv.delay_seconds": config.arxiv.delay_seconds,
        "topic.phrases": config.phrases,
        "topic.examples": list(config.examples),
        "scoring.history_issues": config.history_issues,
        "scoring.training_issues": config.training_issues,
        "scoring.venue_tiers": config.venue_tiers,
        "scoring.labs": list(config.labs),
        "scoring.relevance_floor": config.relevance_floor,
        "ranking.featured": config.featured,
        **{f"ranking.weights.{s}": w for s, w in config.weights.items()},
    }
    documented = {path: node["default"] for name, section in CONFIG["properties"].items()
                  for _, path, node in _settings(section, name) if "default" in node}
    for path, value in documented.items():
        if path == "schedule.holidays":
            continue  # the loader adds arXiv's shipped holiday schedules to what the file lists
        assert loaded[path] == value, path
    assert set(documented) - {"schedule.holidays"} == set(loaded)
