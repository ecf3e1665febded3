"""The built site is valid: the Nu HTML Checker finds no error, local links resolve, XML files are well formed.

The checker is vnu.jar from the npm package `vnu-jar` (installed by .ci/run into node_modules/) run by Java.
In CI (CI=true) it must run; locally the test is skipped when Java or vnu.jar is absent.
"""
from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, copy_project

from digest.build import build
from digest.editorial.config import load_config

CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def unavailable(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason} (CI is set, so the check must run: see .ci/run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(site folder, URL path of the site root) for a fresh build of the shipped project."""
    project = copy_project(tmp_path_factory.mktemp("validity") / "project")
    config = load_config(project / "digest.yaml")
    result = build(config)
    return result.out, urlsplit(config.site.base_url).path or "/"


def _html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "pagefind")


def test_nu_html_checker_reports_no_error(built):
    site, _ = built
    java = shutil.which("java")
    if java is None:
        unavailable("Java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        unavailable(f"{VNU_JAR.relative_to(ROOT)} is missing (npm install --no-save vnu-jar)")
    files = _html_files(site)
    svgs = sorted(site.rglob("*.svg"))
    assert len(files) >= 4
    # One run over every page (and the SVG covers and icons): the JVM starts once.
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--also-check-svg",
                           *map(str, files), *map(str, svgs)],
                          capture_output=True, text=True, timeout=600, check=False)
    report = json.loads(proc.stderr or proc.stdout)  # vnu writes its report to stderr
    errors = [m for m in report["messages"] if m.get("type") != "info"]
    lines = [f"{Path(unquote(urlsplit(m.get('url', '')).path)).relative_to(site) if m.get('url') else '?'}:"
             f"{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}: {m.get('message')}\n"
             f"    {(m.get('extract') or '').strip()[:160]}" for m in errors]
    assert not errors, f"Nu HTML Checker found {len(errors)} error(s):\n" + "\n".join(lines)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_every_local_link_and_fragment_resolves(built):
    """Every href/src that stays on the site names a built file, and every #fragment an id on that page."""
    site, prefix = built
    ids: dict[Path, set[str]] = {}
    docs = {path: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser") for path in _html_files(site)}
    for path, doc in docs.items():
        ids[path] = {el["id"] for el in doc.find_all(id=True)}
    broken = []
    for path, doc in docs.items():
        rel_page = path.relative_to(site).as_posix()
        for el in doc.find_all(href=True) + doc.find_all(src=True):
            ref = el.get("href") if el.has_attr("href") else el.get("src")
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "data:")):
                continue
            if parts.path.startswith("/"):  # root-relative (the 404 page): strip the site's own path
                if not parts.path.startswith(prefix):
                    broken.append(f"{rel_page}: {ref} is outside the site's path {prefix}")
                    continue
                target_rel = parts.path[len(prefix):]
            else:
                target_rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), unquote(parts.path)))
                if parts.path.endswith("/") or parts.path == "":
                    target_rel = target_rel.rstrip("/") + "/"
                if target_rel.startswith("../"):
                    broken.append(f"{rel_page}: {ref} leaves the site")
                    continue
            target = site if target_rel in (".", "./") else site / target_rel
            if parts.path == "":
                target = path
            elif target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{rel_page}: {ref} -> {target_rel} does not exist")
                continue
            if parts.fragment and target in ids and unquote(parts.fragment) not in ids[target]:
                broken.append(f"{rel_page}: {ref}: no id {parts.fragment!r} on {target.relative_to(site)}")
    assert not broken, "\n".join(sorted(set(broken)))


def test_xml_files_are_well_formed(built):
    site, _ = built
    for path in sorted(site.rglob("*.xml")):
        ET.parse(path)  # raises on a malformed feed or sitemap
