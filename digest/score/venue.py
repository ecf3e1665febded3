"""The venue signal: the accepted (or submitted) venue's tier and track, plus a bonus for configured labs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..venues import detect_venue
from .context import ScoringContext, _clamp10, _strings, _text

# Tier 1 = top, 2 = high, 3 = medium; an accepted venue outside the table counts as "other".
DEFAULT_VENUE_TIERS: dict[str, int] = {
    **dict.fromkeys(("CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR"), 1),
    **dict.fromkeys(
        ("AAAI", "IJCAI", "ACL", "EMNLP", "NAACL", "SIGGRAPH", "SIGGRAPH Asia", "TPAMI", "IJCV", "TOG",
         "JMLR", "TMLR", "COLM", "AISTATS", "UAI", "COLT", "KDD", "CoRL"),
        2,
    ),
    **dict.fromkeys(
        ("WACV", "BMVC", "3DV", "ICASSP", "ACCV", "Interspeech", "EACL", "COLING", "ACM MM", "MICCAI",
         "ICRA", "IROS", "WWW", "SIGIR", "TIP", "TVCG"),
        3,
    ),
}
_VENUE_ALIASES = {"nips": "neurips", "t-pami": "tpami", "pami": "tpami", "sigkdd": "kdd", "acm multimedia": "acm mm"}
# No information is neutral (the middle of the scale), so it never reorders papers; "under review"
# is a hope, not information. An accepted paper gains by its venue's tier.
_NO_VENUE_POINTS = 5
_MAIN_POINTS = {1: 9, 2: 8, 3: 7}
_OTHER_MAIN_POINTS = 6
# A workshop is accepted work but not a main track, whoever hosts it.
_WORKSHOP_POINTS = 6
_REVIEW_POINTS = _NO_VENUE_POINTS
_LAB_CAP = 2
_TIER_WORDS = {1: "top tier", 2: "high tier", 3: "mid tier"}
_REVIEW_RE = re.compile(r"(?i)\b(?:under\s+review|in\s+review|under\s+submission|submitted|submission)\b")
_WORKSHOP_RE = re.compile(r"(?i)\bworkshops?\b")
_FINDINGS_RE = re.compile(r"(?i)\bfindings\b")
_ORAL_RE = re.compile(r"(?i)\b(?:oral|spotlight|highlight|best\s+paper|award)\b")
_UNDER_REVIEW_PREFIX_RE = re.compile(r"(?i)^under\s+review\s*:\s*")
_NOT_A_VENUE_RE = re.compile(r"(?i)^\s*(?:arxiv|preprint|n/?a|none|tbd|-+)\s*$")


@lru_cache(maxsize=64)
def _venue_matcher(table: tuple[tuple[str, int], ...]) -> tuple[re.Pattern[str], dict[str, int]]:
    tiers = {" ".join(name.lower().split()): tier for name, tier in table}
    forms = sorted({*tiers, *_VENUE_ALIASES}, key=lambda s: (-len(s), s))
    body = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z])", re.IGNORECASE), tiers


def _tier_table(venue_tiers: dict[str, int]) -> tuple[tuple[str, int], ...]:
    table = {k.lower(): (k, v) for k, v in DEFAULT_VENUE_TIERS.items()}
    # The config table overrides entry by entry, so one line can promote or demote one venue.
    for name, tier in (venue_tiers or {}).items():
        if isinstance(name, str) and name.strip() and isinstance(tier, int) and not isinstance(tier, bool):
            table[" ".join(name.lower().split())] = (name.strip(), tier)
    return tuple(sorted(table.values(), key=lambda kv: kv[0].lower()))


@dataclass(frozen=True)
class _Venue:
    text: str
    status: str          # main | findings | workshop | review
    tier: int | None     # 1..3 in the table, None otherwise
    oral: bool


def _venue_text(c: dict) -> str | None:
    venue = " ".join(_text(c, "venue").split())
    if venue:
        return None if _NOT_A_VENUE_RE.match(venue) else venue
    comment, ref = _text(c, "comment"), _text(c, "journal_ref")
    if not (comment.strip() or ref.strip()):
        return None
    # The venue detector already knows that "an extension of our CVPR paper" is no venue.
    return detect_venue(comment or None, ref or None)


def _classify(venue: str, venue_tiers: dict[str, int]) -> _Venue:
    pattern, tiers = _venue_matcher(_tier_table(venue_tiers))
    tier = None
    for m in pattern.finditer(venue):
        key = " ".join(m.group(0).lower().split())
        t = tiers.get(_VENUE_ALIASES.get(key, key))
        if t in _MAIN_POINTS and (tier is None or t < tier):
            tier = t
    if venue.lower().startswith("under review") or _REVIEW_RE.search(venue):
        status = "review"
    elif _WORKSHOP_RE.search(venue):
        status = "workshop"
    elif _FINDINGS_RE.search(venue):
        status = "findings"
    else:
        status = "main"
    return _Venue(venue, status, tier, bool(_ORAL_RE.search(venue)))


_STATUS_RANK = {"review": 1, "workshop": 2, "findings": 3, "main": 3}


@lru_cache(maxsize=64)
def _lab_re(lab: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in lab.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _labs_found(c: dict, labs: tuple[str, ...]) -> list[str]:
    if not labs:
        return []
    hay = "\n".join(_strings(c.get("affiliations")) + _strings(c.get("authors")))
    if not hay:
        return []
    names = sorted({" ".join(lab.split()) for lab in labs if isinstance(lab, str) and lab.strip()}, key=lambda s: (s.lower(), s))
    return [lab for lab in names if _lab_re(lab).search(hay)]


def _venue(c: dict, ctx: ScoringContext) -> tuple[int, str]:
    text = _venue_text(c)
    labs = _labs_found(c, ctx.labs)
    bonus = min(len(labs), _LAB_CAP)
    lab_note = f"lab signal: {', '.join(labs[:3])} (+{bonus})" if labs else ""
    if text is None:
        if not labs:
            return _NO_VENUE_POINTS, "no venue or lab signal found"
        return _clamp10(_NO_VENUE_POINTS + bonus), f"no venue; {lab_note}"
    v = _classify(text, ctx.venue_tiers)
    if v.status == "review":
        value = _REVIEW_POINTS
        what = f"only under review: {_UNDER_REVIEW_PREFIX_RE.sub('', text) or text} (not yet accepted)"
    elif v.status == "workshop":
        value = _WORKSHOP_POINTS + (1 if v.oral else 0)
        host = _TIER_WORDS.get(v.tier, "unranked")
        what = f"workshop paper: {text} — {host} host, a workshop counts below a main track"
        if v.oral:
            what += ", +1 for oral/spotlight"
    else:
        # A Findings track sits one tier below its conference's main track.
        tier = v.tier if v.status == "main" or v.tier is None else min(v.tier + 1, 3)
        value = _MAIN_POINTS.get(tier, _OTHER_MAIN_POINTS) + (1 if v.oral else 0)
        if tier is None:
            bits = ["not in the tier table"]
        else:
            bits = ["Findings track" if v.status == "findings" else "main track", _TIER_WORDS[tier]]
        if v.oral:
            bits.append("+1 for oral/spotlight")
        what = f"accepted: {text} — {', '.join(bits)}"
    value = _clamp10(value + bonus)
    return value, f"{what}; {lab_note}" if lab_note else what
