"""Benchmark digest.score on a real arXiv announcement: the 1,504-item combined RSS feed of 2024-11-28.

Parses the recorded feed, turns every item into a candidate dict (the candidates-file shape),
scores the whole window with `score_all`, and prints the count, the seconds taken, and the top
15 by relevance with their reasons. A second run pads the window to 2,000 candidates (the size
the scorer must handle in under a second) and a history of 50 recent picks, so the similarity
part of novelty is exercised too.

A third part measures the relevance model on a synthetic record (benchmarks/synth.py) of
`--record` issues (default 3,650; 0 skips it): training from the whole record with nothing cached,
again with the record unchanged (the nightly's usual case: the cached model is loaded), and after
one more issue is published (the record changed: one issue read, the model trained again); then
the padded 2,000-paper window is scored with that model.

    python benchmarks/score_window.py [--feed PATH] [--repeat N] [--record N]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from digest.editorial.config import load_config  # noqa: E402
from digest.fetch.records import finish, from_feed  # noqa: E402
from digest.fetch.rss import parse_feed  # noqa: E402
from digest.prescore import relevance_model  # noqa: E402
from digest.score import HistoryItem, ScoringContext, score_all  # noqa: E402

TIE_ORDER = ("relevance", "novelty", "evidence", "venue")  # as in digest.rank
FEED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "arxiv" / "rss_all-archives_combined_2024-11-28.xml"
def load_feed(path: Path) -> list[dict]:
    """Candidate dicts from an arXiv announcement RSS file, in feed order, through the fetcher's own parser."""
    listing = parse_feed(path.read_bytes(), where=path.name)
    return [finish(from_feed(item), {}, "") for item in listing.items]


def fake_history(candidates: list[dict], n: int = 50) -> tuple[HistoryItem, ...]:
    """Recent picks made of the window's replacements, as if their first versions had been featured."""
    replaced = sorted((c for c in candidates if c["announce_type"].startswith("replace")), key=lambda c: c["id"])[:n]
    start = date(2024, 11, 27)
    return tuple(
        HistoryItem(id=c["id"], issue_date=(d := start - timedelta(days=i // 5)), url=f"{d:%Y/%m/%d}/",
                    text=f"{c['title']} {c['abstract']}", venue=None, code=False)
        for i, c in enumerate(replaced)
    )


def pad(candidates: list[dict], size: int) -> list[dict]:
    """The window grown to `size` with copies of real items under new ids and titles (so no text repeats)."""
    extra = [dict(c, id=f"{c['id']}9", title=f"{c['title']} (revisited)") for c in candidates[: max(0, size - len(candidates))]]
    return candidates + extra


def timed(candidates: list[dict], ctx: ScoringContext, repeat: int) -> tuple[dict, list[tuple[float, float]]]:
    """Scores and (wall seconds, CPU seconds) per run; CPU time is what other load cannot inflate."""
    times = []
    scores: dict = {}
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        scores = score_all(candidates, ctx)
        times.append((time.perf_counter() - w0, time.process_time() - c0))
    return scores, times


def report(label: str, count: int, times: list[tuple[float, float]]) -> str:
    (w1, c1), best = times[0], min(times)
    return (f"{label}: {count} candidates scored in {w1:.3f} s (CPU {c1:.3f} s) on the first run, "
            f"best of {len(times)} {best[0]:.3f} s (CPU {min(c for _, c in times):.3f} s)")


def model_figures(issues: int):
    """Time the relevance model on a synthetic record of `issues` issues; the model after one more issue."""
    import synth

    with tempfile.TemporaryDirectory(prefix="digest-score-") as tmp:
        out = Path(tmp) / "archive"
        w0 = time.perf_counter()
        synth.generate(out, issues, hugo=False)
        print(f"synthetic record of {issues} issues written in {time.perf_counter() - w0:.1f} s (not counted)")
        config = replace(load_config(out / "digest.yaml"), training_issues=issues)
        after = synth.END + timedelta(days=1)

        def train(label: str, day: date):
            w, c = time.perf_counter(), time.process_time()
            model = relevance_model(config, day)
            print(f"model, {label}: {time.perf_counter() - w:.2f} s (CPU {time.process_time() - c:.2f} s), "
                  f"{model.n_positives} picks and {model.n_negatives} left out")
            return model

        train("nothing cached (every issue read, trained)", after)
        train("record unchanged (cached model loaded)", after)
        synth.write_issue(out, after, 1, synth.read_site(out), hugo=False)
        return train("one issue more (one issue read, trained again)", after + timedelta(days=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feed", type=Path, default=FEED)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--record", type=int, default=3650, help="issues in the synthetic record (0: skip the model)")
    args = ap.parse_args()
    print("command: python benchmarks/score_window.py " + " ".join(sys.argv[1:]))
    config = load_config(ROOT / "digest.yaml")
    candidates = load_feed(args.feed)

    ctx = ScoringContext.from_config(config)
    scores, times = timed(candidates, ctx, args.repeat)
    print(report("window", len(scores), times))

    history = fake_history(candidates)
    big = pad(candidates, 2000)
    big_ctx = ScoringContext.from_config(config, history)
    big_scores, big_times = timed(big, big_ctx, args.repeat)
    print(report(f"padded window with {len(history)} recent picks", len(big_scores), big_times))

    if args.record:
        model = model_figures(args.record)
        model_ctx = ScoringContext.from_config(config, history, model)
        _, model_times = timed(big, model_ctx, args.repeat)
        print(report(f"padded window with the model learned from {args.record} issues", len(big), model_times))

    by_id = {c["id"]: c for c in candidates}

    def total(s: dict) -> int:
        return sum(v["value"] for v in s.values())

    top = sorted(scores, key=lambda i: (-scores[i]["relevance"]["value"], -total(scores[i]), i))[:15]
    print("\ntop 15 by relevance (total = unweighted sum):")
    for rank, pid in enumerate(top, 1):
        s = scores[pid]
        values = " ".join(f"{k[:3]}={v['value']}" for k, v in s.items())
        print(f"{rank:2}. {pid} [{values}, total {total(s)}] {by_id[pid]['title'][:80]}")
        print(f"      relevance: {s['relevance']['reason']}")
        print(f"      evidence:  {s['evidence']['reason']}")

    # What an issue would see: the fetcher keeps the configured categories' papers that match a phrase.
    keep = {"cs.CV", "cs.LG", "cs.CL", "cs.AI"}
    rx = re.compile(r"(?<!\w)diffusion(?!\w)", re.IGNORECASE)
    window = [c for c in candidates if keep & set(c["categories"]) and rx.search(f"{c['title']} {c['abstract']}")]
    issue = score_all(window, ctx)
    order = sorted(issue, key=lambda i: (-total(issue[i]), *(-issue[i][k]["value"] for k in TIE_ORDER), i))
    print(f"\ntop 10 by total of the {len(window)} cs.CV/LG/CL/AI papers mentioning 'diffusion' (scored as one window):")
    for rank, pid in enumerate(order[:10], 1):
        s = issue[pid]
        values = " ".join(f"{k[:3]}={v['value']}" for k, v in s.items())
        print(f"{rank:2}. {pid} total {total(s):2} [{values}] {by_id[pid]['title'][:70]}")


if __name__ == "__main__":
    main()
