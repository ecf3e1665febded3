"""The shared HTTP client against a real local server: retries, timeouts, faults, cache, request log."""
from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from arxiv_server import Reply, arxiv_server, fast_client, fixture_bytes, make_config, refused_url  # noqa: F401

from digest.errors import UpstreamError
from digest.fetch.cache import ResponseCache
from digest.fetch.http import HttpClient, HttpSettings, body_problem

ATOM = "api_search_all-testing_start0_max10_2026-04-12.xml"


@pytest.fixture
def client(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    with fast_client(config) as c:
        yield c


def get(client: HttpClient, url: str, **kw) -> bytes:
    kw.setdefault("what", "arXiv API")
    kw.setdefault("expect", "atom")
    return client.get(url, **kw)


def test_ok_body_is_returned_and_logged(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture(ATOM))
    assert get(client, arxiv_server.api_url + "?q=1") == fixture_bytes(ATOM)
    assert client.log.as_dict()["count"] == 1
    assert client.log.retries == 0


def test_503_then_200_is_retried(client, arxiv_server):
    arxiv_server.route("/api/query", Reply(503, b"busy"), Reply.fixture(ATOM))
    assert get(client, arxiv_server.api_url) == fixture_bytes(ATOM)
    assert arxiv_server.count("/api/query") == 2
    assert (client.log.count, client.log.retries) == (2, 1)


def test_503_every_time_is_unreachable_with_a_one_line_message(client, arxiv_server):
    arxiv_server.route("/api/query", Reply(503, b"busy"))
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.api_url)
    err = info.value
    assert err.unreachable
    host = arxiv_server.base_url.removeprefix("http://")
    message = str(err)
    assert message.startswith(f"arXiv API at {host}/api/query: 503 Service Unavailable after 3 attempts over ")
    assert message.endswith(" s") and "\n" not in message
    assert arxiv_server.count() == 3


def test_429_honours_retry_after_seconds(tmp_path, arxiv_server):
    waits: list[float] = []
    config = make_config(tmp_path, arxiv_server)
    client = HttpClient(HttpSettings(delay_seconds=0, backoff_base=0.01, backoff_cap=5), None, sleep=waits.append)
    arxiv_server.route("/api/query", Reply(429, b"slow down", headers={"Retry-After": "2"}), Reply.fixture(ATOM))
    assert get(client, config.arxiv.api_url) == fixture_bytes(ATOM)
    assert waits == [2.0]


def test_429_retry_after_http_date_and_cap(tmp_path, arxiv_server):
    waits: list[float] = []
    client = HttpClient(HttpSettings(delay_seconds=0, backoff_base=0.01, backoff_cap=3), None, sleep=waits.append)
    in_a_minute = formatdate(time.time() + 60, usegmt=True)
    arxiv_server.route("/api/query", Reply(429, headers={"Retry-After": in_a_minute}), Reply.fixture(ATOM))
    get(client, arxiv_server.api_url)
    assert waits == [3]  # 60 s asked, capped at backoff_cap


def test_backoff_grows_and_is_capped(arxiv_server):
    waits: list[float] = []
    client = HttpClient(HttpSettings(delay_seconds=0, backoff_base=1, backoff_cap=3, max_attempts=5), None,
                        sleep=waits.append, rng=lambda: 1.0)
    arxiv_server.route("/api/query", Reply(500))
    with pytest.raises(UpstreamError):
        get(client, arxiv_server.api_url)
    assert waits == [1, 2, 3, 3]


def test_request_spacing(arxiv_server):
    waits: list[float] = []
    now = [100.0]
    client = HttpClient(HttpSettings(delay_seconds=3), None, sleep=waits.append, clock=lambda: now[0])
    arxiv_server.route("/api/query", Reply.fixture(ATOM))
    get(client, arxiv_server.api_url + "?a")
    now[0] += 1.0
    get(client, arxiv_server.api_url + "?b")
    assert waits == [2.0]


def test_html_with_status_200_is_a_bad_answer(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.html())
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.api_url)
    assert not info.value.unreachable
    assert "HTML page" in str(info.value) and "maintenance" in str(info.value)
    assert arxiv_server.count() == 1  # not retried


def test_truncated_xml_is_a_bad_answer(client, arxiv_server):
    body = fixture_bytes(ATOM)
    arxiv_server.route("/api/query", Reply(200, body[: len(body) // 2]))
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.api_url)
    assert not info.value.unreachable
    assert "malformed or cut short" in str(info.value)


def test_rss_where_atom_expected(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture("rss_empty_test-archive_2024-11-28.xml"))
    with pytest.raises(UpstreamError, match="not an Atom feed"):
        get(client, arxiv_server.api_url)


def test_connection_cut_mid_body_is_retried(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture(ATOM, fault="cut"), Reply.fixture(ATOM))
    assert get(client, arxiv_server.api_url) == fixture_bytes(ATOM)
    assert client.log.retries == 1


def test_connection_reset_is_unreachable(client, arxiv_server):
    arxiv_server.route("/api/query", Reply(fault="reset"))
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.api_url)
    assert info.value.unreachable
    assert "after 3 attempts" in str(info.value)
    assert "reset" in str(info.value) or "closed" in str(info.value)


def test_hanging_server_times_out(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    client = fast_client(config, read_timeout=0.4, max_attempts=2)
    arxiv_server.route("/api/query", Reply(fault="hang"))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.api_url)
    elapsed = time.monotonic() - started
    assert info.value.unreachable
    assert "no answer within 0.4 s after 2 attempts" in str(info.value)
    assert 0.7 < elapsed < 3


def test_connection_refused(tmp_path):
    client = fast_client(make_config(tmp_path))
    url = refused_url()
    with pytest.raises(UpstreamError) as info:
        get(client, url)
    assert info.value.unreachable
    assert "connection refused" in str(info.value)
    assert url.removeprefix("http://") in str(info.value)


def test_dns_failure(tmp_path):
    client = fast_client(make_config(tmp_path))
    with pytest.raises(UpstreamError) as info:
        get(client, "http://export.arxiv-digest-test.invalid/api/query")
    assert info.value.unreachable
    assert "cannot resolve host name export.arxiv-digest-test.invalid" in str(info.value)


def test_404_is_a_bad_answer_not_retried(client, arxiv_server):
    with pytest.raises(UpstreamError) as info:
        get(client, arxiv_server.base_url + "/nowhere")
    assert not info.value.unreachable
    assert "404 Not Found" in str(info.value)
    assert arxiv_server.count() == 1


# --- cache -----------------------------------------------------------------------------------------


def test_cache_hit_makes_no_request_and_refresh_bypasses_it(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture(ATOM))
    url = arxiv_server.api_url + "?id_list=1"
    get(client, url)
    get(client, url)
    assert arxiv_server.count() == 1
    assert client.log.cached == 1
    get(client, url, refresh=True)
    assert arxiv_server.count() == 2


def test_variants_are_separate_entries(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture(ATOM))
    get(client, arxiv_server.api_url, variant="a")
    get(client, arxiv_server.api_url, variant="b")
    get(client, arxiv_server.api_url, variant="a")
    assert arxiv_server.count() == 2


def test_rejected_body_is_not_cached(client, arxiv_server):
    arxiv_server.route("/api/query", Reply.fixture(ATOM))

    def reject(body: bytes) -> None:
        raise LookupError("not this one")

    with pytest.raises(LookupError):
        get(client, arxiv_server.api_url, check=reject)
    get(client, arxiv_server.api_url)
    assert arxiv_server.count() == 2


def test_corrupt_cache_entry_is_ignored(tmp_path, arxiv_server):
    cache = ResponseCache(tmp_path / "http")
    client = HttpClient(HttpSettings(delay_seconds=0), cache)
    arxiv_server.route("/api/query", Reply.fixture(ATOM))
    url = arxiv_server.api_url + "?x"
    get(client, url)
    (entry,) = [p for p in (tmp_path / "http").rglob("*.bin")]
    entry.write_bytes(entry.read_bytes()[:-100])  # a torn write
    assert cache.get(url) is None
    assert get(client, url) == fixture_bytes(ATOM)
    assert arxiv_server.count() == 2
    assert cache.get(url) == fixture_bytes(ATOM)
    assert not [p for p in (tmp_path / "http").rglob("*.tmp")]


def test_cache_entry_with_a_header_nested_too_deep_is_ignored(tmp_path):
    cache = ResponseCache(tmp_path / "http")
    cache.put("http://h/a", b"body")
    (entry,) = [p for p in (tmp_path / "http").rglob("*.bin")]
    raw = entry.read_bytes()
    newline = raw.index(b"\n")
    magic = raw[: raw.index(b"{")]
    entry.write_bytes(magic + b"[" * 200_000 + raw[newline:])
    assert cache.get("http://h/a") is None


def test_cache_keys_on_the_full_url(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("http://h/a?x=1", b"one")
    assert cache.get("http://h/a?x=1") == b"one"
    assert cache.get("http://h/a?x=2") is None


# --- body sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expect, problem",
    [
        (b"", "xml", "empty"),
        (b"   \n", "xml", "empty"),
        (b"<html><body>hi</body></html>", "xml", "HTML page"),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "xml", "HTML page"),
        (b"<?xml version='1.0'?><rss><channel>", "rss", "cut short"),
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>", "rss", "not an RSS feed"),
        (b"<?xml version='1.0'?><rss/>", "rss", None),
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>", "atom", None),
    ],
)
def test_body_problem(body, expect, problem):
    found = body_problem(body, expect)
    if problem is None:
        assert found is None
    else:
        assert problem in found
