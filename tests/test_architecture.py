"""The import graph of digest/ against the layer table in docs/architecture.md: no upward import, no cycle.

The table is the one statement of the rules: its rows, top to bottom, are the layers in pipeline order, each
naming its modules (dotted names, or `pkg.*` for a package and everything in it) and the layers it may import.
Every import statement counts, including those inside functions; imports under `if TYPE_CHECKING:` count for
the layer rule (a type is still a dependency) but not for cycles (they never run).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGE = "digest"
# The command line: the package itself, `python -m digest` and cli.py. Everything else at the top of digest/
# must be a small shared module the table lists (or a pipeline stage that is a layer of its own, like rank).
CLI_MODULES = frozenset({"digest", "digest.cli", "digest.__main__"})
SHARED_LAYER = "shared"


@dataclass(frozen=True)
class Layer:
    """One row of the table: its name, the module patterns it covers, the layers it may import."""

    name: str
    patterns: tuple[str, ...]
    may_import: tuple[str, ...]

    def covers(self, module: str) -> bool:
        """Whether `module` is one of this layer's (`pkg.*` covers `pkg` itself and all below it)."""
        return any(_matches(p, module) for p in self.patterns)


@dataclass(frozen=True)
class Import:
    """One import of a digest module by another, as written in the source."""

    source: str
    target: str
    line: int
    type_only: bool  # under `if TYPE_CHECKING:`
    deferred: bool  # inside a function: runs when called, not at import

    def where(self) -> str:
        """`module:line`, with a note when the import is not at module level."""
        note = " (TYPE_CHECKING)" if self.type_only else " (inside a function)" if self.deferred else ""
        return f"{self.source}:{self.line}{note}"


@dataclass
class Report:
    """Everything the checker found wrong; empty lists when the tree follows the table."""

    table: list[str]
    uncovered: list[str]
    top_level: list[str]
    unresolved: list[str]
    upward: list[str]
    cycles: list[str]


def _matches(pattern: str, module: str) -> bool:
    if pattern.endswith(".*"):
        base = pattern[:-2]
        return module == base or module.startswith(base + ".")
    return module == pattern


# ---------------------------------------------------------------------------------------------- the table


def parse_layers(markdown: str) -> list[Layer]:
    """The rows of the first Markdown table whose header has Layer, Modules and May import columns."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        header = _cells(line)
        if header is None:
            continue
        names = [h.lower() for h in header]
        if not {"layer", "modules", "may import"} <= set(names):
            continue
        col = {n: names.index(n) for n in ("layer", "modules", "may import")}
        layers = []
        for row in lines[i + 2:]:  # i + 1 is the |---| line
            cells = _cells(row)
            if cells is None:
                break
            name = cells[col["layer"]].strip("` ").lower()
            patterns = tuple(re.findall(r"`([^`]+)`", cells[col["modules"]]))
            allowed = tuple(w.strip("` ").lower() for w in cells[col["may import"]].split(",") if w.strip("` "))
            layers.append(Layer(name, patterns, allowed))
        return layers
    raise AssertionError(f"{DOC.relative_to(ROOT)} has no table with the columns Layer, Modules and May import")


def _cells(line: str) -> list[str] | None:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return None
    return [c.strip() for c in line[1:-1].split("|")]


def table_problems(layers: list[Layer]) -> list[str]:
    """What is wrong with the table itself: unknown or later layers in May import, bad patterns, duplicates."""
    found = []
    names = [layer.name for layer in layers]
    for name in {n for n in names if names.count(n) > 1}:
        found.append(f"layer {name!r} has more than one row")
    for required in (SHARED_LAYER, "cli"):
        if required not in names:
            found.append(f"no row for the {required!r} layer")
    for i, layer in enumerate(layers):
        if not layer.patterns:
            found.append(f"layer {layer.name!r} lists no modules (write them in `backticks`)")
        for p in layer.patterns:
            if not re.fullmatch(r"[A-Za-z_][\w.]*(\.\*)?", p) or not (p == PACKAGE or p.startswith(PACKAGE + ".")):
                found.append(f"layer {layer.name!r}: {p!r} is not a dotted module name or `pkg.*` under {PACKAGE}")
        for other in layer.may_import:
            if other not in names:
                found.append(f"layer {layer.name!r} may import {other!r}, which is not a layer of the table")
            elif names.index(other) > i:
                found.append(f"layer {layer.name!r} may import {other!r}, a later layer: rows go in pipeline order")
    return found


# ---------------------------------------------------------------------------------------------- the tree


def discover(package_dir: Path) -> tuple[dict[str, str], set[str]]:
    """Every module under `package_dir` by dotted name with its source, and the names that are packages."""
    modules: dict[str, str] = {}
    packages: set[str] = set()
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir.parent).with_suffix("")
        if "__pycache__" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
            packages.add(".".join(parts))
        modules[".".join(parts)] = path.read_text(encoding="utf-8")
    return modules, packages


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, source: str, is_package: bool, known: set[str]) -> tuple[list[Import], list[str]]:
    """The digest modules `name` imports (relative imports resolved), and the digest names it imports that
    are not modules of the tree. `from pkg import x` means the module pkg.x when there is one, else pkg."""
    found: list[Import] = []
    missing: list[str] = []
    here = name if is_package else name.rpartition(".")[0]

    def add(target: str, node: ast.stmt, type_only: bool, deferred: bool) -> None:
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            return
        if target not in known:
            missing.append(f"{name}:{node.lineno} imports {target}, which is not a module of {PACKAGE}/")
            return
        found.append(Import(name, target, node.lineno, type_only, deferred))

    def visit(node: ast.AST, type_only: bool, deferred: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, type_only, deferred)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                if node.level - 1 >= len(parts):
                    missing.append(f"{name}:{node.lineno} has a relative import above {PACKAGE}/")
                    return
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                add(sub if alias.name != "*" and sub in known else module, node, type_only, deferred)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True, deferred)
            for child in node.orelse:
                visit(child, type_only, deferred)
        else:
            inner = deferred or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for child in ast.iter_child_nodes(node):
                visit(child, type_only, inner)

    visit(ast.parse(source, filename=name), False, False)
    return found, missing


# ---------------------------------------------------------------------------------------------- the checks


def check(modules: dict[str, str], packages: set[str], layers: list[Layer]) -> Report:
    """Check modules (dotted name -> source; `packages` are the __init__ ones) against the layer table."""
    known = set(modules)
    report = Report(table_problems(layers), [], [], [], [], [])
    index = {layer.name: i for i, layer in enumerate(layers)}

    layer_of: dict[str, Layer] = {}
    for module in sorted(modules):
        owners = [layer for layer in layers if layer.covers(module)]
        if not owners:
            report.uncovered.append(f"{module} is in no row of the layer table")
        elif len(owners) > 1:
            report.uncovered.append(f"{module} is in more than one row: {', '.join(o.name for o in owners)}")
        else:
            layer_of[module] = owners[0]
    for layer in layers:
        for p in layer.patterns:
            if not any(_matches(p, m) for m in modules):
                report.uncovered.append(f"layer {layer.name!r} lists {p}, which matches no module of {PACKAGE}/")

    shared = next((layer for layer in layers if layer.name == SHARED_LAYER), None)
    for module in sorted(modules):
        if module.count(".") != 1 or module in packages or module in CLI_MODULES:
            continue
        if shared is not None and module in shared.patterns:
            continue
        own = layer_of.get(module)
        if own is not None and own.patterns == (module,):
            continue  # a pipeline stage that is one module (rank)
        report.top_level.append(f"{module} sits at the top of {PACKAGE}/ but is neither the CLI nor a shared "
                                f"module the table's {SHARED_LAYER!r} row lists: move it into its package")

    edges: dict[str, list[Import]] = {m: [] for m in modules}
    for module, source in sorted(modules.items()):
        found, missing = imports_of(module, source, module in packages, known)
        report.unresolved += missing
        for imp in found:
            a, b = layer_of.get(imp.source), layer_of.get(imp.target)
            if a is not None and b is not None and b.name not in a.may_import:
                kind = "upward import" if index[b.name] > index[a.name] else "import not allowed"
                report.upward.append(f"{kind}: {imp.where()} imports {imp.target} ({a.name} -> {b.name}; "
                                     f"{a.name} may import {', '.join(a.may_import) or 'nothing'})")
            if not imp.type_only and imp.target != imp.source:
                edges[module].append(imp)
    report.cycles = [_describe(cycle) for cycle in find_cycles(edges)]
    return report


def find_cycles(edges: dict[str, list[Import]]) -> list[list[Import]]:
    """One cycle through each strongly connected group of modules (Tarjan), as the imports that close it."""
    targets = {m: sorted({i.target for i in imps}) for m, imps in edges.items()}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def strongconnect(v: str) -> None:
        # Iterative, so a long import chain cannot hit Python's recursion limit.
        work = [(v, iter(targets.get(v, ())))]
        order[v] = low[v] = len(order)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in order:
                    order[w] = low[w] = len(order)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(targets.get(w, ()))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], order[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for v in sorted(targets):
        if v not in order:
            strongconnect(v)

    cycles = []
    for group in sorted(groups):
        members = set(group)
        start = group[0]
        # Shortest way back to `start` within the group (breadth first), so the message names a real cycle.
        came: dict[str, Import | None] = {start: None}
        queue = [start]
        closing: Import | None = None
        while queue and closing is None:
            node = queue.pop(0)
            for imp in sorted(edges[node], key=lambda i: (i.target, i.line)):
                if imp.target == start:
                    closing = imp
                    break
                if imp.target in members and imp.target not in came:
                    came[imp.target] = imp
                    queue.append(imp.target)
        path = [closing]
        while path[0].source != start:
            path.insert(0, came[path[0].source])
        cycles.append(path)
    return cycles


def _describe(cycle: list[Import]) -> str:
    steps = " -> ".join(f"{imp.target} [{imp.where()}]" for imp in cycle)
    return f"import cycle: {cycle[0].source} -> {steps}"


# ---------------------------------------------------------------------------------------------- the real tree


@pytest.fixture(scope="module")
def report() -> Report:
    layers = parse_layers(DOC.read_text(encoding="utf-8"))
    modules, packages = discover(ROOT / PACKAGE)
    return check(modules, packages, layers)


def _fail_on(found: list[str], what: str) -> None:
    if found:
        pytest.fail(f"{len(found)} {what} (rules: {DOC.relative_to(ROOT)}, table of layers):\n  " + "\n  ".join(found),
                    pytrace=False)


def test_layer_table_is_well_formed(report):
    _fail_on(report.table, "problem(s) in the layer table")


def test_every_module_is_in_exactly_one_layer(report):
    _fail_on(report.uncovered, "module(s) or table entries out of step")


def test_top_level_holds_only_the_cli_and_shared_modules(report):
    _fail_on(report.top_level, "stray top-level module(s)")


def test_every_import_of_digest_names_a_module(report):
    _fail_on(report.unresolved, "import(s) of something that is not a module")


def test_no_upward_imports(report):
    _fail_on(report.upward, "import(s) against the layer order")


def test_no_import_cycles(report):
    _fail_on(report.cycles, "import cycle(s) through runtime imports")


# ---------------------------------------------------------------------------------------------- the checker itself

FAKE_LAYERS = [
    Layer("shared", ("digest.errors",), ("shared",)),
    Layer("render", ("digest.render.*",), ("shared", "render")),
    Layer("build", ("digest.build.*",), ("shared", "render", "build")),
    Layer("cli", ("digest", "digest.cli"), ("shared", "render", "build", "cli")),
]
FAKE_PACKAGES = {"digest", "digest.render", "digest.build"}


def fake(**sources: str) -> dict[str, str]:
    """A small module set: every module the fake layers cover, with the given sources (names use __ for .)."""
    base = {"digest": "", "digest.cli": "from .build import site\n", "digest.errors": "",
            "digest.render": "", "digest.render.page": "from ..errors import Problem\n",
            "digest.build": "", "digest.build.site": "from ..render import page\n"}
    return base | {k.replace("__", "."): v for k, v in sources.items()}


def test_checker_accepts_a_clean_fake_tree():
    r = check(fake(), FAKE_PACKAGES, FAKE_LAYERS)
    assert (r.table, r.uncovered, r.top_level, r.unresolved, r.upward, r.cycles) == ([], [], [], [], [], [])


def test_checker_catches_a_planted_upward_import_even_inside_a_function_or_type_checking():
    for source in ("from ..build.site import x\n",
                   "def f():\n    from ..build import site\n",
                   "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import digest.build.site\n"):
        r = check(fake(digest__render__page=source), FAKE_PACKAGES, FAKE_LAYERS)
        assert len(r.upward) == 1 and "digest.render.page:" in r.upward[0] and "render -> build" in r.upward[0], r
    r = check(fake(digest__errors="from .cli import main\n"), FAKE_PACKAGES, FAKE_LAYERS)
    assert [u.split(":")[0] for u in r.upward] == ["upward import"] and "shared -> cli" in r.upward[0]


def test_checker_catches_a_planted_cycle_but_not_through_type_checking():
    r = check(fake(digest__render__other="from .page import x\n",
                   digest__render__page="def f():\n    from . import other\n"), FAKE_PACKAGES, FAKE_LAYERS)
    assert r.upward == [] and len(r.cycles) == 1
    assert "digest.render.other" in r.cycles[0] and "digest.render.page" in r.cycles[0]
    assert "(inside a function)" in r.cycles[0]
    r = check(fake(digest__render__other="from .page import x\n",
                   digest__render__page="import typing\nif typing.TYPE_CHECKING:\n    from .other import y\n"),
              FAKE_PACKAGES, FAKE_LAYERS)
    assert r.cycles == []


def test_checker_catches_a_cycle_through_a_package_init():
    r = check(fake(digest__build="from .site import build\n", digest__build__site="from . import other\n",
                   digest__build__other="import digest.build\n"), FAKE_PACKAGES, FAKE_LAYERS)
    assert len(r.cycles) == 1
    assert all(m in r.cycles[0] for m in ("digest.build ", "digest.build.site", "digest.build.other"))


def test_checker_catches_uncovered_stray_and_missing_modules():
    r = check(fake(digest__helpers="", digest__build__site="from ..render.gone import x\n"), FAKE_PACKAGES,
              FAKE_LAYERS)
    assert any("digest.helpers is in no row" in u for u in r.uncovered)
    assert any(t.startswith("digest.helpers ") for t in r.top_level)
    assert r.unresolved == ["digest.build.site:1 imports digest.render.gone, which is not a module of digest/"]
    stale = FAKE_LAYERS + [Layer("extra", ("digest.gone.*",), ("extra",))]
    assert any("digest.gone.*, which matches no module" in u for u in check(fake(), FAKE_PACKAGES, stale).uncovered)


def test_checker_rejects_a_table_that_lets_a_layer_import_a_later_one():
    bad = [FAKE_LAYERS[0], Layer("render", ("digest.render.*",), ("shared", "render", "build")), *FAKE_LAYERS[2:]]
    assert any("a later layer" in p for p in check(fake(), FAKE_PACKAGES, bad).table)


def test_table_parser_reads_backticked_modules_and_layer_lists():
    text = ("# x\n\n| Order | Layer | Modules | May import |\n|---|---|---|---|\n"
            "| 1 | shared | `digest.errors`, `digest.files` | shared |\n"
            "| 2 | cli | `digest.cli`, `digest` (the package's init) | shared, cli |\n\nAfter.\n")
    assert parse_layers(text) == [Layer("shared", ("digest.errors", "digest.files"), ("shared",)),
                                  Layer("cli", ("digest.cli", "digest"), ("shared", "cli"))]
