"""arXiv's category taxonomy: the shipped list, "did you mean" hints, digest.yaml's categories, endpoint overrides."""
from __future__ import annotations

import pytest
from conftest import ROOT, write

from digest.editorial.config import ENDPOINT_VARIABLES, load_config
from digest.editorial.taxonomy import arxiv_categories, category_problem, split_archives, suggestions
from digest.errors import DigestError

CONFIG = """\
site:
  title: T
  base_url: https://example.org/
  timezone: Asia/Seoul
  topic: retrieval
arxiv:
  categories: [cs.CL, {cats}]
"""


def test_the_shipped_taxonomy_has_every_archive_and_its_subject_classes():
    codes = arxiv_categories()
    assert len(codes) == 155  # arXiv's active categories (the taxonomy page lists 155)
    prefixes = {c.partition(".")[0] for c in codes}
    assert prefixes == {"astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph",
                        "hep-th", "math", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin",
                        "quant-ph", "stat"}
    assert sum(c.startswith("cs.") for c in codes) == 40
    assert sum(c.startswith("math.") for c in codes) == 32
    assert codes["cs.IR"] == "Information Retrieval" and codes["astro-ph.CO"] == "Cosmology and Nongalactic Astrophysics"
    for code in ("stat.ML", "eess.AS", "q-fin.TR", "physics.optics", "cond-mat.dis-nn", "nlin.SI", "econ.EM",
                 "q-bio.NC", "gr-qc", "quant-ph", "math-ph", "hep-th", "nucl-ex"):
        assert code in codes, code
    # Archives divided into subject classes are not categories; withdrawn ones (cmp-lg, astro-ph alone) neither.
    for code in ("cs", "math", "astro-ph", "cond-mat", "cmp-lg", "test.soft"):
        assert code not in codes
    assert split_archives() == {"astro-ph", "cond-mat", "cs", "econ", "eess", "math", "nlin", "physics", "q-bio",
                                "q-fin", "stat"}


@pytest.mark.parametrize("given, hint", [
    ("cs.IRR", ["cs.IR"]),
    ("cs.ir", ["cs.IR"]),
    ("CS.CV", ["cs.CV"]),
    ("astro-ph.co", ["astro-ph.CO"]),
    ("Information Retrieval", ["cs.IR"]),
    ("machine learning", ["cs.LG", "stat.ML"]),
    ("cs.XX", []),
    ("quant-phh", ["quant-ph"]),
])
def test_suggestions(given, hint):
    assert suggestions(given) == hint


def test_problems_say_why_and_what_was_meant():
    assert category_problem("cs.IR") is None and category_problem("gr-qc") is None
    assert category_problem("cs.IRR") == "cs.IRR is not an arXiv category; did you mean cs.IR?"
    assert "see https://arxiv.org/category_taxonomy" in category_problem("cs.XX")
    assert category_problem("cs") == ("cs is an arXiv archive, not a category; name the categories you want from it, "
                                      "such as cs.AI, cs.AR, cs.CC")


def test_an_unknown_category_in_digest_yaml_is_a_located_error_with_a_hint(tmp_path):
    path = write(tmp_path / "digest.yaml", CONFIG.format(cats="cs.IRR, math"))
    with pytest.raises(DigestError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:7:23: arxiv.categories[1]: cs.IRR is not an arXiv category; did you mean cs.IR?",
        f"{path}:7:31: arxiv.categories[2]: math is an arXiv archive, not a category; name the categories you "
        "want from it, such as math.AC, math.AG, math.AP",
    ]


def test_the_repository_config_and_real_categories_load(tmp_path):
    assert load_config(ROOT / "digest.yaml").arxiv.categories == ("cs.CV", "cs.LG", "cs.CL")
    path = write(tmp_path / "digest.yaml", CONFIG.format(cats="cs.IR, stat.ML, astro-ph.CO, hep-th, q-fin.TR"))
    assert load_config(path).arxiv.categories == ("cs.CL", "cs.IR", "stat.ML", "astro-ph.CO", "hep-th", "q-fin.TR")


def test_environment_variables_point_the_arxiv_endpoints_elsewhere(tmp_path, monkeypatch):
    path = write(tmp_path / "digest.yaml", CONFIG.format(cats="cs.IR") + "  rss_url: https://rss.example.org/rss\n")
    config = load_config(path)
    assert (config.arxiv.api_url, config.arxiv.rss_url) == ("https://export.arxiv.org/api/query",
                                                            "https://rss.example.org/rss")
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", "http://127.0.0.1:8123/api/query")
    monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", "http://127.0.0.1:8123/rss/")
    monkeypatch.setenv("DIGEST_ARXIV_LISTING_URL", "http://127.0.0.1:8123/list")
    config = load_config(path)
    assert config.arxiv.api_url == "http://127.0.0.1:8123/api/query"
    assert config.arxiv.rss_url == "http://127.0.0.1:8123/rss"  # the file's value would lose its / too
    assert config.arxiv.listing_url == "http://127.0.0.1:8123/list"
    assert set(ENDPOINT_VARIABLES.values()) == {"DIGEST_ARXIV_API_URL", "DIGEST_ARXIV_RSS_URL", "DIGEST_ARXIV_LISTING_URL"}
    monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", "ftp://mirror/rss")
    with pytest.raises(DigestError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        "DIGEST_ARXIV_RSS_URL:0:0: environment variable DIGEST_ARXIV_RSS_URL='ftp://mirror/rss' is not an http:// or "
        "https:// URL"]
