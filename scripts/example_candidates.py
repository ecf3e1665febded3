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
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from arxiv_server import ArxivServer, Reply, fixture_bytes  # noqa: E402

from digest.cli import main  # noqa: E402
from digest.fsutil import atomic_write_bytes  # noqa: E402

FEED = "rss_all-archives_combined_2024-11-28.xml"
ISSUE = "2024-11-29"
NOW = "2024-11-29T08:30:00+09:00"
PLACEHOLDER = "2000-01-01T00:00:00Z"


def recorded_items() -> dict[str, dict]:
    """Versionless id -> what the feed says about the paper."""
    items = {}
    for item in ET.fromstring(fixture_bytes(FEED)).iter("item"):
        m = re.match(r"arXiv:(\S+)v(\d+) Announce Type: \S+\s*\nAbstract: (.*)", item.findtext("description") or "", re.S)
        if m:
            items[m.group(1)] = {"version": m.group(2), "title": item.findtext("title") or "",
                                 "summary": m.group(3), "categories": [c.text for c in item.findall("category")]}
    return items


def api_answer(items: dict[str, dict]):
    """An id_list lookup answered with the feed's own data for each id."""
    def answer(request) -> Reply:
        ids = [i for i in request.param("id_list").split(",") if i in items]
        entries = []
        for i in ids:
            it = items[i]
            cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in it["categories"])
            # The API always sends dates; the recording has none, so a placeholder goes
            # in here and is taken out of the written file again below.
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{i}v{it['version']}</id><title>{escape(it['title'])}</title>"
                f"<published>{PLACEHOLDER}</published><updated>{PLACEHOLDER}</updated>"
                f"<summary>{escape(it['summary'])}</summary>"
                f'<arxiv:primary_category term="{it["categories"][0]}"/>{cats}'
                f'<link href="https://arxiv.org/abs/{i}v{it["version"]}" rel="alternate" type="text/html"/></entry>')
        body = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">'
                f"<id>local</id><title>local</title><updated>2024-11-28T00:00:00Z</updated>"
                f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
                f"<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>"
                + "".join(entries) + "</feed>")
        return Reply(200, body.encode("utf-8"))
    return answer


def run() -> int:
    """Fetch the example window into a scratch copy of the project and copy the result back."""
    server = ArxivServer().start()
    try:
        cats = "+".join(["cs.CV", "cs.LG", "cs.CL"])
        server.route(f"/rss/{cats}", Reply.fixture(FEED))
        server.route("/api/query", api_answer(recorded_items()))
        with tempfile.TemporaryDirectory() as tmp:
            config = (ROOT / "digest.yaml").read_text(encoding="utf-8")
            config = re.sub(r"api_url: .*", f"api_url: {server.api_url}", config)
            config = re.sub(r"rss_url: .*", f"rss_url: {server.rss_url}", config)
            config = re.sub(r"delay_seconds: .*", "delay_seconds: 0", config)
            (Path(tmp) / "digest.yaml").write_text(config, encoding="utf-8")
            code = main(["--config", str(Path(tmp) / "digest.yaml"), "fetch", ISSUE, "--now", NOW])
            if code == 0:
                name = f"{ISSUE}.candidates.json"
                data = json.loads((Path(tmp) / "issues" / name).read_text(encoding="utf-8"))
                for c in data["candidates"]:
                    for key in ("published", "updated"):
                        if c.get(key, "") and c[key].startswith("2000-01-01"):
                            c[key] = None
                text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
                atomic_write_bytes(ROOT / "issues" / name, text.encode("utf-8"))
            return code
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(run())
