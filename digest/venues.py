"""Publication venues detected in a paper's comment and journal ref: "ECCV 2026", "under review: ICLR 2025"."""
from __future__ import annotations

import re

# Canonical name -> how it is written. Acronyms are matched case-sensitively (ACL is a venue,
# "acl" is not); long names case-insensitively.
VENUES: dict[str, tuple[str, ...]] = {
    "CVPR": ("CVPR", r"(?i:Conference on Computer Vision and Pattern Recognition)"),
    "ICCV": ("ICCV", r"(?i:International Conference on Computer Vision)"),
    "ECCV": ("ECCV", r"(?i:European Conference on Computer Vision)"),
    "NeurIPS": ("NeurIPS", "NEURIPS", "Neurips", "NIPS", r"(?i:Neural Information Processing Systems)"),
    "ICML": ("ICML", r"(?i:International Conference on Machine Learning)"),
    "ICLR": ("ICLR", r"(?i:International Conference on Learning Representations)"),
    "AAAI": ("AAAI",),
    "IJCAI": ("IJCAI",),
    "ACL": ("ACL", r"(?i:Annual Meeting of the Association for Computational Linguistics)"),
    "EMNLP": ("EMNLP", r"(?i:Empirical Methods in Natural Language Processing)"),
    "NAACL": ("NAACL",),
    "EACL": ("EACL",),
    "COLING": ("COLING",),
    "COLM": ("COLM", r"(?i:Conference on Language Modeling)"),
    "SIGGRAPH Asia": (r"SIGGRAPH[\s-]*Asia",),
    "SIGGRAPH": ("SIGGRAPH",),
    "WACV": ("WACV",),
    "BMVC": ("BMVC",),
    "ACCV": ("ACCV",),
    "3DV": ("3DV",),
    "ACM MM": (r"ACM\s*MM", r"ACM\s+Multimedia"),
    "ICASSP": ("ICASSP",),
    "Interspeech": ("INTERSPEECH", "Interspeech"),
    "MICCAI": ("MICCAI",),
    "ICRA": ("ICRA",),
    "IROS": ("IROS",),
    "CoRL": ("CoRL",),
    "KDD": ("KDD", "SIGKDD"),
    "WWW": ("WWW", r"(?i:The Web Conference)"),
    "SIGIR": ("SIGIR",),
    "AISTATS": ("AISTATS",),
    "UAI": ("UAI",),
    "COLT": ("COLT",),
    "TPAMI": ("TPAMI", "T-PAMI", r"IEEE\s+PAMI", r"(?i:Transactions on Pattern Analysis and Machine Intelligence)"),
    "IJCV": ("IJCV", r"(?i:International Journal of Computer Vision)"),
    "TIP": (r"IEEE\s+TIP", r"(?i:Transactions on Image Processing)"),
    "TOG": (r"ACM\s+TOG", r"(?i:ACM Transactions on Graphics)"),
    "TVCG": ("TVCG", r"(?i:Transactions on Visualization and Computer Graphics)"),
    "TMLR": ("TMLR", r"(?i:Transactions on Machine Learning Research)"),
    "JMLR": ("JMLR", r"(?i:Journal of Machine Learning Research)"),
}

_NAMES = "|".join(
    f"(?P<v{i}>{'|'.join(forms)})" for i, forms in enumerate(VENUES.values())
)
_CANONICAL = {f"v{i}": name for i, name in enumerate(VENUES)}
# A venue mention: name, then optionally a year ("2025", "'25", "25") right after it.
_MENTION_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_NAMES})(?![A-Za-z])(?:\s*(?:'|’)?\s*(?P<year>(?:19|20)\d\d|\d\d)(?!\d))?"
)
_YEAR_BEFORE_RE = re.compile(r"(?:19|20)\d\d\s*$")
_YEAR_AFTER_RE = re.compile(r"[\s(),A-Z-]{0,20}?(?<!\d)(?P<year>(?:19|20)\d\d)(?!\d)")
_REVIEW_RE = re.compile(r"\b(?:submitted|submission|under\s+review|in\s+review|under\s+submission)\b", re.IGNORECASE)
_PRIOR_RE = re.compile(
    r"\b(?:extension|extended\s+version|extends|journal\s+version|based\s+on|previous(?:ly)?|prior|earlier|preliminary)\b",
    re.IGNORECASE,
)
_WORKSHOP_RE = re.compile(r"\bworkshops?\b", re.IGNORECASE)
_FINDINGS_RE = re.compile(r"\bfindings\b", re.IGNORECASE)
_QUALIFIERS = (("oral", "Oral"), ("spotlight", "Spotlight"), ("highlight", "Highlight"), ("poster", "Poster"))
_CLAUSE_SPLIT_RE = re.compile(r"[;\n|]|(?<=[a-z0-9)])\.\s+(?=[A-Z])")
_ACCEPTED_RE = re.compile(
    r"\b(?:accepted|to\s+appear|appear(?:s|ed)?\s+in|published|camera[\s-]ready|presented)\b"
    r"(?:\s+(?:to|at|in|by|for|as))?\s+(?:the\s+)?(?P<rest>[^.;\n]{3,})",
    re.IGNORECASE,
)
_REVIEW_REST_RE = re.compile(
    r"\b(?:submitted|submission|under\s+review|in\s+review|under\s+submission)\b(?:\s+(?:to|at|in|for|by))?\s+(?:the\s+)?(?P<rest>[^.;\n]{2,})",
    re.IGNORECASE,
)


def _year(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) == 4 else f"20{text}"


def _mentions(clause: str) -> list[tuple[str, str | None, int, int]]:
    out = []
    for m in _MENTION_RE.finditer(clause):
        name = next(_CANONICAL[k] for k, v in m.groupdict().items() if v is not None and k in _CANONICAL)
        year = _year(m.group("year"))
        if year is None:
            # "the 2025 Conference on Computer Vision ..." puts the year first.
            before = _YEAR_BEFORE_RE.search(clause[max(0, m.start() - 40):m.start()].rstrip(" (").removesuffix("IEEE/CVF").rstrip())
            year = before.group(0).strip() if before else None
        if year is None:
            # "... Research (TMLR), 2025": a year shortly after, before anything else is named.
            after = _YEAR_AFTER_RE.match(clause, m.end())
            year = after.group("year") if after else None
        out.append((name, year, m.start(), m.end()))
    return out


def _format(name: str, year: str | None, clause: str, end: int) -> str:
    venue = f"{name} {year}" if year else name
    if _FINDINGS_RE.search(clause):
        venue += " Findings"
    if _WORKSHOP_RE.search(clause):
        venue += " Workshop"
    tail = clause[end:end + 40].lower() + " " + clause.lower()
    for word, label in _QUALIFIERS:
        if re.search(rf"\b{word}\b", tail):
            venue += f" ({label})"
            break
    return venue


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT_RE.split(text) if c and c.strip()]


def detect_venue(comment: str | None, journal_ref: str | None = None) -> str | None:
    """The venue a paper is accepted at ("ECCV 2026", "NeurIPS 2025 Workshop", "CVPR 2025 (Oral)"),
    "under review: X" when only submitted, or None."""
    accepted: list[str] = []
    review: list[str] = []
    for text in (journal_ref, comment):
        if not text:
            continue
        for clause in _clauses(text[:2000]):
            for name, year, start, end in _mentions(clause):
                before = clause[:start]
                if _PRIOR_RE.search(before):
                    continue  # "an extension of our CVPR 2024 paper" is not this paper's venue
                venue = _format(name, year, clause, end)
                (review if _REVIEW_RE.search(before) else accepted).append(venue)
    if accepted:
        return accepted[0]
    if journal_ref and journal_ref.strip():
        return _acronym(journal_ref) or _shorten(journal_ref)
    unknown = _unknown_venue(comment)
    if unknown:
        return unknown
    if review:
        return f"under review: {review[0]}"
    return _unknown_review(comment)


def _unknown_venue(comment: str | None) -> str | None:
    """An accepted venue we have no acronym for: "Accepted to the Foo Symposium 2026"."""
    if not comment:
        return None
    for clause in _clauses(comment[:2000]):
        if _REVIEW_RE.search(clause) or _PRIOR_RE.search(clause):
            continue
        m = _ACCEPTED_RE.search(clause)
        if m:
            rest = _acronym(m.group("rest")) or _shorten(m.group("rest"))
            if rest and not re.match(r"(?i)(?:version|online|here|on\b|with\b)", rest):
                return rest
    return None


def _unknown_review(comment: str | None) -> str | None:
    if not comment:
        return None
    for clause in _clauses(comment[:2000]):
        m = _REVIEW_REST_RE.search(clause)
        if m:
            rest = _shorten(m.group("rest"))
            if rest:
                return f"under review: {rest}"
    return None


_PAREN_ACRONYM_RE = re.compile(r"\((?P<name>[A-Z][A-Za-z0-9-]{1,11}?)\s*(?:'|’)?(?P<year>(?:19|20)\d\d|\d\d)?\)")
_ANY_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _acronym(text: str) -> str | None:
    """A short name such as "ISSTA 2023" from "... and Analysis (ISSTA), 2023", when the text gives one."""
    m = _PAREN_ACRONYM_RE.search(text)
    if not m or sum(ch.isupper() for ch in m.group("name")) < 2:
        return None
    year = _year(m.group("year"))
    if year is None:
        found = _ANY_YEAR_RE.search(text)
        year = found.group(0) if found else None
    return f"{m.group('name')} {year}" if year else m.group("name")


def _shorten(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,:;.")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,:;") + "…"
    return text
