"""Rebuild issues/2024-11-29.candidates.json, the shipped example, from the recorded feed.

The real fetcher runs against a server on 127.0.0.1 that serves the recorded
combined announcement feed of Thu 28 Nov 2024 (tests/fixtures/arxiv). arXiv's
API was not recorded for these papers, so the local API answers each id_list
lookup with what the feed itself says (title, abstract, categories) and nothing
more: no comments, dates or venues are invented. The feed and listing pages
served are those of the categories digest.yaml names, made from the recording
(which holds every archive), so a digest.yaml with other categories works too:

    python scripts/example_candidates.py [--config path/to/digest.yaml]

writes issues/2024-11-29.candidates.json beside that digest.yaml (default: this
repository's).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from arxiv_listing import feed_for, listing_responder  # noqa: E402
from arxiv_server import PLACEHOLDER_DATE, ArxivServer, Reply, feed_api, feed_items, fixture_bytes  # noqa: E402

from digest.cli import main  # noqa: E402
from digest.editorial.config import load_config  # noqa: E402
from digest.files import atomic_write_bytes  # noqa: E402

FEED = "rss_all-archives_combined_2024-11-28.xml"
ISSUE = "2024-11-29"
NOW = "2024-11-29T08:30:00+09:00"
LISTING_DATE = date(2024, 11, 28)  # the recording's: announced Wed 27 Nov 2024 20:00 EST


def run(config_path: Path = ROOT / "digest.yaml") -> int:
    """Fetch the example window into a scratch copy of the project and copy the result back beside `config_path`."""
    categories = load_config(config_path).arxiv.categories
    recording = fixture_bytes(FEED)
    server = ArxivServer().start()
    try:
        # What arXiv serves for these categories: their combined feed and each one's listing page.
        server.route(f"/rss/{'+'.join(categories)}", Reply(200, feed_for(recording, categories)))
        server.route("/list/*", listing_responder(recording, LISTING_DATE))
        # The API always sends dates; the recording has none, so a placeholder goes in
        # and is taken out of the written file again below.
        server.route("/api/query", feed_api(feed_items(recording)))
        with tempfile.TemporaryDirectory() as tmp:
            config = re.sub(r"(?m)^(\s*)delay_seconds: .*", r"\1delay_seconds: 0", config_path.read_text(encoding="utf-8"))
            (Path(tmp) / "digest.yaml").write_text(config, encoding="utf-8")
            endpoints = {"DIGEST_ARXIV_API_URL": server.api_url, "DIGEST_ARXIV_RSS_URL": server.rss_url,
                         "DIGEST_ARXIV_LISTING_URL": server.listing_url}
            saved = {name: os.environ.get(name) for name in endpoints}
            os.environ.update(endpoints)
            try:
                code = main(["--config", str(Path(tmp) / "digest.yaml"), "fetch", ISSUE, "--now", NOW])
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            if code == 0:
                name = f"{ISSUE}.candidates.json"
                data = json.loads((Path(tmp) / "issues" / name).read_text(encoding="utf-8"))
                for c in data["candidates"]:
                    for key in ("published", "updated"):
                        if c.get(key, "") and c[key].startswith(PLACEHOLDER_DATE[:10]):
                            c[key] = None
                text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
                (config_path.parent / "issues").mkdir(exist_ok=True)
                atomic_write_bytes(config_path.parent / "issues" / name, text.encode("utf-8"))
            return code
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "digest.yaml", help="the digest.yaml to fetch for")
    sys.exit(run(parser.parse_args().config.resolve()))
