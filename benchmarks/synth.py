"""Generate a synthetic archive of daily issues, in the project's real formats and as a Hugo site.

The archive is what `benchmarks/archive.py` builds with both tools. Everything
is derived from a fixed seed (`random.Random`, no wall clock, no hash order), so
two runs with the same arguments write byte-identical files. Each issue's
content depends only on the seed and its date, so a 365-issue archive is the
newest year of the 3,650-issue one.

What OUT receives:

    digest.yaml                    the project's, copied as it is (base_url kept)
    templates/, static/            the project's, copied
    issues/YYYY-MM-DD.yaml         N consecutive days ending on --end (default 2026-07-01):
                                   published, intro (a Markdown table in some), 5 featured papers
                                   with ~400-word cards (decision/what/technical/limits, citations
                                   [@], inline $...$ formulas in some), reason/evidence for the
                                   5-row table, areas, reading_order
    issues/YYYY-MM-DD.candidates.json
                                   60 candidates per issue (ids unique across the archive), the
                                   format of docs/candidates.md
    hugo/                          the same content as a Hugo site: hugo.toml, content/issues/*.md
                                   (front matter + the same Markdown prose for the table and the
                                   cards), layouts/ (baseof, home, single, list, 404, a partial),
                                   static/ (the theme's assets and the project's static files)

    python benchmarks/synth.py OUT --issues 365 [--seed 1] [--end 2026-07-01] [--force]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".synth-archive"  # written into OUT, so --force only ever wipes a folder this script made
END = date(2026, 7, 1)
FEATURED = 5
CANDIDATES = 60
SIGNALS = ("novelty", "relevance", "venue", "evidence")
TIE_ORDER = ("relevance", "novelty", "evidence", "venue")  # as in digest/rank.py
KST = timezone(timedelta(hours=9))
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
NUMBERS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")
ORDINALS = ("top", "second", "third", "fourth", "fifth")
CARD_SECTIONS = (("decision", "Decision"), ("what", "What it does"), ("technical", "Technical read"),
                 ("limits", "Evidence and limits"))

# --------------------------------------------------------------------------------------------
# Word banks
# --------------------------------------------------------------------------------------------

AREAS = (
    "one-step distillation", "flow matching", "video diffusion", "inference acceleration", "caching",
    "diffusion language models", "super-resolution", "score-based models", "classifier-free guidance",
    "optimal transport", "model compression", "text-to-image", "3D generation", "diffusion theory",
    "robot planning", "audio generation", "image editing", "consistency models", "latent diffusion",
    "noise schedules", "personalization", "diffusion transformers", "medical imaging", "data attribution",
)
AREA_TITLES = {a: a[0].upper() + a[1:] for a in AREAS}
MODELS = ("SD 1.5", "SDXL", "SD 3.5", "Flux", "DiT-XL/2", "HunyuanVideo", "Wan 2.1", "LLaDA", "Qwen-Image",
          "CogVideoX", "PixArt-Sigma", "Sana", "EDM2", "Lumina", "Open-Sora", "MMDiT")
DATASETS = ("ImageNet 256", "ImageNet 512", "COCO-30k", "UCF101", "VBench", "GenEval", "DrawBench",
            "T2I-CompBench", "DIV2K", "RealSR", "LSUN Bedrooms", "FFHQ", "HumanEval", "GSM8K", "AudioCaps")
METRICS = ("FID", "CLIP score", "HPSv3", "FVD", "LPIPS", "PSNR", "ImageReward", "GenEval overall",
           "pass@1", "FAD", "DINO similarity", "aesthetic score")
METHODS = (
    "a learned cache schedule", "a frequency-aware adapter", "a trajectory consistency objective",
    "a two-stage sampler", "an entropy-regularized transport plan", "a token-merging rule",
    "a distribution-matching loss", "a lightweight latent projector", "a timestep-conditioned router",
    "an adversarial post-training stage", "a shared-attention prior", "a contrastive guidance term",
    "a block-sparse attention mask", "a rectified-flow reparameterization", "a noise-level curriculum",
    "a self-distillation loop", "a learned ODE solver", "a variance-preserving bridge",
)
COMPONENTS = ("the VAE decoder", "the text encoder", "the noise predictor", "the attention layers",
              "the sampling schedule", "the guidance scale", "the latent space", "the timestep embedding",
              "the teacher network", "the reward model", "the positional encoding", "the KV cache")
READER_WORK = (
    "build one-step diffusion distillers", "serve image or video generation under a compute budget",
    "train diffusion transformers from scratch", "care about mode coverage in flow matching",
    "work on diffusion language models", "ship text-to-image models to phones",
    "study why diffusion models generalize", "restore real-world photographs with diffusion priors",
    "design guidance for conditional samplers", "run evaluation pipelines for generative video",
    "fine-tune large generators for one subject", "use diffusion policies in robotics",
)
CONCERNS = ("sampling cost", "mode coverage", "training stability", "temporal coherence", "memory at high resolution",
            "faithfulness to the prompt", "memorization of training data", "latency on consumer GPUs",
            "reproducibility of reported gains", "identity preservation")
OBSTACLES = ("the shared-latent-space assumption", "the need for paired training data",
             "the quadratic cost of attention", "a per-budget search for cache schedules",
             "the gap between training and inference noise", "an expensive teacher at inference time",
             "the reliance on hand-tuned guidance scales", "the instability of adversarial losses")
INSIGHTS = (
    "the best schedules for different budgets lie on one smooth path",
    "shallow layers carry single-frame content while deep layers carry motion",
    "most of the guidance signal is concentrated in a few early timesteps",
    "the student only needs the teacher's velocity field near the data manifold",
    "error accumulates mainly where the noise level changes fastest",
    "memorization sets in once the model can separate individual training points",
    "the attention maps of neighbouring steps are nearly identical",
    "a frozen decoder works as a strong spatial prior for the student",
)
CONSEQUENCES = ("caching works so well at moderate step counts", "pruning the shallow blocks costs so little",
                "early-step guidance matters more than late-step guidance",
                "one-step students can match multi-step teachers on simple prompts",
                "uniform step schedules waste compute", "larger datasets reduce copying")
BASELINES = ("DeepCache", "FORA", "TeaCache", "LCM", "SDXL-Turbo", "DMD2", "SinSR", "OSEDiff",
             "Progressive Distillation", "Consistency Distillation", "DPM-Solver++", "UniPC", "ToMe")
FORMULAS = (
    r"\frac{d}{dt} H(\mu_t) \ge -\lambda",
    r"\lambda \to 0",
    r"O(n \log n)",
    r"p_\theta(x_{t-1} \mid x_t)",
    r"\sigma_t = \sqrt{1 - \bar{\alpha}_t}",
    r"\nabla_x \log p_t(x)",
    r"W_2(\mu, \nu)",
    r"\mathcal{L} = \lVert v_\theta(x_t, t) - (x_1 - x_0) \rVert^2",
    r"x_t = \alpha_t x_0 + \sigma_t \epsilon",
    r"\sum_{k=1}^{K} w_k = 1",
)
VENUES = ("ECCV 2026", "CVPR 2026", "ICML 2026", "NeurIPS 2025", "ICLR 2026", "AAAI 2026", "TMLR", "SIGGRAPH 2026")
PREFIXES = ("Flow", "Sync", "Latent", "Sparse", "Entropy", "Turbo", "Bridge", "Cache", "Prism", "Echo", "Orbit",
            "Quant", "Mosaic", "Drift", "Lumen", "Vortex", "Tempo", "Kernel", "Anchor", "Delta", "Nimbus", "Pulse")
SUFFIXES = ("Cache", "Distill", "Bridge", "Guide", "Mixer", "Solver", "Diff", "Flow", "Prior", "Lens", "Step",
            "Align", "Gen", "Tune", "Shift", "Fuse")
TAGLINES = (
    "one-step students taught from outside their own latent space",
    "mode coverage written into the objective instead of left to chance",
    "cache schedules as one geometric path instead of a search per budget",
    "several blocks decoded at once", "caching designed around talking portraits",
    "prune the frame layers, keep the motion layers", "a detail knob at sampling time",
    "gated linear attention as a diffusion backbone", "a precise line between copying and generalizing",
    "guidance that knows when to stop", "noise levels sampled where training learns most",
    "a teacher that only speaks near the data", "fewer tokens where the image is flat",
)
TITLE_WORDS = ("Training-Free", "Scalable", "Efficient", "Provable", "Unified", "Adaptive", "Stable", "Fast",
               "Robust", "Controllable", "Few-Step", "Lightweight")
TITLE_NOUNS = ("Cache Schedules", "Distillation", "Flow Matching", "Guidance", "Sampling", "Super-Resolution",
               "Video Generation", "Text-to-Image Synthesis", "Diffusion Transformers", "Score Estimation",
               "Image Editing", "Language Modeling")
TITLE_TAILS = ("via Optimal Transport", "with Frozen Decoders", "for Diffusion Models", "at Scale",
               "without Paired Data", "in Latent Space", "under a Compute Budget", "from Pretrained Priors",
               "with Entropy Constraints", "for Real-World Images")
FIRST = ("Chika", "Wei", "Seo-yeon", "Jörg", "Zoë", "Aarav", "Mateo", "Yuki", "Olusegun", "Ingrid", "Hao", "Min-jun",
         "Lucía", "Priya", "Tomás", "Elif", "Kwame", "Anya", "Rafael", "Mei", "Jonas", "Fatima", "Ivan", "Sofia")
LAST = ("Maduabuchi", "Zhang", "Kim", "Müller", "Dubois", "Sharma", "García", "Tanaka", "Adeyemi", "Larsen", "Chen",
        "Park", "Fernández", "Iyer", "Silva", "Yılmaz", "Mensah", "Petrova", "Costa", "Wang", "Berg", "Haddad",
        "Novak", "Rossi")
ABSTRACT_SENTENCES = (
    "Diffusion models achieve strong results in {area}, but {problem}.",
    "Existing approaches rely on {obstacle}, which limits their use in practice.",
    "We propose {name}, {method} that {does}.",
    "Our key observation is that {insight}.",
    "Building on this, {name} uses {method2} to {purpose}.",
    "Experiments on {dataset} and {dataset2} show that {name} improves {metric} from {a} to {b}.",
    "Compared with {baseline}, it runs {speed}x faster at comparable quality.",
    "We further provide an analysis showing that {insight2}.",
    "Code and models will be released.",
    "Ablations confirm that each component contributes to the final performance.",
    "The method requires no retraining of the base model and adds negligible overhead.",
)
PROBLEMS = ("sampling remains slow", "training is expensive", "quality drops sharply at few steps",
            "they often miss rare modes", "their memory cost grows quadratically with resolution",
            "they copy training examples more often than expected")
DOES = ("removes the need for a shared latent space", "predicts cache schedules for any budget",
        "aligns training with inference", "bounds the entropy rate along the path",
        "keeps the audio path live while skipping static regions", "merges redundant tokens across steps")
PURPOSES = ("recover fine texture", "keep motion coherent across frames", "stabilize few-step sampling",
            "transfer knowledge from larger teachers", "reduce memory at high resolution",
            "preserve identity across edits")

# --------------------------------------------------------------------------------------------
# Sentence templates for the card sections (slots are filled from the banks above)
# --------------------------------------------------------------------------------------------

DECISION_OPEN = (
    "Read this first if you {reader}, or if you have wondered why {concern} is still the bottleneck.",
    "Start here if your work touches {area} and you care about {concern}.",
    "Pick this up if you {reader}; it is the most practical of today's picks for that work.",
    "For anyone who needs to {reader_bare}, {name} is the paper to open before the others.",
)
DECISION_MORE = (
    "It takes the {ordinal} spot because it removes {obstacle} without giving up quality on {dataset}.",
    "It ranks {ordinal} since it pairs a simple idea with measurements on {dataset} that are easy to check.",
    "The case for reading it rests on one clear claim and a number that can be checked against {model}.",
    "If your pipeline depends on {model}, a skim of the method section is enough to decide whether to adopt it.",
    "Readers who only follow {area2} can skip it, but they would miss a clean account of {concern}.",
    "Its scope is narrower than the papers above it, yet it shows well how a method can exploit the structure of a task.",
    "The paper is short, the idea is reusable, and the comparison with {baseline} is the part to read closely.",
)
WHAT = (
    "{name} replaces {component} with {method}, trained against a frozen copy of {model}.",
    "The method keeps {component} frozen and learns only {method}, so the base model stays compatible with existing tools.",
    "At its core is {method}, which {does}.",
    "A second stage uses {method2} to {purpose}, and it runs once, offline, for each model family.",
    "The authors frame the problem as a choice between {component} and {component2}, and show that the choice can be learned.",
    "Everything runs at inference time without retraining, and the extra parameters amount to about {pct}% of the base model.",
    "The training recipe is simple: a few thousand steps on {dataset}, with the teacher queried only at {steps} noise levels.",
)
TECHNICAL = (
    "The claim that matters is that {insight}.",
    "On {dataset}, {metric} moves from {a} to {b} while sampling stays at {steps} steps.",
    "Compared with {baseline}, the reported speedup is {speed}× at matched quality on {model}.",
    "The analysis shows that {insight}, which explains why {consequence}.",
    "This is what separates it from {baseline}: it does more than sample faster, since it changes what the student learns.",
    "The ablation that removes {method2} loses most of the gain, which suggests the second stage does the real work.",
    "The authors present this as a fix for a concrete problem: methods built on {obstacle} tend to fail when the step count is low.",
)
FORMULA_SENTENCES = (
    "In the paper's notation the key quantity is ${f}$, and the method keeps it under control at every step.",
    "Written out, the constraint is ${f}$, which the authors enforce with a cheap projection after each update.",
    "The objective reduces to ${f}$ in the simplest case, so existing training code needs one changed line.",
)
LIMITS = (
    "The evidence is {evidence_kind}, and {venue_sentence}.",
    "The summary available to us names {code_sentence}.",
    "Two questions are worth checking in the paper: whether the {metric} gain holds across prompt types, and whether the extra stage cancels out what inference saves.",
    "The main open question is generality: the experiments revolve around {model}, so check whether the gains hold for {model2}.",
    "Ablations on {dataset} cover the main design choices, but not the sensitivity to {component}.",
    "Adoption will hinge on cost, since a team has to run the offline search once for each model it serves.",
    "Most numbers are reported at one resolution, so look for the {metric} table before trusting the headline.",
)
EVIDENCE_KINDS = ("a solid set of systems results on three model families", "mostly theoretical, with proofs and small experiments",
                  "a single strong headline number and a short ablation", "several benchmarks with public code",
                  "careful but limited to one application")
INTRO_SENTENCES = (
    "Four signals decide the order: how new the method is, how much it matters to {topic} research happening now, what the venue or lab says about it, and how concrete the evidence is.",
    "The theme of the day is {area}: {count} of the picks work on it from different angles.",
    "Beside them sits a paper on {area2}, which belongs here because it asks what guarantees the faster systems should keep.",
    "No single paper dominates, so the order rests on how central each one is to {topic} methods and on how concrete its evidence is.",
    "{name} leads because it removes {obstacle}; {name2} follows with the most careful measurements of the day.",
    "Read the table first, then the cards in order; the reading order at the end groups the picks by research area.",
    "Two of the picks report numbers on {dataset}, which makes them easy to compare directly.",
)
READING_TEXTS = (
    "Start with {n1} and test whether its {metric} gain survives your own data {c1}.",
    "Read {n1} and {n2} side by side: one models the problem in general terms, the other fits one task better {c12}.",
    "Before chasing yet another speedup, read {n1}: it tackles {concern} head-on {c1}.",
    "{n1} is the one to read here, since it couples a training recipe with a serving mechanism {c1}.",
)


# --------------------------------------------------------------------------------------------
# The data of one issue (everything both outputs are written from)
# --------------------------------------------------------------------------------------------


@dataclass
class Paper:
    """One featured paper: the editor's fields, its candidate record and its final rank."""

    id: str
    short: str
    abbrev: str | None
    tagline: str
    title: str
    authors: list[str]
    categories: list[str]
    venue: str | None
    code: str | None
    scores: dict[str, int]          # the editor's scores (a subset of SIGNALS)
    effective: dict[str, int]       # editor score, else the automatic one
    reason: str
    evidence: str
    areas: list[str]
    sections: dict[str, str]        # decision/what/technical/limits, Markdown with [@]
    rank: int = 0

    @property
    def total(self) -> int:
        return sum(self.effective.values())

    @property
    def name(self) -> str:
        return self.short

    @property
    def dek_name(self) -> str:
        return self.abbrev or self.short


@dataclass
class IssueData:
    """One synthetic issue."""

    date: date
    published: datetime
    intro: str
    papers: list[Paper]                 # in rank order
    reading: list[tuple[str, str]]      # (area, Markdown text with [@key] citations)
    candidates: list[dict]
    cover: dict | None = None
    fetched_at: datetime | None = None
    extra: dict = field(default_factory=dict)


class Words:
    """Slot filling for one issue, driven by one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def number(self, lo: float, hi: float, digits: int = 1) -> str:
        return f"{self.rng.uniform(lo, hi):.{digits}f}"

    def slots(self, **fixed) -> dict:
        r = self.rng
        a = r.uniform(2.0, 40.0)
        slots = {
            "area": self.pick(AREAS), "area2": self.pick(AREAS), "concern": self.pick(CONCERNS),
            "obstacle": self.pick(OBSTACLES), "model": self.pick(MODELS), "model2": self.pick(MODELS),
            "dataset": self.pick(DATASETS), "dataset2": self.pick(DATASETS), "metric": self.pick(METRICS),
            "method": self.pick(METHODS), "method2": self.pick(METHODS), "component": self.pick(COMPONENTS),
            "component2": self.pick(COMPONENTS), "does": self.pick(DOES), "purpose": self.pick(PURPOSES),
            "insight": self.pick(INSIGHTS), "insight2": self.pick(INSIGHTS), "consequence": self.pick(CONSEQUENCES),
            "baseline": self.pick(BASELINES), "reader": self.pick(READER_WORK), "problem": self.pick(PROBLEMS),
            "a": f"{a:.1f}", "b": f"{a * r.uniform(0.55, 0.9) if r.random() < 0.5 else a * r.uniform(1.1, 1.8):.1f}",
            "speed": f"{r.uniform(1.3, 6.0):.2f}", "steps": str(r.choice((1, 2, 4, 8, 25, 50))),
            "pct": f"{r.uniform(0.2, 4.0):.1f}", "evidence_kind": self.pick(EVIDENCE_KINDS),
        }
        slots["reader_bare"] = slots["reader"]
        slots.update(fixed)
        return slots

    def sentences(self, first: tuple[str, ...] | None, pool: tuple[str, ...], words: int, slots: dict,
                  extra: list[str] = ()) -> list[str]:
        """Sentences from `pool` (each used once) until about `words` words, opening with one of `first`."""
        out = [self.pick(first).format(**slots)] if first else []
        order = list(range(len(pool)))
        self.rng.shuffle(order)
        extra = list(extra)
        while order and sum(len(s.split()) for s in out) < words:
            if extra and self.rng.random() < 0.5:
                out.append(extra.pop())
                continue
            out.append(pool[order.pop()].format(**slots))
        out.extend(extra)
        return out


def _cite(sentence: str, key: str = "") -> str:
    """'Text.' -> 'Text [@].' (the citation goes before the final stop)."""
    mark = f"[@{key}]"
    if sentence.endswith("."):
        return sentence[:-1] + f" {mark}."
    return sentence + f" {mark}"


def _title_case_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(100):
        name = rng.choice(PREFIXES) + rng.choice(SUFFIXES)
        if name not in used and name[: len(name) // 2] != name[len(name) // 2:]:
            used.add(name)
            return name
    name = f"Method{len(used)}"
    used.add(name)
    return name


def arxiv_id(day: date, index: int) -> str:
    """A versionless id unique across the archive: YYMM of the issue date, a number from the day and position."""
    yymm = day.strftime("%y%m")
    if yymm >= "1501":
        return f"{yymm}.{10000 + (day.day - 1) * 100 + index:05d}"
    return f"{yymm}.{1000 + (day.day - 1) * 100 + index:04d}"


def _authors(rng: random.Random) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 8))]


def _categories(rng: random.Random, primary: tuple[str, ...]) -> list[str]:
    first = rng.choice(primary)
    rest = [c for c in ("cs.CV", "cs.LG", "cs.AI", "cs.CL", "stat.ML", "eess.IV") if c != first]
    return [first] + rng.sample(rest, rng.randint(0, 2))


def _abstract(w: Words, name: str) -> str:
    slots = w.slots(name=name)
    return " ".join(w.sentences(None, ABSTRACT_SENTENCES, 150, slots))


def _candidate(w: Words, day: date, index: int, fetched: datetime, categories: tuple[str, ...], topic: str,
               paper: dict | None = None) -> dict:
    """One candidate record in the candidates-file format (format 1)."""
    rng = w.rng
    cid = arxiv_id(day, index)
    name = paper["short"] if paper else rng.choice(PREFIXES) + rng.choice(SUFFIXES)
    title = paper["title"] if paper else (
        f"{name}: {rng.choice(TITLE_WORDS)} {rng.choice(TITLE_NOUNS)} {rng.choice(TITLE_TAILS)}")
    abstract = _abstract(w, name)
    venue = paper["venue"] if paper else (rng.choice(VENUES) if rng.random() < 0.2 else None)
    code = paper["code"] if paper else (f"https://github.com/example-lab/{name.lower()}" if rng.random() < 0.3 else None)
    version = rng.choice((1, 1, 1, 1, 2, 3))
    announce = "new" if version == 1 else rng.choice(("replace", "replace-cross"))
    if version == 1 and rng.random() < 0.2:
        announce = "cross"
    hits = abstract.lower().count(topic.lower()) + title.lower().count(topic.lower())
    auto = paper["auto"] if paper else {s: rng.randint(0, 10) for s in SIGNALS}
    reasons = {
        "novelty": f"{'new submission' if version == 1 else f'replacement (v{version}) of an older paper'}; "
                   f"closest recent pick shares {rng.randint(0, 40)}% of its key phrases",
        "relevance": f"{hits} topic hit{'s' if hits != 1 else ''} in title and abstract ({topic} ×{hits})",
        "venue": f"accepted at {venue} (from the comment)" if venue else "no venue or lab signal found",
        "evidence": rng.choice(("numbers and named benchmarks in the abstract", "code released and benchmarks named",
                                "a theorem and a bound, no benchmark", "no numbers, benchmarks, code or theory in the abstract")),
    }
    comment = f"Accepted to {venue}" if venue else (f"{rng.randint(8, 40)} pages, {rng.randint(3, 15)} figures"
                                                  if rng.random() < 0.5 else None)
    return {
        "abstract": abstract,
        "affiliations": [],
        "announce_type": announce,
        "authors": paper["authors"] if paper else _authors(rng),
        "categories": paper["categories"] if paper else _categories(rng, categories),
        "comment": comment,
        "doi": None,
        "first_seen": fetched.isoformat(),
        "id": cid,
        "journal_ref": None,
        "links": {"code": [code] if code else [], "project": []},
        "published": None,
        "scores": {s: {"reason": reasons[s], "value": auto[s]} for s in SIGNALS},
        "title": title,
        "topic_hits": {topic: hits} if hits else {},
        "updated": None,
        "venue": venue,
        "version": version,
    }


def make_issue(day: date, seed: int, site: dict) -> IssueData:
    """Everything about the issue of `day`: a function of the seed and the date only."""
    rng = random.Random(f"paper-digest-synth:{seed}:{day.isoformat()}")
    w = Words(rng)
    topic = site["topic"]
    categories = tuple(site["categories"])
    published = datetime(day.year, day.month, day.day, 9, rng.randint(5, 55), tzinfo=KST)
    fetched = datetime(day.year, day.month, day.day, 8, 30, tzinfo=KST)

    # The five featured papers: names, scores (some signals left to the automatic score), prose.
    used: set[str] = set()
    positions = sorted(rng.sample(range(CANDIDATES), FEATURED))
    drafts = []
    for pos in positions:
        short = _title_case_name(rng, used)
        scores = {s: rng.randint(3, 10) for s in SIGNALS}
        auto = {s: rng.randint(0, 10) for s in SIGNALS}
        if rng.random() < 0.25:
            del scores["venue"]  # the automatic score fills it (marked * on the page)
        venue = rng.choice(VENUES) if rng.random() < 0.6 else None
        drafts.append({
            "pos": pos, "id": arxiv_id(day, pos), "short": short,
            "abbrev": "".join(ch for ch in short if ch.isupper()) + "-" + str(pos) if rng.random() < 0.3 else None,
            "tagline": rng.choice(TAGLINES),
            "title": f"{short}: {rng.choice(TITLE_WORDS)} {rng.choice(TITLE_NOUNS)} {rng.choice(TITLE_TAILS)}",
            "authors": _authors(rng), "categories": _categories(rng, categories), "venue": venue,
            "code": f"https://github.com/example-lab/{short.lower()}" if rng.random() < 0.5 else None,
            "scores": scores, "auto": auto,
            "effective": {s: scores.get(s, auto[s]) for s in SIGNALS},
            "areas": rng.sample(AREAS, rng.randint(1, 3)),
        })
    # Rank as digest/rank.py does: total, then relevance, novelty, evidence, venue, then the id.
    drafts.sort(key=lambda d: (-sum(d["effective"].values()), *(-d["effective"][s] for s in TIE_ORDER), d["id"]))

    papers: list[Paper] = []
    with_formula = {i for i in range(FEATURED) if rng.random() < 0.3}
    for rank, d in enumerate(drafts, start=1):
        slots = w.slots(name=d["short"], ordinal=ORDINALS[rank - 1], area=d["areas"][0])
        formula = []
        if rank - 1 in with_formula:
            formula = [rng.choice(FORMULA_SENTENCES).replace("{f}", rng.choice(FORMULAS))]
        sections = {}
        for key, first, pool, extra in (("decision", DECISION_OPEN, DECISION_MORE, []),
                                        ("what", None, WHAT, []),
                                        ("technical", None, TECHNICAL, formula),
                                        ("limits", None, LIMITS, [])):
            if key == "limits":
                slots["venue_sentence"] = (f"{d['venue']} accepted it, which makes for a strong venue signal"
                                           if d["venue"] else "no venue is recorded yet")
                slots["code_sentence"] = (f"public code at [{d['code'][8:]}]({d['code']})" if d["code"]
                                          else "no public code and gives no full table of metrics")
            sents = w.sentences(first, pool, rng.randint(90, 110), slots, extra)
            cited = sorted(rng.sample(range(len(sents)), min(len(sents), rng.randint(1, 2))))
            sents = [_cite(s) if i in cited else s for i, s in enumerate(sents)]
            sections[key] = " ".join(sents)
        insight = rng.choice(INSIGHTS)
        reason = (f"{insight[0].upper()}{insight[1:]}; on {slots['dataset']} the reported "
                  f"{slots['metric']} moves from {slots['a']} to {slots['b']}.")
        evidence = rng.choice((
            f"Accepted at {d['venue']}, with a practical headline number." if d["venue"] else
            "No venue yet; the numbers are concrete but come from one benchmark.",
            "A substantial theoretical contribution, supported by proofs far more than by benchmarks.",
            f"Solid systems results on three model families{', and released code' if d['code'] else ''}.",
            "Convincing for specialists; off to the side for everyone else.",
        ))
        papers.append(Paper(id=d["id"], short=d["short"], abbrev=d["abbrev"], tagline=d["tagline"], title=d["title"],
                            authors=d["authors"], categories=d["categories"], venue=d["venue"], code=d["code"],
                            scores=d["scores"], effective=d["effective"], reason=reason, evidence=evidence,
                            areas=d["areas"], sections=sections, rank=rank))

    # Intro: ~120 words; every fourth issue or so carries a small Markdown table.
    slots = w.slots(topic=topic, name=papers[0].short, name2=papers[1].short, count=NUMBERS[rng.randint(2, 3)].lower(),
                    area=papers[0].areas[0])
    intro = " ".join(w.sentences(None, INTRO_SENTENCES, 110, slots))
    intro = _cite(intro, papers[0].dek_name) if rng.random() < 0.5 else intro
    if rng.random() < 0.25:
        rows = "\n".join(f"| {p.areas[0]} | {p.short} | {rng.choice(CONCERNS)} |" for p in papers[:3])
        intro += "\n\n| area | pick | what to look for |\n|---|---|---|\n" + rows

    # Reading order: two or three areas citing papers by id or short name.
    reading = []
    groups = [papers[0:2], papers[2:4], papers[4:5]][: rng.randint(2, 3)]
    for group in groups:
        keys = [p.id if rng.random() < 0.5 else p.dek_name for p in group]
        pool = READING_TEXTS if len(group) > 1 else tuple(t for t in READING_TEXTS if "{n2}" not in t)
        text = rng.choice(pool).format(
            n1=group[0].short, n2=group[-1].short, metric=rng.choice(METRICS), concern=rng.choice(CONCERNS),
            c1=f"[@{keys[0]}]", c12="[" + "; ".join(f"@{k}" for k in keys) + "]")
        if not text.endswith("."):
            text += "."
        reading.append((AREA_TITLES[group[0].areas[0]], text))

    # Candidates: 60 per issue, sorted by id, the featured five among them.
    featured_at = {d["pos"]: d for d in drafts}
    candidates = [_candidate(w, day, i, fetched, categories, topic, featured_at.get(i)) for i in range(CANDIDATES)]
    candidates.sort(key=lambda c: c["id"])
    return IssueData(date=day, published=published, intro=intro, papers=papers, reading=reading,
                     candidates=candidates, fetched_at=fetched)


# --------------------------------------------------------------------------------------------
# Writers: the project's formats
# --------------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


_UNBREAKABLE = re.compile(r"\$[^$]+\$|\[@[^\]]*\]")  # formulas and citations
_NBSP = "\x00"


def _wrap(text: str, width: int) -> list[str]:
    """textwrap.wrap that never breaks a line inside a $...$ formula or a [@a; @b] citation."""
    protected = _UNBREAKABLE.sub(lambda m: m.group().replace(" ", _NBSP), text)
    return [line.replace(_NBSP, " ") for line in textwrap.wrap(protected, width, break_on_hyphens=False,
                                                               break_long_words=False)]


def _block(text: str, indent: int) -> str:
    """A literal block scalar body: paragraphs wrapped at 76 columns, tables kept as they are."""
    pad = " " * indent
    lines = []
    for para in text.split("\n\n"):
        if lines:
            lines.append("")
        if para.lstrip().startswith("|"):
            lines.extend(pad + line for line in para.splitlines())
        else:
            lines.extend(pad + line for line in _wrap(para, 76 - indent))
    return "\n".join(lines) + "\n"


def _folded(text: str, indent: int) -> str:
    pad = " " * indent
    return "\n".join(pad + line for line in _wrap(text, 76 - indent)) + "\n"


def issue_yaml(issue: IssueData) -> str:
    """The editor file, shaped like issues/2026-07-01.yaml."""
    out = ["# yaml-language-server: $schema=../schemas/issue.schema.json\n",
           f"date: {issue.date.isoformat()}\n",
           f"published: {issue.published.isoformat()}\n",
           "intro: |\n", _block(issue.intro, 2),
           f"featured: {FEATURED}\n",
           "papers:\n"]
    for p in issue.papers:
        out.append(f"  - arxiv: \"{p.id}\"\n")
        out.append(f"    short: {_q(p.short)}\n")
        if p.abbrev:
            out.append(f"    abbrev: {_q(p.abbrev)}\n")
        out.append(f"    tagline: {_q(p.tagline)}\n")
        out.append("    scores: {" + ", ".join(f"{s}: {p.scores[s]}" for s in SIGNALS if s in p.scores) + "}\n")
        out.append("    reason: >-\n" + _folded(p.reason, 6))
        out.append("    evidence: >-\n" + _folded(p.evidence, 6))
        if p.venue:
            out.append(f"    venue: {_q(p.venue)}\n")
        if p.code:
            out.append(f"    code: {p.code}\n")
        out.append("    areas: [" + ", ".join(_q(a) for a in p.areas) + "]\n")
        for key, _label in CARD_SECTIONS:
            out.append(f"    {key}: |\n" + _block(p.sections[key], 6))
        out.append("\n")
    out.append("reading_order:\n")
    for area, text in issue.reading:
        out.append(f"  - area: {_q(area)}\n    text: |\n" + _block(text, 6))
    if issue.cover:
        c = issue.cover
        out.append(f"cover:\n  src: {c['src']}\n  alt: {_q(c['alt'])}\n  credit: {_q(c['credit'])}\n")
    return "".join(out)


def candidates_json(issue: IssueData, site: dict) -> str:
    """The machine-owned candidates file (format 1), sorted keys, like `digest fetch` writes it."""
    prev = issue.date - timedelta(days=1)
    doc = {
        "announcements": [],
        "approximate": False,
        "candidates": issue.candidates,
        "counts": {"enriched": CANDIDATES, "kept": CANDIDATES, "matched": CANDIDATES, "screened": 500 + len(issue.candidates) * 3},
        "date": issue.date.isoformat(),
        "fetched_at": issue.fetched_at.isoformat(),
        "format": 1,
        "requests": {"cached": 0, "count": 2, "retries": 0, "seconds": 3.1},
        "source": "rss",
        "window": {"end": datetime(issue.date.year, issue.date.month, issue.date.day, 9, 0, tzinfo=KST).isoformat(),
                   "start": datetime(prev.year, prev.month, prev.day, 9, 0, tzinfo=KST).isoformat()},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


# --------------------------------------------------------------------------------------------
# Writers: the Hugo site
# --------------------------------------------------------------------------------------------

HUGO_TOML = """\
# Generated by benchmarks/synth.py: the same issues as ../issues/, for comparison with Hugo.
baseURL = {base_url}
defaultContentLanguage = {language}
title = {title}
timeZone = {timezone}
disableKinds = ["taxonomy", "term"]
enableRobotsTXT = true

[outputs]
home = ["html", "rss"]
section = ["html"]
page = ["html"]

[services.rss]
limit = 50

[markup.goldmark.parser.attribute]
title = true
"""

LAYOUT_BASEOF = """\
<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ site.Title }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ with site.Home.OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}: issues" href="{{ .RelPermalink }}">{{ end }}
<link rel="icon" href="{{ "assets/favicon.svg" | relURL }}" type="image/svg+xml">
<meta property="og:site_name" content="{{ site.Title }}">
<meta property="og:title" content="{{ .Title }}">
<meta property="og:description" content="{{ with .Description }}{{ . }}{{ else }}{{ site.Title }}{{ end }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:type" content="{{ if .IsPage }}article{{ else }}website{{ end }}">
<meta name="twitter:card" content="summary">
<link rel="stylesheet" href="{{ "assets/style.css" | relURL }}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap">
    <a class="site-title" href="{{ "" | relURL }}">{{ site.Title }}</a>
    <nav aria-label="Site">
      <ul>
        <li><a href="{{ "" | relURL }}"{{ if .IsHome }} aria-current="page"{{ end }}>Latest</a></li>
        <li><a href="{{ "archive/" | relURL }}"{{ if .IsSection }} aria-current="page"{{ end }}>Archive</a></li>
      </ul>
    </nav>
  </div>
</header>
<main id="main" class="wrap">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>{{ site.Title }} reads the daily arXiv announcements. Papers link to their arXiv abstract pages; times are {{ site.Params.timezone }}.</p>
  </div>
</footer>
</body>
</html>
"""

LAYOUT_ISSUE_PARTIAL = """\
{{/* One issue in full (the counterpart of templates/_issue.html); the context is the issue page. */}}
<article class="issue" aria-labelledby="issue-title">
  <header class="issue-header">
    <p class="issue-meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "Monday, January 2, 2006 · 15:04" }}</time></p>
    <h1 id="issue-title"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h1>
    <p class="dek">{{ .Params.dek }}</p>
  </header>
  {{ with .Params.cover }}
  <figure class="cover">
    <img src="{{ .src | relURL }}" alt="{{ .alt }}" width="1200" height="630">
    {{ with .credit }}<figcaption>Cover: {{ . }}</figcaption>{{ end }}
  </figure>
  {{ end }}
  <p class="window">{{ .Params.window }}</p>
  {{ .Content }}
  <section class="sources" aria-labelledby="sources-{{ .Date.Format "2006-01-02" }}">
    <h2 id="sources-{{ .Date.Format "2006-01-02" }}">Sources</h2>
    <ol>
      {{ range .Params.sources }}<li id="ref-{{ .n }}">{{ .reference }} <a href="{{ .url }}" rel="noopener">{{ .label }}</a></li>
      {{ end }}
    </ol>
  </section>
</article>
"""

LAYOUT_SINGLE = """\
{{/* An issue page (the counterpart of templates/issue.html). */}}
{{ define "main" }}
{{ partial "issue.html" . }}
{{ if or .PrevInSection .NextInSection }}
<nav class="pager" aria-label="Issues">
  <ul>
    {{ with .NextInSection }}<li class="prev"><a href="{{ .RelPermalink }}" rel="prev"><span aria-hidden="true">←</span> {{ .Date.Format "January 2, 2006" }}</a></li>{{ end }}
    {{ with .PrevInSection }}<li class="next"><a href="{{ .RelPermalink }}" rel="next">{{ .Date.Format "January 2, 2006" }} <span aria-hidden="true">→</span></a></li>{{ end }}
  </ul>
</nav>
{{ end }}
{{ end }}
"""

LAYOUT_HOME = """\
{{/* The home page: the latest issue in full and the ten before it (templates/index.html). */}}
{{ define "main" }}
{{ $issues := (where site.RegularPages "Section" "issues").ByDate.Reverse }}
{{ with index $issues 0 }}{{ partial "issue.html" . }}{{ end }}
<section class="recent" aria-labelledby="recent-h">
  <h2 id="recent-h">Recent issues</h2>
  <ul class="issue-list">
    {{ range first 10 (after 1 $issues) }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="muted">{{ delimit .Params.picks ", " }}</span></li>
    {{ end }}
  </ul>
  <p><a href="{{ "archive/" | relURL }}">All issues in the archive</a></p>
</section>
{{ end }}
"""

LAYOUT_LIST = """\
{{/* The archive: every issue by month, newest first (templates/archive.html). */}}
{{ define "main" }}
<h1>Archive</h1>
{{ range $i, $month := .Pages.GroupByDate "January 2006" }}
<section aria-labelledby="m-{{ $i }}">
  <h2 id="m-{{ $i }}">{{ $month.Key }}</h2>
  <ul class="issue-list">
    {{ range $month.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="muted">{{ delimit .Params.picks ", " }}</span></li>
    {{ end }}
  </ul>
</section>
{{ end }}
{{ end }}
"""

LAYOUT_404 = """\
{{ define "main" }}
<h1>Page not found</h1>
<p>This page does not exist. The latest issue and the archive list every issue.</p>
{{ end }}
"""


def slugify(text: str) -> str:
    """The anchor digest/render/view.py gives a card."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text or "paper"


_CITE = re.compile(r"\[@([^\]]*)\]")


def hugo_prose(text: str, paper: Paper | None, by_key: dict[str, int]) -> str:
    """The same Markdown with citations as plain numbered links, which is what Hugo can render."""
    def repl(m: re.Match) -> str:
        keys = [k.strip().lstrip("@").strip() for k in m.group(1).split(";")]
        numbers = []
        for k in keys:
            n = paper.rank if (not k and paper) else by_key.get(k.lower())
            if n is not None and n not in numbers:
                numbers.append(n)
        return "".join(f"[[{n}]](#ref-{n})" for n in numbers)
    return _CITE.sub(repl, text)


def _long_date(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def issue_title(issue: IssueData, topic: str) -> str:
    """The default title digest gives an issue without `title:`."""
    return f"{NUMBERS[len(issue.papers)]} {topic} papers: {_long_date(issue.date)}"


def _dek(issue: IssueData, topic: str) -> str:
    names = [p.dek_name for p in issue.papers]
    joined = ", ".join(names[:-1]) + ", and " + names[-1] if len(names) > 2 else " and ".join(names)
    day = f"{MONTHS[issue.date.month - 1]} {issue.date.day}"
    return f"The {day} arXiv window, read for you: {NUMBERS[len(names)].lower()} {topic} picks in ranked order, {joined}."


def _plain(text: str, limit: int = 220) -> str:
    text = _CITE.sub("", text)
    text = re.sub(r"\$([^$]*)\$", r"\1", text)
    text = " ".join(line for line in text.splitlines() if not line.lstrip().startswith("|"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def hugo_page(issue: IssueData, site: dict) -> str:
    """content/issues/YYYY-MM-DD.md: front matter plus the table and the cards in Markdown."""
    by_key: dict[str, int] = {}
    for p in issue.papers:
        for key in (p.id, p.short, p.abbrev):
            if key:
                by_key.setdefault(key.lower(), p.rank)
    sources = []
    for p in issue.papers:
        authors = p.authors[0] + (" et al" if len(p.authors) > 1 else "")
        reference = " ".join(part.rstrip(".") + "." for part in (p.title, authors, p.venue or "") if part)
        sources.append({"n": p.rank, "reference": reference, "url": f"https://arxiv.org/abs/{p.id}",
                        "label": f"arXiv:{p.id}"})
    front = {
        "title": issue_title(issue, site["topic"]),
        "date": issue.published.isoformat(),
        "url": issue.date.strftime("/%Y/%m/%d/"),
        "description": _plain(issue.intro),
        "dek": _dek(issue, site["topic"]),
        "window": (f"This issue covers arXiv announcements up to {_long_date(issue.date)}, "
                   f"09:00 ({site['timezone']})."),
        "picks": [p.dek_name for p in issue.papers],
        "sources": sources,
    }
    if issue.cover:
        front["cover"] = issue.cover
    body = [hugo_prose(issue.intro, None, by_key), "",
            "## Speed-read table {#table}", "",
            "| # | Paper | First-read reason | Evidence strength |", "|---|---|---|---|"]
    for p in issue.papers:
        reason = hugo_prose(p.reason, p, by_key)
        body.append(f"| {p.rank} | [{p.name}](#{slugify(p.name)}) | {reason} [[{p.rank}]](#ref-{p.rank}) | "
                    f"{hugo_prose(p.evidence, p, by_key)} |")
    body.append("")
    for p in issue.papers:
        body.append(f"## {p.rank}. {p.name}: {p.tagline} {{#{slugify(p.name)}}}")
        body.append("")
        if p.title != p.name:
            body.append(f"- **Title:** {p.title}")
        body.append(f"- **Authors:** {', '.join(p.authors)}")
        body.append(f"- **Categories:** {', '.join(p.categories)}")
        if p.venue:
            body.append(f"- **Venue:** {p.venue}")
        scores = " · ".join(f"{s} {p.effective[s]}{'' if s in p.scores else '*'}" for s in SIGNALS)
        body.append(f"- **Scores:** {scores} · total {p.total}")
        body.append("")
        for key, label in CARD_SECTIONS:
            body += [f"### {label}", "", hugo_prose(p.sections[key], p, by_key), ""]
        links = [f"[arXiv abstract](https://arxiv.org/abs/{p.id})", f"[PDF](https://arxiv.org/pdf/{p.id})"]
        if p.code:
            links.append(f"[Code]({p.code})")
        body += ["- " + "\n- ".join(links), ""]
    body += ["## Reading order by research area", ""]
    for area, text in issue.reading:
        body += [f"### {area}", "", hugo_prose(text, None, by_key), ""]
    return "---\n" + json.dumps(front, ensure_ascii=False, indent=1) + "\n---\n\n" + "\n".join(body)


# --------------------------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------------------------


def read_site(root: Path) -> dict:
    """What the generator needs from the project's digest.yaml."""
    data = yaml.safe_load((root / "digest.yaml").read_text(encoding="utf-8"))
    site = data["site"]
    return {
        "title": site["title"], "base_url": site["base_url"], "language": site.get("language", "en"),
        "timezone": site["timezone"], "topic": site["topic"],
        "categories": list((data.get("arxiv") or {}).get("categories") or ["cs.CV", "cs.LG", "cs.CL"]),
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _copytree(src: Path, dest: Path) -> None:
    """Copy regular files in sorted order (no metadata), so the copy does not depend on the source's mtimes."""
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            target = dest / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def prepare(out: Path, force: bool) -> None:
    """An empty OUT, or refuse: --force only wipes a folder this script made (it holds MARKER)."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise SystemExit(f"synth: {out} is not empty; pass --force to replace an archive made by this script")
        if not (out / MARKER).is_file():
            raise SystemExit(f"synth: {out} was not made by benchmarks/synth.py ({MARKER} is missing); refusing to delete it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by benchmarks/synth.py; safe to delete\n", encoding="utf-8")


def refresh_project_files(out: str | Path, root: str | Path = ROOT) -> None:
    """Copy digest.yaml and templates/ from the project into an archive made earlier, so that reusing the
    archive measures the current templates (the issues and static files stay as generated)."""
    out, root = Path(out), Path(root)
    (out / "digest.yaml").write_bytes((root / "digest.yaml").read_bytes())
    shutil.rmtree(out / "templates", ignore_errors=True)
    _copytree(root / "templates", out / "templates")
    if (root / "templates" / "assets").is_dir() and (out / "hugo").is_dir():
        _copytree(root / "templates" / "assets", out / "hugo" / "static" / "assets")


def generate(out: str | Path, issues: int, seed: int = 1, root: str | Path = ROOT, end: date = END,
             force: bool = False, hugo: bool = True, progress=None) -> dict:
    """Write the synthetic archive into `out`; returns counts."""
    out, root = Path(out), Path(root)
    if issues < 1:
        raise ValueError("issues must be at least 1")
    site = read_site(root)
    prepare(out, force)
    (out / "digest.yaml").write_bytes((root / "digest.yaml").read_bytes())
    _copytree(root / "templates", out / "templates")
    if (root / "static").is_dir():
        _copytree(root / "static", out / "static")
    if hugo:
        h = out / "hugo"
        _write(h / "hugo.toml", HUGO_TOML.format(
            base_url=_q(site["base_url"]), language=_q(site["language"]), title=_q(site["title"]),
            timezone=_q(site["timezone"])) + f"\n[params]\ntimezone = {_q(site['timezone'])}\n")
        for name, text in (("baseof.html", LAYOUT_BASEOF), ("single.html", LAYOUT_SINGLE),
                           ("home.html", LAYOUT_HOME), ("list.html", LAYOUT_LIST), ("404.html", LAYOUT_404),
                           ("_partials/issue.html", LAYOUT_ISSUE_PARTIAL)):
            _write(h / "layouts" / name, text)
        _write(h / "content" / "issues" / "_index.md",
               "---\n" + json.dumps({"title": f"Archive · {site['title']}", "url": "/archive/",
                                     "description": f"Every issue of {site['title']}, by month."}, indent=1)
               + "\n---\n")
        if (root / "templates" / "assets").is_dir():
            _copytree(root / "templates" / "assets", h / "static" / "assets")
        if (root / "static").is_dir():
            _copytree(root / "static", h / "static")

    days = [end - timedelta(days=i) for i in range(issues - 1, -1, -1)]
    sizes = {"issues": 0, "papers": 0, "candidates": 0, "card_words": 0}
    for i, day in enumerate(days):
        issue, _ = write_issue(out, day, seed, site, hugo=hugo)
        sizes["issues"] += 1
        sizes["papers"] += len(issue.papers)
        sizes["candidates"] += len(issue.candidates)
        sizes["card_words"] += sum(len(s.split()) for p in issue.papers for s in p.sections.values())
        if progress:
            progress(i + 1, len(days))
    return sizes


def write_issue(out: Path, day: date, seed: int, site: dict, *, hugo: bool = True) -> tuple[IssueData, list[Path]]:
    """Write the issue of `day` into the archive `out` (its editor file, candidates and, with `hugo`, its Hugo
    page); the issue and the files written."""
    issue = make_issue(day, seed, site)
    cover = out / "static" / "covers" / f"{day.isoformat()}.svg"
    if cover.is_file():
        issue.cover = {"src": f"covers/{day.isoformat()}.svg",
                       "alt": "Abstract illustration of dots flowing into a ring.",
                       "credit": "Abstract vector illustration drawn by hand in SVG."}
    path = out / "issues" / f"{day.isoformat()}.yaml"
    _write(path, issue_yaml(issue))
    # The file's mtime is its publication time (not the clock): candidates first seen before it are not "new".
    stamp = issue.published.timestamp()
    os.utime(path, (stamp, stamp))
    written = [path, out / "issues" / f"{day.isoformat()}.candidates.json"]
    _write(written[1], candidates_json(issue, site))
    if hugo:
        written.append(out / "hugo" / "content" / "issues" / f"{day.isoformat()}.md")
        _write(written[2], hugo_page(issue, site))
    return issue, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the archive into (created; must be empty unless --force)")
    parser.add_argument("--issues", type=int, default=365, help="number of daily issues (default 365)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--end", type=date.fromisoformat, default=END, help="date of the newest issue (default 2026-07-01)")
    parser.add_argument("--root", default=str(ROOT), help="project root to copy digest.yaml, templates/, static/ from")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo copy of the site")
    parser.add_argument("--force", action="store_true", help="replace OUT if it is an archive this script made")
    args = parser.parse_args(argv)
    sizes = generate(args.out, args.issues, seed=args.seed, root=args.root, end=args.end, force=args.force,
                     hugo=not args.no_hugo)
    per_card = sizes["card_words"] / max(sizes["papers"], 1)
    print(f"wrote {sizes['issues']} issues ({sizes['papers']} featured papers, ~{per_card:.0f} words per card; "
          f"{sizes['candidates']} candidates) into {args.out}" + ("" if args.no_hugo else ", with the Hugo copy in hugo/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
