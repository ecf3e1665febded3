"""What of a template decides its output: its Jinja2 tokens without comments, whitespace inside tags and lines.

Used for page keys (render/site.py) and by the build manifest, so a template edit that cannot change any
page (a comment, spacing inside a tag) renders and publishes nothing. Imports only Jinja2.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

# The lexer settings of the site's environment (render/templating.py): they decide how text around tags is cut.
LEX_OPTIONS = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
# Tokens that never reach the output: comments, and whitespace inside tags (the text between tags is `data`).
_SILENT = frozenset({"comment_begin", "comment", "comment_end", "linecomment_begin", "linecomment",
                     "linecomment_end", "whitespace"})
_lexer_env: jinja2.Environment | None = None


def significant(env: jinja2.Environment, source: str) -> str:
    """The template's tokens as text, without what never reaches the output and without line numbers.

    (Whitespace control around a comment is applied by the lexer to the neighbouring `data` tokens, which
    are kept.) TemplateSyntaxError when the source does not lex.
    """
    return "\0".join(f"{kind}\1{value}" for _line, kind, value in env.lex(source) if kind not in _SILENT)


def digest(data: bytes) -> str | None:
    """sha256 of significant() of a template's bytes (UTF-8); None when they do not decode or lex."""
    global _lexer_env
    if _lexer_env is None:
        _lexer_env = jinja2.Environment(**LEX_OPTIONS)
    try:
        text = data.decode("utf-8")
        return hashlib.sha256(significant(_lexer_env, text).encode("utf-8", "surrogatepass")).hexdigest()
    except (UnicodeDecodeError, jinja2.TemplateError):
        return None


def file_digest(path: str | Path, sha256: str | None = None) -> str | None:
    """digest() of a template file; None when it cannot be read, or its bytes' sha256 is not `sha256` (if given)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        return None
    return digest(data)
