"""The one definition of digest.yaml and of editor issue files.

The validator and the published JSON Schemas (schemas/*.json) are both made
from these dictionaries, so what an editor's IDE suggests is what `digest
check` enforces. Keys starting with "x-" carry our own error wording.
"""
from __future__ import annotations

import json
from typing import Any

from ..arxiv_id import SCHEMA_PATTERN as ARXIV_ID_PATTERN

SIGNALS = ("novelty", "relevance", "venue", "evidence")

HTTP_URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"
CATEGORY_PATTERN = r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$"

_ARXIV_ID_ERROR = "is not an arXiv id; write it like \"2606.32020\", \"2606.32020v2\" or \"astro-ph/0601001\" (in quotes)"
_http_url = {
    "type": "string",
    "pattern": HTTP_URL_PATTERN,
    "x-error": "must be an http:// or https:// URL",
}
_text = {"type": "string"}
_markdown = {"type": "string", "description": "Markdown; $...$ is math, [@id] cites a paper"}
_date = {"type": "string", "pattern": DATE_PATTERN, "x-error": "must be a date written YYYY-MM-DD"}
_datetime = {
    "type": "string",
    "pattern": DATETIME_PATTERN,
    "x-error": "must be a date and time with its UTC offset, e.g. 2026-07-01T09:24:00+09:00",
}
_score = {"type": "integer", "minimum": 0, "maximum": 10, "x-error": "must be a whole number from 0 to 10"}
_weight = {"type": "number", "minimum": 0, "maximum": 100, "x-error": "must be a number from 0 to 100"}

SCORES: dict[str, Any] = {
    "type": "object",
    "description": "Editor scores, 0-10; any subset; missing signals use the automatic score.",
    "properties": {s: _score for s in SIGNALS},
    "additionalProperties": False,
}

PAPER: dict[str, Any] = {
    "type": "object",
    "description": "One paper: an arXiv id, or title + url for a paper not on arXiv.",
    "properties": {
        "arxiv": {
            "type": "string",
            "pattern": ARXIV_ID_PATTERN,
            "description": "arXiv id such as 2606.32020, 2606.32020v2 or astro-ph/0601001 (quote it)",
            "x-error": _ARXIV_ID_ERROR,
        },
        "title": {**_text, "description": "Full title (required without arxiv; overrides the fetched one)"},
        "url": {**_http_url, "description": "Link for a paper not on arXiv"},
        "short": {**_text, "description": "Name used in the table and the card heading"},
        "abbrev": {**_text, "description": "Short form used in the one-line summary (default: short)"},
        "tagline": {**_text, "description": "Card heading after the colon"},
        "authors": {"type": "array", "items": _text, "description": "Authors (default: from the candidates file)"},
        "categories": {
            "type": "array",
            "items": {"type": "string", "pattern": CATEGORY_PATTERN, "x-error": "is not an arXiv category such as cs.CV"},
            "description": "arXiv categories, primary first (default: from the candidates file)",
        },
        "scores": SCORES,
        "reason": {**_markdown, "description": "'First-read reason' column (inline Markdown)"},
        "evidence": {**_markdown, "description": "'Evidence strength' column (inline Markdown)"},
        "venue": {**_text, "description": "Venue, e.g. ECCV 2026"},
        "code": {**_http_url, "description": "Code repository URL"},
        "areas": {"type": "array", "items": _text, "description": "Research areas, for topic pages and the reading order"},
        "decision": {**_markdown, "description": "Card section 'Decision'"},
        "what": {**_markdown, "description": "Card section 'What it does'"},
        "technical": {**_markdown, "description": "Card section 'Technical read'"},
        "limits": {**_markdown, "description": "Card section 'Evidence and limits'"},
        "pin": {"type": "integer", "minimum": 1, "x-error": "must be a position, a whole number from 1", "description": "Force this paper to a position"},
        "exclude": {"type": "boolean", "description": "Leave this paper out of the issue"},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["arxiv"]}, {"required": ["title", "url"]}],
    "x-error-anyOf": "a paper needs either `arxiv:` or both `title:` and `url:`",
}

ISSUE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "issue.schema.json",
    "title": "paper digest issue file (issues/YYYY-MM-DD.yaml)",
    "type": "object",
    "properties": {
        "date": {**_date, "description": "The issue date; must match the file name"},
        "published": {**_datetime, "description": "When the issue went out; the next window starts here"},
        "title": {**_text, "description": "Default: '<Count> <topic> papers: <Month D, YYYY>'"},
        "window": {
            "type": "object",
            "description": "Default: computed from the schedule and the previous issue",
            "properties": {"start": _datetime, "end": _datetime},
            "required": ["start", "end"],
            "additionalProperties": False,
        },
        "intro": _markdown,
        "note": {**_text, "description": "A short notice shown on the issue page (plain text), e.g. 'No announcement "
                                         "today: arXiv's Thanksgiving break'; an issue with no papers needs one"},
        "featured": {"type": "integer", "minimum": 0, "maximum": 100, "x-error": "must be a count from 0 to 100", "description": "How many papers get a card (default from digest.yaml)"},
        "papers": {"type": "array", "items": PAPER, "maxItems": 2000, "description": "The papers of this issue, in any order"},
        "reading_order": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"area": _text, "text": _markdown},
                "required": ["area", "text"],
                "additionalProperties": False,
            },
        },
        "cover": {
            "type": "object",
            "properties": {
                "src": {"type": "string", "pattern": r"^(?!/)(?!.*\.\.)[A-Za-z0-9._/-]+$", "x-error": "must be a path inside static/, such as covers/2026-07-01.png", "description": "Image path under static/"},
                "alt": _text,
                "credit": _text,
            },
            "required": ["src", "alt"],
            "additionalProperties": False,
        },
    },
    "required": ["date", "papers"],
    "additionalProperties": False,
}

TOPIC_EXAMPLE: dict[str, Any] = {
    "type": ["string", "object"],
    "description": "An arXiv id such as \"2606.32020\" (quoted), or a paper given by its title and abstract",
    "if": {"type": "string"},
    "then": {"pattern": ARXIV_ID_PATTERN, "x-error": _ARXIV_ID_ERROR},
    "else": {
        "properties": {
            "title": {"type": "string", "pattern": r"\S", "x-error": "must not be empty", "description": "The paper's title"},
            "abstract": {**_text, "description": "Its abstract (optional)"},
        },
        "required": ["title"],
        "additionalProperties": False,
    },
}

CONFIG: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "digest.schema.json",
    "title": "paper digest site configuration (digest.yaml)",
    "type": "object",
    "properties": {
        "site": {
            "type": "object",
            "description": "The published site",
            "properties": {
                "title": {**_text, "description": "The site's name, in every page's header, the feeds and the search page"},
                "base_url": {**_http_url, "description": "Public URL of the site, ending in / (feeds and citation links are absolute)"},
                "language": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", "x-error": "must be a language tag such as en or ko",
                             "default": "en", "description": "Language of the site's own words and dates: en or ko (other tags fall back to English words)"},
                "timezone": {**_text, "description": "Display time zone (IANA name, e.g. Asia/Seoul): issue dates, windows and times are shown in it"},
                "topic": {**_text, "description": "Used in default titles: 'Five <topic> papers'"},
            },
            "required": ["title", "base_url", "timezone", "topic"],
            "additionalProperties": False,
        },
        "schedule": {
            "type": "object",
            "description": "When an issue's window closes, and arXiv's calendar",
            "properties": {
                "cutoff": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d( +[A-Za-z][A-Za-z0-9_+/-]*)?$",
                           "x-error": "must be a time HH:MM in quotes, e.g. \"09:00\", optionally with its own time zone, e.g. \"20:00 America/New_York\"",
                           "default": "09:00",
                           "description": "When an issue's window closes on its date: a wall time in the display zone, or in the IANA zone written after it (\"20:00 America/New_York\": at arXiv's announcement in every season)"},
                "holidays": {"type": "array", "items": _date, "default": [],
                             "description": "arXiv holidays: US Eastern dates with no 20:00 announcement (a holiday's batch joins the next one), "
                                            "added to arXiv's published schedules that digest ships (2023-2026); needed only for other years or changes"},
                "max_window_days": {"type": "integer", "minimum": 1, "x-error": "must be a whole number of days, 1 or more", "default": 7,
                                    "description": "The longest window, in days, that the previous issue's publication may open "
                                                   "(default 7); a longer one is refused unless started with --since"},
            },
            "additionalProperties": False,
        },
        "arxiv": {
            "type": "object",
            "description": "Where and what to read from arXiv",
            "properties": {
                "categories": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": CATEGORY_PATTERN, "x-error": "is not an arXiv category such as cs.CV"},
                    "default": ["cs.CV", "cs.LG", "cs.CL"],
                    "description": "arXiv categories whose announcements are read (new submissions, cross-lists, replacements)",
                },
                "api_url": {**_http_url, "default": "https://export.arxiv.org/api/query",
                            "description": "The arXiv API: id_list lookups (comments, journal refs, versions) and submittedDate backfills"},
                "rss_url": {**_http_url, "default": "https://rss.arxiv.org/rss",
                            "description": "The announcement RSS; a feed is <rss_url>/<cat>+<cat> (has the batch from 00:00 US Eastern)"},
                "listing_url": {**_http_url, "default": "https://export.arxiv.org/list",
                                "description": "The listing pages; a category's batch is <listing_url>/<category>/new (from the 20:00 US Eastern announcement)"},
                "delay_seconds": {"type": "number", "minimum": 0, "maximum": 600, "x-error": "must be a number of seconds from 0 to 600",
                                  "default": 3, "description": "Pause between two requests to arXiv (its terms ask for 3 s)"},
            },
            "additionalProperties": False,
        },
        "topic": {
            "type": "object",
            "description": "What the digest is about",
            "properties": {
                "phrases": {
                    "type": "object",
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100, "x-error": "must be a number from 0 to 100"},
                    "default": {},
                    "description": "Topic phrases and their weights: a candidate must contain one in its title or abstract; weights count in the relevance score",
                },
                "examples": {
                    "type": "array",
                    "maxItems": 200,
                    "items": TOPIC_EXAMPLE,
                    "default": [],
                    "description": "Papers that define the topic, for the automatic relevance score's cold start: "
                                   "arXiv ids (\"2606.32020\", quoted) or {title, abstract} mappings",
                },
            },
            "additionalProperties": False,
        },
        "scoring": {
            "type": "object",
            "description": "Automatic pre-scores",
            "properties": {
                "history_issues": {"type": "integer", "minimum": 0, "maximum": 60, "x-error": "must be a whole number from 0 to 60", "default": 10,
                                   "description": "Picks of the last N issues count as 'seen before' and lower the novelty of similar papers (default 10)"},
                "training_issues": {"type": "integer", "minimum": 0, "maximum": 3650, "x-error": "must be a whole number from 0 to 3650", "default": 365,
                                    "description": "The relevance model learns from the editors' picks and left-out candidates of the last N issues (default 365; 0: topic phrases and examples only)"},
                "venue_tiers": {
                    "type": "object",
                    "default": {},
                    "description": "Venue acronym -> tier (1 top, 2 high, 3 medium, 0 accepted but unranked); overrides the built-in table",
                    "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 3, "x-error": "must be a tier from 0 to 3"},
                },
                "labs": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True, "default": [],
                         "description": "Affiliations or author names that signal a strong lab"},
                "relevance_floor": {"type": "number", "minimum": 0, "maximum": 10, "x-error": "must be a number from 0 to 10", "default": 4,
                                    "description": "`digest new` proposes only candidates whose automatic relevance is at "
                                                   "least this (0-10, default 4); fewer cards rather than off-topic ones"},
            },
            "additionalProperties": False,
        },
        "ranking": {
            "type": "object",
            "description": "How the four signals make the order",
            "properties": {
                "weights": {"type": "object", "additionalProperties": False,
                            "properties": {s: {**_weight, "default": 1, "description": f"Weight of {s} in the total"} for s in SIGNALS},
                            "description": "Each signal's weight in the weighted total (0-100)"},
                "featured": {"type": "integer", "minimum": 0, "maximum": 100, "x-error": "must be a count from 0 to 100", "default": 5,
                             "description": "How many papers get a card (the rest are listed in the table)"},
            },
            "additionalProperties": False,
        },
    },
    "required": ["site"],
    "additionalProperties": False,
}


def _public(schema: Any) -> Any:
    """Drop our private x- keys: the published schema is plain JSON Schema."""
    if isinstance(schema, dict):
        return {k: _public(v) for k, v in schema.items() if not k.startswith("x-")}
    if isinstance(schema, list):
        return [_public(v) for v in schema]
    return schema


def published_schemas() -> dict[str, str]:
    """File name -> JSON text of every schema editors can point their IDE at."""
    return {
        "digest.schema.json": json.dumps(_public(CONFIG), indent=2, ensure_ascii=False) + "\n",
        "issue.schema.json": json.dumps(_public(ISSUE), indent=2, ensure_ascii=False) + "\n",
    }
