"""The build manifest: what the last successful build read and wrote, to skip a rebuild that changes nothing.

`.digest-cache/build/manifest.json` records every input file (digest.yaml,
issues/**, templates/**, static/**, and each file of the packaged theme that
templates/ does not override, as `theme:<path>`) with its size, mtime_ns and sha256, a
fingerprint of this package's code and of the libraries whose output ends up in
the site, the output folder, every output file with its size, mtime_ns (taken
after the swap) and sha256, the key of every page and the search index's shards.

`.digest-cache/build/quick.json` repeats the part the no-change shortcut reads
(the inputs, the code, and the identity of the published folder: inode and
mtime of site/ and of each folder directly in it), so that decision does not
parse the whole manifest nor visit every published file. It is written after
the manifest; both describe the published folder only while its marks match.

A build whose inputs and published folder still match is skipped before the
project is loaded. This module imports only the standard library and orjson
(which writes the 15 MB manifest of a ten-year archive ten times faster than
the json module), so `digest build` can take that decision without importing
Jinja2, markdown-it, jsonschema, latex2mathml or Babel. Anything unexpected in
the manifest (missing, unreadable, damaged, older format) means "build
normally", never an error.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import orjson

from ..errors import DigestError, Problem
from ..files import atomic_write_bytes, read_json, sha256_file, tuple_as_list, walk
from ..render import theme

FORMAT = 2
CACHE_DIR_NAME = ".digest-cache"  # Config.cache_dir, without loading the config
INPUT_DIRS = ("issues", "templates", "static")
# Input paths of the packaged default theme's files (digest/theme.py), which live outside the project.
THEME_INPUT = "theme:"
# Versions of the libraries whose behaviour shapes the site.
LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "latex2mathml", "babel", "pyyaml",
             "jsonschema", "pagefind", "pagefind-bin", "tzdata")
# File timestamps are coarse (a clock tick, not a nanosecond): a file written within this margin of the
# moment it was recorded may change again without its mtime moving, so it is compared by content.
RACY_NS = 2_000_000_000
_ISSUE_FILE = re.compile(r"^issues/\d{4}-\d{2}-\d{2}\.yaml$")

_fingerprint: str | None = None


def cache_root(root: Path) -> Path:
    """Where build state lives for the project whose digest.yaml is in `root`."""
    return Path(root) / CACHE_DIR_NAME / "build"


def memo_dir(root: Path) -> Path:
    """Where the pages that keep work between builds (the feeds, see memo.py) keep it."""
    return cache_root(root) / "feeds"


def manifest_path(root: Path) -> Path:
    """The manifest of the project in `root`."""
    return cache_root(root) / "manifest.json"


def quick_path(root: Path) -> Path:
    """The part of the manifest the no-change shortcut reads."""
    return cache_root(root) / "quick.json"


def code_fingerprint() -> str:
    """A hash of this package's Python files and data, and of the versions of the libraries it renders with."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256(f"format {FORMAT}\n{sys.version}\n".encode())
        package = Path(__file__).resolve().parents[1]  # digest/
        # The data (arXiv's holiday schedules) shapes pages too: the archive's weekend and holiday days.
        code = [rel for rel, _ in walk(package, follow_symlinks=False) if rel.endswith(".py")]
        data = ["data/" + rel for rel, entry in walk(package / "data", follow_symlinks=False) if entry.is_file()]
        for rel in sorted(code + data, key=lambda rel: rel.split("/")):
            h.update(rel.encode() + b"\0")
            h.update((package / rel).read_bytes() + b"\0")
        versions = _installed_versions()
        for name in LIBRARIES:
            h.update(f"{name}={versions.get(_canonical(name), '-')}\n".encode())
        h.update(f"PAGEFIND_BINARY_PATH={os.environ.get('PAGEFIND_BINARY_PATH', '')}\n".encode())
        _fingerprint = h.hexdigest()
    return _fingerprint


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed_versions() -> dict[str, str]:
    """Distribution name -> version, from the `<name>-<version>.dist-info` folders on sys.path.

    The folder names say what importlib.metadata would, without importing it and reading every
    METADATA file (which costs more than the rest of a no-change build). The first on sys.path wins.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                found.setdefault(_canonical(dist), version)
    return found


def stat_inputs(root: Path, config_name: str) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every input file, by path relative to `root` (the packaged theme's: THEME_INPUT + its
    path in the theme)."""
    root = Path(root)
    found: dict[str, tuple[int, int]] = {}
    try:
        st = (root / config_name).stat()
        found[config_name] = (st.st_size, st.st_mtime_ns)
    except OSError:
        pass
    for name in INPUT_DIRS:
        found.update((name + "/" + rel, stamp) for rel, stamp in stat_tree(root / name).items())
    _walk_theme(found)
    return found


def _walk_theme(found: dict[str, tuple[int, int]]) -> None:
    """Add the packaged theme's files that the project's templates/ (already in `found`) does not override."""
    try:
        folder = theme.theme_dir()
    except DigestError:
        return  # the build reports it
    for rel, stat in stat_tree(folder).items():
        if "templates/" + rel not in found:
            found[THEME_INPUT + rel] = stat


def input_path(root: Path, rel: str) -> str:
    """The file of the input recorded as `rel` (a string: a build names thousands, and Path objects for the
    7,300 inputs of a ten-year archive cost 0.05 s)."""
    if rel.startswith(THEME_INPUT):
        return os.path.join(theme.theme_dir(), rel[len(THEME_INPUT):])
    return os.path.join(root, rel)


def input_name(root: Path, path: Path) -> str | None:
    """The input path under which the file at `path` is recorded; None for a file that is no input."""
    path, root = Path(path), Path(root)
    # The project's templates/ first: in the repository itself it is also the packaged theme's folder.
    if path.is_relative_to(root / "templates"):
        return "templates/" + path.relative_to(root / "templates").as_posix()
    try:
        packaged = theme.theme_dir()
    except DigestError:
        packaged = None
    # Before the project folder: a virtual environment inside it holds the packaged theme.
    if packaged is not None and path.is_relative_to(packaged):
        return THEME_INPUT + path.relative_to(packaged).as_posix()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else None


def stat_tree(folder: Path, inodes: dict[str, int] | None = None,
              skip: Callable[[str], bool] | None = None) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file under `folder`, by relative path; their inode numbers into `inodes`.

    `skip`: which names at the top of `folder` to leave out.
    """
    found: dict[str, tuple[int, int]] = {}
    enter = None if skip is None else (lambda rel: "/" in rel or not skip(rel))
    for rel, entry in walk(folder, enter=enter):
        if skip is not None and "/" not in rel and skip(rel):
            continue
        if entry.is_file(follow_symlinks=True):
            st = entry.stat(follow_symlinks=True)
            found[rel] = (st.st_size, st.st_mtime_ns)
            if inodes is not None:
                inodes[rel] = st.st_ino
    return found


class FileStamp(NamedTuple):
    """A file as a build recorded it."""

    size: int
    mtime_ns: int
    sha256: str


class InputSnapshot(NamedTuple):
    """Every input file's stamp by input path (see stat_inputs), and when the scan that took them began."""

    started_ns: int
    files: dict[str, FileStamp]

    def sha256(self, name: str) -> str | None:
        """The recorded hash of input `name`; None when it is not an input."""
        stamp = self.files.get(name)
        return None if stamp is None else stamp.sha256


class Summary(NamedTuple):
    """What a build reports without building: its page and issue counts and its warnings."""

    pages: int
    issues: int
    warnings: list[Problem]


@dataclass
class Manifest:
    """What the last successful build read and wrote (see the module docstring)."""

    code: str
    config: str
    out: str
    recorded_ns: int
    inputs: InputSnapshot
    outputs: dict[str, FileStamp]
    folders: dict[str, list[int]]
    summary: Summary
    page_keys: dict[str, str]
    tokens: dict[str, str | None]
    search: dict | None  # build.search_index's record: which index shards the next build may reuse
    plan: dict | None = None  # what the pages were planned from, for the next plan to be made since (keys.plan_record)

    def to_json(self) -> dict:
        """The manifest as manifest.json holds it."""
        return {
            "format": FORMAT, "code": self.code, "config": self.config, "out": self.out,
            "recorded_ns": self.recorded_ns, "inputs_ns": self.inputs.started_ns,
            "inputs": {rel: list(stamp) for rel, stamp in self.inputs.files.items()},
            "outputs": {rel: list(stamp) for rel, stamp in self.outputs.items()}, "count": len(self.outputs),
            "folders": self.folders, "pages": self.summary.pages, "issues": self.summary.issues,
            "warnings": [[p.file, p.line, p.col, p.message, p.severity] for p in self.summary.warnings],
            "page_keys": self.page_keys, "tokens": self.tokens, "search": self.search, "plan": self.plan,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """The manifest in `data` (checked by load())."""
        return cls(code=data["code"], config=data["config"], out=data["out"], recorded_ns=data["recorded_ns"],
                   inputs=InputSnapshot(data["inputs_ns"], _stamps(data["inputs"])),
                   outputs=_stamps(data["outputs"]), folders=data.get("folders") or {}, summary=_summary(data),
                   page_keys=data["page_keys"], tokens=data.get("tokens") or {}, search=data.get("search"),
                   plan=data.get("plan"))

    def linkable(self, out: Path, published: dict[str, tuple[int, int]]) -> dict[str, str]:
        """Published files still exactly as recorded (path -> sha256), safe to hard-link into a new site.

        `published`: stat_tree of `out` now.
        """
        limit = self.recorded_ns - RACY_NS
        found = {}
        for rel, (size, mtime) in published.items():
            rec = self.outputs.get(rel)
            if rec is None or rec.size != size or rec.mtime_ns != mtime:
                continue
            # A file written just before it was recorded may have changed since without its mtime moving.
            try:
                if mtime < limit or sha256_file(out / rel) == rec.sha256:
                    found[rel] = rec.sha256
            except OSError:
                continue
        return found


def _stamps(table: dict[str, list]) -> dict[str, FileStamp]:
    return {rel: FileStamp(*rec) for rel, rec in table.items()}


def _summary(data: dict) -> Summary:
    return Summary(data["pages"], data["issues"], [Problem(*w) for w in data["warnings"]])


def hash_inputs(root: Path, config_name: str, previous: Manifest | None) -> InputSnapshot:
    """Every input's stamp, and when the scan started.

    A file whose stat matches `previous` (and was not racy then) keeps its recorded hash.
    """
    root = Path(root)
    started = time.time_ns()
    old = previous.inputs.files if previous is not None else {}
    recorded_at = previous.inputs.started_ns if previous is not None else 0
    out: dict[str, FileStamp] = {}
    for rel, (size, mtime) in stat_inputs(root, config_name).items():
        rec = old.get(rel)
        if rec and rec.size == size and rec.mtime_ns == mtime and mtime < recorded_at - RACY_NS:
            out[rel] = rec
            continue
        try:
            out[rel] = FileStamp(size, mtime, sha256_file(input_path(root, rel)))
        except OSError:
            continue
    return InputSnapshot(started, out)


def _dumps(data: dict) -> bytes:
    """Compact JSON with sorted keys."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=tuple_as_list)


def _read_json(path: Path) -> dict | None:
    data = read_json(path)
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _valid_common(data: dict) -> bool:
    """The fields both files carry have the right shapes."""
    for key, kind in (("code", str), ("out", str), ("config", str), ("inputs", dict),
                      ("pages", int), ("issues", int), ("warnings", list), ("inputs_ns", int)):
        if not isinstance(data.get(key), kind):
            return False
    if not _valid_records(data["inputs"]):
        return False
    return all(isinstance(w, list) and len(w) == 5 for w in data["warnings"])


def _valid_records(table: dict) -> bool:
    return all(isinstance(rec, list) and len(rec) == 3 and isinstance(rec[0], int) and isinstance(rec[1], int)
               and isinstance(rec[2], str) for rec in table.values())


def load(root: Path) -> Manifest | None:
    """The manifest of the project in `root`, or None when it is absent, unreadable or not this format."""
    data = _read_json(manifest_path(root))
    if data is None:
        return None
    try:
        if not _valid_common(data):
            return None
        for key, kind in (("outputs", dict), ("count", int), ("recorded_ns", int)):
            if not isinstance(data.get(key), kind):
                return None
        if not _valid_records(data["outputs"]):
            return None
        keys = data.setdefault("page_keys", {})
        if not (isinstance(keys, dict) and all(isinstance(v, str) for v in keys.values())):
            return None
    except (AttributeError, TypeError):
        return None
    return Manifest.from_json(data)


def _load_quick(root: Path) -> dict | None:
    data = _read_json(quick_path(root))
    try:
        if data is None or not _valid_common(data) or not isinstance(data.get("folders"), dict) \
                or not isinstance(data.get("tokens"), dict):
            return None
    except (AttributeError, TypeError):
        return None
    return data


def save(root: Path, manifest: Manifest) -> None:
    """Write the manifest atomically, then the part the no-change shortcut reads."""
    data = manifest.to_json()
    atomic_write_bytes(manifest_path(root), _dumps(data))
    _save_quick(root, {key: data[key] for key in QUICK_KEYS})


def save_quietly(root: Path, manifest: Manifest) -> None:
    """save(), where failing only means the next build is a full one."""
    try:
        save(root, manifest)
    except OSError:
        pass


def _save_quick(root: Path, quick: dict) -> None:
    atomic_write_bytes(quick_path(root), _dumps(quick))


QUICK_KEYS = ("format", "code", "config", "out", "folders", "inputs_ns", "inputs", "pages", "issues",
              "warnings", "tokens")


def folder_marks(out: Path) -> dict[str, list[int]]:
    """[inode, mtime_ns] of the published folder ("") and of each folder directly in it.

    Replacing or deleting site/, or adding, removing or renaming anything at its top or one level down,
    changes these; a file edited in place deeper down does not.
    """
    out = Path(out)
    marks: dict[str, list[int]] = {}
    try:
        st = out.stat()
        marks[""] = [st.st_ino, st.st_mtime_ns]
        with os.scandir(out) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    est = entry.stat(follow_symlinks=False)
                    marks[entry.name] = [est.st_ino, est.st_mtime_ns]
    except OSError:
        return {}
    return marks


def unchanged(root: Path, config_name: str, out: Path) -> Summary | None:
    """What the last build reported, when nothing it read or wrote has changed since; else None.

    Inputs are compared by (size, mtime_ns), hashing only files whose stat moved (same hash: unchanged).
    An issue file whose mtime moved is a change even with the same bytes: "new since you last edited"
    warnings depend on it. The published folder must be the one the last build left (folder_marks):
    this does not visit every published file, so a page edited in place by hand is only put right by
    the next build that has something to do, or by `digest build --clean`.
    """
    root = Path(root)
    data = _load_quick(root)
    if data is None:
        return None
    try:
        if data["config"] != config_name or data["out"] != str(Path(out).resolve()) or data["code"] != code_fingerprint():
            return None
        if not data["folders"] or folder_marks(out) != data["folders"]:
            return None
        restamped = _restamp_inputs(root, config_name, data)
    except OSError:
        return None
    if restamped is None:
        return None
    if restamped:
        data["inputs"].update((rel, list(stamp)) for rel, stamp in restamped.items())
        try:
            _save_quick(root, data)
        except OSError:
            pass
    return _summary(data)


def _restamp_inputs(root: Path, config_name: str, quick: dict) -> dict[str, FileStamp] | None:
    """The inputs whose stat moved but whose content did not, with their new stamps; None when one changed."""
    recorded = _stamps(quick["inputs"])
    current = stat_inputs(root, config_name)
    if current.keys() != recorded.keys():
        return None
    moved: dict[str, FileStamp] = {}
    for rel, (size, mtime) in current.items():
        rec = recorded[rel]
        same_stat = rec.size == size and rec.mtime_ns == mtime
        if same_stat and mtime < quick["inputs_ns"] - RACY_NS:
            continue
        if not same_stat and _ISSUE_FILE.match(rel):
            return None
        sha = sha256_file(input_path(root, rel)) if size == rec.size or is_template(rel) else None
        # A template edited only where it cannot change a page (a comment): still nothing to do.
        if sha != rec.sha256 and (sha is None or not _same_tokens(root, rel, quick["tokens"])):
            return None
        if not same_stat or sha != rec.sha256:
            moved[rel] = FileStamp(size, mtime, sha)
    return moved


def is_template(rel: str) -> bool:
    """Whether the input at `rel` is a Jinja2 template (the project's templates/** or the packaged theme's
    files, but not the theme's assets)."""
    if rel.startswith(THEME_INPUT):
        return not rel.startswith(THEME_INPUT + "assets/")
    return rel.startswith("templates/") and not rel.startswith("templates/assets/")


def template_tokens(root: Path, inputs: InputSnapshot, previous: Manifest | None = None) -> dict[str, str | None]:
    """render.tokens.file_digest of every template among `inputs`, for the manifest; None for a template
    whose bytes are no longer the ones hashed in `inputs` (the build may have read either). A template with
    the bytes `previous` recorded keeps its digest: lexing them all again was about 25 ms of every rebuild."""
    from ..render.tokens import file_digest

    old_inputs, old_tokens = (previous.inputs.files, previous.tokens) if previous is not None else ({}, {})
    tokens: dict[str, str | None] = {}
    for rel in sorted(inputs.files):
        if not is_template(rel):
            continue
        sha, old = inputs.files[rel].sha256, old_inputs.get(rel)
        known = old_tokens.get(rel) if old is not None and old.sha256 == sha else None
        tokens[rel] = known if isinstance(known, str) else file_digest(input_path(root, rel), sha)
    return tokens


def _same_tokens(root: Path, rel: str, recorded: dict) -> bool:
    if not is_template(rel) or not isinstance(recorded.get(rel), str):
        return False
    from ..render.tokens import file_digest

    return file_digest(input_path(root, rel)) == recorded[rel]


def record(root: Path, config_name: str, out: Path, inputs: InputSnapshot, output_hashes: dict[str, str], *,
           summary: Summary, page_keys: dict[str, str], stats: dict[str, tuple[int, int]] | None = None,
           search: dict | None, previous: Manifest | None = None, plan: dict | None = None) -> Manifest:
    """The manifest of a finished build whose published folder is `out`.

    `stats`: (size, mtime_ns) of the files now in `out`, when the caller has them (renaming the finished
    folder into place keeps them); else `out` is scanned now. `previous`: the last build's manifest.
    """
    recorded = time.time_ns()
    outputs: dict[str, FileStamp] = {}
    for rel, (size, mtime) in (stat_tree(out) if stats is None else stats).items():
        sha = output_hashes.get(rel)
        outputs[rel] = FileStamp(size, mtime, sha if sha is not None else sha256_file(Path(out) / rel))
    return Manifest(code=code_fingerprint(), config=config_name, out=str(Path(out).resolve()), recorded_ns=recorded,
                    inputs=inputs, outputs=outputs, folders=folder_marks(out), summary=summary,
                    page_keys=page_keys, tokens=template_tokens(root, inputs, previous), search=search, plan=plan)


class BuildState:
    """What a build keeps between runs, for one project and output folder: the last build's manifest (when
    it still describes this output and this code), the view cache, the feeds' memos and the compiled
    templates."""

    def __init__(self, root: Path, config_name: str, out: Path, *, clean: bool = False):
        self.root, self.config_name, self.out = Path(root), config_name, Path(out)
        self.views_dir = cache_root(root) / "views"
        self.memo_dir = memo_dir(root)
        self.templates_dir = cache_root(root) / "templates"
        previous = None if clean else load(root)
        if previous is not None and (previous.out != str(self.out.resolve()) or previous.code != code_fingerprint()):
            previous = None
        self.previous = previous
        if clean:
            shutil.rmtree(self.views_dir, ignore_errors=True)
            shutil.rmtree(self.memo_dir, ignore_errors=True)
            shutil.rmtree(self.templates_dir, ignore_errors=True)

    def snapshot_inputs(self) -> InputSnapshot:
        """Every input's stamp, hashed before it is read: a file edited during the build shows next time."""
        return hash_inputs(self.root, self.config_name, self.previous)

    def file_digests(self, inputs: InputSnapshot) -> dict[str, tuple[int, int, str]]:
        """Absolute path -> (size, mtime_ns, sha256) of the inputs, so the view cache need not read them again."""
        return {input_path(self.root, rel): stamp for rel, stamp in inputs.files.items()}

    def static_inputs(self, static: list[tuple[Path, str]], inputs: InputSnapshot) -> dict[str, str | None]:
        """Site path -> the input sha256 of each static file's source (None for a source outside the inputs)."""
        found: dict[str, str | None] = {}
        for src, rel in static:
            name = input_name(self.root, src)
            found[rel] = inputs.sha256(name) if name is not None else None
        return found

    def record(self, inputs: InputSnapshot, output_hashes: dict[str, str], *, summary: Summary,
               page_keys: dict[str, str], stats: dict[str, tuple[int, int]], search: dict | None,
               plan: dict | None = None) -> None:
        """Save the manifest of the build just published; failing only makes the next build a full one."""
        save_quietly(self.root, record(self.root, self.config_name, self.out, inputs, output_hashes,
                                       summary=summary, page_keys=page_keys, stats=stats, search=search,
                                       previous=self.previous, plan=plan))
