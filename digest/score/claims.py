"""What a paper claims to contribute, read from its title and abstract: a method or theory, or an application."""
from __future__ import annotations

from dataclasses import dataclass

from .context import _distinct, _word_hits, _word_lists, _words_of
from .text import _HYPE_WORDS, _TERM_STRIP

# method: contributions to the method itself, its objective, sampler, architecture, theory, a finding;
# applied: contributions that apply, package, measure or collect (valuable, but not a new method);
# survey: also counts as applied, and in a title marks the paper as a survey.
# Self-declared claims ("novel", "first", "state-of-the-art") are deliberately absent: writing them
# must never raise novelty.
_WORDS = _word_lists(method=r"""
    training objectives? loss sampler\w* sampling solvers? schedul\w* architectures? theor\w* theorems? proves?
    proofs? analy[sz]\w* convergence bounds? scaling distributions? velocity score objectives? formulation principled
    we\s+introduce we\s+propose we\s+prove we\s+identify we\s+reveal we\s+find we\s+show\s+that
""", applied=r"""
    framework pipeline modules? plug-and-play applications? applied applying case\s+study system toolkit
    datasets? benchmarks? empirical\s+study comparative
""", survey=r"survey review overview tutorial position\s+paper")
_CAP = 6


@dataclass(frozen=True)
class Claims:
    """Points for claiming a method or theory (+) versus applying, benchmarking or surveying (-), and why."""

    points: float
    method: tuple[str, ...]
    applied: tuple[str, ...]
    survey: bool


def claims(title: str, abstract: str) -> Claims:
    """Count method and application claims; the title counts double, a survey in the title costs 1.5."""
    title, abstract = _without_hype(title), _without_hype(abstract)
    in_title, in_abstract = _word_hits(_WORDS, title), _word_hits(_WORDS, abstract)
    m_t, m_a = _words_of(in_title, "method"), _words_of(in_abstract, "method")
    a_t, a_a = _words_of(in_title, "applied", "survey"), _words_of(in_abstract, "applied", "survey")
    method = min(2 * len(m_t) + len(m_a), _CAP)
    applied = min(2 * len(a_t) + len(a_a), _CAP)
    survey = bool(_words_of(in_title, "survey"))
    # Quarter points: claims nudge novelty (at most about ±1.5), they must not outweigh relevance.
    points = 0.25 * (method - applied) - (1.5 if survey else 0.0)
    return Claims(points, _distinct(m_t + m_a), _distinct(a_t + a_a), survey)


def _without_hype(text: str) -> str:
    # Hype words go before matching: inserted anywhere ("we novel propose") they could otherwise
    # break a claim apart, and self-praise must move novelty neither way.
    low = text.lower()
    if not any(h in low for h in _HYPE_WORDS):
        return text
    kept: list[str] = []
    for word in text.split():
        if word.strip(_TERM_STRIP).lower() in _HYPE_WORDS:
            if kept and kept[-1].lower() in ("a", "an", "the"):
                kept.pop()  # "the first-ever" goes as a whole
            continue
        kept.append(word)
    return " ".join(kept)


def describe_claims(found: Claims) -> str:
    """'claims a method (training, sampler)', 'applies or packages (framework)', 'a survey', or both sides."""
    if found.survey:
        return "a survey or review"
    bits = []
    if found.method:
        bits.append(f"claims a method or finding ({', '.join(found.method[:3])})")
    if found.applied:
        bits.append(f"applies, packages or measures ({', '.join(found.applied[:3])})")
    return ", but ".join(bits) if bits else "no method or application claim found"
