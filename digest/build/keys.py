"""Page keys: a hash of everything a page is made from, so an unchanged page is published again, not made.

Two pages with the same path and key have the same bytes, given the same code (the build state checks
that). A key is None when one of its inputs cannot be identified: such a page is always made.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
import jinja2.meta
import orjson

from ..files import atomic_write_bytes, read_json, tuple_as_list
from ..render.pages import SAME, PlanBasis, SitePlan
from ..render.tokens import significant
from .state import code_fingerprint

# Dates and dataclasses go to the fallback like any other value JSON has no form for (json.dumps refused
# them); orjson takes a tenth of the json module's time on a build's 22,000 keys.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def digest(*parts: object) -> str | None:
    """A stable hash of strings, numbers and (nested) lists or tuples of them.

    None when a top-level part is None or any part is not JSON (render.pages.UNKNOWN).
    """
    if any(part is None for part in parts):
        return None
    try:
        text = orjson.dumps(parts, default=tuple_as_list, option=_OPTIONS)
    except TypeError:  # also a string orjson cannot write (a lone surrogate): the page is always made
        return None
    return hashlib.sha256(text).hexdigest()


def base_key(config_sha256: str | None) -> str | None:
    """What every page depends on beyond what the plan lists: this package's code and digest.yaml's bytes."""
    if config_sha256 is None:
        return None
    return hashlib.sha256(f"pages 1\0{code_fingerprint()}\0{config_sha256}".encode()).hexdigest()


def page_keys(plan: SitePlan, base: str | None, tkeys: dict[str, str | None] | None = None,
              earlier: dict[str, str] | None = None) -> list[str | None]:
    """The key of each page of the plan, in its order. `tkeys`: template_keys of the plan's templates, when
    the caller has them (the preview keeps them: its quick updates never follow a template edit). `earlier`:
    the page keys of the plan this one was made since (render.site.plan_pages), for the pages that show SAME
    (None for one it lacks: that page is made)."""
    if tkeys is None:
        tkeys = plan_template_keys(plan)
    earlier = earlier or {}
    return [earlier.get(page.path) if page.shows is SAME
            else digest(base, [(name, tkeys[name]) for name in page.templates], page.path, page.shows)
            for page in plan.pages]


def plan_record(plan: SitePlan, base: str | None, tkeys: dict[str, str | None]) -> dict | None:
    """What a build's manifest keeps of its whole plan for the next one to be planned since (earlier_basis);
    None when there is nothing to plan since (an unidentified issue or input)."""
    if plan.partial or plan.basis is None or base is None:
        return None
    return {"base": base, "templates": {name: key for name, key in tkeys.items() if key is not None},
            "basis": plan.basis.to_record()}


def earlier_basis(record: object, base: str | None, env: jinja2.Environment,
                  memo: Path | None = None) -> PlanBasis | None:
    """The basis of the plan a manifest's plan_record() describes, when that plan was made with this code and
    digest.yaml (`base`, base_key()) and the templates of `env` as they are now; None otherwise. Only then does
    a page that shows SAME have the key that plan gave it."""
    if not isinstance(record, dict) or base is None or record.get("base") != base:
        return None
    templates = record.get("templates")
    if not (isinstance(templates, dict) and templates and all(isinstance(key, str) for key in templates.values())):
        return None
    if template_keys(env, sorted(templates), memo) != templates:
        return None
    return PlanBasis.from_record(record.get("basis"))


def plan_template_keys(plan: SitePlan, memo: Path | None = None) -> dict[str, str | None]:
    """template_keys of every template the plan's pages render."""
    return template_keys(plan.env, sorted({name for page in plan.pages for name in page.templates}), memo)


def template_keys(env: jinja2.Environment, names: list[str], memo: Path | None = None) -> dict[str, str | None]:
    """For each template name, a hash of its tokens and of every template it extends, includes or imports.

    A reference computed at render time (a variable template name) makes the template depend on the whole
    folder. None when a template cannot be read or parsed: its pages are always made (and fail there).
    `memo`: a file keeping, by each template's source, what lexing and parsing it gave, for environments
    that lex and parse alike (template_cache.token_memo: one per code and language); every build that
    plans pages would otherwise parse them all again.
    """
    closure = _TemplateClosure(env, _read_memo(memo))
    keys: dict[str, str | None] = {}
    for name in names:
        try:
            keys[name] = digest([(n, closure.tokens[n]) for n in sorted(closure.of(name))])
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            keys[name] = None
    kept = {name: closure.memo[name] for name in closure.tokens}  # a template gone or renamed drops out
    if memo is not None and kept != closure.read:
        try:
            atomic_write_bytes(memo, orjson.dumps(kept, option=orjson.OPT_SORT_KEYS), durable=False)
        except OSError:
            pass  # a memo that cannot be written only costs time
    return keys


def _read_memo(path: Path | None) -> dict[str, list]:
    """The memo file's entries (name -> [source sha256, tokens sha256, references or None]) that have that
    shape; a missing or damaged file is an empty memo."""
    data = read_json(path) if path is not None else None
    if not isinstance(data, dict):
        return {}
    return {name: entry for name, entry in data.items()
            if isinstance(entry, list) and len(entry) == 3 and all(isinstance(x, str) for x in entry[:2])
            and (entry[2] is None or (isinstance(entry[2], list) and all(isinstance(r, str) for r in entry[2])))}


class _TemplateClosure:
    """Templates' significant tokens (their sha256) and what each references, read once per name."""

    def __init__(self, env: jinja2.Environment, memo: dict[str, list]):
        self.env = env
        self.read = memo  # as the memo file had it
        self.memo = dict(memo)
        self.tokens: dict[str, str] = {}
        self.refs: dict[str, set[str] | None] = {}  # None: a reference computed at render time

    def load(self, name: str) -> None:
        """Read one template and, recursively, those it references."""
        if name in self.refs:
            return
        source = self.env.loader.get_source(self.env, name)[0]
        sha = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        known = self.memo.get(name)
        if known is None or known[0] != sha:
            found = set(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            tokens = hashlib.sha256(significant(self.env, source).encode("utf-8", "surrogatepass")).hexdigest()
            known = self.memo[name] = [sha, tokens, None if None in found else sorted(found)]
        self.tokens[name], self.refs[name] = known[1], None if known[2] is None else set(known[2])
        for ref in self.refs[name] or ():
            self.load(ref)

    def of(self, name: str) -> set[str]:
        """`name` and every template it reaches; the whole folder when one reference is computed."""
        self.load(name)
        closure, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in closure:
                continue
            closure.add(current)
            if self.refs[current] is None:
                everything = set(self.env.loader.list_templates())
                for other in everything:
                    self.load(other)
                return everything
            todo.extend(self.refs[current])
        return closure
