"""A build killed with SIGKILL leaves either the old site or the new one, never a mix; the next run recovers."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import copy_project

REFERENCE = Path(__file__).resolve().parent.parent / "issues" / "2026-07-01.yaml"


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "digest", "build"], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkill_during_build_never_leaves_a_mixed_site(tmp_path):
    root = copy_project(tmp_path / "proj")
    text = REFERENCE.read_text(encoding="utf-8")
    assert build(root).wait(timeout=120) == 0
    old = tree(root / "site")
    # enough issues that a build takes a while, so the kills land mid-way
    for day in range(1, 200):
        d = f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}"
        body = text.replace("date: 2026-07-01", f"date: {d}").replace("2026-07-01T09:24:00+09:00", f"{d}T09:24:00+09:00")
        body = "\n".join(line for line in body.splitlines() if not line.startswith(("window:", "  start:", "  end:")))
        (root / "issues" / f"{d}.yaml").write_text(body + "\n", encoding="utf-8")
    seen = []
    for delay in (0.3, 0.8, 1.5):
        proc = build(root)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        seen.append((delay, tree(root / "site")))
    assert build(root).wait(timeout=300) == 0
    final = tree(root / "site")
    assert len(final) > len(old) + 150
    for delay, snapshot in seen:
        assert snapshot in (old, final), f"mixed site after a kill at {delay}s"
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".site-")]
    assert leftovers == [], leftovers
    assert os.path.isdir(root / "site")
