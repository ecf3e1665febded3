"""Benchmark: replay the ranking development set as a digest would live it, and score the automatic order.

For each labelled day of /work/shared/ranking (36 real arXiv listings with an editor's labels), in date
order: serve that day's announcement RSS from a local stand-in for arXiv, run the real `digest fetch`
and `digest rank --format json` in-process, measure the top 10 of the automatic order against the
labels, then publish the day's `featured` five as the editor's issue, so later days have a history of
picks. Two modes: warm (one project folder, history accumulates) and cold (a fresh folder per day).

    python benchmarks/ranking.py [--days N] [--mode cold|warm|both] [--json PATH] [--data DIR]

The project's digest.yaml is the repository's own, with only the stand-in's URLs, no request delay,
the listings' categories and two extra holidays (the crawl's gaps) overridden. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import shlex
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from datetime import date, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from arxiv_server import ArxivServer, Reply, feed_api, feed_items  # noqa: E402

from digest.cli import main as digest  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "ranking"
# No usable listing exists for these announcements (see the data README): holidays for the replay,
# so that each issue's window holds exactly one listing.
GAP_HOLIDAYS = (date(2026, 6, 21), date(2026, 6, 24))
PUBLISH_TIME = "13:30:00+09:00"  # when each issue goes out, Seoul time: after the RSS is served (13:00)
TOP = 10
METRICS = ("feat@10", "core@10", "off@10", "ndcg@10")


class ReplayError(Exception):
    """The replay cannot go on: a command failed or the data is not what it should be."""


@dataclass(frozen=True)
class Day:
    """One labelled day: its listing and the editor's labels (versionless arXiv ids)."""

    date: str
    listing: Path
    featured: tuple[str, ...]  # the editor's five, best first
    core: frozenset[str]
    off_topic: frozenset[str]  # tool + passing


@dataclass
class DayResult:
    """What one day of one mode measured, and what the project held when the day was scored."""

    date: str
    mode: str
    cands: int
    core_recall: float
    feat10: float
    core10: float
    off10: int
    ndcg10: float
    top10: list[str]
    featured_ranks: list[int | None]  # each featured paper's position in the automatic order (None: no candidate)
    editor_files_at_fetch: list[str]  # issues/*.yaml present when fetch computed the pre-scores
    editor_files_at_rank: list[str]  # ... and when rank printed the order
    seconds: float

    def metric(self, name: str) -> float:
        return {"feat@10": self.feat10, "core@10": self.core10, "off@10": self.off10, "ndcg@10": self.ndcg10}[name]


@dataclass
class Replay:
    """Everything one run measured."""

    command: str
    data: str
    categories: list[str]
    modes: dict[str, list[DayResult]] = field(default_factory=dict)
    seconds: float = 0.0


# --- the data ------------------------------------------------------------------------------------------


def load_days(data: Path, limit: int | None = None) -> list[Day]:
    """The labelled days in date order; every listing must have labels and every label day a listing."""
    labels = yaml.safe_load((data / "labels.yaml").read_text(encoding="utf-8"))
    labels = {str(k): v for k, v in labels.items()}
    listings = {p.stem: p for p in (data / "listings").glob("*.xml")}
    if set(labels) != set(listings):
        raise ReplayError(f"labels and listings disagree on the days: only labelled {sorted(set(labels) - set(listings))}, "
                          f"only listed {sorted(set(listings) - set(labels))}")
    days = [Day(date=d, listing=listings[d], featured=tuple(labels[d]["featured"]), core=frozenset(labels[d]["core"]),
                off_topic=frozenset(labels[d].get("tool", []) + labels[d].get("passing", [])))
            for d in sorted(labels)]
    return days[:limit] if limit else days


def listing_categories(days: list[Day]) -> list[str]:
    """The categories the listings cover: the channel titles' ("cs.AI+cs.CL ... updates") and items' primaries."""
    cats: set[str] = set()
    for day in days:
        channel = ET.parse(day.listing).getroot().find("channel")
        cats.update((channel.findtext("title") or "").split(" ")[0].split("+"))
        cats.update(item.findtext("category") or "" for item in channel.iter("item"))
    return sorted(c for c in cats if c)


def listing_stamp(feed: bytes) -> str:
    """The listing's pubDate in UTC: what the stand-in API gives as each paper's dates (the crawl has none)."""
    when = parsedate_to_datetime(ET.fromstring(feed).findtext("channel/pubDate") or "")
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the project -----------------------------------------------------------------------------------------


def project_config(server: ArxivServer, categories: list[str]) -> dict[str, Any]:
    """The repository's digest.yaml, every section kept, pointed at the stand-in."""
    config = yaml.safe_load((ROOT / "digest.yaml").read_text(encoding="utf-8"))
    config["arxiv"] = {**(config.get("arxiv") or {}), "api_url": server.api_url, "rss_url": server.rss_url,
                       "listing_url": server.listing_url,
                       "delay_seconds": 0, "categories": categories}
    schedule = config.setdefault("schedule", {})
    schedule["holidays"] = sorted({*(schedule.get("holidays") or []), *GAP_HOLIDAYS})
    return config


def new_project(folder: Path, config: dict[str, Any]) -> Path:
    """A project folder with only digest.yaml (and an empty issues/); the config's path."""
    (folder / "issues").mkdir(parents=True)
    path = folder / "digest.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def editor_files(config_path: Path) -> list[str]:
    """The editor files (issues/*.yaml) the project holds right now."""
    return sorted(p.name for p in (config_path.parent / "issues").glob("*.yaml"))


def run_digest(config_path: Path, *argv: str) -> str:
    """`digest --config CONFIG ARGV...` in-process; its stdout. A non-zero exit stops the replay."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = digest(["--config", str(config_path), *argv])
    if code != 0:
        printed = out.getvalue().strip()
        raise ReplayError(f"`digest --config {config_path} {' '.join(argv)}` exited {code}"
                          + (f"; it printed:\n{printed}" if printed else " (its message is above)"))
    return out.getvalue()


# --- one day ------------------------------------------------------------------------------------------------


def serve_day(server: ArxivServer, day: Day) -> None:
    """The stand-in serves this day's listing for any feed and answers API lookups from it."""
    feed = day.listing.read_bytes()
    server.reset()
    server.route("/rss/*", Reply(200, feed))
    server.route("/api/query", feed_api(feed_items(feed), stamp=listing_stamp(feed)))


def fetch_day(config_path: Path, day: Day) -> dict:
    """`digest fetch DATE` at 13:30 Seoul time; the candidates file it wrote."""
    run_digest(config_path, "fetch", day.date, "--now", f"{day.date}T{PUBLISH_TIME}", "--refresh", "--quiet")
    path = config_path.parent / "issues" / f"{day.date}.candidates.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    announced = [a.get("listing_date") for a in data.get("announcements", [])]
    if announced != [day.date] or data.get("source") != "rss":
        raise ReplayError(f"{day.date}: the window holds the listings of {announced} (read from {data.get('source')}), "
                          "not exactly that day's from the RSS; the replay's holidays or publish times are wrong")
    return data


def rank_day(config_path: Path, day: Day) -> list[str]:
    """The automatic order: versionless ids as `digest rank DATE --format json` prints them."""
    rows = json.loads(run_digest(config_path, "rank", day.date, "--format", "json"))
    return [re.sub(r"v\d+$", "", r["id"]) for r in rows if r.get("id")]


def publish_day(config_path: Path, day: Day, check: bool) -> None:
    """Write the day's featured five as the editor's issue, in the editor's order (pins); `check` validates it."""
    path = config_path.parent / "issues" / f"{day.date}.yaml"
    papers = "".join(f'  - arxiv: "{pid}"\n    pin: {i}\n' for i, pid in enumerate(day.featured, 1))
    path.write_text(f"date: {day.date}\npublished: {day.date}T{PUBLISH_TIME}\npapers:\n{papers}", encoding="utf-8")
    if check:
        run_digest(config_path, "check")


def measure(day: Day, mode: str, candidates: dict, order: list[str]) -> DayResult:
    """The day's figures from the top 10 of `order` and the labels."""
    top = order[:TOP]
    cand_ids = {c["id"] for c in candidates.get("candidates", [])}
    gain = {pid: 1 for pid in day.core} | {pid: 2 for pid in day.featured}
    ideal = sorted(gain.values(), reverse=True)[:TOP]
    dcg = sum(gain.get(pid, 0) / math.log2(i + 2) for i, pid in enumerate(top))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    position = {pid: i + 1 for i, pid in enumerate(order)}
    return DayResult(
        date=day.date, mode=mode, cands=len(cand_ids),
        core_recall=len(day.core & cand_ids) / len(day.core) if day.core else 1.0,
        feat10=sum(pid in top for pid in day.featured) / len(day.featured),
        core10=len(day.core.intersection(top)) / min(TOP, len(day.core)) if day.core else 0.0,
        off10=len(day.off_topic.intersection(top)),
        ndcg10=dcg / idcg if idcg else 0.0,
        top10=top, featured_ranks=[position.get(pid) for pid in day.featured],
        editor_files_at_fetch=[], editor_files_at_rank=[], seconds=0.0,
    )


def replay_day(config_path: Path, server: ArxivServer, day: Day, mode: str, check: bool) -> DayResult:
    """Fetch, rank and measure one day, then publish its editor file (never before it was scored)."""
    started = time.perf_counter()
    serve_day(server, day)
    at_fetch = editor_files(config_path)
    candidates = fetch_day(config_path, day)
    at_rank = editor_files(config_path)
    result = measure(day, mode, candidates, rank_day(config_path, day))
    publish_day(config_path, day, check)
    result.editor_files_at_fetch, result.editor_files_at_rank = at_fetch, at_rank
    result.seconds = time.perf_counter() - started
    return result


# --- the modes ------------------------------------------------------------------------------------------------


def replay(mode: str, days: list[Day], server: ArxivServer, config: dict[str, Any], work: Path,
           check: bool) -> list[DayResult]:
    """All days in one mode: warm shares one project folder, cold starts each day from nothing."""
    results = []
    warm_path = new_project(work / "warm", config) if mode == "warm" else None
    for n, day in enumerate(days, 1):
        config_path = warm_path or new_project(work / f"cold-{day.date}", config)
        result = replay_day(config_path, server, day, mode, check and n == 1)
        results.append(result)
        print(f"[{mode} {n}/{len(days)}] {day.date}: {result.cands} candidates, "
              + ", ".join(f"{m} {fmt(result.metric(m))}" for m in METRICS) + f" ({result.seconds:.1f} s)",
              file=sys.stderr, flush=True)
    return results


def averages(results: list[DayResult]) -> dict[str, float]:
    """Each figure's mean over the days."""
    n = len(results) or 1
    out = {m: sum(r.metric(m) for r in results) / n for m in METRICS}
    out["cands"] = sum(r.cands for r in results) / n
    out["core_recall"] = sum(r.core_recall for r in results) / n
    out["featured_not_candidates"] = sum(rank is None for r in results for rank in r.featured_ranks)
    return out


# --- output --------------------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.2f}"


def report(run: Replay, days: list[Day]) -> str:
    """The per-day table, then each mode's averages and the time taken."""
    modes = list(run.modes)
    by_day = {m: {r.date: r for r in run.modes[m]} for m in modes}
    head = ["date", "cands", "recall"] + [f"{m} {x}" for m in modes for x in METRICS]
    rows = []
    for day in days:
        first = by_day[modes[0]][day.date]
        cands = "/".join(sorted({str(by_day[m][day.date].cands) for m in modes}))
        rows.append([day.date, cands, fmt(first.core_recall)]
                    + [fmt(by_day[m][day.date].metric(x)) for m in modes for x in METRICS])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in [head] + rows]
    lines.append("")
    lines.append(f"averages over {len(days)} days (off@10 is a count of tool + passing papers in the top 10):")
    for m in modes:
        avg = averages(run.modes[m])
        lines.append(f"  {m:<5} " + "  ".join(f"{x} {avg[x]:.3f}" for x in METRICS)
                     + f"  cands {avg['cands']:.1f}  core_recall {avg['core_recall']:.3f}"
                     + f"  featured never candidates {avg['featured_not_candidates']}/{5 * len(days)}")
    lines.append(f"total {run.seconds:.1f} s")
    return "\n".join(lines)


def to_json(run: Replay) -> dict:
    return {"command": run.command, "data": run.data, "categories": run.categories, "seconds": run.seconds,
            "modes": {m: {"average": averages(rs), "days": [asdict(r) for r in rs]} for m, rs in run.modes.items()}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"the development set (default: {DEFAULT_DATA})")
    parser.add_argument("--days", type=int, default=None, help="replay only the first N days")
    parser.add_argument("--mode", choices=["cold", "warm", "both"], default="both")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join(["python", "benchmarks/ranking.py", *(sys.argv[1:] if argv is None else argv)])
    print(command, flush=True)
    started = time.perf_counter()
    try:
        days = load_days(args.data, args.days)
        run = Replay(command=command, data=str(args.data), categories=listing_categories(days))
        server = ArxivServer().start()
        try:
            config = project_config(server, run.categories)
            with tempfile.TemporaryDirectory(prefix="digest-ranking-") as tmp:
                for i, mode in enumerate(["cold", "warm"] if args.mode == "both" else [args.mode]):
                    run.modes[mode] = replay(mode, days, server, config, Path(tmp), check=i == 0)
        finally:
            server.stop()
    except (ReplayError, OSError) as exc:
        print(f"ranking benchmark: error: {exc}", file=sys.stderr)
        return 1
    run.seconds = time.perf_counter() - started
    print(report(run, days))
    if args.json:
        args.json.write_text(json.dumps(to_json(run), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
