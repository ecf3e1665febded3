"""Language-neutral number and name formatting (dates and sentences live in i18n.py)."""
from __future__ import annotations


def short_authors(authors: list[str], limit: int = 3) -> str:
    """First few authors, then 'et al.'."""
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + " et al."


def number(value: float) -> str:
    """9.0 -> '9', 8.5 -> '8.5'."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
