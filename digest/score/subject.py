"""Subject, not tool: is the generative method the contribution, or a component of work in another field?

Read from what arXiv gives: the primary category, and where method and application vocabulary
occur (title, first sentence, the rest of the abstract). The word lists are the field's general
vocabulary, not any listing's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .context import _distinct, _word_hits, _word_lists, _words_of

# field: fields whose own yardstick judges a paper that uses a generative model as one of its parts;
# method: the generative model's own vocabulary, what it does, how it is trained and sampled.
_WORDS = _word_lists(field=r"""
    robot\w* manipulat\w* grasp\w* embodied locomotion navigation driving autonomous vehicles? traffic lidar radar
    medical clinical patients? mri ct x-ray radiolog\w* patholog\w* histopatholog\w* surg\w* ecg eeg fmri brain
    tumou?rs? lesions? cancer cardiac retinal dental anatom\w* remote satellite sentinel\w* aerial hyperspectral sar
    weather climate precipitation forecast\w* earth ocean seismic geolog\w* astronom\w* galax\w* cosmolog\w*
    molecul\w* proteins? drugs? chemical chemistry materials? crystal\w* pdes? fluids? turbulen\w* physics physical
    quantum wireless mimo channels? 6g antennas? grid battery financ\w* stocks? recommend\w* agricultur\w* crops?
    trajector\w* pedestrians? crowd anomaly detection detectors? segmentation classification classifiers?
    recognition tracking counting localization re-identification pose estimation polic\w* reinforcement planning
    planners? control augmentation downstream forensic\w* deepfakes? speech asr
""", method=r"""
    generation generative generators? synthesi[sz]\w* editing text-to-image text-to-video image-to-video text-to-3d
    text-to-audio text-to-speech sampling samplers? denois\w* diffusion flow-matchings? rectified-flows? consistency guidance
    classifier-free one-step few-step distill\w* noise schedul\w* latents? dit dits score-based sde ode
    personaliz\w* customiz\w* inpainting inversion autoencoders? vae tokenizers?
""")
# Primary categories where generative modelling is itself the subject (or commonly is).
_HOME_CATEGORIES = frozenset(
    "cs.CV cs.LG cs.CL cs.AI stat.ML cs.GR cs.MM cs.SD cs.NE eess.IV eess.AS math.ST stat.CO stat.ME".split()
)
_CAP = 2
_ABSTRACT_CAP = 6
_TITLE_METHOD, _TITLE_APPLICATION = 2.0, 3.0
_FIRST_WEIGHT = 1.0
_ABSTRACT_WEIGHT = 0.3
_AWAY_FROM_HOME = 3.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Subject:
    """The subject part of relevance: points (+ the method is the subject, - another field's) and why."""

    points: float
    method_words: tuple[str, ...]
    field_words: tuple[str, ...]
    away_category: str | None


def subject(title: str, abstract: str, primary_category: str | None) -> Subject:
    """How much the paper is about the generative method itself rather than about another field."""
    end = _SENTENCE_END.search(abstract)
    first_end = end.start() if end else len(abstract)
    title_hits, abstract_hits = _word_hits(_WORDS, title), _word_hits(_WORDS, abstract)
    t_method, t_field = _words_of(title_hits, "method"), _words_of(title_hits, "field")
    a_method, a_field = _words_of(abstract_hits, "method"), _words_of(abstract_hits, "field")
    f_method = _words_of(abstract_hits, "method", before=first_end)
    f_field = _words_of(abstract_hits, "field", before=first_end)
    points = (
        _TITLE_METHOD * min(len(t_method), _CAP) - _TITLE_APPLICATION * min(len(t_field), _CAP)
        + _FIRST_WEIGHT * (min(len(f_method), _CAP) - min(len(f_field), _CAP))
        + _ABSTRACT_WEIGHT * (min(len(a_method), _ABSTRACT_CAP) - min(len(a_field), _ABSTRACT_CAP))
    )
    away = primary_category if primary_category and primary_category not in _HOME_CATEGORIES else None
    if away:
        points -= _AWAY_FROM_HOME
    return Subject(points, _distinct(t_method + f_method + a_method), _distinct(t_field + f_field + a_field), away)


def describe(s: Subject) -> str:
    """A short reason: 'method vocabulary: sampling, guidance; another field: robot (primary cs.RO)'."""
    parts = []
    if s.method_words:
        parts.append("method words: " + ", ".join(s.method_words[:3]))
    if s.field_words:
        parts.append("another field's words: " + ", ".join(s.field_words[:3]))
    if s.away_category:
        parts.append(f"primary category {s.away_category}")
    return "; ".join(parts)
