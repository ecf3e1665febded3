"""fetch_issue end to end against the local server: the 2024-11-28 combined feed, cache, failures, modes."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime

import pytest
from arxiv_server import (  # noqa: F401
    KST,
    ArxivServer,
    Reply,
    arxiv_server,
    atom_feed,
    fast_client,
    fixture_bytes,
    make_config,
)

from digest.errors import NotAvailableYet, UpstreamError
from digest.fetch.run import fetch_issue, summary_line
from digest.prescore import prescorer

COMBINED = "rss_all-archives_combined_2024-11-28.xml"
FEED_PATH = "/rss/cs.CV+cs.LG+cs.CL+cs.AI"
API = "/api/query"
ISSUE = date(2024, 11, 29)
NOW = datetime(2024, 11, 29, 8, 30, tzinfo=KST)  # Thu 28 Nov 18:30 EST: the Wed batch is the newest

# What the API adds for a few of the announced papers (RSS has no comments).
EXTRA = {
    "2411.18456": {"comment": "Accepted to CVPR 2025 (Oral). Code: https://github.com/example/diffusion-repo.",
                   "doi": "10.1000/example.1", "affiliation": "Universitat Politècnica de Catalunya"},
    "2411.17769": {"comment": "Submitted to ICLR 2025", "journal_ref": None},
    "2407.18555": {"comment": "NeurIPS 2024 workshop", "journal_ref": None},
}


# --- the API's side, synthesised from the recording (the test's own reading of it) ---------------


def _split_creator(creator: str) -> list[str]:
    names, depth, cur = [], 0, ""
    for ch in creator:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            names.append(cur)
            cur = ""
        else:
            cur += ch
    names.append(cur)
    return [re.sub(r"\s*\(.*\)\s*$", "", n).strip() for n in names if n.strip()]


def _recorded_items(raw: bytes) -> dict[str, dict]:
    ns = {"dc": "http://purl.org/dc/elements/1.1/"}
    items = {}
    for item in ET.fromstring(raw).iter("item"):
        m = re.match(r"arXiv:(\S+)v(\d+) Announce Type: (\S+)\s*\nAbstract: (.*)", item.findtext("description"), re.S)
        items[m.group(1)] = {
            "version": int(m.group(2)),
            "title": item.findtext("title"),
            "summary": m.group(4),
            "categories": [c.text for c in item.findall("category")],
            "authors": _split_creator(item.findtext("dc:creator", namespaces=ns) or ""),
        }
    return items


RECORDED = _recorded_items(fixture_bytes(COMBINED))


def api_answer(request) -> Reply:
    """id_list lookups answered from the recording, with EXTRA metadata."""
    entries = []
    for arxiv_id in request.param("id_list").split(","):
        item = RECORDED.get(arxiv_id)
        if item is None:
            continue
        extra = EXTRA.get(arxiv_id, {})
        affs = [extra["affiliation"]] if "affiliation" in extra else []
        entries.append({
            "id": f"{arxiv_id}v{item['version']}",
            "title": item["title"],
            "summary": item["summary"],
            "categories": item["categories"],
            "authors": [(a, affs) for a in item["authors"]],
            "published": "2024-11-26T18:00:00Z",
            "updated": "2024-11-27T10:00:00Z",
            **{k: v for k, v in extra.items() if k in ("comment", "journal_ref", "doi") and v},
        })
    return Reply(200, atom_feed(entries))


def small_feed(pub_date: str = "Thu, 28 Nov 2024", drop: tuple[str, ...] = ()) -> bytes:
    """The combined recording cut down to its first 150 items and one replacement (faster to parse),
    dated `pub_date`, without the papers in `drop`."""
    raw = fixture_bytes(COMBINED).decode("utf-8")
    head, *items = raw.split("<item>")
    items = items[:150] + [i for i in items if "arXiv:2308.07652v4" in i]
    items = [i for i in items if not any(f"arXiv:{d}v" in i for d in drop)]
    tail = "</channel>\n</rss>\n"
    body = head + "".join("<item>" + i.split("</item>")[0] + "</item>\n" for i in items) + tail
    return body.replace("Thu, 28 Nov 2024", pub_date).encode("utf-8")


def serve_recording(server: ArxivServer, feed: bytes | None = None) -> None:
    server.route(FEED_PATH, Reply(200, feed) if feed is not None else Reply.fixture(COMBINED))
    server.route(API, api_answer, when=lambda r: bool(r.param("id_list")))


# --- the 2024-11-28 combined feed, fetched once for the module ------------------------------------


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    server = ArxivServer().start()
    try:
        serve_recording(server)
        config = make_config(root, server)
        editor_file = config.issues_dir / "2024-11-29.yaml"
        editor_file.parent.mkdir(parents=True)
        editor_file.write_bytes(b"date: 2024-11-29\npapers: []\n")
        calls = []
        result = fetch_issue(config, ISSUE, NOW, client=fast_client(config), progress=lambda d, t: calls.append((d, t)),
                             prescore=prescorer(config, ISSUE))
        yield {
            "config": config,
            "server": server,
            "result": result,
            "bytes": result.path.read_bytes(),
            "doc": json.loads(result.path.read_text("utf-8")),
            "progress": calls,
            "editor_file": editor_file,
        }
    finally:
        server.stop()


def test_counts(recorded):
    assert recorded["result"].counts == {"screened": 513, "matched": 67, "kept": 67, "enriched": 67}
    assert recorded["doc"]["counts"] == recorded["result"].counts
    hits = Counter(k for c in recorded["doc"]["candidates"] for k in c["topic_hits"])
    assert hits["diffusion"] == 59  # "about 59 diffusion papers in cs.CV/LG/CL/AI"


def test_window_and_announcement(recorded):
    doc, result = recorded["doc"], recorded["result"]
    assert doc["window"] == {"start": "2024-11-28T09:00:00+09:00", "end": "2024-11-29T09:00:00+09:00"}
    assert doc["announcements"] == [{
        "announced": "2024-11-27T20:00:00-05:00",
        "listing_date": "2024-11-28",
        "submissions_start": "2024-11-26T19:00:00+00:00",
        "submissions_end": "2024-11-27T19:00:00+00:00",
        "available": "2024-11-28T00:00:00-05:00",
    }]
    assert (doc["source"], doc["approximate"], result.source, result.approximate) == ("rss", False, "rss", False)
    assert doc["format"] == 1 and doc["date"] == "2024-11-29"
    assert doc["fetched_at"] == "2024-11-29T08:30:00+09:00"
    assert doc["requests"] == {**recorded["result"].requests}
    assert doc["requests"]["count"] == 2  # one feed, one id_list batch


def test_summary_line(recorded):
    assert summary_line(recorded["result"]) == (
        "window Nov 28 09:00 – Nov 29 09:00 KST: 1 announcement, 513 screened, 67 matched, "
        "wrote issues/2024-11-29.candidates.json"
    )


def test_announce_types_and_replacements(recorded):
    cands = {c["id"]: c for c in recorded["doc"]["candidates"]}
    assert Counter(c["announce_type"] for c in cands.values()) == {"new": 42, "replace": 25}
    assert (cands["2308.07652"]["announce_type"], cands["2308.07652"]["version"]) == ("replace", 4)
    assert (cands["2311.10270"]["announce_type"], cands["2311.10270"]["version"]) == ("replace", 5)
    assert (cands["2411.18456"]["announce_type"], cands["2411.18456"]["version"]) == ("new", 1)


def test_unicode_authors_and_enrichment(recorded):
    cands = {c["id"]: c for c in recorded["doc"]["candidates"]}
    nunez = cands["2411.18456"]
    assert nunez["authors"] == ["José Fernando Núñez", "Jamie Arjona", "Javier Béjar"]
    assert nunez["affiliations"] == ["Universitat Politècnica de Catalunya"]
    assert nunez["venue"] == "CVPR 2025 (Oral)"
    assert nunez["links"] == {"code": ["https://github.com/example/diffusion-repo"], "project": []}
    assert nunez["doi"] == "10.1000/example.1"
    assert nunez["published"] == "2024-11-26T18:00:00+00:00"
    assert "François Bénard" in cands["2407.18555"]["authors"]
    assert cands["2407.18555"]["venue"] == "NeurIPS 2024 Workshop"
    assert cands["2411.17769"]["venue"] == "under review: ICLR 2025"
    for c in cands.values():
        assert not any("\\" in a for a in c["authors"]), c["authors"]


def test_candidate_shape(recorded):
    doc = recorded["doc"]
    ids = [c["id"] for c in doc["candidates"]]
    assert ids == sorted(ids)
    keys = {"id", "version", "announce_type", "title", "authors", "affiliations", "abstract", "categories",
            "published", "updated", "comment", "journal_ref", "doi", "venue", "links", "topic_hits", "scores",
            "first_seen", "proposed"}
    for c in doc["candidates"]:
        assert set(c) == keys
        assert c["first_seen"] == "2024-11-29T08:30:00+09:00"
        assert set(c["categories"]) & {"cs.CV", "cs.LG", "cs.CL", "cs.AI"}
        assert c["topic_hits"] and all(n > 0 for n in c["topic_hits"].values())
        # Automatic pre-scores from digest.score: any subset of the signals, 0-10 with a reason.
        for score in c["scores"].values():
            assert 0 <= score["value"] <= 10 and isinstance(score["reason"], str)
    assert any(c["scores"] for c in doc["candidates"])


def test_file_bytes_are_canonical(recorded):
    raw = recorded["bytes"]
    assert raw.endswith(b"}\n")
    assert "Núñez".encode() in raw  # ensure_ascii=False
    assert raw == (json.dumps(recorded["doc"], sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()
    assert not list(recorded["result"].path.parent.glob("*.tmp"))


def test_editor_file_untouched(recorded):
    assert recorded["editor_file"].read_bytes() == b"date: 2024-11-29\npapers: []\n"


def test_progress_reported(recorded):
    assert recorded["progress"][-1] == (67, 67)


def test_second_fetch_is_served_from_cache_and_changes_nothing(recorded):
    config, server, path = recorded["config"], recorded["server"], recorded["result"].path
    before = server.count()
    mtime = path.stat().st_mtime_ns
    later = datetime(2024, 11, 29, 8, 45, tzinfo=KST)
    result = fetch_issue(config, ISSUE, later, client=fast_client(config), prescore=prescorer(config, ISSUE))
    assert server.count() == before  # zero requests
    assert result.requests["count"] == 0 and result.requests["cached"] == 2
    assert result.changed is False
    assert path.read_bytes() == recorded["bytes"] and path.stat().st_mtime_ns == mtime
    assert summary_line(result).endswith("issues/2024-11-29.candidates.json unchanged")


def test_failed_refresh_leaves_the_file_byte_identical(recorded):
    config, server, path = recorded["config"], recorded["server"], recorded["result"].path
    server.route(FEED_PATH, Reply(503))
    try:
        with pytest.raises(UpstreamError) as info:
            fetch_issue(config, ISSUE, NOW, client=fast_client(config), refresh=True)
        assert info.value.unreachable
        assert path.read_bytes() == recorded["bytes"]
    finally:
        serve_recording(server)


# --- smaller scenarios, each with its own server and project ----------------------------------------


@pytest.fixture
def project(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    return config, arxiv_server


def test_not_available_yet_before_the_announcement(project):
    config, server = project
    early = datetime(2024, 11, 28, 9, 55, tzinfo=KST)  # Wed 27 Nov 19:55 EST
    with pytest.raises(NotAvailableYet) as info:
        fetch_issue(config, ISSUE, early, client=fast_client(config))
    assert info.value.retry_after == datetime(2024, 11, 28, 10, 0, tzinfo=KST)
    assert str(info.value).endswith("not available yet, retry after 10:00 KST")
    assert server.count() == 0
    assert not config.issues_dir.exists()


def test_stale_feed_is_not_available_yet_and_writes_nothing(project):
    config, server = project
    serve_recording(server, small_feed(pub_date="Wed, 27 Nov 2024"))
    with pytest.raises(NotAvailableYet) as info:
        fetch_issue(config, ISSUE, NOW, client=fast_client(config))
    assert "still shows the listing of 2024-11-27" in str(info.value)
    assert "add 2024-11-27 to schedule.holidays" in str(info.value)  # hours late: maybe an unlisted holiday
    assert not config.issues_dir.exists()


def test_empty_feed_on_an_announcement_day_fails(project):
    config, server = project
    server.route(FEED_PATH, Reply.fixture("rss_empty_test-archive_2024-11-28.xml"))
    with pytest.raises(UpstreamError) as info:
        fetch_issue(config, ISSUE, NOW, client=fast_client(config))
    assert not info.value.unreachable
    assert not config.issues_dir.exists()


def test_failing_enrichment_keeps_the_previous_file(project):
    config, server = project
    serve_recording(server, small_feed())
    first = fetch_issue(config, ISSUE, NOW, client=fast_client(config), prescore=prescorer(config, ISSUE))
    before = first.path.read_bytes()
    server.route(API, Reply.fixture("api_error_http400_idlist_abc_2026-04-12.xml", status=400))
    with pytest.raises(UpstreamError):
        fetch_issue(config, ISSUE, NOW, client=fast_client(config), refresh=True)
    assert first.path.read_bytes() == before


def test_empty_window_on_a_holiday(project):
    config, server = project
    holiday = date(2024, 11, 30)
    result = fetch_issue(config, holiday, datetime(2024, 11, 30, 9, 30, tzinfo=KST), client=fast_client(config),
                         prescore=prescorer(config, holiday))
    assert result.announcements == [] and server.count() == 0
    doc = json.loads(result.path.read_text("utf-8"))
    assert doc["candidates"] == [] and doc["counts"] == {"screened": 0, "matched": 0, "kept": 0, "enriched": 0}
    assert doc["source"] == "calendar"
    assert "no arXiv announcement in this window (weekend or holiday)" in summary_line(result)
    assert result.notes == ["no arXiv announcement in this window (weekend or holiday)"]


def test_first_seen_is_kept_across_refetches(project):
    config, server = project
    serve_recording(server, small_feed(drop=("2411.17769",)))
    first = fetch_issue(config, ISSUE, NOW, client=fast_client(config), prescore=prescorer(config, ISSUE))
    serve_recording(server, small_feed())
    later = datetime(2024, 11, 29, 10, 0, tzinfo=KST)
    second = fetch_issue(config, ISSUE, later, client=fast_client(config), refresh=True,
                         prescore=prescorer(config, ISSUE))
    assert second.changed is True and second.counts["kept"] == first.counts["kept"] + 1
    seen = {c["id"]: c["first_seen"] for c in json.loads(second.path.read_text("utf-8"))["candidates"]}
    assert seen.pop("2411.17769") == "2024-11-29T10:00:00+09:00"
    assert set(seen.values()) == {"2024-11-29T08:30:00+09:00"}


def test_refresh_with_nothing_new_leaves_the_file(project):
    config, server = project
    serve_recording(server, small_feed())
    first = fetch_issue(config, ISSUE, NOW, client=fast_client(config), prescore=prescorer(config, ISSUE))
    before = first.path.read_bytes()
    again = fetch_issue(config, ISSUE, datetime(2024, 11, 29, 11, 0, tzinfo=KST), client=fast_client(config), refresh=True,
                        prescore=prescorer(config, ISSUE))
    assert again.requests["count"] == 2 and again.changed is False
    assert first.path.read_bytes() == before


def _search_answer(pages: dict[str, list[dict]]):
    def answer(request):
        query = request.param("search_query")
        for marker, entries in pages.items():
            if marker in query:
                return Reply(200, atom_feed(entries))
        return Reply(200, atom_feed([]))
    return answer


def test_backfill_of_an_older_window(project):
    config, server = project
    server.route(API, _search_answer({
        "submittedDate:[202411261900 TO 202411271900]": [
            {"id": "2411.18001v1", "title": "Flow-Matching Priors", "summary": "We study flow matching.", "categories": ["cs.LG"],
             "comment": "Accepted to ICLR 2025"},
            {"id": "2411.18002v1", "title": "A survey", "summary": "Nothing topical here.", "categories": ["cs.CL"]},
        ],
    }))
    later = datetime(2024, 12, 10, 9, 0, tzinfo=KST)
    result = fetch_issue(config, ISSUE, later, client=fast_client(config), prescore=prescorer(config, ISSUE))
    assert (result.source, result.approximate) == ("api", True)
    assert result.counts == {"screened": 2, "matched": 1, "kept": 1, "enriched": 1}
    (cand,) = json.loads(result.path.read_text("utf-8"))["candidates"]
    assert (cand["id"], cand["announce_type"], cand["venue"]) == ("2411.18001", None, "ICLR 2025")
    assert cand["topic_hits"] == {"flow matching": 2}
    assert "approximate" in summary_line(result)
    assert server.count(FEED_PATH) == 0
    query = server.requests[0].param("search_query")
    assert query.startswith("(cat:cs.CV OR cat:cs.LG OR cat:cs.CL OR cat:cs.AI) AND (ti:diffusion OR abs:diffusion")


def test_window_with_two_announcements_combines_backfill_and_rss(project):
    config, server = project
    # Sun 1 Dec 20:00 EST (backfilled) and Mon 2 Dec 20:00 EST (the newest: RSS listing of Tue 3 Dec).
    serve_recording(server, small_feed(pub_date="Tue, 03 Dec 2024"))
    server.route(API, _search_answer({
        "submittedDate:[202411271900 TO 202411291900]": [
            {"id": "2411.18100v1", "title": "Score-based editing", "summary": "x", "categories": ["cs.CV"]},
            # also in the feed, as a v4 replacement: the feed's newer version wins
            {"id": "2308.07652v3", "title": "diffusion", "summary": "diffusion", "categories": ["cs.CV"]},
        ],
    }), when=lambda r: bool(r.param("search_query")))
    result = fetch_issue(
        config, date(2024, 12, 4), datetime(2024, 12, 4, 8, 30, tzinfo=KST),
        window=config.schedule.window(date(2024, 12, 4), KST, datetime(2024, 12, 2, 9, 0, tzinfo=KST)),
        client=fast_client(config),
        prescore=prescorer(config, date(2024, 12, 4)),
    )
    assert [a.listing_date for a in result.announcements] == [date(2024, 12, 2), date(2024, 12, 3)]
    assert (result.source, result.approximate) == ("rss+api", True)
    cands = {c["id"]: c for c in json.loads(result.path.read_text("utf-8"))["candidates"]}
    assert cands["2411.18100"]["announce_type"] is None
    assert (cands["2308.07652"]["version"], cands["2308.07652"]["announce_type"]) == (4, "replace")
    assert result.counts["kept"] == result.counts["matched"] - 1
    assert "2 announcements" in summary_line(result)


def test_without_a_prescorer_the_records_are_written_unscored(project):
    config, server = project
    serve_recording(server, small_feed())
    result = fetch_issue(config, ISSUE, NOW, client=fast_client(config))
    cands = json.loads(result.path.read_text("utf-8"))["candidates"]
    assert cands and all(c["scores"] == {} and "proposed" not in c and "seen_before" not in c for c in cands)


def test_naive_now_is_refused(project):
    config, _ = project
    with pytest.raises(ValueError, match="no time zone"):
        fetch_issue(config, ISSUE, datetime(2024, 11, 29, 8, 30))


def test_default_client_uses_the_cache_dir(project):
    config, server = project
    serve_recording(server, small_feed())
    fetch_issue(config, ISSUE, NOW, prescore=prescorer(config, ISSUE))
    assert list((config.cache_dir / "http").rglob("*.bin"))


def test_a_candidates_file_nested_too_deep_is_replaced_not_read(tmp_path):
    # Fetching reads the file it replaces for its first_seen times; damage past the JSON decoder's depth is
    # an unreadable file, not an internal error.
    from digest.fetch.store import write_candidates

    path = tmp_path / "2026-07-02.candidates.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    doc = {"format": 1, "candidates": [{"id": "2606.40000", "first_seen": "2026-07-02T08:00:00+09:00"}]}
    assert write_candidates(path, doc) is True
    assert json.loads(path.read_text(encoding="utf-8"))["candidates"][0]["id"] == "2606.40000"
