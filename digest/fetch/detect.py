"""Code and project links, detected in a paper's abstract and comment (venues: `digest.venues`)."""
from __future__ import annotations

import re

_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co")
# An URL with or without scheme; the host part is checked afterwards, so this stays cheap.
_URL_RE = re.compile(
    r"(?:https?://|(?<![\w.@/-])(?=(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|[\w-]+\.github\.io)\b))"
    r"[^\s<>\"'`{}|\\^]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*'\"`”’»"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of an URL."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def _normalise(url: str) -> tuple[str, str] | None:
    """('code' | 'project', https URL) for a link worth showing, else None."""
    url = _trim(url)
    body = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
    host, _, path = body.partition("/")
    host = host.lower().removeprefix("www.")
    if ":" in host or "@" in host or not host:
        return None
    path = path.rstrip("/")
    if host in _CODE_HOSTS:
        # A bare host (github.com) names no repository.
        if not path:
            return None
        path = re.sub(r"\.git$", "", path)
        if host == "huggingface.co" and path.split("/", 1)[0] in ("papers", "docs", "blog"):
            return None  # Hugging Face's paper pages and docs are not the paper's code or weights
        return "code", f"https://{host}/{path}"
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*\.github\.io", host):
        return "project", f"https://{host}/{path}" if path else f"https://{host}"
    return None


def detect_links(*texts: str | None) -> dict[str, list[str]]:
    """{"code": [...], "project": [...]} from free text: https, no trailing punctuation, no duplicates."""
    found: dict[str, list[str]] = {"code": [], "project": []}
    seen: set[str] = set()
    for text in texts:
        if not text:
            continue
        for m in _URL_RE.finditer(text):
            hit = _normalise(m.group(0))
            if hit is None:
                continue
            kind, url = hit
            key = url.lower()
            if key not in seen:
                seen.add(key)
                found[kind].append(url)
    return found
