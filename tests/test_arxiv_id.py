"""arXiv ids: one syntax, read the way each caller needs (editors, arXiv's own links, scoring, citations)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.arxiv_id import SCHEMA_PATTERN, bare_id, cited_without_version, split_id, split_written_id, year_month
from digest.editorial.schemas import ARXIV_ID_PATTERN


@st.composite
def new_style(draw) -> str:
    yy, mm = draw(st.integers(7, 99)), draw(st.integers(1, 12))
    if (yy, mm) < (7, 4):  # new-style numbers start in April 2007
        mm = 4
    yymm = f"{yy:02d}{mm:02d}"
    digits = 5 if yymm >= "1501" else 4
    return f"{yymm}.{draw(st.integers(1, 10 ** digits - 1)):0{digits}d}"


@st.composite
def old_style(draw) -> str:
    archive = draw(st.sampled_from(["hep-th", "astro-ph", "math", "cond-mat", "q-bio", "cs"]))
    subject = draw(st.sampled_from(["", ".AG", ".CO", ".LG"])) if archive in ("math", "cs") else ""
    return f"{archive}{subject}/{draw(st.integers(0, 9_999_999)):07d}"


ids = st.one_of(new_style(), old_style())
versions = st.one_of(st.none(), st.integers(1, 10 ** 6))


def as_text(ident: str, version: int | None, prefix: str) -> str:
    return f"{prefix}{ident}" + (f"v{version}" if version else "")


@given(ident=ids, version=versions, prefix=st.sampled_from(["", "arXiv:"]), pad=st.sampled_from(["", " ", "\n"]))
def test_an_id_written_with_its_version_reads_back_as_that_id_and_version(ident, version, prefix, pad):
    text = pad + as_text(ident, version, prefix) + pad
    assert split_written_id(text) == (ident, version)
    assert split_id(text) == (ident, version)
    assert re.fullmatch(SCHEMA_PATTERN, text.strip())  # what the editor's IDE accepts, `digest check` accepts
    assert bare_id(text) == ident


@given(ident=ids, version=versions,
       link=st.sampled_from(["https://arxiv.org/abs/", "http://arxiv.org/abs/", "oai:arXiv.org:"]))
def test_arxivs_own_links_read_back_as_the_id_and_version(ident, version, link):
    assert split_id(link + as_text(ident, version, "")) == (ident, version)


@given(st.text(max_size=30))
def test_whatever_an_editor_may_write_the_schema_also_accepts(text):
    try:
        split_written_id(text)
    except ValueError:
        return
    assert re.fullmatch(SCHEMA_PATTERN, text.strip())


def test_the_schema_pattern_is_the_published_one():
    # schemas/*.json are published: the pattern must not change by being derived from the constants.
    assert ARXIV_ID_PATTERN == SCHEMA_PATTERN == (
        r"^(?:arXiv:)?(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v[1-9]\d*)?$")


@pytest.mark.parametrize("text, message", [
    ("26.1", "'26.1' is not an arXiv id"),
    ("2606.32020v0", "'2606.32020v0' is not an arXiv id"),
    ("https://arxiv.org/abs/2606.32020", "is not an arXiv id"),
    ("2613.32020", "'2613.32020' is not an arXiv id: YYMM.NNNNN (five digits since 2015, four before)"),
    ("1412.12345", "five digits since 2015, four before"),
    ("2606.3202", "five digits since 2015, four before"),
])
def test_ids_editors_write_are_checked_against_arxivs_numbering(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        split_written_id(text)


def test_arxivs_own_ids_are_not_checked_against_the_numbering_and_say_identifier():
    assert split_id("2613.3202") == ("2613.3202", None)
    with pytest.raises(ValueError, match=re.escape("'nope' is not an arXiv identifier")):
        split_id("https://arxiv.org/abs/nope")


@pytest.mark.parametrize("value, expected", [
    ("ARXIV:2411.17769v2", "2411.17769"), (" 2411.17769 ", "2411.17769"), ("hep-th/9901001v3", "hep-th/9901001"),
    ("not-an-id-v7", "not-an-id-"), ("v2", "v2"), (None, ""), (2411.17769, ""),
])
def test_scoring_reads_any_record_id_without_raising(value, expected):
    assert bare_id(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("2411.17700", (2024, 11)), ("0704.0001v3", (2007, 4)), ("2413.17700", None), ("2400.17700", None),
    ("astro-ph/0601001", None), ("a-title-slug", None),
])
def test_a_new_style_id_tells_the_month_it_was_numbered_in(text, expected):
    assert year_month(text) == expected


@given(ident=new_style(), version=versions)
def test_every_new_style_id_has_a_month(ident, version):
    assert year_month(as_text(ident, version, "")) == (2000 + int(ident[:2]), int(ident[2:4]))


@pytest.mark.parametrize("key, expected", [
    ("2411.17700v3", "2411.17700"), ("2411.17700v0", "2411.17700"), ("2411.17700", None),
    ("hep-th/9901001v2", None), ("arxiv:2411.17700v2", None),
])
def test_a_citation_of_another_version_names_the_versionless_id(key, expected):
    assert cited_without_version(key) == expected
