"""Nothing injected: hostile bytes into the feed parsers, hostile text into every field of an editor file and a
candidates file, and oversized inputs that must fail fast with a message and bounded memory.

The built hostile site is shared with tests/browser/test_xss.py (`hostile_site()`), which loads every page in
Chromium and checks that no dialog opens and no console error is logged.
"""
from __future__ import annotations

import gzip
import json
import re
import resource
import shutil
import tempfile
import time
import tracemalloc
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from arxiv_server import fixture_bytes
from conftest import copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import DigestError, UpstreamError

# --- 1. feed parsers: arbitrary and mutated bytes give records or UpstreamError, nothing else -----------

RSS_FIXTURES = ("rss_quant-ph_2025-04-28_new-cross-replace.xml", "rss_empty_test-archive_2024-11-28.xml",
                "rss_error_bad-archive_2024-11-28.xml")
API_FIXTURES = ("api_idlist_1707.08567_nonascii_2026-04-12.xml", "api_search_all-testing_start0_max10_2026-04-12.xml",
                "api_legacy2016_idlist_1111.2011v2_doi_journalref.xml", "api_error_http400_idlist_abc_2026-04-12.xml")


class _Resp:
    def __init__(self, body: bytes):
        self.status_code, self.content, self.headers, self.reason = 200, body, {}, "OK"


class _Session:
    """A requests.Session stand-in answering every GET with the same body (no network, no sleeping)."""

    def __init__(self, body: bytes):
        self.body = body

    def get(self, url, **kw):
        return _Resp(self.body)

    def close(self):
        pass


def _client(body: bytes):
    from digest.fetch.http import HttpClient, HttpSettings

    return HttpClient(HttpSettings(delay_seconds=0, max_attempts=1), None, session=_Session(body), sleep=lambda s: None)


def through_rss(body: bytes):
    """The whole RSS path: HttpClient's body check, the feed's own checks, parse_feed."""
    from datetime import date

    from digest.fetch.batch import StaleBatch
    from digest.fetch.rss import fetch_feed

    try:
        return fetch_feed(_client(body), "http://arxiv.test/rss", ("cs.CV",), date(2025, 4, 28)).items
    except (UpstreamError, StaleBatch):
        return None


def through_listing(body: bytes):
    """The whole listing path: HttpClient, the page's structure and date checks, the merge."""
    from datetime import date

    from digest.fetch.batch import StaleBatch
    from digest.fetch.listing import fetch_batch

    try:
        return fetch_batch(_client(body), "http://arxiv.test/list", ("cs.CV",), date(2024, 11, 28)).items
    except (UpstreamError, StaleBatch):
        return None


def _listing_pages() -> tuple[bytes, ...]:
    from datetime import date

    from arxiv_listing import feed_papers, listing_page

    papers = feed_papers(fixture_bytes("rss_all-archives_combined_2024-11-28.xml"))
    cv = [p for p in papers if "cs.CV" in p.categories]
    return (listing_page(cv[:12] + cv[-4:], "cs.CV", date(2024, 11, 28)),
            listing_page(cv[:40], "cs.CV", date(2024, 11, 28), skip=20, show=10))


def through_api(body: bytes):
    """The whole API path: HttpClient's body check, the error-feed and empty-page checks, to_paper."""
    from digest.fetch.api import ArxivApi
    from digest.fetch.records import from_api

    try:
        found = ArxivApi(_client(body), "http://arxiv.test/api/query").lookup(["1707.08567"])
        return [from_api(p) for p in found.values()]
    except UpstreamError:
        return None


def mutated(fixtures: tuple[str | bytes, ...]):
    """A fixture (a name, or the bytes themselves) with a few random byte edits: deletions, insertions
    of markup junk, truncation."""
    junk = st.sampled_from([b"<", b">", b"&", b"&amp;", b"]]>", b"<![CDATA[", b"\x00", b"\xff\xfe", b"<entry>",
                            b"</entry>", b"<item>", b"</feed>", b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"&a;", b"\"",
                            b"<id>", b"</id>", b"v", b"9999", b"-1", b"<published>x</published>", b"<dt>", b"</dd>",
                            b"<h3>", b"</div>", b"(replaced)", b"<span class='primary-subject'>"])

    @st.composite
    def build(draw):
        source = draw(st.sampled_from(fixtures))
        body = bytearray(source if isinstance(source, bytes) else fixture_bytes(source))
        for _ in range(draw(st.integers(1, 6))):
            pos = draw(st.integers(0, len(body)))
            action = draw(st.sampled_from(["delete", "insert", "truncate"]))
            if action == "delete":
                del body[pos:pos + draw(st.integers(1, 40))]
            elif action == "insert":
                body[pos:pos] = draw(junk)
            else:
                del body[pos:]
        return bytes(body)
    return build()


PARSER_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PARSER_SETTINGS
@given(st.binary(max_size=600) | mutated(RSS_FIXTURES))
def test_rss_path_gives_records_or_upstream_error(body):
    items = through_rss(body)
    assert items is None or isinstance(items, list)


@PARSER_SETTINGS
@given(st.binary(max_size=600) | mutated(_listing_pages()))
def test_listing_path_gives_papers_or_upstream_error(body):
    items = through_listing(body)
    assert items is None or all(isinstance(p.id, str) and p.title for p in items)


@PARSER_SETTINGS
@given(st.binary(max_size=600) | mutated(API_FIXTURES))
def test_api_path_gives_records_or_upstream_error(body):
    records = through_api(body)
    assert records is None or all(isinstance(r["id"], str) for r in records)


@pytest.mark.parametrize("encoding", ["TF-8", "rot13", "utf-7", "idna", "utf-32", "undefined"])
def test_a_declared_encoding_that_cannot_be_read_is_an_upstream_error(encoding):
    # Expat hands encodings it does not know to Python's codecs, which raise LookupError or ValueError.
    body = f"<?xml version='1.0' encoding='{encoding}'?><rss version='2.0'><channel></channel></rss>".encode()
    assert through_rss(body) is None
    assert not through_api(body.replace(b"<rss version='2.0'><channel></channel></rss>",
                                        b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>'))


def test_billion_laughs_and_external_entities_are_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10))
            + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>')
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>')
    started = time.monotonic()
    assert through_rss(bomb) is None
    assert not through_api(xxe)  # no entry, and nothing read from the file system
    assert time.monotonic() - started < 5


# --- 2. the XSS corpus through every text field ----------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "[click](javascript:alert(1))",
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[v](vbscript:msgbox(1))",
    "[e](jav&#x09;ascript:alert(1))",
    "[e2](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "<javascript:alert(1)>",
    "![i](javascript:alert(1))",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\unicode{x3C}script\\unicode{x3E}$",
    "$<script>alert(1)</script>$",
    "\u202egnp.exe\u202c bidi",
    "</textarea><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "\"quotes' and </script> \\\" \\u2028\u2028 break JSON",
    "<iframe src=javascript:alert(1)></iframe><object data=x></object><embed src=x>",
    "<math><a xlink:href=\"javascript:alert(1)\">m</a></math>",
    "<a href=\"javascript:alert(1)\" onclick=alert(1)>a</a>",
    "{{ 7*7 }} {% raw %} ${alert(1)}",
]
MARK = "XSS-CORPUS"
PROSE = ("reason", "evidence", "decision", "what", "technical", "limits")
PLAIN = ("title", "short", "abbrev", "tagline", "venue")


def _payload(i: int) -> str:
    return f"{MARK}{i} " + PAYLOADS[i % len(PAYLOADS)]


def _short(i: int) -> str:
    # short and abbrev are names in tables: keep them short but still hostile
    return ["<b onmouseover=alert(1)>S", "\"><svg/onload=alert(1)>", "</textarea>x", "]]>", "\u202eA",
            "a' onfocus='alert(1)"][i % 6] + str(i)


def hostile_files() -> tuple[str, dict]:
    """An editor file (YAML) and a candidates file (JSON) with the corpus in every text field."""
    ids = [f"2606.{40000 + i}" for i in range(len(PAYLOADS))]
    papers = []
    for i, arxiv_id in enumerate(ids):
        p = {"arxiv": arxiv_id, "short": _short(i), "abbrev": _short(i + 1), "tagline": _payload(i + 2),
             "venue": _payload(i + 3), "areas": [_payload(i + 4), _payload(i + 5)],
             "authors": [_payload(i + 6)], "scores": {"novelty": 5, "relevance": 5, "venue": 5, "evidence": 5}}
        if i % 2:
            p["title"] = _payload(i + 7)
        for j, key in enumerate(PROSE):
            p[key] = _payload(i + 8 + j)
        papers.append(p)
    doc = {
        "date": "2026-07-02",
        "title": _payload(0),
        "intro": _payload(1) + "\n\n" + "\n".join(f"- {_payload(k)}" for k in range(len(PAYLOADS))),
        "papers": papers,
        "reading_order": [{"area": _payload(k), "text": _payload(k + 1)} for k in range(0, len(PAYLOADS), 3)],
        "cover": {"src": "covers/2026-07-01.svg", "alt": _payload(5), "credit": _payload(6)},
    }
    yaml_text = json.dumps(doc, ensure_ascii=False, indent=1)  # JSON is YAML
    cands = []
    for i, arxiv_id in enumerate(ids + [f"2606.{50000 + i}" for i in range(6)]):
        cands.append({
            "id": arxiv_id, "version": 1, "announce_type": "new", "title": _payload(i + 9),
            "authors": [_payload(i + 10), _payload(i + 11)], "affiliations": [_payload(i + 12)],
            "abstract": _payload(i + 13) + " diffusion $x<y$ " + _payload(i + 14),
            "categories": ["cs.CV", f"<script>{i}</script>"], "comment": _payload(i + 15), "venue": _payload(i + 16),
            "journal_ref": _payload(i + 17), "doi": None, "published": "2026-06-30T18:00:00+00:00",
            "updated": "2026-06-30T18:00:00+00:00", "links": {"code": [], "project": []}, "topic_hits": {"diffusion": 1},
            "scores": {}, "first_seen": "2026-07-02T08:00:00+09:00", "proposed": True,
        })
    candidates = {"format": 1, "date": "2026-07-02", "source": "rss", "fetched_at": "2026-07-02T08:00:00+09:00",
                  "candidates": cands}
    return yaml_text, candidates


_sites: dict[str, Path] = {}


def _build(kind: str) -> Path:
    if kind not in _sites:
        from digest.build import build
        from digest.editorial.config import load_config

        tmp = Path(tempfile.mkdtemp(prefix=f"digest-{kind}-"))
        import atexit
        atexit.register(shutil.rmtree, tmp, True)
        root = copy_project(tmp / "project")
        if kind == "hostile":
            yaml_text, cands = hostile_files()
            (root / "issues" / "2026-07-02.yaml").write_text(yaml_text, "utf-8")
            (root / "issues" / "2026-07-02.candidates.json").write_text(json.dumps(cands, ensure_ascii=False), "utf-8")
        _sites[kind] = build(load_config(root / "digest.yaml")).out
    return _sites[kind]


def hostile_site() -> Path:
    """The site built from the shipped issues plus the hostile issue (once per process)."""
    return _build("hostile")


def clean_site() -> Path:
    return _build("clean")


ALLOWED_SCHEMES = {"http", "https", "mailto"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite", "data", "srcset",
             "ping", "longdesc", "manifest", "codebase", "lowsrc", "dynsrc"}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script, self._buf = True, [repr(sorted(attrs))]
        if tag in ("iframe", "object", "embed", "svg", "frame", "frameset", "applet", "base", "form", "meta") and \
                not (tag == "meta" and not any(k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs)):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS and value:
                for url in (value.split(",") if name == "srcset" else [value]):
                    scheme = _scheme(url.strip().split(" ")[0])
                    if scheme is not None and scheme not in ALLOWED_SCHEMES:
                        self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "style" and value and re.search(r"url\(|expression|javascript", value, re.I):
                self.problems.append(f"<{tag} style={value[:60]!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in_script:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script:
            self._in_script = False
            self.scripts.append("".join(self._buf))


def _scheme(url: str) -> str | None:
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", url)
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return head.split(":", 1)[0].lower() if ":" in head else None


def scan_html(text: str) -> _Scan:
    s = _Scan()
    s.feed(text)
    s.close()
    return s


def _site_files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".html", ".xml", ".json", ".txt", ".pf_fragment"):
            yield p


def _theme_scripts(folder: Path) -> set[str]:
    return {s for p in folder.rglob("*.html") for s in scan_html(p.read_text("utf-8")).scripts}


def test_xss_corpus_every_output_file_is_inert():
    site, clean = hostile_site(), clean_site()
    allowed_scripts = _theme_scripts(clean)
    assert allowed_scripts, "the clean build has its search loader script"
    problems: list[str] = []
    marks = 0
    for path in _site_files(site):
        rel = path.relative_to(site).as_posix()
        raw = path.read_bytes()
        if path.suffix == ".pf_fragment":
            raw = gzip.decompress(raw)
            # pagefind fragments are JSON after a signature: the page's text must stay data
            text = raw.decode("utf-8", "replace")
            body = text[text.index("{"):]
            json.loads(body)
            continue
        text = raw.decode("utf-8")
        marks += text.count(MARK)
        if path.suffix == ".json":
            json.loads(text)
            continue
        if path.suffix == ".txt":
            continue
        if path.suffix == ".xml":
            root = ET.fromstring(raw)  # well-formed despite ]]> and quotes
            for el in root.iter():
                # HTML carried as text: Atom type="html", RSS description / content:encoded (type="text" is inert)
                is_html = el.get("type") == "html" or el.tag.endswith(("description", "}encoded"))
                if is_html and el.text:
                    scan = scan_html(el.text)
                    problems += [f"{rel} <{el.tag}>: {p}" for p in scan.problems]
                    problems += [f"{rel} <{el.tag}>: script in embedded HTML" for _ in scan.scripts]
            continue
        scan = scan_html(text)
        problems += [f"{rel}: {p}" for p in scan.problems]
        problems += [f"{rel}: unexpected <script> {s[:80]!r}" for s in scan.scripts if s not in allowed_scripts]
    assert marks > 100, "the hostile text did not reach the pages"
    page = (site / "2026" / "07" / "02" / "index.html").read_text("utf-8")
    for field_mark in (f"{MARK}0 ", f"{MARK}1 ", f"{MARK}5 "):
        assert field_mark in page
    assert not problems, "\n".join(problems[:40])


def test_javascript_urls_in_url_fields_are_located_errors(tmp_path):
    from digest.editorial.issues import load_issue

    for field, value in (("url", "javascript:alert(1)"), ("code", "javascript:alert(1)"),
                         ("url", "data:text/html,<script>alert(1)</script>"), ("code", "vbscript:msgbox(1)"),
                         ("url", "jav\tascript:alert(1)")):
        paper = {"title": "x", "url": "https://example.org/"} | {field: value}
        path = tmp_path / "issues" / "2026-07-02.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"date": "2026-07-02", "papers": [paper]}), "utf-8")
        with pytest.raises(DigestError) as info:
            load_issue(path)
        assert any(p.line > 1 or field in p.message for p in info.value.problems), info.value


# --- 3. oversized and deep inputs: fail fast, bounded memory -----------------------------------------------

LIMIT_SECONDS = 10.0
LIMIT_BYTES = 500 * 1024 * 1024


def bounded(fn, *, trace: bool = False):
    """Run fn; return (result or exception, seconds, growth in bytes of the process's peak resident memory, or
    with `trace` the peak of Python allocations by tracemalloc, which slows the run)."""
    if trace:
        tracemalloc.start()
    before = _rss_max_bytes()
    started = time.monotonic()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the caller inspects it
        out = exc
    seconds = time.monotonic() - started
    peak = _rss_max_bytes() - before
    if trace:
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return out, seconds, peak


def _rss_max_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_50mb_abstract_fails_fast_with_a_located_message(empty_project):
    from digest.build import build
    from digest.editorial.config import load_config

    issues = empty_project / "issues"
    (issues / "2026-07-02.yaml").write_text('date: 2026-07-02\npapers:\n  - arxiv: "2606.40000"\n', "utf-8")
    cand = {"id": "2606.40000", "version": 1, "title": "Big", "authors": ["A"], "abstract": "diffusion " * 5_000_000,
            "categories": ["cs.CV"]}
    (issues / "2026-07-02.candidates.json").write_text(json.dumps({"format": 1, "candidates": [cand]}), "utf-8")
    out, seconds, peak = bounded(lambda: build(load_config(empty_project / "digest.yaml")), trace=True)
    assert isinstance(out, DigestError), out
    assert "candidates.json" in str(out) and "larger than" in str(out)
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES


def _candidates_with(tmp_path, field: str, value) -> Path:
    cand = {"id": "2606.40000", "version": 1, "title": "Big", "authors": ["A"], "categories": ["cs.CV"], field: value}
    path = tmp_path / "2026-07-02.candidates.json"
    path.write_text(json.dumps({"format": 1, "candidates": [cand]}), "utf-8")
    return path


@pytest.mark.parametrize("field, value", [("abstract", "x" * 100_001), ("authors", ["A" * 50_000, "B" * 50_001])])
def test_a_candidate_text_field_over_100000_characters_is_a_located_error(tmp_path, field, value):
    from digest.editorial.candidates import load_candidates

    with pytest.raises(DigestError) as err:
        load_candidates(_candidates_with(tmp_path, field, value), "issues/2026-07-02.candidates.json")
    message = str(err.value)
    assert "issues/2026-07-02.candidates.json:1:1:" in message
    assert f"candidate 2606.40000: {field} is longer than 100,000 characters" in message
    assert "digest fetch --refresh" in message


def test_a_candidate_text_field_of_exactly_100000_characters_loads(tmp_path):
    from digest.editorial.candidates import load_candidates

    path = _candidates_with(tmp_path, "comment", "y" * 100_000)
    assert load_candidates(path, "issues/2026-07-02.candidates.json").by_id["2606.40000"]["comment"] == "y" * 100_000


def test_candidates_nested_too_deep_is_a_located_error(empty_project):
    from digest.build import build
    from digest.editorial.config import load_config

    issues = empty_project / "issues"
    (issues / "2026-07-02.yaml").write_text('date: 2026-07-02\npapers:\n  - arxiv: "2606.40000"\n', "utf-8")
    (issues / "2026-07-02.candidates.json").write_text("[" * 200_000, "utf-8")  # past the JSON decoder's depth
    out, seconds, peak = bounded(lambda: build(load_config(empty_project / "digest.yaml")))
    assert isinstance(out, DigestError), out
    assert "2026-07-02.candidates.json:1:1:" in str(out) and "digest fetch --refresh" in str(out)
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES


def test_10000_papers_is_a_located_error(tmp_path):
    from digest.editorial.issues import load_issue

    path = tmp_path / "issues" / "2026-07-02.yaml"
    path.parent.mkdir()
    path.write_text("date: 2026-07-02\npapers:\n" + "".join(f"  - title: P{i}\n    url: https://example.org/{i}\n"
                                                            for i in range(10_000)), "utf-8")
    out, seconds, peak = bounded(lambda: load_issue(path))
    assert isinstance(out, DigestError), out
    assert any(p.line == 3 or "2000" in p.message for p in out.problems), out
    assert "2000" in str(out)
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES


@pytest.mark.parametrize("depth", [100, 5000])
def test_deeply_nested_markdown_renders_within_limits(depth):
    from digest.render.markdown import render_block, render_plain

    # A list needs 2 more spaces per level, so the 4 MiB file limit allows about 2,000 levels (1.8 s here);
    # quotes, emphasis and brackets nest 5,000 deep in a few kB.
    deep_list = "".join("  " * i + "- item\n" for i in range(min(depth, 2000)))
    deep_quote = ">" * depth + " quoted\n"
    deep_emph = "*" * depth + "x" + "*" * depth
    for text in (deep_list, deep_quote, deep_emph, "[" * depth + "x" + "]" * depth):
        out, seconds, peak = bounded(lambda: (render_block(text), render_plain(text)))
        assert not isinstance(out, Exception), repr(out)[:300]
        assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES


def test_5000_nested_levels_in_prose_fields(empty_project):
    """5,000 list levels cannot fit in an editor file (refused, located); 5,000 quote levels build."""
    from digest.build import build
    from digest.editorial.config import load_config

    path = empty_project / "issues" / "2026-07-02.yaml"
    deep_list = "".join("  " * i + "- x\n" for i in range(5000))
    path.write_text(json.dumps({"date": "2026-07-02", "intro": deep_list, "papers": []}), "utf-8")
    out, seconds, peak = bounded(lambda: build(load_config(empty_project / "digest.yaml")))
    assert isinstance(out, DigestError) and "2026-07-02.yaml:1:1: file is larger than 4 MiB" in str(out), out
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES
    deep = ">" * 5000 + " x\n\n" + "*" * 5000 + "x" + "*" * 5000 + "\n\n" + "[" * 5000 + "x" + "]" * 5000
    doc = {"date": "2026-07-02", "intro": deep,
           "papers": [{"title": "T", "url": "https://example.org/", "reason": "[" * 5000 + "x", "decision": deep}]}
    path.write_text(json.dumps(doc), "utf-8")
    out, seconds, peak = bounded(lambda: build(load_config(empty_project / "digest.yaml")))
    assert not isinstance(out, Exception), repr(out)[:300]
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES


def test_yaml_larger_than_max_bytes_is_refused_before_parsing(tmp_path):
    from digest.editorial.issues import load_issue
    from digest.editorial.yamlload import MAX_BYTES

    path = tmp_path / "issues" / "2026-07-02.yaml"
    path.parent.mkdir()
    path.write_text("date: 2026-07-02\nintro: " + "x" * (MAX_BYTES + 10) + "\npapers: []\n", "utf-8")
    out, seconds, peak = bounded(lambda: load_issue(path))
    assert isinstance(out, DigestError) and "larger than" in str(out)
    assert seconds < 2 and peak < 64 * 1024 * 1024


# --- 4. the editor-file loader: structured random documents (what test_issue_file.py does not cover) -----------

_hostile_text = st.sampled_from(PAYLOADS) | st.text(max_size=30)
_paper = st.fixed_dictionaries(
    {"title": _hostile_text, "url": st.sampled_from(["https://example.org/", "javascript:alert(1)", "", "//x", "x:y"])},
    optional={k: _hostile_text for k in ("short", "abbrev", "tagline", "venue", *PROSE)}
    | {"areas": st.lists(_hostile_text, max_size=3), "authors": st.lists(_hostile_text, max_size=3),
       "scores": st.dictionaries(st.sampled_from(["novelty", "relevance", "venue", "evidence", "bogus"]),
                                 st.integers(-3, 14) | st.floats(allow_nan=True) | _hostile_text, max_size=4),
       "pin": st.integers(-2, 30) | _hostile_text, "exclude": st.booleans() | _hostile_text})
_issue = st.fixed_dictionaries(
    {"date": st.sampled_from(["2026-07-02", "2026-02-30", "x"]), "papers": st.lists(_paper, max_size=4)},
    optional={"title": _hostile_text, "intro": _hostile_text,
              "reading_order": st.lists(st.fixed_dictionaries({"area": _hostile_text, "text": _hostile_text}), max_size=2),
              "cover": st.fixed_dictionaries({"src": st.sampled_from(["covers/2026-07-01.svg", "../../etc/passwd",
                                                                      "javascript:alert(1)"]),
                                              "alt": _hostile_text, "credit": _hostile_text})})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(doc=_issue)
def test_random_structured_issue_loads_and_renders_or_gives_located_errors(tmp_path, doc):
    from digest.editorial.config import load_config
    from digest.editorial.issues import load_issue
    from digest.render.view import build_issue_view

    root = tmp_path / "p"
    if not root.exists():
        copy_project(root, issues=False)
    config = load_config(root / "digest.yaml")
    path = root / "issues" / "2026-07-02.yaml"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    try:
        issue = load_issue(path, config)
    except DigestError as exc:
        assert exc.problems and all(p.file.endswith("2026-07-02.yaml") and p.line >= 0 for p in exc.problems)
        return
    from markupsafe import Markup

    view = build_issue_view(issue, config, None, None)
    html = "".join(str(v) for v in vars(view).values() if isinstance(v, Markup))  # plain strings are escaped later
    scan = scan_html(html)
    assert not scan.problems and not scan.scripts, scan.problems
