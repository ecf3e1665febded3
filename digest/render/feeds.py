"""Machine-readable companions of the site: Atom feeds, a sitemap and robots.txt.

Everything here is a pure function of the configuration and the issue views,
so two builds of the same input give byte-identical files (no clock is read).

* ``feed.xml``    one Atom entry per issue, holding the whole issue as HTML;
* ``papers.xml``  one Atom entry per featured paper, holding its card;
* ``sitemap.xml`` every HTML page of the site;
* ``robots.txt``  allows everything and names the sitemap.

The HTML carried in the feeds is rendered with the issue page's own Jinja2
macros (templates/_issue.html: issue_body, card), so a theme's edit reaches the
feeds too; every link in it is made absolute against the issue page, and
scripts, styles and frames are dropped, because a feed reader shows it far away
from the site.
"""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import quote, urljoin, urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
from jinja2.environment import TemplateModule
from jinja2.runtime import Macro
from markupsafe import Markup, escape

from ..editorial.config import Config
from .i18n import lang
from .pages import UNKNOWN, NoStash, PageSpec, Stash
from .view import IssueView, PaperView

__all__ = [
    "FEED_PATH",
    "PAPERS_PATH",
    "SITEMAP_PATH",
    "ROBOTS_PATH",
    "MAX_ISSUES",
    "MAX_PAPERS",
    "feed_pages",
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

# The issue page's template, whose macros render the feed entries (so a theme's edit of a card reaches them).
ISSUE_TEMPLATE = "_issue.html"
# The templates whose macros feed entries are rendered with (their edits re-make the feeds).
FEED_TEMPLATES: tuple[str, ...] = (ISSUE_TEMPLATE,)



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


_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def _serialize(root: ET.Element, entries: list[str] | None = None) -> bytes:
    """The document `root`, indented, with `entries` (elements serialised at depth 1, see _Entries.xml) spliced
    in after its own children."""
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    if entries:
        close = body.rindex(f"\n</{root.tag}>")
        body = body[:close] + "".join("\n  " + entry for entry in entries) + body[close:]
    return (_DECLARATION + "\n" + body + "\n").encode("utf-8")


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


_START_FROM = f"start the override from a copy of the packaged {ISSUE_TEMPLATE}"


def _entry_macros(config: Config, env: jinja2.Environment, self_path: str) -> TemplateModule:
    """The issue page's macros (ISSUE_TEMPLATE: issue_body, card) with what a page's templates get, except
    that `url` gives absolute links: a feed entry is read far from the site and has no page to be relative to."""
    site, lg = config.site, lang(config.site.language)
    variables = {"site": site, "url": lambda target: site.base_url + target, "t": lg.t, "lang": lg,
                 "page_path": self_path}
    # A theme's _issue.html written before the feeds used its macros fails here (its article needs `view`)
    # or has none: either way, say what is missing rather than "'view' is undefined" or an AttributeError.
    try:
        module = env.get_template(ISSUE_TEMPLATE).make_module(variables)
    except jinja2.UndefinedError as exc:
        raise jinja2.TemplateRuntimeError(f"{ISSUE_TEMPLATE} fails without an issue ({exc.message}), but the "
                                          f"feeds import it for its macros issue_body and card; {_START_FROM}") from exc
    for name in ("issue_body", "card"):
        if not isinstance(getattr(module, name, None), Macro):
            raise jinja2.TemplateRuntimeError(f"{ISSUE_TEMPLATE} defines no macro {name!r}, which the feeds render "
                                              f"their entries with; {_START_FROM}")
    return module


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


def _latest(times: list[datetime]) -> str:
    return rfc3339(max(times)) if times else rfc3339(EPOCH)


def _templates_fingerprint(env: jinja2.Environment) -> str:
    """A hash of every template's source, as the environment first read it (templating.SnapshotLoader: the
    bytes the macros are compiled from): entries kept in a stash are only reused under the same templates."""
    h = hashlib.sha256()
    for name in sorted(env.loader.list_templates()):
        h.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


_Content = Callable[[Callable[[], str]], str]  # an entry's rendered HTML (made when called) -> its content


class _Entries:
    """Feed entries as XML, kept in a stash under everything an entry is made from (the templates, the issue's
    source_key, the paper pages its cards link to, its address), else made now."""

    def __init__(self, env: jinja2.Environment, stash: Stash):
        self.stash = stash
        self.paper_page = env.globals.get("paper_page") or (lambda view, paper: None)
        self.templates = _templates_fingerprint(env)

    def xml(self, kind: str, view: IssueView, base: str, make: Callable[[_Content], ET.Element], *extra: str) -> str:
        """The entry of `kind` for `view`, serialised: kept, or make()d. make() builds the <entry> element; it is
        given a function that turns the entry's rendered HTML into its content, with links absolute against
        `base`."""

        def content(render: Callable[[], str]) -> str:
            # Kept by its HTML too: after an edit of a template that does not change this entry's HTML (the
            # page around the card), only the rendering is done again, not the HTML parser's pass.
            html = render()
            return self.stash.get(("absolute", html, base), lambda: absolutize(html, base))

        def made() -> str:
            entry = make(content)
            ET.indent(entry, space="  ", level=1)
            return ET.tostring(entry, encoding="unicode", short_empty_elements=True)

        if not view.source_key:  # an issue that cannot be identified: nothing to keep it under
            return made()
        links = "\0".join(self.paper_page(view, p) or "-" for p in view.papers)
        return self.stash.get((kind, self.templates, view.source_key, links, base, *extra), made)


def issues_feed(config: Config, views: list[IssueView], env: jinja2.Environment,
                stash: Stash = NoStash()) -> bytes:
    """feed.xml: the latest MAX_ISSUES issues, newest first, each with its full text as the issue page shows it
    (ISSUE_TEMPLATE's issue_body macro).

    `views`: newest first (as feed_pages orders them; sorting them here again would cost a pass over every
    view for each feed). `env`: the site's template environment (with its `paper_page` global); `stash`:
    where entries made by earlier builds are kept (the build passes one; without it every entry is made).
    """
    site, ids = config.site, _Ids(config.site.base_url)
    macros = _entry_macros(config, env, FEED_PATH)
    entries = _Entries(env, stash)
    chosen = views[:MAX_ISSUES]
    times = [_published(v, config) for v in chosen]
    feed = _feed_root(config, self_path=FEED_PATH, updated=_latest(times))
    made = []
    for view, when in zip(chosen, times):
        url = site.base_url + view.url

        def entry(content: _Content, view: IssueView = view, when: datetime = when, url: str = url) -> ET.Element:
            el = _el(None, "entry")
            _el(el, "id", ids.issue(view))
            _el(el, "title", view.title)
            _el(el, "link", rel="alternate", type="text/html", href=url)
            _el(el, "published", rfc3339(when))
            _el(el, "updated", rfc3339(when))
            _el(el, "summary", view.dek)
            _el(el, "content", content(lambda: str(macros.issue_body(view, 1, feed=True)).strip()), type="html")
            return el

        made.append(entries.xml("issue", view, url, entry))
    return _serialize(feed, made)


def papers_feed(config: Config, views: list[IssueView], env: jinja2.Environment,
                stash: Stash = NoStash()) -> bytes:
    """papers.xml: every featured paper of the newest issues (rank order within one), MAX_PAPERS at most, each
    with its card as the issue page shows it (ISSUE_TEMPLATE's card macro; `views`, `env` and `stash` as for
    issues_feed)."""
    site, ids = config.site, _Ids(config.site.base_url)
    macros = _entry_macros(config, env, PAPERS_PATH)
    entries = _Entries(env, stash)
    rows: list[tuple[IssueView, PaperView, datetime]] = []
    for view in views:
        if len(rows) >= MAX_PAPERS:
            break
        when = _published(view, config)
        for p in sorted(view.featured, key=lambda p: p.rank):
            rows.append((view, p, when))
    rows = rows[:MAX_PAPERS]
    feed = _feed_root(config, self_path=PAPERS_PATH, updated=_latest([when for _, _, when in rows]))
    seen: set[str] = set()
    made = []
    for view, p, when in rows:
        issue_url = site.base_url + view.url
        ident = ids.paper(view, p.arxiv or p.anchor)
        if ident in seen:  # the same arXiv id twice in one issue: fall back to the anchor, unique per issue
            ident = ids.paper(view, p.anchor)
        seen.add(ident)

        def entry(content: _Content, view: IssueView = view, p: PaperView = p, when: datetime = when,
                  issue_url: str = issue_url, ident: str = ident) -> ET.Element:
            el = _el(None, "entry")
            _el(el, "id", ident)
            _el(el, "title", f"{p.name}: {p.tagline}" if p.tagline else p.name)
            _el(el, "link", rel="alternate", type="text/html", href=f"{issue_url}#{p.anchor}")
            related = _absolute(p.primary_url, issue_url) if p.primary_url else None
            if related:
                _el(el, "link", rel="related", type="text/html", href=related)
            _el(el, "published", rfc3339(when))
            _el(el, "updated", rfc3339(when))
            for name in p.authors[:MAX_AUTHORS]:
                if xml_text(name).strip():
                    _el(_el(el, "author"), "name", name.strip())
            for term in dict.fromkeys(p.categories):
                if xml_text(term).strip():
                    _el(el, "category", term=term.strip())
            summary = plain_text(p.reason) if p.reason else (p.abstract or "")
            if summary:
                _el(el, "summary", summary)

            def card() -> str:
                lead = Markup('<p>#{} · <a href="{}">{}</a></p>').format(p.rank, site.base_url + view.url, view.title)
                # The entry's title names the paper, so the card comes without its heading (its sections are <h2>).
                return f"{lead}\n{str(macros.card(view, p, 1, heading=False)).strip()}"

            _el(el, "content", content(card), type="html")
            return el

        # The entry's id depends on the issue's other papers (a repeated arXiv id): it is part of the key.
        made.append(entries.xml("paper", view, issue_url, entry, p.anchor, ident))
    return _serialize(feed, made)


# --------------------------------------------------------------------------
# Sitemap and robots.txt
# --------------------------------------------------------------------------


# A site path that quote() leaves as it is: nearly every page's.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~-]*")


def _page_address(path: str) -> str:
    """A page's address relative to the site's base: percent-encoded, so printable ASCII only."""
    path = path.lstrip("/")
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path if _PLAIN_PATH.fullmatch(path) else quote(path, safe="/-._~!$&'()*+,;=:@%")


def sitemap(config: Config, views: list[IssueView], html_paths: list[str]) -> bytes:
    """sitemap.xml: every HTML page but the 404 page, absolute, sorted; issue pages carry their date."""
    lastmod = {view.url + "index.html": _published(view, config).date().isoformat() for view in views}
    addresses: dict[str, str | None] = {}
    for path in html_paths:
        path = path.lstrip("/")
        if path == "404.html" or not path.endswith((".html", ".htm")):
            continue
        addresses.setdefault(_page_address(path), lastmod.get(path))
    if not addresses:
        return _serialize(_el(None, "urlset", xmlns=SITEMAP_NS))
    # Written as text, as ElementTree would indent it: a ten-year archive has 22,000 URLs. The base is cleaned
    # for XML once; an address (printable ASCII, percent-encoded) needs escaping only for `&`, and a lastmod
    # (an ISO date) never does.
    base = xml_escape(xml_text(config.site.base_url))
    out = [_DECLARATION, f'<urlset xmlns="{SITEMAP_NS}">']
    for address in sorted(addresses):
        loc = xml_escape(address) if "&" in address else address
        day = addresses[address]
        lastmod = f"\n    <lastmod>{day}</lastmod>" if day else ""
        out.append(f"  <url>\n    <loc>{base}{loc}</loc>{lastmod}\n  </url>")
    out.append("</urlset>\n")
    return "\n".join(out).encode("utf-8")


def robots(config: Config) -> bytes:
    """robots.txt: crawl everything; the sitemap's address."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.site.base_url}{SITEMAP_PATH}\n".encode("utf-8")


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------


def feed_pages(config: Config, newest: list[IssueView], env: jinja2.Environment,
               html_paths: list[str]) -> list[PageSpec]:
    """feed.xml, papers.xml, sitemap.xml and robots.txt, each naming the issues it shows (see pages.PageSpec).

    `newest`: every issue's view, newest first (view.newest_first; the page plan has them so already: each
    pass over 3,650 views costs milliseconds an editor's preview waits for). `html_paths`: the site paths of
    the HTML pages ("index.html", "2026/07/01/index.html", ...); the 404 page is left out of the sitemap. The
    two feeds make their entries' links absolute through the stash they are given, so a build can keep that
    work for the next one.
    """
    in_papers: list[IssueView] = []
    count = 0
    for view in newest:
        if count >= MAX_PAPERS:
            break
        in_papers.append(view)
        count += len(view.featured)

    paper_page = env.globals["paper_page"]  # set by the page plan: cards link to their paper pages

    def skeys(chosen: list[IssueView]) -> list:
        """The issues an entry shows, with the paper pages their cards link to (a slug may move)."""
        return [(v.source_key or UNKNOWN, [paper_page(v, p) or "-" for p in v.papers]) for v in chosen]

    def feed(make: Callable[..., bytes]) -> Callable[[Stash], bytes]:
        return lambda stash: make(config, newest, env, stash)

    # The sitemap is keyed by the dates it shows, not by the issues' source keys: most edits leave the dates
    # alone, and making the sitemap of a ten-year archive (80 ms) costs more than the rest of a preview's update.
    lastmod = [(v.url, _published(v, config).isoformat()) for v in newest]
    return [
        PageSpec(FEED_PATH, FEED_TEMPLATES, (skeys(newest[:MAX_ISSUES]),), feed(issues_feed), stashes=True),
        PageSpec(PAPERS_PATH, FEED_TEMPLATES, (skeys(in_papers),), feed(papers_feed), stashes=True),
        PageSpec(SITEMAP_PATH, (), (sorted(html_paths), lastmod), lambda stash: sitemap(config, newest, html_paths)),
        PageSpec(ROBOTS_PATH, (), (), lambda stash: robots(config)),  # base_url only
    ]
