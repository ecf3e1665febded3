"""benchmarks/ranking.py: the replay of the ranking development set keeps its contract on its first two days."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "ranking"
RATES = ("feat10", "core10", "ndcg10", "core_recall")


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_ranking", ROOT / "benchmarks" / "ranking.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def two_days(tmp_path_factory) -> dict:
    if not (DATA / "labels.yaml").is_file() or not (DATA / "listings").is_dir():
        pytest.skip(f"the ranking development set is not at {DATA} (labels.yaml and listings/)")
    out = tmp_path_factory.mktemp("ranking") / "figures.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ranking.py"), "--days", "2", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "python benchmarks/ranking.py --days 2 --json " + str(out)
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_figure_in_range(two_days):
    for mode in ("cold", "warm"):
        days = two_days["modes"][mode]["days"]
        assert len(days) == 2
        for day in days:
            assert all(0.0 <= day[k] <= 1.0 for k in RATES), day
            assert isinstance(day["off10"], int) and 0 <= day["off10"] <= 10
            assert day["cands"] > 0 and len(day["top10"]) <= 10
        averages = two_days["modes"][mode]["average"]
        assert all(0.0 <= averages[k] <= 1.0 for k in ("feat@10", "core@10", "ndcg@10", "core_recall"))


def test_day_one_is_the_same_warm_or_cold(two_days):
    cold, warm = (two_days["modes"][m]["days"][0] for m in ("cold", "warm"))
    volatile = {"mode", "seconds"}
    assert {k: v for k, v in cold.items() if k not in volatile} == {k: v for k, v in warm.items() if k not in volatile}


def test_only_earlier_editor_files_exist_when_a_day_is_scored(two_days):
    warm = two_days["modes"]["warm"]["days"]
    first, second = warm[0]["date"], warm[1]["date"]
    for moment in ("editor_files_at_fetch", "editor_files_at_rank"):
        assert warm[0][moment] == []
        assert warm[1][moment] == [f"{first}.yaml"], f"at {moment}: day 1's editor file and not day 2's ({second})"
        assert all(day[moment] == [] for day in two_days["modes"]["cold"]["days"])


def test_metrics_of_a_known_order():
    bench = _load_benchmark()
    day = bench.Day(date="2026-01-02", listing=Path("unused.xml"), featured=("f1", "f2", "f3", "f4", "f5"),
                    core=frozenset({"f1", "f2", "f3", "f4", "f5", "c1"}), off_topic=frozenset({"t1", "p1"}))
    candidates = {"candidates": [{"id": i} for i in ("f1", "f2", "f3", "f4", "f5", "c1", "t1", "x")]}
    perfect = bench.measure(day, "cold", candidates, ["f1", "f2", "f3", "f4", "f5", "c1", "t1", "x"])
    assert (perfect.feat10, perfect.core10, perfect.off10, perfect.ndcg10) == (1.0, 1.0, 1, 1.0)
    worst = bench.measure(day, "cold", candidates, ["t1", "x"] + [f"y{i}" for i in range(8)] + ["f1"])
    assert (worst.feat10, worst.core10, worst.off10, worst.ndcg10) == (0.0, 0.0, 1, 0.0)
    assert worst.featured_ranks[0] == 11 and worst.core_recall == 1.0
