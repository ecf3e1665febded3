"""Machine-readable companions of the site: Atom feeds, a sitemap and robots.txt.

Everything here is a pure function of the configuration and the issue views,
so two builds of the same input give byte-identical files (no clock is read).

* ``feed.xml``    one Atom entry per issue, holding the whole issue as HTML;
* ``papers.xml``  one Atom entry per featured paper, holding its card;
* ``sitemap.xml`` every HTML page of the site;
* ``robots.txt``  allows everything and names the sitemap.

The HTML carried in the feeds is assembled from the fragments the views
already hold (safe Markup rendered once from the editor's Markdown) and from
escaped plain text; every link in it is made absolute against the issue page,
because a feed reader shows it far away from the site.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import quote, urljoin, urlsplit

from markupsafe import escape

from ..build.memo import Memo
from ..editorial.config import Config
from .i18n import lang
from .markdown import render_abstract
from .view import IssueView, PaperView

if TYPE_CHECKING:  # site.py imports this module, so Page is imported where it is used
    from .site import Page

__all__ = [
    "FEED_PATH",
    "PAPERS_PATH",
    "SITEMAP_PATH",
    "ROBOTS_PATH",
    "MAX_ISSUES",
    "MAX_PAPERS",
    "feed_jobs",
    "feed_pages",
    "feed_links",
]

FEED_PATH = "feed.xml"
PAPERS_PATH = "papers.xml"
SITEMAP_PATH = "sitemap.xml"
ROBOTS_PATH = "robots.txt"

MAX_ISSUES = 50
MAX_PAPERS = 200
MAX_AUTHORS = 50  # per paper entry; the card's Authors line still lists everyone

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_TYPE = "application/atom+xml"
# Atom needs an <updated> even in a feed with no entries; a fixed instant keeps builds reproducible.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)



# --------------------------------------------------------------------------
# Text that XML 1.0 can carry
# --------------------------------------------------------------------------

# XML 1.0 forbids most C0 controls and lone surrogates; C1 controls and the
# U+FDD0..U+FDEF non-characters are allowed but only ever garbage, so they go too.
_XML_UNSAFE_RE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\U00010000-\U0010ffff]")
_NEWLINES_RE = re.compile(r"\r\n?")


def xml_text(text: object) -> str:
    """`text` with every character XML 1.0 cannot carry removed and line ends normalised."""
    return _NEWLINES_RE.sub("\n", _XML_UNSAFE_RE.sub("", str(text)))


def _el(parent: ET.Element | None, tag: str, text: object = None, **attrs: object) -> ET.Element:
    """A child element whose text and attribute values are cleaned for XML (escaping is ElementTree's)."""
    clean = {k.replace("_", ":", 1) if k.startswith("xml_") else k: xml_text(v)
             for k, v in attrs.items() if v is not None}
    el = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
    if text is not None:
        el.text = xml_text(text)
    return el


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


# --------------------------------------------------------------------------
# Dates and identifiers
# --------------------------------------------------------------------------


def _published(view: IssueView, config: Config) -> datetime:
    """When the issue went out, in the site's zone; the end of its window when no time was recorded."""
    when = view.issue.published or view.window.end
    if when.tzinfo is None:  # never expected (the loaders attach zones), but stay well defined
        when = when.replace(tzinfo=config.site.tz)
    return when.astimezone(config.site.tz)


def rfc3339(when: datetime) -> str:
    """'2026-07-01T09:24:00+09:00': seconds precision, always with an offset."""
    offset = when.utcoffset() or timedelta(0)
    if offset.seconds % 60 or offset.microseconds:
        # Historic local-mean-time offsets carry seconds, which RFC 3339 cannot write.
        when = when.astimezone(timezone.utc)
    return when.replace(microsecond=0).isoformat()


_TAG_UNSAFE_RE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]")


class _Ids:
    """tag: URIs (RFC 4151) for entries, from the base URL's host, its path and the issue date."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        host = (parts.hostname or "").rstrip(".")
        try:
            host = host.encode("idna").decode("ascii") if host else ""
        except UnicodeError:
            host = quote(host, safe="")
        self.host = host.lower() or "localhost"
        # The path keeps two digests on one host (user.github.io/a/, user.github.io/b/) apart.
        path = parts.path.strip("/")
        self.prefix = _TAG_UNSAFE_RE.sub(lambda m: quote(m.group(), safe=""), path) + "/" if path else ""

    def issue(self, view: IssueView) -> str:
        return f"tag:{self.host},{view.issue.date.isoformat()}:{self.prefix}issue"

    def paper(self, view: IssueView, key: str) -> str:
        """`key` is the paper's versionless arXiv id, or its anchor (slug) when it has none."""
        key = _TAG_UNSAFE_RE.sub(lambda m: quote(m.group(), safe=""), key)
        return f"tag:{self.host},{view.issue.date.isoformat()}:{self.prefix}paper:{key}"


# --------------------------------------------------------------------------
# HTML: absolute links, plain text
# --------------------------------------------------------------------------

_URL_ATTRS = frozenset({"href", "src", "cite", "poster", "action", "formaction", "background"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements that never belong in a feed entry (the fragments never hold them; this is a second fence).
_DROP_ELEMENTS = frozenset({"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
                            "base", "meta", "link", "form", "template", "noscript", "svg"})
_VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                           "source", "track", "wbr"})
_NAME_RE = re.compile(r"^[a-z][a-z0-9\-]*(?::[a-z][a-z0-9\-]*)?$")
_ATTR_RE = re.compile(r"^[a-z_][a-z0-9_\-.:]*$")


def _absolute(url: str, base: str) -> str | None:
    """`url` resolved against `base`; None when the result is not an http(s) or mailto link."""
    url = url.strip()
    try:
        resolved = urljoin(base, url)
        scheme = urlsplit(resolved).scheme.lower()
    except ValueError:
        return None
    return resolved if scheme in _SAFE_SCHEMES else None


class _Absolutizer(HTMLParser):
    """Re-serialises an HTML fragment with every link made absolute against `base`."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.out: list[str] = []
        self.skip: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> str | None:
        if not _NAME_RE.match(tag):
            return None
        parts = [tag]
        for name, value in attrs:
            if not _ATTR_RE.match(name) or name.startswith("on") or name in ("style", "srcset", "formaction"):
                continue
            if value is None:
                parts.append(name)
                continue
            if name in _URL_ATTRS:
                value = _absolute(value, self.base)
                if value is None:
                    continue
            parts.append(f'{name}="{escape(value)}"')
        return "<" + " ".join(parts) + close + ">"

    def handle_starttag(self, tag, attrs):
        if self.skip or tag in _DROP_ELEMENTS:
            if tag not in _VOID_ELEMENTS:
                self.skip.append(tag)
            return
        text = self._tag(tag, attrs, "")
        if text:
            self.out.append(text)

    def handle_startendtag(self, tag, attrs):
        if self.skip or tag in _DROP_ELEMENTS:
            return
        text = self._tag(tag, attrs, " /")
        if text:
            self.out.append(text)

    def handle_endtag(self, tag):
        if self.skip:
            if tag in self.skip:
                del self.skip[len(self.skip) - 1 - self.skip[::-1].index(tag):]
            return
        if _NAME_RE.match(tag):
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(str(escape(data)))


def _absolutizer(memo: Memo | None) -> Callable[[str, str], str]:
    """absolutize, through `memo` when there is one."""
    if memo is None:
        return absolutize
    return lambda html, base: memo.get((str(html), base), lambda: absolutize(html, base))


def absolutize(html: str, base: str) -> str:
    """The fragment with relative links (`#ref-1`, `../x/`, `//host/y`) made absolute against `base`."""
    parser = _Absolutizer(base)
    parser.feed(str(html))
    parser.close()
    return "".join(parser.out)


class _PlainText(HTMLParser):
    """Text of an inline fragment: citation marks dropped, formulas as their TeX source."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.cite = 0
        self.math = 0
        self.annotation = 0

    def handle_starttag(self, tag, attrs):
        if tag == "sup" and any(k == "class" and v and "cite" in v.split() for k, v in attrs):
            self.cite += 1
        elif self.cite and tag == "sup":
            self.cite += 1
        elif tag == "math":
            self.math += 1
        elif tag == "annotation":
            self.annotation += 1
        elif tag in ("p", "br", "li", "div", "tr", "td", "th"):
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag == "sup" and self.cite:
            self.cite -= 1
        elif tag == "math" and self.math:
            self.math -= 1
        elif tag == "annotation" and self.annotation:
            self.annotation -= 1

    def handle_data(self, data):
        if self.cite or (self.math and not self.annotation):
            return
        self.out.append(data)


_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([.,;:!?)])")


def plain_text(html: str) -> str:
    """Plain text of a rendered fragment, for summaries."""
    parser = _PlainText()
    parser.feed(str(html))
    parser.close()
    text = " ".join("".join(parser.out).split())
    return _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)


# --------------------------------------------------------------------------
# The issue and its cards as feed HTML
# --------------------------------------------------------------------------


def _e(text: object) -> str:
    return str(escape(text))


def _card(p: PaperView, words: Callable[..., str], hl: int, heading: bool) -> list[str]:
    """One featured paper's card: heading, metadata, editor sections, abstract, links."""
    out: list[str] = []
    if heading:
        title = f"{p.rank}. {p.name}" + (f": {p.tagline}" if p.tagline else "")
        out.append(f"<h{hl}>{_e(title)}</h{hl}>")
    if not p.reviewed:
        out.append(f"<p><em>{_e(words('unreviewed'))}</em></p>")
    meta: list[tuple[str, str]] = []
    if p.title and p.title != p.name:
        meta.append((words("title"), _e(p.title)))
    if p.authors:
        meta.append((words("authors"), _e(", ".join(p.authors))))
    if p.categories:
        meta.append((words("categories"), _e(", ".join(p.categories))))
    if p.venue:
        meta.append((words("venue"), _e(p.venue)))
    if p.announce_type and p.announce_type.startswith("replace"):
        meta.append((words("listed_as"), _e(words("new_version", v=f" (v{p.version})" if p.version else ""))))
    if p.scores:
        scores = " · ".join(f"{_e(name)} {_e(value)}" + ('<abbr title="' + _e(words("score_auto")) + '">*</abbr>'
                                                          if source == "auto" else "")
                            for name, value, source in p.scores)
        meta.append((words("scores"), f"{scores} · {_e(words('total'))} {_e(p.total)}"))
    if meta:
        out.append("<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in meta) + "</dl>")
    for label, html in p.sections:
        out.append(f"<h{hl + 1}>{_e(words(label))}</h{hl + 1}>")
        out.append(str(html).strip())
    if not p.reviewed and p.abstract:
        out.append(f"<blockquote><p>{render_abstract(p.abstract)}</p></blockquote>")
    if p.links:
        items = "".join(f'<li><a href="{_e(link.url)}">{_e(words(link.label))}</a></li>' for link in p.links)
        out.append(f"<ul>{items}</ul>")
    return out


def _issue_html(view: IssueView, config: Config, words: Callable[..., str]) -> str:
    """The whole issue as one HTML fragment (relative links still relative to the issue page)."""
    base_url = config.site.base_url
    out: list[str] = []
    if view.cover:
        src = urljoin(base_url, str(view.cover.get("src") or ""))
        out.append(f'<figure><img src="{_e(src)}" alt="{_e(view.cover.get("alt") or "")}">')
        if view.cover.get("credit"):
            out.append(f"<figcaption>{_e(words('cover'))}: {_e(view.cover['credit'])}</figcaption>")
        out.append("</figure>")
    out.append(f"<p>{_e(view.window_text)}</p>")
    if view.note:
        out.append(f"<p><strong>{_e(view.note)}</strong></p>")
    if view.intro:
        out.append(str(view.intro).strip())
    if view.papers:
        out.append(f"<h2>{_e(words('speed_read'))}</h2>")
        head = "".join(f"<th>{_e(words(k))}</th>" for k in ("col_rank", "col_paper", "col_reason", "col_evidence"))
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for p in view.papers:
            target = f"#{p.anchor}" if p.featured else p.primary_url
            name = f'<a href="{_e(target)}">{_e(p.name)}</a>' if target else _e(p.name)
            reason = (str(p.reason) + " ") if p.reason else ""
            cite = f'<sup><a href="#ref-{p.rank}">{p.rank}</a></sup>'
            out.append(f"<tr><td>{p.rank}</td><th>{name}</th><td>{reason}{cite}</td>"
                       f"<td>{str(p.evidence) if p.evidence else ''}</td></tr>")
        out.append("</tbody></table>")
    for p in view.featured:
        out.extend(_card(p, words, 2, heading=True))
    if view.reading:
        out.append(f"<h2>{_e(words('reading_order'))}</h2>")
        for area, html in view.reading:
            out.append(f"<h3>{_e(area)}</h3>")
            out.append(str(html).strip())
    if view.papers:
        out.append(f"<h2>{_e(words('sources'))}</h2><ol>")
        for p in view.papers:
            label = (f"arXiv:{p.arxiv}" + (f"v{p.version}" if p.version else "")) if p.arxiv else p.primary_url
            link = f' <a href="{_e(p.primary_url)}">{_e(label)}</a>' if p.primary_url else ""
            out.append(f"<li>{_e(p.reference)}{link}</li>")
        out.append("</ol>")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------


def _feed_titles(config: Config) -> dict[str, str]:
    """Each feed's title by path."""
    site = config.site
    return {FEED_PATH: site.title, PAPERS_PATH: lang(site.language).t("feed_papers", site=site.title)}


def _feed_root(config: Config, *, self_path: str, updated: str) -> ET.Element:
    site = config.site
    feed = _el(None, "feed", xmlns=ATOM_NS, xml_lang=site.language)
    _el(feed, "id", site.base_url + self_path)
    _el(feed, "title", _feed_titles(config)[self_path])
    _el(feed, "updated", updated)
    author = _el(feed, "author")
    _el(author, "name", site.title)
    _el(author, "uri", site.base_url)
    _el(feed, "link", rel="self", type=ATOM_TYPE, href=site.base_url + self_path)
    _el(feed, "link", rel="alternate", type="text/html", href=site.base_url)
    _el(feed, "generator", "paper digest")
    return feed


def _newest_first(views: list[IssueView]) -> list[IssueView]:
    return sorted(views, key=lambda v: v.issue.date, reverse=True)


def _latest(times: list[datetime]) -> str:
    return rfc3339(max(times)) if times else rfc3339(EPOCH)


def issues_feed(config: Config, views: list[IssueView], memo: Memo | None = None) -> bytes:
    """feed.xml: the latest MAX_ISSUES issues, newest first, each with its full text (`memo`: absolutize's
    results of earlier builds, see memo.py)."""
    absolute = _absolutizer(memo)
    site, ids, words = config.site, _Ids(config.site.base_url), lang(config.site.language).t
    chosen = _newest_first(views)[:MAX_ISSUES]
    times = [_published(v, config) for v in chosen]
    feed = _feed_root(config, self_path=FEED_PATH, updated=_latest(times))
    for view, when in zip(chosen, times):
        url = site.base_url + view.url
        entry = _el(feed, "entry")
        _el(entry, "id", ids.issue(view))
        _el(entry, "title", view.title)
        _el(entry, "link", rel="alternate", type="text/html", href=url)
        _el(entry, "published", rfc3339(when))
        _el(entry, "updated", rfc3339(when))
        _el(entry, "summary", view.dek)
        _el(entry, "content", absolute(_issue_html(view, config, words), url), type="html")
    return _serialize(feed)


def papers_feed(config: Config, views: list[IssueView], memo: Memo | None = None) -> bytes:
    """papers.xml: every featured paper of the newest issues (rank order within one), MAX_PAPERS at most
    (`memo` as for issues_feed)."""
    absolute = _absolutizer(memo)
    site, ids, words = config.site, _Ids(config.site.base_url), lang(config.site.language).t
    rows: list[tuple[IssueView, PaperView, datetime]] = []
    for view in _newest_first(views):
        when = _published(view, config)
        for p in sorted(view.featured, key=lambda p: p.rank):
            rows.append((view, p, when))
    rows = rows[:MAX_PAPERS]
    feed = _feed_root(config, self_path=PAPERS_PATH, updated=_latest([when for _, _, when in rows]))
    seen: set[str] = set()
    for view, p, when in rows:
        issue_url = site.base_url + view.url
        ident = ids.paper(view, p.arxiv or p.anchor)
        if ident in seen:  # the same arXiv id twice in one issue: fall back to the anchor, unique per issue
            ident = ids.paper(view, p.anchor)
        seen.add(ident)
        entry = _el(feed, "entry")
        _el(entry, "id", ident)
        _el(entry, "title", f"{p.name}: {p.tagline}" if p.tagline else p.name)
        _el(entry, "link", rel="alternate", type="text/html", href=f"{issue_url}#{p.anchor}")
        related = _absolute(p.primary_url, issue_url) if p.primary_url else None
        if related:
            _el(entry, "link", rel="related", type="text/html", href=related)
        _el(entry, "published", rfc3339(when))
        _el(entry, "updated", rfc3339(when))
        for name in p.authors[:MAX_AUTHORS]:
            if xml_text(name).strip():
                _el(_el(entry, "author"), "name", name.strip())
        for term in dict.fromkeys(p.categories):
            if xml_text(term).strip():
                _el(entry, "category", term=term.strip())
        summary = plain_text(p.reason) if p.reason else (p.abstract or "")
        if summary:
            _el(entry, "summary", summary)
        lead = (f'<p>#{p.rank} · <a href="{_e(issue_url)}">{_e(view.title)}</a></p>')
        html = "\n".join([lead, *_card(p, words, 1, heading=False)])
        _el(entry, "content", absolute(html, issue_url), type="html")
    return _serialize(feed)


# --------------------------------------------------------------------------
# Sitemap and robots.txt
# --------------------------------------------------------------------------


def _page_url(base_url: str, path: str) -> str:
    path = path.lstrip("/")
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + quote(path, safe="/-._~!$&'()*+,;=:@%")


def sitemap(config: Config, views: list[IssueView], html_paths: list[str]) -> bytes:
    """sitemap.xml: every HTML page but the 404 page, absolute, sorted; issue pages carry their date."""
    base_url = config.site.base_url
    lastmod = {view.url + "index.html": _published(view, config).date().isoformat() for view in views}
    urls: dict[str, str | None] = {}
    for path in html_paths:
        path = path.lstrip("/")
        if path == "404.html" or not path.endswith((".html", ".htm")):
            continue
        urls.setdefault(_page_url(base_url, path), lastmod.get(path))
    root = _el(None, "urlset", xmlns=SITEMAP_NS)
    for url in sorted(urls):
        node = _el(root, "url")
        _el(node, "loc", url)
        if urls[url]:
            _el(node, "lastmod", urls[url])
    return _serialize(root)


def robots(config: Config) -> bytes:
    """robots.txt: crawl everything; the sitemap's address."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.site.base_url}{SITEMAP_PATH}\n".encode("utf-8")


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------


def feed_links(config: Config) -> list[tuple[str, str]]:
    """(title, absolute URL) of each feed, for <link rel="alternate" type="application/atom+xml"> tags."""
    return [(title, config.site.base_url + path) for path, title in _feed_titles(config).items()]


def feed_pages(config: Config, views: list[IssueView], html_paths: list[str]) -> list[Page]:
    """feed.xml, papers.xml, sitemap.xml and robots.txt for the site root.

    `html_paths` are the site paths of the HTML pages already rendered
    ("index.html", "2026/07/01/index.html", ...); the 404 page is left out of the sitemap.
    """
    return [job.page() for job in feed_jobs(config, views, html_paths)]


def feed_jobs(config: Config, views: list[IssueView], html_paths: list[str], base_key: str | None = "",
              memo_dir: Path | None = None) -> list:
    """feed_pages as site.PageJob items, each keyed by the issues it shows (see site.plan_pages).

    `memo_dir`: where each feed keeps the HTML it made absolute, for the next build to reuse (memo.py).
    """
    from .site import UNKNOWN, PageJob, _digest

    newest = _newest_first(views)
    in_papers: list[IssueView] = []
    count = 0
    for view in newest:
        if count >= MAX_PAPERS:
            break
        in_papers.append(view)
        count += len(view.featured)

    def skeys(chosen: list[IssueView]) -> list:
        return [v.source_key or UNKNOWN for v in chosen]

    def remembering(make: Callable[..., bytes], path: str) -> Callable[[], bytes]:
        def run() -> bytes:
            memo = Memo(memo_dir / f"{path}.json" if memo_dir is not None else None, base_key)
            data = make(config, views, memo)
            memo.save()
            return data
        return run

    lastmod = sorted((v.url, _published(v, config).isoformat()) for v in views)
    return [
        PageJob(FEED_PATH, _digest(base_key, FEED_PATH, skeys(newest[:MAX_ISSUES])),
                remembering(issues_feed, FEED_PATH)),
        PageJob(PAPERS_PATH, _digest(base_key, PAPERS_PATH, skeys(in_papers)), remembering(papers_feed, PAPERS_PATH)),
        PageJob(SITEMAP_PATH, _digest(base_key, SITEMAP_PATH, sorted(html_paths), lastmod),
                lambda: sitemap(config, views, html_paths)),
        PageJob(ROBOTS_PATH, _digest(base_key, ROBOTS_PATH), lambda: robots(config)),  # base_url only
    ]
