"""The evidence signal: benchmarks, baselines, ablations, human studies, code and proofs an abstract shows."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .context import _clamp10, _links, _text

if TYPE_CHECKING:
    from .text import _Doc


_METRIC_ACRONYMS = frozenset(
    "FID FVD KID PSNR SSIM MS-SSIM LPIPS HPS HPSv2 HPSv3 BLEU ROUGE ROUGE-L METEOR CIDEr BERTScore CLIPScore "
    "CLIP-S CLIP-I CLIP-T PickScore ImageReward mAP mIoU IoU AUROC AUC F1 WER CER NFE NFEs FLOPs TPS MAE RMSE "
    "MSE EPE NDCG MOS PESQ SI-SDR NIQE MUSIQ MANIQA CLIPIQA DISTS FPS".split()
)
_METRIC_WORDS = frozenset("accuracy perplexity throughput latency recall precision".split())
_METRIC_PAIRS = frozenset(
    {("clip", "score"), ("inception", "score"), ("aesthetic", "score"), ("success", "rate"), ("win", "rate"),
     ("chamfer", "distance"), ("dice", "score"), ("fréchet", "inception")}
)
_METRIC_SPANS = tuple(sorted({f"{a} {b}" for a, b in _METRIC_PAIRS} | {"top-1", "f-score"}))
_BENCHMARKS = frozenset(
    "ImageNet MS-COCO MSCOCO COCO LAION GenEval VBench T2I-CompBench DrawBench PartiPrompts HPDv2 CIFAR-10 "
    "CIFAR-100 CelebA-HQ CelebA FFHQ LSUN AFHQ MNIST ShapeNet Objaverse CO3D KITTI nuScenes Waymo ScanNet "
    "Replica DTU LLFF DAVIS UCF-101 UCF101 Kinetics WebVid MSR-VTT HumanML3D KIT-ML AMASS Human3.6M 3DPW "
    "DIV2K DRealSR RealSR Urban100 ADE20K Cityscapes LVIS Flickr30k MMLU GSM8K HumanEval SuperGLUE GLUE "
    "SQuAD WikiText LibriSpeech AudioCaps MIMIC-CXR MIMIC BraTS VQAv2 TextVQA MMBench DreamBench EvalCrafter "
    "COCO-Stuff OpenWebText LM1B DiffusionDB ChestX-ray14 T2V-CompBench".split()
)
_BENCHMARK_PAIRS = {("Mip-NeRF", "360"): "Mip-NeRF 360", ("Pascal", "VOC"): "Pascal VOC", ("PASCAL", "VOC"): "Pascal VOC"}
# Spellings of one benchmark, so "MS-COCO" and "COCO" in one abstract count once.
_SAME_BENCHMARK = {"MS-COCO": "COCO", "MSCOCO": "COCO", "UCF101": "UCF-101"}
_PUNCT = ".,;:!?()[]{}<>\"'`“”‘’$*|"
# A cheap scan for digit runs; each hit is then read properly with _NUMBER_RE.
_DIGITS_RE = re.compile(r"[0-9][0-9,.]*")
_NUMBER_RE = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")
_UNIT_RE = re.compile(
    r"(?P<times>(?:\s*\$?\s*(?:×|\\times)\s*\$?|\s*[xX](?![\w-]))(?!\s*\$?\s*\d))"
    r"|(?P<fold>\s*-?\s*(?:fold|times)\b)"
    r"|(?P<pct>\s*(?:\\?%|percent\b|percentage\s+points?\b|pp\b))"
    r"|(?P<db>\s*dB\b)"
    r"|(?P<time>\s*(?:FPS|fps|ms|milliseconds?|seconds?)\b)"
    r"|(?P<metric>\s*(?:dB\s+)?(?P<name>[A-Za-z][\w\-]*))"
)
_FROM_RE = re.compile(r"(?i)\bfrom\s+$")
_TO_RE = re.compile(r"\s*(?:\\?%)?\s*to\s+(\d+(?:,\d{3})*(?:\.\d+)?)")
# Words allowed between a metric's name and its number: "FID of 2.1", "accuracy reaches 81%".
_CONNECTORS = frozenset("of = : to by at is reaching reaches reached only just ~ around about".split())
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "several": 2, "multiple": 2, "various": 2,
    "diverse": 2, "numerous": 3, "dozens": 12,
}
_EVALUATED_NOUNS = frozenset(
    "dataset datasets benchmark benchmarks model models task tasks domain domains baseline baselines "
    "architecture architectures backbone backbones language languages environment environments".split()
)
_COUNTS = {**_NUMBER_WORDS, **{str(n): n for n in range(2, 51)}}
_COUNT_WORDS = frozenset(_COUNTS)
_COUNT_LEAD_WORDS = frozenset("on across over using with in for".split())
_EXPERIMENT_WORDS = frozenset(
    "experiment experiments experimental evaluation evaluations evaluated ablation ablations outperform "
    "outperforms outperforming benchmark benchmarks".split()
)
_THEORY_WORDS = frozenset("theorem theorems proof proofs prove proves proven provably provable guarantee guarantees".split())
_RELEASE_WORDS = frozenset("available release released open-source open-sourced".split())
_THEORY_PAIR_RE = re.compile(
    r"\b(?:(?:upper|lower|error|regret|generalization)\s+bounds?|sample\s+complexity"
    r"|convergence\s+(?:rate|analysis|guarantee)s?)\b"
)
_CODE_PROMISE_RE = re.compile(
    r"(?:code|implementation)s?\b[^.]{0,40}?\b(?:will\s+be|is|are)\s+(?:publicly\s+|made\s+|now\s+)?"
    r"(?:available|released|open[\s-]?sourced)"
)
# Whitespace-split tokens keep their punctuation ("ImageNet.", "(FID)"); rather than strip every
# token in Python, the lookup tables hold every punctuated spelling, so one C-level set
# intersection finds them all.
_PREFIXES = ("", "(", "[", '"', "“", "'")
_SUFFIXES = ("", ",", ".", ";", ":", ")", "),", ").", ");", "):", "]", "],", "].", '"', "”", "'", "!", "?")


def _spellings(*groups: tuple[str, Iterable[str], bool]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every punctuated spelling of every word -> the (kind, word) pairs it stands for.

    Names keep their case ("mAP" is a metric, "map" a word; "GLUE" a benchmark, "glue" not);
    plain words also match Capitalised and UPPER case.
    """
    table: dict[str, tuple[tuple[str, str], ...]] = {}
    for kind, words, exact in groups:
        for word in sorted(words):
            found = (kind, _SAME_BENCHMARK.get(word, word))
            for cased in sorted({word} if exact else {word, word.capitalize(), word.upper()}):
                for p in _PREFIXES:
                    for s in _SUFFIXES:
                        key = f"{p}{cased}{s}"
                        table[key] = table.get(key, ()) + (found,)
    return table


@lru_cache(maxsize=1)
def _name_table() -> tuple[dict[str, tuple[tuple[str, str], ...]], frozenset[str]]:
    """The spelling table and its keys, built on first use (it takes a while; importing should not)."""
    # A word may count twice: "benchmarks" shows experiments and is what a count ("on 3 ...") counts.
    table = _spellings(
        ("metric", _METRIC_ACRONYMS, True), ("benchmark", _BENCHMARKS, True),
        ("metric", _METRIC_WORDS, False), ("experiment", _EXPERIMENT_WORDS, False),
        ("theory", _THEORY_WORDS, False), ("release", _RELEASE_WORDS, False), ("noun", _EVALUATED_NOUNS, False),
    )
    return table, frozenset(table)

# Saturation scale of the evidence points: 4.5 points -> 6, 9 -> 9, 13.5 -> 10.
# An abstract that shows nothing starts here; each kind of evidence adds its points (see _evidence).
# Half a point per point: with every kind of evidence a paper reaches 10, and evidence moves the
# total about as much as novelty does, less than relevance (measured: a full point per point let
# abstracts full of results but off topic into the top 10).
_EVIDENCE_BASE = 4.0
_EVIDENCE_GAIN = 0.5
_BASELINES_RE = re.compile(
    r"\b(?:outperform\w*|surpass\w*|state[\s-]of[\s-]the[\s-]art|sota|baselines?|compared\s+(?:to|with|against)|"
    r"competitive\s+with|beats?)\b"
)
_ABLATION_RE = re.compile(r"\bablat\w*")
_HUMAN_RE = re.compile(r"\b(?:user\s+stud\w*|human\s+(?:evaluation|study|studies|preference\w*|raters?|judg\w*)|"
                       r"(?:expert|radiologist|clinician)s?\s+(?:evaluation|study|rating\w*))\b")


def _quantitative(text: str) -> list[str]:
    """Numeric claims in reading order, as short labels: "4.5×", "78.4%", "12.1→8.3", "FID 2.1"."""
    out: list[str] = []
    last_end = -1
    for d in _DIGITS_RE.finditer(text):
        m = _NUMBER_RE.match(text, d.start())
        s, e, num = m.start(), m.end(), m.group(0)
        if s < last_end:
            continue
        prev = text[s - 1] if s else " "
        # Part of a name ("CIFAR-10", "GPT-4", "Human3.6M"), not a measurement.
        if prev.isalnum() or prev in "_." or (prev == "-" and s > 1 and text[s - 2].isalnum()):
            continue
        if _FROM_RE.search(text, max(0, s - 10), s):
            to = _TO_RE.match(text, e)
            if to:
                out.append(f"{num}→{to.group(1)}")
                last_end = to.end()
                continue
        u = _UNIT_RE.match(text, e)
        label = None
        if u is not None:
            kind = u.lastgroup if u.lastgroup != "name" else "metric"
            if kind in ("times", "fold"):
                label = f"{num}×"
            elif kind == "pct":
                label = f"{num}%"
            elif kind == "db":
                label = f"{num} dB"
            elif kind == "time":
                label = f"{num} {u.group('time').strip()}"
            elif u.group("name") in _METRIC_ACRONYMS:
                label = f"{num} {u.group('name')}"
        if label is None:
            name = _metric_before(text[max(0, s - 40):s])
            if name:
                label = f"{name} {num}"
        if label is not None:
            out.append(label)
            last_end = u.end() if u is not None and label.startswith(num) else e
    return out


def _metric_before(window: str) -> str | None:
    """The metric named just before a number ("... an FID of" -> "FID"), if any."""
    if "=" in window or ":" in window:
        window = window.replace("=", " = ").replace(":", " : ")
    # Only the last few words can name the metric: "an FID score of only 2.1".
    toks = [t for t in (t.strip(",;()[]\"'$") for t in window.rsplit(None, 6)[-6:]) if t]
    while toks and toks[-1].lower() in _CONNECTORS:
        toks.pop()
    if len(toks) > 1 and (toks[-2].lower(), toks[-1].lower()) in _METRIC_PAIRS:
        return f"{toks[-2]} {toks[-1]}"
    if toks and toks[-1].lower() in ("score", "scores"):
        toks.pop()  # "an FID score of 2.1"
    if toks and (toks[-1] in _METRIC_ACRONYMS or toks[-1].lower() in _METRIC_WORDS):
        return toks[-1]
    return None


def _in_reading_order(names: Iterable[str], low: str) -> list[str]:
    def first(name: str) -> tuple[int, str]:
        i = low.find(name.lower())
        return (i if i >= 0 else len(low), name)

    return sorted(set(names), key=first)


def _lookup(tokens: list[str]) -> dict[str, set[str]]:
    """Kind -> the known names and words among the tokens (punctuated or not)."""
    table, keys = _name_table()
    out: dict[str, set[str]] = {}
    for spelling in keys.intersection(tokens):
        for kind, word in table[spelling]:
            out.setdefault(kind, set()).add(word)
    return out


def _name_variants(tokens: list[str], known: dict[str, set[str]]) -> None:
    """Add "ImageNet-1K", "LAION-5B", "FID-10K": variants of a known name, found by the part before the hyphen."""
    table = _name_table()[0]
    for tok in {t for t in tokens if "-" in t}:
        core = tok.strip(_PUNCT)
        if core in table:
            continue
        head = core.split("-", 1)[0]
        for kind, word in table.get(head, ()):
            known.setdefault(kind, set()).add(word)


def _evaluated_on(tokens: list[str]) -> tuple[int, str]:
    """The largest "on N datasets" / "across five models" count, with its wording."""
    best, what = 0, ""
    for i in [i for i, w in enumerate(tokens) if w in _COUNT_WORDS]:
        if i == 0 or tokens[i - 1].strip(_PUNCT).lower() not in _COUNT_LEAD_WORDS:
            continue
        for noun in tokens[i + 1:i + 4]:
            noun = noun.strip(_PUNCT).lower()
            if noun in _EVALUATED_NOUNS:
                if _COUNTS[tokens[i]] > best:
                    best, what = _COUNTS[tokens[i]], f"{tokens[i]} {noun}"
                break
    return best, what


def _code_promised(low: str) -> bool:
    for word in ("code", "implementation"):
        start = low.find(word)
        while start >= 0:
            if _CODE_PROMISE_RE.match(low, start):
                return True
            start = low.find(word, start + 1)
    return False


@dataclass(frozen=True)
class _Facts:
    """What an abstract itself shows as evidence, found once per text."""

    quant: tuple[str, ...]
    metrics: tuple[str, ...]
    benches: tuple[str, ...]
    evaluated: int
    evaluated_what: str
    experiments: bool
    theory: tuple[str, ...]
    release_words: bool
    baselines: str = ""     # the words that say so: "outperforms", "compared with"
    ablation: bool = False
    human: str = ""


def _facts(abstract: str, low: str, tokens: list[str]) -> _Facts:
    found = _lookup(tokens)
    _name_variants(tokens, found)
    metric_names = found.get("metric", set())
    metric_names |= {span for span in _METRIC_SPANS if span in low}
    bench_names = found.get("benchmark", set()) | {n for pair, n in _BENCHMARK_PAIRS.items() if " ".join(pair) in abstract}
    evaluated, evaluated_what = _evaluated_on(tokens) if "noun" in found else (0, "")
    theory = sorted(found.get("theory", ()))
    if "bound" in low or "complexity" in low or "convergence" in low:
        theory += sorted({" ".join(m.group(0).split()) for m in _THEORY_PAIR_RE.finditer(low)})
    return _Facts(
        quant=tuple(_quantitative(abstract)),
        metrics=tuple(_in_reading_order(metric_names, low)),
        benches=tuple(_in_reading_order(bench_names, low)),
        evaluated=evaluated,
        evaluated_what=evaluated_what,
        experiments="experiment" in found or "user stud" in low,
        theory=tuple(theory),
        release_words="release" in found,
        baselines=_first(_BASELINES_RE, low),
        ablation=bool(_ABLATION_RE.search(low)),
        human=_first(_HUMAN_RE, low),
    )


def _first(pattern: re.Pattern[str], low: str) -> str:
    m = pattern.search(low)
    return " ".join(m.group(0).split()) if m else ""


def _evidence(c: dict, doc: _Doc) -> tuple[int, str]:
    """What a reader would count as evidence: benchmarks, baselines, ablations, people, code, proofs."""
    f = doc.facts
    low_all = f"{_text(c, 'abstract')}\n{_text(c, 'comment')}".lower()
    code = bool(_links(c, "code")) or any(h in low_all for h in ("github.com/", "gitlab.com/", "huggingface.co/"))
    project = bool(_links(c, "project")) or ".github.io" in low_all
    promised = not code and (f.release_words or "release" in low_all) and _code_promised(low_all)
    found = [
        (1.5 * min(len(f.benches), 3), f"{len(f.benches)} benchmark{'s' if len(f.benches) > 1 else ''} named ({', '.join(f.benches[:3])})"),
        (1.0 if f.evaluated >= 2 else 0.0, f"evaluated on {f.evaluated_what}"),
        (1.5 if f.baselines else 0.0, f"compared with baselines ('{f.baselines}')"),
        (1.0 if f.ablation else 0.0, "ablations"),
        (1.5 if f.human else 0.0, f"a human study ('{f.human}')"),
        (2.0 if f.theory else 0.0, f"theory ({', '.join(f.theory[:2])})"),
        (2.0 if code else (0.5 if promised else 0.0), "code released" if code else "code promised"),
        (1.0 if project else 0.0, "project page"),
        # Numbers in an abstract say that something was measured, not how well: a little, capped.
        (0.5 * min(len(f.quant), 2), f"{len(f.quant)} quantitative result{'s' if len(f.quant) != 1 else ''} ({', '.join(f.quant[:2])})"),
    ]
    points = sum(p for p, _ in found)
    value = _clamp10(_EVIDENCE_BASE + _EVIDENCE_GAIN * points)
    parts = [why for p, why in found if p > 0]
    if not parts:
        return value, "no benchmarks, baselines, ablations, human study, code or theory in the abstract"
    return value, ", ".join(parts)
