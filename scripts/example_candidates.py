"""Rebuild issues/2024-11-29.candidates.json, the shipped example, from the recorded feed.

The real fetcher runs against a server on 127.0.0.1 that serves the recorded
combined announcement feed of Thu 28 Nov 2024 (tests/fixtures/arxiv). arXiv's
API was not recorded for these papers, so the local API answers each id_list
lookup with what the feed itself says (title, abstract, categories) and nothing
more: no comments, dates or venues are invented. Run from the project root:

    python scripts/example_candidates.py
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from arxiv_server import PLACEHOLDER_DATE, ArxivServer, Reply, feed_api, feed_items, fixture_bytes  # noqa: E402

from digest.cli import main  # noqa: E402
from digest.fsutil import atomic_write_bytes  # noqa: E402

FEED = "rss_all-archives_combined_2024-11-28.xml"
ISSUE = "2024-11-29"
NOW = "2024-11-29T08:30:00+09:00"


def run() -> int:
    """Fetch the example window into a scratch copy of the project and copy the result back."""
    server = ArxivServer().start()
    try:
        cats = "+".join(["cs.CV", "cs.LG", "cs.CL"])
        server.route(f"/rss/{cats}", Reply.fixture(FEED))
        # The API always sends dates; the recording has none, so a placeholder goes in
        # and is taken out of the written file again below.
        server.route("/api/query", feed_api(feed_items(fixture_bytes(FEED))))
        with tempfile.TemporaryDirectory() as tmp:
            config = (ROOT / "digest.yaml").read_text(encoding="utf-8")
            config = re.sub(r"api_url: .*", f"api_url: {server.api_url}", config)
            config = re.sub(r"rss_url: .*", f"rss_url: {server.rss_url}", config)
            config = re.sub(r"listing_url: .*", f"listing_url: {server.listing_url}", config)
            config = re.sub(r"delay_seconds: .*", "delay_seconds: 0", config)
            (Path(tmp) / "digest.yaml").write_text(config, encoding="utf-8")
            code = main(["--config", str(Path(tmp) / "digest.yaml"), "fetch", ISSUE, "--now", NOW])
            if code == 0:
                name = f"{ISSUE}.candidates.json"
                data = json.loads((Path(tmp) / "issues" / name).read_text(encoding="utf-8"))
                for c in data["candidates"]:
                    for key in ("published", "updated"):
                        if c.get(key, "") and c[key].startswith(PLACEHOLDER_DATE[:10]):
                            c[key] = None
                text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
                atomic_write_bytes(ROOT / "issues" / name, text.encode("utf-8"))
            return code
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(run())
