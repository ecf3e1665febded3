"""The site's full-text search index, built offline with Pagefind at build time, in shards rebuilt only when needed.

Pagefind (the PyPI package `pagefind[bin]`, whose wheel carries the binary) reads the rendered HTML and writes
a search bundle: the index fragments plus the UI script and stylesheet, so the search box loads nothing from
another host. Only elements marked `data-pagefind-body` are indexed (the issue article on issue pages, the
paper article on paper pages), so navigation, footers and the home page's copy of the latest issue stay out of
the results. Inside a body, elements marked `data-pagefind-ignore` are left out: the templates index each text
once (a paper's facts, reason and abstract on its paper page; the cards' reads on the issue page), and leave
out labels and links (see templates/_issue.html).

Shards. Pagefind is single-threaded and reads every page on every run, so the index is split into shards,
each a complete Pagefind bundle in `pagefind/<shard>/`, and the search box merges them in the browser
(Pagefind's `mergeIndex`). A page's shard follows from its path (`shard_key`): an issue page `YYYY/MM/DD/...`
belongs to (year, month), a paper page `papers/YYMM.NNNNN/...` (a new-style arXiv id) to (20YY, MM), anything
else (old-style ids such as `papers/astro-ph/0601001/`, slug pages) to `other`. The months of the newest year
present are shards of their own (`2026-07`); each older year is one shard (`2025`), or two, its halves
(`2025-h2`, `2025-h1`), when it has more than SPLIT_YEAR pages. Editors edit recent issues, so an edit
reindexes about a month of pages, and an edit of an older issue at most about half a year's; a ten-year
archive has at most about 32 shards. `pagefind/shards.json` lists the shard folders, newest first; the search
box loads Pagefind's script from the first one. The browser loads Pagefind's WebAssembly once, but each
shard's metadata, and one index chunk of each shard for every word searched (about 22 KB:
`benchmarks/search_bytes.py` measures it; Pagefind closes a chunk at a fixed 20,000 word locations, so a
smaller shard does not make it smaller), so fewer, larger shards make searching cheaper for readers and an
edit's re-index slower. The list's `first` (`first_scope`) says how many of the newest shards the box
searches before the reader asks for every issue: as many as fit FIRST_SEARCH_BYTES of metadata and index, so
a reader's first search costs the same however many older shards there are.

What Pagefind reads of a page, and so what decides whether a shard must be rebuilt (`page_inputs`): the
page's site path, its `<html ...>` tag (the `lang` attribute picks the index language), its `<title>` (the
result title when the body has no `<h1>`), any `<meta charset>`, and the first `data-pagefind-body` element,
from its start tag to its end tag. What comes before and after it is not indexed (the header and
navigation; an issue's pager, the footer, scripts), so a change there reuses the shard. Pagefind does read
some things before the body (the first `<h1>` of the page is the result title, `data-pagefind-*` attributes
count anywhere, an unclosed `<script>` or comment would hide the body), so a page whose pre-body part holds
any `data-pagefind-` attribute, any `<h1>`, or an unbalanced raw-text element or comment is fingerprinted
whole. After the body it reads further bodies, `data-pagefind-*` attributes, and an `<h1>` or `<img>` (the
result's title and image when the body has none: an image after the body changes the shard), so a page with
any of those (or a `<title>`, `<meta>` or `<html>` tag) after its body, or whose body's end cannot be found
surely (`_body_parts`), is fingerprinted to the end of the file. Checked against Pagefind 1.5.2: changing a
description meta tag, adding navigation text, an element with an id and an image before the body, changing
only the `<title>` of a page whose body has an `<h1>`, or changing the text, links and scripts after the
body, gives a byte-identical shard; one word added to the body changes it. In the
body, `class` attributes and `data-*` attributes other than `data-pagefind-*` are left out of the
fingerprint (`without_styling`): Pagefind reads neither, so a template change that only restyles pages
reuses every shard.

Reuse. `index_site` returns a record (JSON-safe) of every page's sha256 and input fingerprint and every
shard's input fingerprint and files with their sha256; given the previous build's record and published
folder, a shard whose inputs are unchanged is hard-linked from that folder (never written to) and each file
checked against its recorded hash, and only the other shards run Pagefind, at most `jobs` at once.

Ranking differs from a single index's: Pagefind scores each page against its own shard's statistics (how
rare a word is, the average page length) and Pagefind sorts the merged list by those scores, so a small shard
(the current month, early in the month) ranks its pages higher for common words; and a shard without any
exact match for a word returns its near matches (`KernelCache` for `kernelmixer`; in a one-page shard, `a`
for `announcements`), which one index holding the exact word would not have shown, sometimes above exact
matches from other shards. The smaller the shard, the worse this is, hence SPLIT_YEAR.

Pagefind's output depends only on the pages it reads (checked: repeated runs over the same pages, in
differently named folders, in any order, give byte-identical files), so a shard is the same whether reused
or rebuilt and whatever the number of parallel runs. Each run reads a temporary folder of hard links to its
shard's pages (so the URLs in the index are the pages' real site paths), with that folder as its working
directory and without PAGEFIND_* variables (other than the binary path), so no stray pagefind.yml or
environment setting changes the index.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from ..arxiv_id import year_month
from ..files import sha256_file, walk
from .workers import dies_with_caller, worker_count

BUNDLE_DIR = "pagefind"
SHARDS_FILE = "shards.json"
OTHER = "other"
TIMEOUT_SECONDS = 300
# What a reader's first search may read of the index (shard metadata and one index chunk a shard), so that
# with Pagefind's scripts and WebAssembly (about 96 KB over the wire) it stays under 200 KB. The other shards
# are searched when the reader asks for every issue (the button under the results, templates/_search.html).
FIRST_SEARCH_BYTES = 72 * 1024
# An older year with more pages than this is indexed as two shards, its halves: Pagefind's memory and time grow
# with a shard's pages (a year of a daily digest with five papers an issue, 2,196 pages: 486 MB and 4.7 s; half
# of it 245 MB and 2.3 s), and a year of few pages split would be shards too small to rank well (the module
# docstring's "Ranking").
SPLIT_YEAR = 1_200
FORMAT = 1  # of the record index_site returns: another value means no reuse
_STAGING = ".pagefind-staging-"  # temporary folders of links to a shard's pages, inside the site
SPARE_DIR = ".pagefind-spare"  # an earlier build's bundle, inside the site being built (see index_site)

_ISSUE = re.compile(r"(\d{4})/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")
_PAPER = re.compile(r"papers/([^/]+)/")  # a paper page: its folder is its arXiv id, or a slug
_SHARD_NAME = re.compile(r"\d{4}(-(0[1-9]|1[0-2]|h[12]))?|" + OTHER)
_HEX_RUN = re.compile(r"[0-9a-f]*")
_UNSAFE_PARTS = frozenset({"", ".", ".."})
_BODY = b"data-pagefind-body"
# Before the body, only these reach the index: the language, the fallback title, the decoding.
_KEPT = re.compile(rb"<html\b[^>]*>|<title\b[^>]*>.*?</title\s*>|<meta\b[^>]*charset[^>]*>", re.I | re.S)
_H1 = re.compile(rb"<h1[\s>/]")
# Elements whose content the HTML parser does not read as markup: left open before the body, they would hide it.
# One pass finds their start tags (group 1) and end tags (group 2); no two such tags can overlap.
_RAW_NAMES = rb"script|style|textarea|title|template|noscript|xmp|iframe|noembed|noframes|plaintext"
_RAW_TAG = re.compile(rb"<(?:(" + _RAW_NAMES + rb")[\s>/]|/(" + _RAW_NAMES + rb"))")
_TAG_NAME = re.compile(rb"<([a-z][a-z0-9-]*)")
# In the text between the start tags _START_TAG read, a quoted attribute value it could not read (an
# unclosed quote may hold an end tag); prose rarely writes a quote right after `=`.
_UNREAD = re.compile(rb"""=\s*["']""")
# After a body, what Pagefind reads (over lower-case bytes).
_READ_AFTER = re.compile(rb"data-pagefind-|<(?:h1|img|title|meta|html)[\s>/]")


class SearchIndexError(OSError):
    """Pagefind is missing or failed: the site could not be written (the CLI exits 5)."""


class BundleListing(NamedTuple):
    """An earlier build's bundle as listed before the build moved it to SPARE_DIR: the inode of every entry
    but folders (path inside the bundle, `<shard>/...`), and the folders."""

    files: dict[str, int]
    folders: list[str]


def list_bundle(bundle: Path) -> BundleListing:
    """What `bundle` holds (empty when it is missing, or a symbolic link: such a bundle is not reused)."""
    listing = BundleListing({}, [])
    if bundle.is_symlink() or not bundle.is_dir():
        return listing

    def enter(rel: str) -> bool:
        listing.folders.append(rel)
        return True

    for rel, entry in walk(bundle, enter=enter, follow_symlinks=False):
        listing.files[rel] = entry.inode()
    return listing


def pagefind_binary() -> Path | None:
    """The Pagefind executable: $PAGEFIND_BINARY_PATH, the one in the `pagefind[bin]` wheel, or one on PATH.

    The order the `pagefind` wrapper's own lookup uses, without importing the wrapper (it imports asyncio,
    a twentieth of an incremental build's start-up).
    """
    found = os.environ.get("PAGEFIND_BINARY_PATH")
    if found:
        return Path(found)
    for wheel in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            module = importlib.import_module(wheel)
        except ImportError:
            continue
        try:
            return Path(module.get_executable())
        except OSError:  # the wheel's lookup raises when its binary is missing
            return None
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


# ---------------------------------------------------------------- shards

def shard_key(path: str) -> tuple[int, int] | None:
    """The (year, month) a page at site path `path` is filed under, or None for the `other` shard."""
    m = _ISSUE.match(path)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _PAPER.match(path)
    return year_month(m.group(1)) if m else None


def assign_shards(paths: Iterable[str]) -> dict[str, list[str]]:
    """Group indexed pages into shards: shard name -> sorted paths, newest shard first, `other` last.

    The newest year present gets one shard per month (`YYYY-MM`). An older year is one shard (`YYYY`), or
    two, its halves (`YYYY-h2` for July to December, `YYYY-h1`), when it has more than SPLIT_YEAR pages.
    """
    keyed = [(shard_key(p), p) for p in paths]
    per_year = Counter(key[0] for key, _ in keyed if key is not None)
    newest = max(per_year, default=None)
    groups: dict[tuple[int, int], list[str]] = {}
    for key, path in keyed:
        if key is None:
            rank = (-1, 0)  # sorts after every dated shard
        elif key[0] == newest:
            rank = key
        elif per_year[key[0]] > SPLIT_YEAR:
            rank = (key[0], 1 if key[1] <= 6 else 2)
        else:
            rank = (key[0], 0)
        groups.setdefault(rank, []).append(path)
    shards: dict[str, list[str]] = {}
    for rank in sorted(groups, reverse=True):
        year, part = rank
        if year < 0:
            name = OTHER
        elif year == newest:
            name = f"{year:04d}-{part:02d}"
        else:
            name = f"{year:04d}-h{part}" if part else f"{year:04d}"
        shards[name] = sorted(groups[rank])
    return shards


def shard_list(names: Iterable[str], first: int | None = None) -> bytes:
    """The bytes of `pagefind/shards.json`: the shard folders in the order given (newest first), and how many
    of them the search box searches first (`first_scope`; absent: all)."""
    listing: dict = {"format": 1, "shards": list(names)}
    if first is not None:
        listing["first"] = first
    return json.dumps(listing, separators=(",", ":")).encode() + b"\n"


def first_scope(bundle: Path, names: list[str]) -> int:
    """How many of the shards `names` (newest first) a reader's first search reads: the newest ones whose
    metadata and typical index chunk fit in FIRST_SEARCH_BYTES together, and at least one."""
    total = 0
    for count, name in enumerate(names):
        total += _search_cost(bundle / name)
        if total > FIRST_SEARCH_BYTES:
            return max(count, 1)
    return len(names)


def _search_cost(shard: Path) -> int:
    """The bytes a one-word search reads of a shard: its metadata and its median index chunk."""
    meta = sum(path.stat().st_size for path in shard.glob("*.pf_meta"))
    chunks = sorted(path.stat().st_size for path in (shard / "index").glob("*.pf_index"))
    return meta + (chunks[len(chunks) // 2] if chunks else 0)


# ---------------------------------------------------------------- what Pagefind reads

def page_inputs(page: bytes) -> bytes | None:
    """What Pagefind reads of a page's bytes (see the module docstring); None when it has no body to index."""
    lower = page.lower()  # same length: ASCII case folding only, so offsets carry over
    at = lower.find(_BODY)
    if at < 0:
        return None
    start = max(lower.rfind(b"<", 0, at), 0)
    head = lower[:start]
    if b"data-pagefind-" in head or _H1.search(head) or not _balanced(head):
        return b"page\0" + page
    kept = [m.group() for m in _KEPT.finditer(page, 0, start)]
    rest = page[start:]
    name = _TAG_NAME.match(lower, start)
    if name is not None and b"\0" not in rest:  # NUL: see without_styling
        parts = _START_TAG.split(rest)
        body = _body_parts(lower, start, parts, name.group(1))
        if body is not None:
            return b"\0".join([b"body 3", *kept, _cleaned(body)])
        return b"\0".join([b"body 2", *kept, _cleaned(parts)])
    return b"\0".join([b"body 2", *kept, without_styling(rest)])


def _body_parts(lower: bytes, start: int, parts: list[bytes], name: bytes) -> list[bytes] | None:
    """The body element, when Pagefind reads nothing after its end tag: the leading `parts` (the page's text
    and start tags alternating from the body's start tag at `start` on, from _START_TAG.split), cut after
    that tag; else None. `lower`: the page in lower case.

    Pagefind ends the body at its matching end tag (it counts tags by name; it builds no HTML tree), so this
    counts them as well, in the text between the start tags that carry attributes: an end tag can only be
    there, never inside a quoted attribute value. It gives up where the count could be fooled (a comment, a
    raw-text element, or a start tag the tag pattern could not read, inside the body) or where Pagefind
    may read on after the body (a `data-pagefind-` attribute, an `<h1>`, `<img>`, `<title>`, `<meta>` or
    `<html>`).
    """
    ends = list(accumulate(map(len, parts)))  # where each part ends, from `start`
    depth = 0
    for m in _body_scan(name).finditer(lower, start):
        if m.group(2) is None:
            return None  # a comment or a raw-text element in the body
        at = bisect_right(ends, m.start() - start)
        if at % 2:  # inside a start tag with attributes: it opens one when it is that tag, else a value holds it
            depth += m.start() - start == ends[at - 1] and not m.group(1)
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            close = lower.find(b">", m.end() - 1) + 1
            if not close or _READ_AFTER.search(lower, close):
                return None
            body = [*parts[:at], parts[at][: close - start - (ends[at - 1] if at else 0)]]
            if _UNREAD.search(b"\0".join(body[0::2])):
                return None
            return body
    return None


@lru_cache(maxsize=16)
def _body_scan(name: bytes) -> re.Pattern[bytes]:
    """Start and end tags named `name` (group 2), and what makes counting them unsafe: comments and CDATA,
    raw-text elements (their text is not markup); over lower-case bytes."""
    return re.compile(rb"<(?:(/?)(" + re.escape(name) + rb")[\s/>]|!|(?:" + _RAW_NAMES + rb")[\s>/])")


# An attribute's value, if it has one; a start tag with at least one attribute (quoted values may hold `>`).
# The quantifiers are possessive (`*+`, `++`, `?+`): what follows each part cannot begin with a character the
# part takes (a `/` an unquoted value ends with needs no giving back either), so backtracking into a part
# never makes a tag match; not trying it saves a third of the time of splitting a page.
_VALUE = rb'(?:\s*+=\s*+(?:"[^"]*+"|\'[^\']*+\'|[^\s"\'=<>`]++))?+'
_START_TAG = re.compile(rb'(<[a-zA-Z][a-zA-Z0-9-]*+(?:\s++[^\s"\'>/=]++' + _VALUE + rb')++\s*+/?>)')
# `class`, and `data-*` other than Pagefind's own `data-pagefind-*` (ASCII case-insensitive, whole names).
_STYLING_NAME_PART = rb'(?:[cC][lL][aA][sS][sS]|[dD][aA][tT][aA]-(?![pP][aA][gG][eE][fF][iI][nN][dD])[^\s"\'>/=\0]*+)'
# Such an attribute with its value. No part of it matches NUL, so run over tags joined by NUL it matches in
# each tag as in that tag alone. Possessive where giving back could never make a match (as in _START_TAG).
_STYLING = re.compile(rb'\s++' + _STYLING_NAME_PART + rb'(?=[\s=/>])'
                      rb'(?:\s*+=\s*+(?:"[^"\0]*+"|\'[^\'\0]*+\'|[^\s"\'=<>`\0]++))?+')
# It also matches inside a quoted value with a space before such a word (alt="a class of zebras"), which
# Pagefind reads: where a value may hold one, the tags are cleaned attribute by attribute instead. Every quoted
# value follows `=` and spaces, so this finds each such value (and a few that are not, which costs only time).
# It reads a value a word at a time: a value without such a word fails at its closing quote, never giving back.
_WORD = rb'(?:[cC][lL][aA][sS][sS]|[dD][aA][tT][aA]-)'
_WORDY_VALUE = re.compile(rb'=\s*+(?:"[^"\s]*+(?:\s++(?!' + _WORD + rb')[^"\s]*+)*+\s++' + _WORD +
                          rb'|\'[^\'\s]*+(?:\s++(?!' + _WORD + rb')[^\'\s]*+)*+\s++' + _WORD + rb')')
# One attribute, its leading space and its value (group 1, for splitting): run from a start tag's name on, each
# match ends where the next attribute's space begins, so no match starts inside a value.
_ATTRIBUTE = re.compile(rb'(\s++[^\s"\'>/=]++' + _VALUE + rb')')
_STYLING_NAME = re.compile(rb'\s*+' + _STYLING_NAME_PART + rb'(?![^\s=])')  # an _ATTRIBUTE that is one


def without_styling(html: bytes) -> bytes:
    """`html` with the `class` and non-Pagefind `data-*` attributes of its start tags removed.

    Pagefind reads neither (checked against Pagefind 1.5.2: adding or changing them throughout a site gives
    a byte-identical index; tests/test_search_shards.py runs that check), so a template change that only
    restyles pages reuses every shard. Only start tags are touched, never text, and never another attribute's
    value (an image's alt text saying "a class of models" keeps its every word: Pagefind indexes it).
    """
    if b"\0" in html:  # the separator below: such a page takes the slower way, one tag at a time
        return _START_TAG.sub(lambda m: _unstyled(m.group()), html)
    return _cleaned(_START_TAG.split(html))


def _unstyled(tags: bytes) -> bytes:
    """Start tags (one, or several joined by NUL) without their styling attributes."""
    if not _WORDY_VALUE.search(tags):
        return _STYLING.sub(b"", tags)
    parts = _ATTRIBUTE.split(tags)
    parts[1::2] = [b"" if _STYLING_NAME.match(attribute) else attribute for attribute in parts[1::2]]
    return b"".join(parts)


def _cleaned(parts: list[bytes]) -> bytes:
    """Text and start tags alternating (from _START_TAG.split of bytes without NUL), joined again with the
    tags' styling removed."""
    if len(parts) == 1:
        return parts[0]
    # A tag is cleaned the same wherever it is, and most tags of a site's pages recur (an issue page has
    # about 270, of which about 35 are not on the page before it): those are looked up. The others are
    # cleaned in one pass over all of them joined by NUL, which _STYLING never matches: a Python call for
    # each tag was half of the fingerprint's time. Safe in threads: a lookup never needs what another adds.
    tags = parts[1::2]
    known = _CLEAN_TAGS
    cleaned = [known.get(tag) for tag in tags]
    missing = [tag for tag, clean in zip(tags, cleaned) if clean is None]
    if missing:
        unique = list(dict.fromkeys(missing))
        fresh = dict(zip(unique, _unstyled(b"\0".join(unique)).split(b"\0")))
        if len(known) + len(fresh) > _CLEAN_TAGS_KEPT:
            known.clear()
        known.update(fresh)
        cleaned = [fresh[tag] if clean is None else clean for tag, clean in zip(tags, cleaned)]
    parts = list(parts)
    parts[1::2] = cleaned
    return b"".join(parts)


# Start tag -> the same without its styling attributes (_cleaned), at most _CLEAN_TAGS_KEPT of them (a few MB).
_CLEAN_TAGS: dict[bytes, bytes] = {}
_CLEAN_TAGS_KEPT = 20_000


def _balanced(head: bytes) -> bool:
    """Whether every raw-text element and comment opened in `head` is closed in it too (a cheap check)."""
    if head.count(b"<!--") != head.count(b"-->"):
        return False
    opened: Counter[bytes] = Counter()
    for start, end in _RAW_TAG.findall(head):
        if start:
            opened[start] += 1
        else:
            opened[end] -= 1
    return not any(opened.values())


def page_fingerprint(page: bytes) -> str:
    """sha256 of what Pagefind reads of a page; "" when it has no `data-pagefind-body` element."""
    inputs = page_inputs(page)
    return "" if inputs is None else hashlib.sha256(inputs).hexdigest()


def _shard_fingerprint(paths: list[str], fingerprints: dict[str, str]) -> str:
    h = hashlib.sha256(b"pagefind shard 1\0")
    for path in paths:
        h.update(f"{path}\0{fingerprints[path]}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- the index

def index_site(site: Path, html_hashes: dict[str, str] | None = None, previous: dict | None = None,
               previous_site: Path | None = None, jobs: int | None = None,
               discard: Callable[[Path], None] | None = None, trusted: dict[str, str] | None = None,
               fingerprints: dict[str, str] | None = None, inodes: dict[str, int] | None = None,
               spare: BundleListing | None = None) -> dict:
    """Write the sharded search index into site/pagefind/; reuse shards of `previous_site` whose inputs match `previous`; return the record to keep for the next build.

    `html_hashes`: site path -> sha256 of every file in `site` as written; its `.html` entries are the pages
    (None: the site is scanned and every page read). `previous`: what this function returned for the build
    published in `previous_site`; anything malformed in it means no reuse. `jobs`: Pagefind runs at once
    (default $DIGEST_JOBS, else min(2, CPUs)). A site with no `data-pagefind-body` page gets no index.
    SearchIndexError when Pagefind is missing or fails. `discard` removes the scratch folder of links
    Pagefind read (default: deleted here; the build hands it to a background remover instead).
    `trusted`: site path -> sha256 of files in `previous_site` known to be as recorded (the build manifest
    checked their size and mtime), which need not be read again to be verified. `fingerprints`: site path ->
    page_fingerprint of pages whose bytes (as `html_hashes` has them) the caller has already fingerprinted.

    `site/.pagefind-spare/` (SPARE_DIR), when there is one, holds the bundle of an earlier build (the build's
    spare tree, see build._publish): a shard to reuse that is there keeps its files that are the very files
    of `previous_site` (same inode, `inodes` has those by site path) instead of linking them all again.
    Nothing else in it is used, and it is gone when this returns. `spare`: that bundle as list_bundle found it
    before it was moved there (None: each shard taken from it is walked instead).
    """
    site = Path(site).resolve()
    bundle = site / BUNDLE_DIR
    # The folder is this function's output alone: anything left in it would make the result depend on history.
    shutil.rmtree(bundle, ignore_errors=True)
    spare_dir = site / SPARE_DIR
    try:
        return _index(site, bundle, spare_dir, html_hashes, previous, previous_site, jobs, discard, trusted,
                      fingerprints, inodes, _by_shard(spare))
    finally:
        if spare_dir.is_dir():
            (discard or shutil.rmtree)(spare_dir)


def _by_shard(listing: BundleListing | None) -> dict[str, BundleListing] | None:
    """A bundle's listing split by shard folder, paths relative to it."""
    if listing is None:
        return None
    shards: dict[str, BundleListing] = {}
    for rel, inode in listing.files.items():
        name, _, inside = rel.partition("/")
        if inside:
            shards.setdefault(name, BundleListing({}, [])).files[inside] = inode
    for rel in listing.folders:
        name, _, inside = rel.partition("/")
        shard = shards.setdefault(name, BundleListing({}, []))
        if inside:
            shard.folders.append(inside)
    return shards


def _index(site: Path, bundle: Path, spare: Path, html_hashes, previous, previous_site, jobs, discard, trusted,
           fingerprints, inodes, listed: dict[str, BundleListing] | None) -> dict:
    """index_site, once the bundle folder is cleared."""
    old_pages, old_shards, old_tool = _read_record(previous)
    if previous_site is not None and Path(previous_site).resolve() == site:
        previous_site = None  # its files are about to be replaced: nothing to reuse from
    pages = _fingerprint_pages(site, html_hashes, old_pages, fingerprints)
    record: dict = {"format": FORMAT, "tool": "", "pages": pages, "shards": {}}
    indexed = {path: fp for path, (_, fp) in pages.items() if fp}
    if not indexed:
        # No issue yet: Pagefind would index every page's whole body instead. The search box stays a link
        # to the archive (its script finds no pagefind/shards.json).
        return record
    binary = pagefind_binary()
    if binary is None or not binary.is_file():
        raise SearchIndexError("the search index needs Pagefind, which is not installed: "
                               "pip install 'pagefind[bin]' (or reinstall paper-digest)")
    record["tool"] = tool = _tool_identity(binary)
    groups = assign_shards(indexed)
    inputs = {name: _shard_fingerprint(paths, indexed) for name, paths in groups.items()}
    reusable = {name: old_shards[name]["files"] for name in groups
                if previous_site is not None and old_tool == tool and name in old_shards
                and old_shards[name]["inputs"] == inputs[name]}
    files: dict[str, dict[str, str]] = {}
    with _Runs(binary, site, groups, _job_count(jobs), discard) as runs:
        # Pagefind starts on the changed shards first; the unchanged ones are linked and checked meanwhile.
        runs.start(sorted((name for name in groups if name not in reusable), key=lambda n: (-len(groups[n]), n)))
        for name, recorded in reusable.items():
            dest = bundle / name
            if inodes and (spare / name).is_dir() and not (spare / name).is_symlink():
                bundle.mkdir(exist_ok=True)
                os.rename(spare / name, dest)
            earlier = dest.is_dir()
            # A shard the listing lacks is walked: the listing is trusted only for what it saw.
            if _reuse(Path(previous_site) / BUNDLE_DIR / name, dest, recorded, trusted or {},
                      f"{BUNDLE_DIR}/{name}/", inodes if earlier else None,
                      listed.get(name) if earlier and listed is not None else None):
                files[name] = dict(recorded)
            else:
                runs.start([name])
    for name in runs.built:
        files[name] = _hash_tree(bundle / name)
    record["first"] = first_scope(bundle, list(groups))
    (bundle / SHARDS_FILE).write_bytes(shard_list(groups, record["first"]))
    record["shards"] = {name: {"inputs": inputs[name], "files": files[name]} for name in groups}
    return record


def indexing_writes(name: str) -> bool:
    """True for a name at the top of a site that index_site writes, moves or removes (the bundle, its
    scratch folders, an earlier bundle): nothing else in the site changes while it runs."""
    return name == BUNDLE_DIR or name == SPARE_DIR or name.startswith(_STAGING)


def bundle_hashes(record: object) -> dict[str, str]:
    """Site path -> sha256 of every file index_site wrote, from the record it returned; {} for a record of
    another shape (one read back from a build manifest is data)."""
    shards = record.get("shards") if isinstance(record, dict) else None
    if not (isinstance(shards, dict) and shards
            and all(isinstance(shard, dict) and isinstance(shard.get("files"), dict) for shard in shards.values())):
        return {}
    listing = shard_list(shards, record.get("first"))
    found = {f"{BUNDLE_DIR}/{SHARDS_FILE}": hashlib.sha256(listing).hexdigest()}
    for name, shard in shards.items():
        for rel, sha in shard["files"].items():
            found[f"{BUNDLE_DIR}/{name}/{rel}"] = sha
    return found


def _fingerprint_pages(site: Path, html_hashes: dict[str, str] | None, old_pages: dict[str, list],
                       known: dict[str, str] | None = None) -> dict[str, list]:
    """[sha256, input fingerprint] of every HTML page; a page whose sha256 was recorded keeps its fingerprint
    without being read (with 22,000 pages, reading them all costs more than the reindex it saves), and so
    does one in `known` (path -> page_fingerprint of the bytes `html_hashes` names, taken by the renderer)."""
    known = known or {}
    if html_hashes is None:
        html_hashes, paths = {}, _html_pages(site)
    else:
        # The build knows every file it wrote: no need to walk 22,000 folders again.
        paths = sorted(p for p in html_hashes if p.endswith(".html") and not p.startswith(BUNDLE_DIR + "/"))
    pages: dict[str, list] = {}
    for path in paths:
        sha = html_hashes.get(path)
        old = old_pages.get(path)
        if sha is not None and old is not None and old[0] == sha:
            pages[path] = [sha, old[1]]
            continue
        if sha is not None and path in known:
            pages[path] = [sha, known[path]]
            continue
        data = (site / path).read_bytes()
        if sha is None:
            sha = hashlib.sha256(data).hexdigest()
        pages[path] = [sha, page_fingerprint(data)]
    return pages


def _html_pages(site: Path) -> list[str]:
    """Site paths of the HTML files in `site`, outside the bundle folder (and this module's staging folders)."""
    def enter(rel: str) -> bool:
        return rel != BUNDLE_DIR and not rel.startswith(_STAGING)

    return sorted(rel for rel, entry in walk(site, enter=enter)
                  if rel.endswith(".html") and entry.is_file(follow_symlinks=True))


def _read_record(previous: object) -> tuple[dict[str, list], dict[str, dict], str | None]:
    """(pages, shards, tool) of a previous record, or empty ones when it is missing or malformed in any way."""
    empty: tuple[dict, dict, None] = ({}, {}, None)
    if not isinstance(previous, dict) or previous.get("format") != FORMAT:
        return empty
    pages, shards, tool = previous.get("pages"), previous.get("shards"), previous.get("tool")
    if not (isinstance(pages, dict) and isinstance(shards, dict) and isinstance(tool, str)):
        return empty
    # Checked in bulk: one page at a time, this took a tenth of a nightly build's indexing.
    if not (all(type(path) is str and type(rec) is list and len(rec) == 2 for path, rec in pages.items())
            and _hex_digests([rec[0] for rec in pages.values()])
            and _hex_digests([rec[1] for rec in pages.values() if rec[1] != ""])):
        return empty
    for name, shard in shards.items():
        if not (isinstance(name, str) and _SHARD_NAME.fullmatch(name) and isinstance(shard, dict)
                and isinstance(shard.get("inputs"), str) and isinstance(shard.get("files"), dict)
                and shard["files"]):
            return empty
        files = shard["files"]
        if not (all(type(rel) is str for rel in files) and _safe_relatives(list(files))
                and _hex_digests(list(files.values()))):
            return empty
    return pages, shards, tool


def _hex_digests(values: list) -> bool:
    """Whether every value is a sha256 in lowercase hex."""
    return (all(type(v) is str and len(v) == 64 for v in values)
            and _HEX_RUN.fullmatch("".join(values)) is not None)


def _safe_relatives(rels: list[str]) -> bool:
    """Whether every path is a plain relative path inside its folder (a record is data: it must not point
    anywhere else)."""
    joined = "/".join(rels)
    return "\\" not in joined and "\0" not in joined and not _UNSAFE_PARTS.intersection(joined.split("/"))


def _tool_identity(binary: Path) -> str:
    """Which Pagefind builds the index: a different binary (another version) means no reuse."""
    resolved = binary.resolve()
    st = resolved.stat()
    return f"{resolved}\0{st.st_size}\0{st.st_mtime_ns}"


def _reuse(src: Path, dest: Path, files: dict[str, str], trusted: dict[str, str] | None = None,
           prefix: str = "", inodes: dict[str, int] | None = None, listed: BundleListing | None = None) -> bool:
    """Hard-link (else copy) a recorded shard from the previous site and check every file against its hash
    (unless `trusted`, by site path `prefix` + name, vouches for the hash of a hard-linked source);
    False, with nothing left in `dest`, when any is missing or differs. `src` is only read.

    `inodes` (site path -> inode of the files in `src`): `dest` holds an earlier copy of the shard already;
    a file there that is the one in `src` stays, any other is replaced, and files `files` lacks are removed.
    `listed`: what `dest` holds, listed earlier (nothing has changed it since); None: it is walked here.
    """
    trusted = trusted or {}
    # Plain strings, not Path objects: a shard of a ten-year archive has thousands of files.
    src_dir, dest_dir = os.fspath(src), os.fspath(dest)
    made: set[str] = set()
    there: dict[str, int] = {}
    try:
        if inodes is not None:
            made.add(dest_dir)  # the folders found there are removed below if left empty
            if listed is None:
                listed = list_bundle(dest)
            made.update(dest_dir + "/" + rel for rel in listed.folders)
            there = dict(listed.files)
        for rel, sha in sorted(files.items()):
            target, path = dest_dir + "/" + rel, prefix + rel  # rel is a plain relative path (_read_record)
            old = there.pop(rel, None)
            if old is not None:
                if old == inodes.get(path):
                    if trusted.get(path) != sha and sha256_file(target) != sha:
                        raise ValueError(rel)
                    continue
                os.unlink(target)  # never written through: it may be a link to a published file
            source = src_dir + "/" + rel
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                os.link(source, target)
                linked = True
            except OSError:
                shutil.copyfile(source, target)
                linked = False
            if not (linked and trusted.get(path) == sha) and sha256_file(target) != sha:
                raise ValueError(rel)
        for rel in there:
            os.unlink(os.path.join(dest_dir, rel))
        if inodes is not None:
            for folder in sorted(made - {dest_dir}, key=len, reverse=True):
                try:
                    os.rmdir(folder)  # only a folder left empty, which a fresh copy would not have
                except OSError:
                    pass
    except (OSError, ValueError):
        shutil.rmtree(dest, ignore_errors=True)
        return False
    return True


def _job_count(jobs: int | None) -> int:
    """Pagefind runs at once: `jobs`, else $DIGEST_JOBS when a positive integer, else min(2, CPUs)."""
    if jobs is None:
        # Two, not every CPU: each run is single-threaded but reads and writes a lot, and the build does
        # other work around it.
        return worker_count(2, forked=False)
    return max(1, int(jobs))


class _Runs:
    """Pagefind runs for whole shards in the background, at most `jobs` at once; leaving the `with` block
    waits for them all and raises the first failure (SearchIndexError) once every run has stopped."""

    def __init__(self, binary: Path, site: Path, groups: dict[str, list[str]], jobs: int,
                 discard: Callable[[Path], None] | None = None):
        self.binary, self.site, self.groups = binary, site, groups
        self.discard = discard
        self.pool = ThreadPoolExecutor(max_workers=jobs)
        self.futures: dict[str, Future] = {}
        self.staging: Path | None = None

    @property
    def built(self) -> list[str]:
        """The shards Pagefind indexed, in the order they were started."""
        return list(self.futures)

    def start(self, names: list[str]) -> None:
        """Queue a Pagefind run for each shard in `names`."""
        if names and self.staging is None:
            # Inside the site, so hard links work (same file system); removed when the runs are over.
            self.staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.site))
        for name in names:
            self.futures[name] = self.pool.submit(_build_shard, self.binary, self.site, name, self.groups[name],
                                                  self.staging)

    def __enter__(self) -> _Runs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            if kind is not None:
                for future in self.futures.values():
                    future.cancel()
            wait(self.futures.values(), return_when=FIRST_EXCEPTION)
            failed = [f for f in self.futures.values() if f.done() and not f.cancelled() and f.exception()]
            if failed:
                for future in self.futures.values():
                    future.cancel()
            self.pool.shutdown(wait=True)
            if failed and kind is None:
                failed[0].result()  # raises the first failure, in the order the runs were started
        finally:
            if self.staging is not None:
                if self.discard is not None and kind is None:
                    self.discard(self.staging)
                else:
                    shutil.rmtree(self.staging, ignore_errors=True)


def _build_shard(binary: Path, site: Path, name: str, paths: list[str], staging: Path) -> None:
    """Index one shard's pages into site/pagefind/<name>/."""
    source = staging / name
    made: set[Path] = set()
    for path in paths:
        dest = source / path
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        try:
            os.link(site / path, dest)
        except OSError:
            shutil.copyfile(site / path, dest)
    output = site / BUNDLE_DIR / name
    shutil.rmtree(output, ignore_errors=True)
    run_pagefind(binary, source, output)


def run_pagefind(binary: Path, source: Path, output: Path) -> None:
    """Index the HTML under `source` into the bundle folder `output`; SearchIndexError when Pagefind fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    cmd = [str(binary), "--site", ".", "--output-path", str(output), "--silent"]
    try:
        # Killed with the build: a run left behind would go on writing into the build's folder (an absolute
        # path) and make it again after the next build removed it as stale (fsutil.clean_stale_build_dirs).
        proc = subprocess.run(cmd, cwd=source, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False, preexec_fn=dies_with_caller())
    except subprocess.TimeoutExpired:
        raise SearchIndexError(f"Pagefind did not finish indexing the site in {TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise SearchIndexError(f"Pagefind could not be started ({binary}): {exc}") from None
    if proc.returncode != 0 or not (output / "pagefind-entry.json").is_file():
        text = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
        last = text.splitlines()[-1] if text else f"exit status {proc.returncode}"
        raise SearchIndexError(f"Pagefind could not index the site: {last}")


def _hash_tree(folder: Path) -> dict[str, str]:
    """Path relative to `folder` -> sha256, for every file under it."""
    found = {rel: sha256_file(entry.path) for rel, entry in walk(folder, follow_symlinks=False)
             if not entry.is_dir(follow_symlinks=True)}
    return dict(sorted(found.items()))
