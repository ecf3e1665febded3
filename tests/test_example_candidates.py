"""scripts/example_candidates.py serves the categories the digest.yaml it is given names, not only the shipped ones."""
from __future__ import annotations

import importlib.util
import json
import re

from arxiv_listing import feed_papers
from arxiv_server import fixture_bytes
from conftest import ROOT, write

RECORDING = fixture_bytes("rss_all-archives_combined_2024-11-28.xml")


def _script():
    spec = importlib.util.spec_from_file_location("example_candidates", ROOT / "scripts" / "example_candidates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_another_set_of_categories_gets_its_own_feed(tmp_path):
    config = (ROOT / "digest.yaml").read_text(encoding="utf-8")
    config = re.sub(r"categories: .*", "categories: [quant-ph, cs.ET]", config)
    config = re.sub(r"phrases: .*", "phrases: {qubit: 3, quantum: 2, entanglement: 2}", config)
    path = write(tmp_path / "digest.yaml", config)
    assert _script().run(path) == 0  # with only cs.CV+cs.LG+cs.CL served, this was a bare 404 (exit 4)
    data = json.loads((tmp_path / "issues" / "2024-11-29.candidates.json").read_text(encoding="utf-8"))
    wanted = {"quant-ph", "cs.ET"}
    in_set = {p.id: p for p in feed_papers(RECORDING) if wanted & set(p.categories)}
    assert data["candidates"] and all(c["id"] in in_set for c in data["candidates"])
    # Announce types are relative to the configured set, as arXiv's feed of those categories gives them.
    for c in data["candidates"]:
        paper = in_set[c["id"]]
        kind = "replace" if paper.replaced else "new"
        expected = kind if paper.primary in wanted else ("replace-cross" if paper.replaced else "cross")
        assert c["announce_type"] == expected
    assert not (ROOT / "issues" / "2024-11-29.candidates.json").samefile(tmp_path / "issues" / "2024-11-29.candidates.json")
