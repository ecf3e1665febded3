"""YAML syntax errors point where the quote or bracket that broke the file was opened."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.editorial.yamlload import load_text
from digest.errors import DigestError

ISSUE = """date: 2026-07-01
published: 2026-07-01T09:24:00+09:00
title: "Five diffusion papers"
papers:
  - arxiv: "2606.32020"
    short: Cross-Space Distillation
    scores: {novelty: 8, relevance: 9}
  - arxiv: "2606.30101"
    short: Sparse Flow
    reason: "Fewer steps at the same quality
    technical: >
      A long paragraph about the method.
    limits: "Only tested at 256 px"
  - arxiv: "2606.30555"
    tags: [sampling, theory
    short: Solver Bounds
"""


def problem(text: str):
    with pytest.raises(DigestError) as info:
        load_text(text, "issues/x.yaml")
    (found,) = info.value.problems
    return found


def test_an_unclosed_quote_is_reported_where_it_was_opened_not_where_yaml_gave_up():
    text = ISSUE.replace("    tags: [sampling, theory\n", "    tags: [sampling, theory]\n")
    found = problem(text)
    assert (found.line, found.col) == (10, 13)  # `reason: "` on line 10; YAML fails on line 13
    assert "quote opened here runs on to line 13" in found.message


def test_an_unclosed_bracket_is_reported_where_it_was_opened():
    text = ISSUE.replace('reason: "Fewer steps at the same quality', 'reason: "Fewer steps at the same quality"')
    found = problem(text)
    assert (found.line, found.col) == (15, 11)
    assert "the [ opened here is not closed" in found.message and "add its ]" in found.message


@pytest.mark.parametrize("text, where, words", [
    pytest.param('title: "never closed\n', (1, 8), "add the closing quote", id="quote-to-end-of-file"),
    pytest.param("scores: {novelty: 8,\nrelevance: 9\n", (1, 9), "add its }", id="brace"),
    pytest.param("tags: [a, b: c: d]\n", (1, 15), "check indentation and quoting here", id="same-line-is-not-the-opener"),
    pytest.param("a: 1\n  b: 2\n", (2, 4), "check indentation", id="indentation"),
])
def test_other_syntax_errors_keep_a_useful_place(text, where, words):
    found = problem(text)
    assert (found.line, found.col) == where and words in found.message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -'\"[]{},\n#")), max_size=80))
def test_any_text_loads_or_gives_one_error_inside_the_file(text):
    try:
        load_text(text, "x.yaml")
    except DigestError as exc:
        (found,) = exc.problems
        assert 1 <= found.line <= text.count("\n") + 2 and found.col >= 1
