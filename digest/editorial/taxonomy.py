"""arXiv's category taxonomy, shipped with the package, and what to say about a category that is not in it."""
from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources

_DATA = "arxiv_categories.txt"


@lru_cache(maxsize=1)
def arxiv_categories() -> dict[str, str]:
    """Every arXiv category code -> its name ("cs.IR" -> "Information Retrieval"), in the taxonomy's order."""
    text = (resources.files("digest") / "data" / _DATA).read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, name = line.partition("\t")
        # Package data, checked by the tests: a malformed line is a bug in this package, not the user's input.
        if not code or not name or code in out:
            raise ValueError(f"digest/data/{_DATA}: bad or repeated line {line!r}")
        out[code] = name
    return out


def split_archives() -> frozenset[str]:
    """The archives divided into subject classes (cs, math, astro-ph, ...): names of no category themselves."""
    return frozenset(code.partition(".")[0] for code in arxiv_categories() if "." in code)


def category_problem(code: str) -> str | None:
    """None when `code` is an arXiv category, else why not, with a "did you mean" when one is close."""
    known = arxiv_categories()
    if code in known:
        return None
    if code in split_archives():
        some = [c for c in known if c.startswith(code + ".")][:3]
        return (f"{code} is an arXiv archive, not a category; name the categories you want from it, "
                f"such as {', '.join(some)}")
    hint = suggestions(code)
    tip = f"; did you mean {' or '.join(hint)}?" if hint else " (see https://arxiv.org/category_taxonomy)"
    return f"{code} is not an arXiv category{tip}"


def suggestions(text: str) -> list[str]:
    """The categories `text` most likely meant: same code in other case, a close code, or a category's name."""
    known = arxiv_categories()
    lowered = {c.lower(): c for c in known}
    wanted = text.strip().lower()
    if wanted in lowered:
        return [lowered[wanted]]
    # A name ("information retrieval") names one category or, for names two archives share, several.
    by_name = [c for c, name in known.items() if name.lower() == wanted]
    if by_name:
        return by_name
    # A high bar: "cs.IRR" -> cs.IR, but "cs.XX" gets no guess rather than an arbitrary cs.* neighbour.
    close = difflib.get_close_matches(wanted, list(lowered), n=1, cutoff=0.75)
    if close:
        return [lowered[close[0]]]
    names = {name.lower(): c for c, name in known.items()}
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.8)
    return [names[close[0]]] if close else []
