"""Candidate records as the candidates file stores them, built from feed items and API papers."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from ..venues import detect_venue
from .api import ApiPaper
from .batch import AnnouncedPaper
from .detect import detect_links


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def from_feed(item: AnnouncedPaper, api: ApiPaper | None = None) -> dict:
    """A candidate as its announcement described it, enriched with what the API knows about it."""
    record = {
        "id": item.id,
        "version": item.version,
        "announce_type": item.announce_type,
        "title": item.title,
        "authors": list(item.authors),
        "affiliations": list(item.affiliations),
        "abstract": item.abstract,
        "categories": list(item.categories),
        "published": None,
        "updated": None,
        "comment": item.comment,
        "journal_ref": item.journal_ref,
        "doi": None,
    }
    if api is not None:
        # The API has Unicode names as the authors typed them and the metadata RSS lacks;
        # the feed keeps the say on what was announced (type, version, title, abstract).
        record.update(
            authors=list(api.authors) or record["authors"],
            affiliations=list(dict.fromkeys([*api.affiliations, *item.affiliations])),
            categories=list(dict.fromkeys([*api.categories[:1], *item.categories, *api.categories[1:]])),
            published=_iso(api.published),
            updated=_iso(api.updated),
            comment=api.comment,
            journal_ref=api.journal_ref,
            doi=api.doi,
            version=max(item.version or 0, api.version),
        )
    return record


def from_api(paper: ApiPaper) -> dict:
    """A candidate found by a submittedDate backfill: no announce type is known."""
    return {
        "id": paper.id,
        "version": paper.version,
        "announce_type": None,
        "title": paper.title,
        "authors": list(paper.authors),
        "affiliations": list(paper.affiliations),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        "published": _iso(paper.published),
        "updated": _iso(paper.updated),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
    }


def finish(record: dict, topic_hits: dict[str, int], first_seen: str) -> dict:
    """Add what is derived from the metadata: venue, links, topic hits, first_seen, scores."""
    record["venue"] = detect_venue(record.get("comment"), record.get("journal_ref"))
    record["links"] = detect_links(record.get("abstract"), record.get("comment"))
    record["topic_hits"] = dict(topic_hits)
    record["first_seen"] = first_seen
    # Filled in once the whole window is known, by fetch_issue's `prescore` (scores compare papers within it).
    record.setdefault("scores", {})
    return record


def newer(a: dict, b: dict) -> dict:
    """Of two records of one paper, the newer version; on a tie the one that knows its announce type."""
    if (b.get("version") or 0) > (a.get("version") or 0):
        return b
    if (b.get("version") or 0) == (a.get("version") or 0) and a.get("announce_type") is None and b.get("announce_type"):
        return b
    return a


def dedupe(records: Iterable[dict]) -> list[dict]:
    """One record per versionless id (the newest version), sorted by id."""
    by_id: dict[str, dict] = {}
    for record in records:
        current = by_id.get(record["id"])
        by_id[record["id"]] = record if current is None else newer(current, record)
    return [by_id[k] for k in sorted(by_id)]
