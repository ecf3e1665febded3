"""A new digest folder: its commented digest.yaml, issues/, .gitignore, schemas and the nightly GitHub workflow.

`new_digest` checks every answer first and writes afterwards, and never overwrites a file: what exists is
kept and reported. The workflow's schedule comes from the folder's digest.yaml: its runs start 5 minutes
after an issue's cutoff, in UTC, in winter and in summer.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

from ..arxiv_id import split_written_id
from ..editorial.config import Config, load_config
from ..editorial.schemas import published_schemas
from ..editorial.taxonomy import category_problem
from ..timeutil import parse_cutoff, zone

DIST = "paper-digest"  # the distribution that installs the `digest` command
DEFAULT_TOPIC = "machine learning"
DEFAULT_CATEGORIES = ("cs.LG", "stat.ML")
# At arXiv's announcement in every season and every display zone: each issue holds the batch announced on its date.
DEFAULT_CUTOFF = "20:00 America/New_York"
DEFAULT_BASE_URL = "https://example.org/"
DEFAULT_PHRASE_WEIGHT = 3.0
WORKFLOW = Path(".github/workflows/nightly.yml")
# The first run comes this long after the cutoff (arXiv's listing pages are sometimes a few minutes late)...
FIRST_RUN_AFTER = timedelta(minutes=5)
# ...and the later ones, every RUN_EVERY until FIRST_RUN_AFTER + RETRY_FOR, because GitHub starts scheduled
# workflows late when it is busy and sometimes drops one; a run with nothing new changes nothing.
RUN_EVERY = timedelta(minutes=10)
RETRY_FOR = timedelta(minutes=30)


@dataclass(frozen=True)
class Phrase:
    """One topic phrase and its weight in the relevance score."""

    text: str
    weight: float = DEFAULT_PHRASE_WEIGHT


@dataclass(frozen=True)
class Answers:
    """What `digest init` asks; None or empty means the default (see `completed`)."""

    title: str | None = None          # default: "<Topic> Digest"
    topic: str = DEFAULT_TOPIC
    phrases: tuple[Phrase, ...] = ()  # default: the topic itself
    examples: tuple[str, ...] = ()
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    timezone: str | None = None       # default: this machine's zone (else UTC)
    cutoff: str = DEFAULT_CUTOFF
    language: str = "en"
    base_url: str = DEFAULT_BASE_URL

    def completed(self) -> Answers:
        """These answers with every default filled in."""
        topic = self.topic.strip()
        return replace(
            self,
            topic=topic,
            title=default_title(topic) if self.title is None else self.title.strip(),
            phrases=self.phrases or (Phrase(topic),),
            timezone=(self.timezone or "").strip() or local_timezone(),
        )


@dataclass(frozen=True)
class AnswerProblem:
    """A bad answer: which one (an Answers field) and why."""

    field: str
    message: str


class BadAnswers(ValueError):
    """Answers that cannot make a digest; `problems` lists every one."""

    def __init__(self, problems: list[AnswerProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True)
class Requirement:
    """How the nightly workflow installs digest (a requirements.txt line); `exact` is False when init could not
    tell where CI can get this copy from, and the line must be edited."""

    line: str
    exact: bool
    note: str = ""


@dataclass(frozen=True)
class InitResult:
    """What `new_digest` did: the paths it wrote and kept (relative to `root`), the workflow's schedule, the config."""

    root: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]
    requirement: Requirement
    schedule: NightlySchedule  # when the nightly workflow runs
    config: Config  # the folder's digest.yaml, as loaded after writing


# --- single answers -----------------------------------------------------------------------------------------


def default_title(topic: str) -> str:
    """'retrieval-augmented generation' -> 'Retrieval-augmented Generation Digest'."""
    return " ".join(w[:1].upper() + w[1:] for w in topic.split()) + " Digest"


def local_timezone() -> str:
    """This machine's IANA time zone (TZ, else /etc/localtime), or UTC when it has no IANA name."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and ("/" in name or name == "UTC"):
            try:
                zone(name)
                return name
            except ValueError:
                continue
    return "UTC"


def parse_phrase(text: str) -> Phrase:
    """'flow matching' or 'flow matching=3' -> Phrase; ValueError when the text is empty or the weight bad."""
    words, sep, weight = text.rpartition("=")
    if not sep:
        words, weight = text, ""
    words = " ".join(words.split())  # digest.yaml's loader lowercases phrases; the file keeps them as typed
    if not words:
        raise ValueError(f"{text!r} has no phrase; write it like \"flow matching\" or \"flow matching=3\"")
    if not weight.strip():
        return Phrase(words)
    try:
        value = float(weight)
    except ValueError:
        raise ValueError(f"{text!r}: the weight after '=' must be a number from 0 to 100") from None
    if not 0 <= value <= 100:
        raise ValueError(f"{text!r}: the weight {weight.strip()} is outside 0-100")
    return Phrase(words, value)


def check_category(code: str) -> str:
    """An arXiv category code as given; ValueError with a "did you mean" when it is not one."""
    problem = category_problem(code.strip())
    if problem:
        raise ValueError(problem)
    return code.strip()


def check_example(text: str) -> str:
    """An arXiv id for topic.examples (the version is dropped); ValueError otherwise."""
    try:
        ident, _version = split_written_id(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an arXiv id; write it like 2606.32020 or hep-th/9901001") from None
    return ident


def check_timezone(name: str) -> str:
    """An IANA time zone name; ValueError naming the zone otherwise."""
    zone(name.strip())
    return name.strip()


def check_cutoff(text: str) -> str:
    """'HH:MM' or 'HH:MM Area/City'; ValueError otherwise."""
    at, _, zone_name = " ".join(text.split()).partition(" ")
    if len(at) != 5:
        raise ValueError(f"{text!r} is not a time HH:MM (e.g. 09:00), optionally followed by a time zone")
    parse_cutoff(text)
    return f"{at} {zone_name}" if zone_name else at


def check_language(tag: str) -> str:
    """A language the site's own words exist in; ValueError listing them otherwise."""
    from ..render.i18n import STRINGS

    tag = tag.strip()
    if tag.split("-")[0].lower() not in STRINGS:
        raise ValueError(f"{tag!r} is not a language the site speaks; choose one of {', '.join(sorted(STRINGS))}")
    return tag


def check_base_url(url: str) -> str:
    """The site's public URL, ending in /; ValueError unless http(s)."""
    url = url.strip()
    if not url.startswith(("http://", "https://")) or len(url.split("//", 1)[1].strip("/")) == 0:
        raise ValueError(f"{url!r} is not the site's address; write it like https://example.org/digest/")
    return url if url.endswith("/") else url + "/"


def checked(answers: Answers) -> Answers:
    """The answers completed and normalized; BadAnswers lists every one that is wrong."""
    a = answers.completed()
    problems: list[AnswerProblem] = []

    def check(name: str, func, value):
        try:
            return func(value)
        except ValueError as exc:
            problems.append(AnswerProblem(name, str(exc)))
            return value

    for name in ("title", "topic"):
        if not getattr(a, name):
            problems.append(AnswerProblem(name, f"the {name} must not be empty"))
    categories = tuple(check("categories", check_category, c) for c in a.categories)
    if not categories:
        problems.append(AnswerProblem("categories", "name at least one arXiv category, such as cs.LG"))
    examples = tuple(check("examples", check_example, e) for e in a.examples)
    for name, items in (("categories", categories), ("examples", examples),
                        ("phrases", tuple(p.text.lower() for p in a.phrases))):
        twice = sorted({x for x in items if items.count(x) > 1})
        if twice:
            problems.append(AnswerProblem(name, f"{', '.join(twice)} given twice; keep one"))
    result = replace(
        a,
        categories=categories,
        examples=examples,
        timezone=check("timezone", check_timezone, a.timezone),
        cutoff=check("cutoff", check_cutoff, a.cutoff),
        language=check("language", check_language, a.language),
        base_url=check("base_url", check_base_url, a.base_url),
    )
    if problems:
        raise BadAnswers(problems)
    return result


# --- the files ----------------------------------------------------------------------------------------------


def config_text(answers: Answers) -> str:
    """The commented digest.yaml for checked answers: every section a user may edit, each key with its default."""
    a = answers
    phrases = "{" + ", ".join(f"{_scalar(p.text, flow=True)}: {_number(p.weight)}" for p in a.phrases) + "}"
    examples = "".join(f"\n    - {json.dumps(e)}" for e in a.examples) or " []"
    return f"""\
# What this digest is about, where it reads arXiv, and how it ranks: written by `digest init`, yours to edit
# (`digest check` validates it). Keys marked "required" must stay; any other may go, and takes its default.
# yaml-language-server: $schema=schemas/digest.schema.json
site:
  # Required: the site's name, in every page's header and in the feeds.
  title: {_scalar(a.title)}
  # Required: where the site is published, ending in /; feeds and canonical links are absolute URLs.
  base_url: {_scalar(a.base_url)}
  # The site's own words and dates: en or ko (default en).
  language: {a.language}
  # Required: the display time zone (IANA): issue dates, windows and times are shown in it.
  timezone: {_scalar(a.timezone)}
  # Required: default issue titles say "Five {a.topic} papers: July 1, 2026".
  topic: {_scalar(a.topic)}
schedule:
  # An issue's window closes at this time on its date (default "09:00"): "HH:MM" in the display zone, or
  # "HH:MM Area/City"; "20:00 America/New_York" is arXiv's announcement, whatever the season. The nightly
  # workflow's schedule (.github/workflows/nightly.yml) follows it: change both together.
  cutoff: {json.dumps(a.cutoff)}
  # arXiv holidays (US Eastern dates, YYYY-MM-DD) beyond the schedules shipped with digest (default none).
  holidays: []
  # A window longer than this since the previous issue is refused, not backfilled (default 7; see --since).
  max_window_days: 7
arxiv:
  # The categories whose announcements are read: new submissions, cross-lists and replacements.
  categories: [{", ".join(a.categories)}]
  # arXiv's API (id_list lookups, backfills), announcement RSS (<rss_url>/<cat>+<cat>) and listing pages
  # (<listing_url>/<category>/new, from 20:00 US Eastern): the defaults. The environment variables
  # DIGEST_ARXIV_API_URL, DIGEST_ARXIV_RSS_URL and DIGEST_ARXIV_LISTING_URL override them (a mirror).
  api_url: https://export.arxiv.org/api/query
  rss_url: https://rss.arxiv.org/rss
  listing_url: https://export.arxiv.org/list
  # Seconds between two requests to arXiv; its terms ask for 3 (the default).
  delay_seconds: 3
topic:
  # Phrases whose use in a title or abstract makes a paper relevant, each with its weight (0-100).
  phrases: {phrases}
  # Papers that define the topic, for the relevance score of the first issues (before editors' picks teach
  # it): arXiv ids in quotes ("2606.32020"), or {{title: ..., abstract: ...}} for a paper not on arXiv.
  examples:{examples}
scoring:
  # `digest new` proposes no paper whose automatic relevance (0-10) is lower (default 4).
  relevance_floor: 4
  # The relevance model learns from the editors' picks in the last N issues (default 365).
  training_issues: 365
  # Papers picked in the last N issues count as seen before (default 10).
  history_issues: 10
  # Venue acronym: tier (1 top, 2 high, 3 medium, 0 unranked), over the built-in table (default none).
  venue_tiers: {{}}
  # Affiliations or author names that count as a lab signal (default none).
  labs: []
ranking:
  # Each signal's weight in a paper's total (default 1 each).
  weights: {{novelty: 1, relevance: 1, venue: 1, evidence: 1}}
  # How many papers get a card; the others are listed in the table (default 5).
  featured: 5
"""


def _scalar(value: str, *, flow: bool = False) -> str:
    """A YAML scalar: the text itself when YAML reads it back unchanged (in a flow mapping too), else quoted."""
    special = "#{}[],&*!|>'\"%@`\n" + (":" if flow else "")
    plain = value and value == value.strip() and not any(c in value for c in special) and ": " not in value
    if plain:
        try:
            plain = yaml.safe_load(f"k: {value}") == {"k": value}
        except yaml.YAMLError:
            plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


GITIGNORE = """\
# digest's output and machine-owned caches: rebuilt from issues/ and digest.yaml
/site/
/.site-*/
/.site.spare/
/.digest-cache/
# Python
/.venv/
/venv/
__pycache__/
"""

WORKFLOW_TEMPLATE = """\
# The nightly digest: read the day's arXiv announcements, start the issue, build the site, publish it on
# GitHub Pages and commit the new issue files. Written by `digest init`. Publishing needs, once:
# Settings > Pages > Source: "GitHub Actions". requirements.txt says which digest to install.
name: nightly
on:
  schedule:
@SCHEDULE@
  workflow_dispatch: {}  # "Run workflow" on the Actions tab, e.g. to publish an edited issue at once
permissions:
  contents: write  # commit the day's issue files
  pages: write     # deploy the site to GitHub Pages
  id-token: write  # the Pages deployment authenticates with it
concurrency:
  group: nightly
  cancel-in-progress: false
jobs:
  nightly:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment:
      name: github-pages
      url: ${{ steps.deploy.outputs.page_url }}
    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: requirements.txt
      - name: Restore .digest-cache (arXiv responses, the relevance model, the build state)
        uses: actions/cache@v5
        with:
          path: .digest-cache
          # A new key every run, so every run saves its cache; the newest one is restored by its prefix.
          key: digest-cache-${{ github.run_id }}-${{ github.run_attempt }}
          restore-keys: digest-cache-
      - run: pip install -r requirements.txt
      - name: digest nightly
        id: nightly
        run: |
          status=0
          digest nightly || status=$?
          if [ "$status" -eq 75 ]; then
            # Exit 75: arXiv has not announced the window's batch yet; a later scheduled run publishes it.
            echo "::notice::the batch is not announced yet; a later run publishes the issue"
            echo "later=true" >> "$GITHUB_OUTPUT"
          elif [ "$status" -ne 0 ]; then
            exit "$status"
          fi
      - name: Commit the day's issue files
        if: steps.nightly.outputs.later != 'true'
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git add issues
          if ! git diff --cached --quiet; then
            git commit -m "nightly: issue files of $(date -u +%FT%H:%MZ)"
            git pull --rebase
            git push
          fi
      - if: steps.nightly.outputs.later != 'true'
        uses: actions/upload-pages-artifact@v4
        with:
          path: site
      - id: deploy
        if: steps.nightly.outputs.later != 'true'
        uses: actions/deploy-pages@v5
"""


@dataclass(frozen=True)
class NightlySchedule:
    """When the nightly workflow runs: its cron lines (UTC) and the first run of each season."""

    crons: tuple[str, ...]
    january: str  # the first run after an issue's cutoff in January, "01:05 UTC"
    july: str     # ... and in July (the same unless a zone involved changes its offset)
    cutoff: str   # the cutoff with its zone, e.g. "09:00 Asia/Seoul"

    @property
    def first_run(self) -> str:
        """'00:05 UTC', or '00:05 UTC in July, 01:05 UTC in January'."""
        return self.july if self.july == self.january else f"{self.july} in July, {self.january} in January"


def nightly_schedule(config: Config, year: int) -> NightlySchedule:
    """The runs of the nightly workflow for `config`: FIRST_RUN_AFTER each issue's cutoff, in January and July of
    `year` (daylight saving time or not, in either hemisphere), then every RUN_EVERY for RETRY_FOR."""
    tz = config.site.tz
    starts: list[datetime] = []
    seasons: list[datetime] = []
    for day in (date(year, 1, 15), date(year, 7, 15)):
        cutoff = config.schedule.cutoff_at(day, tz)
        first = cutoff + FIRST_RUN_AFTER
        if first.astimezone(tz).date() != cutoff.date():
            # `digest nightly` makes the issue of the day it runs on, in the display zone.
            raise ValueError(f"the nightly job runs {_minutes(FIRST_RUN_AFTER)} after the cutoff, on the issue's own "
                             f"date in {config.site.timezone}; a cutoff after 23:54 leaves it no time: choose an earlier one")
        utc = first.astimezone(timezone.utc)
        seasons.append(utc)
        if all((utc.hour, utc.minute) != (s.hour, s.minute) for s in starts):
            starts.append(utc)
    runs: dict[int, set[int]] = {}
    for start in starts:
        t = start
        while t <= start + RETRY_FOR:
            runs.setdefault(t.hour, set()).add(t.minute)
            t += RUN_EVERY
    by_minutes: dict[tuple[int, ...], list[int]] = {}
    for hour in sorted(runs):
        by_minutes.setdefault(tuple(sorted(runs[hour])), []).append(hour)
    crons = tuple(f"{','.join(map(str, minutes))} {','.join(map(str, hours))} * * *"
                  for minutes, hours in by_minutes.items())
    zone_name = config.schedule.cutoff_zone.key if config.schedule.cutoff_zone else config.site.timezone
    january, july = (f"{s:%H:%M} UTC" for s in seasons)
    return NightlySchedule(crons, january, july, f"{config.schedule.cutoff:%H:%M} {zone_name}")


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"


def workflow_text(config: Config, year: int) -> str:
    """The GitHub Actions workflow `digest init` writes for `config` (the README shows it for the shipped one)."""
    plan = nightly_schedule(config, year)
    comment = [
        f"    # {_minutes(FIRST_RUN_AFTER)} after each issue's cutoff ({plan.cutoff}): {plan.first_run};",
        f"    # then every {_minutes(RUN_EVERY)} for {_minutes(RETRY_FOR)}, as GitHub often starts scheduled runs "
        "late (a run",
        "    # with nothing new changes nothing). Made from digest.yaml's schedule.cutoff: change both together.",
    ]
    lines = comment + [f"    - cron: \"{c}\"" for c in plan.crons]
    return WORKFLOW_TEMPLATE.replace("@SCHEDULE@", "\n".join(lines))


def install_requirement() -> Requirement:
    """The requirements.txt line that installs this copy of digest on CI, as far as this copy can tell (PEP 610)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        return Requirement(f"{DIST}", False, "digest is not installed as a package here")
    version = dist.version
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        direct = None
    if not direct:
        # Installed from a package index: the same index serves it to CI (pip's own configuration permitting).
        return Requirement(f"{DIST}=={version}", True)
    url = direct.get("url", "")
    if "vcs_info" in direct:
        commit = direct["vcs_info"].get("commit_id", "")
        return Requirement(f"{DIST} @ {direct['vcs_info'].get('vcs', 'git')}+{url}@{commit}", True)
    if not url.startswith("file:"):
        return Requirement(f"{DIST} @ {url}", True)
    folder = Path(url.removeprefix("file://"))
    remote = _git_remote(folder)
    if remote:
        return Requirement(f"{DIST} @ git+{remote.url}@{remote.commit}", True)
    return Requirement(f"{DIST} @ {url}", False,
                       f"digest was installed from {folder}, which CI cannot reach")


@dataclass(frozen=True)
class _Remote:
    url: str
    commit: str


def _git_remote(folder: Path) -> _Remote | None:
    """The https URL of `folder`'s origin remote and its checked-out commit, when it is a clone of one."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10)
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        url, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return None
    if url.startswith("git@") and ":" in url:  # git@github.com:owner/repo.git
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    if not url.startswith("https://") or not commit:
        return None
    return _Remote(url, commit)


def requirements_text(requirement: Requirement) -> str:
    """requirements.txt: the one package the nightly workflow installs."""
    head = "# What the nightly workflow installs (pip install -r requirements.txt): the digest that wrote this folder.\n"
    if not requirement.exact:
        head += (f"# `digest init` could not tell where CI can install it from: {requirement.note}.\n"
                 f"# Replace the line below with the package's git URL, e.g.\n"
                 f"# {DIST} @ git+https://github.com/OWNER/REPOSITORY@COMMIT\n")
    return head + requirement.line + "\n"


# --- the folder ---------------------------------------------------------------------------------------------


def new_digest(folder: str | Path, answers: Answers, *, year: int | None = None) -> InitResult:
    """Start a digest in `folder` (created if needed): every file that does not exist yet; existing ones are kept.

    Raises BadAnswers for bad answers and DigestError when a kept digest.yaml is invalid, before writing anything.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise BadAnswers([AnswerProblem("folder", f"{root} exists and is not a folder")])
    a = checked(answers)
    year = year or datetime.now(timezone.utc).year
    config_path = root / "digest.yaml"
    text = config_text(a)
    # What is written must load: check it with the real loader before anything touches the folder.
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "digest.yaml").write_text(text, encoding="utf-8")
        fresh = load_config(Path(tmp) / "digest.yaml")
    # The workflow follows the digest.yaml the folder will have: a kept one's schedule, else the new one's.
    config = load_config(config_path) if config_path.is_file() else fresh
    try:
        workflow = workflow_text(config, year)
        plan = nightly_schedule(config, year)
    except ValueError as exc:
        raise BadAnswers([AnswerProblem("cutoff", str(exc))]) from None
    requirement = install_requirement()
    files = {
        Path("digest.yaml"): text,
        Path(".gitignore"): GITIGNORE,
        Path("requirements.txt"): requirements_text(requirement),
        WORKFLOW: workflow,
        **{Path("schemas") / name: body for name, body in published_schemas().items()},
    }
    written: list[Path] = []
    kept: list[Path] = []
    root.mkdir(parents=True, exist_ok=True)
    issues = root / "issues"
    if issues.is_dir():
        kept.append(Path("issues"))
    else:
        issues.mkdir()
        written.append(Path("issues"))
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as f:  # "x": never replace what is there
                f.write(body)
        except FileExistsError:
            kept.append(rel)
            continue
        written.append(rel)
    config = load_config(config_path)
    return InitResult(root=root, written=tuple(written), kept=tuple(kept), requirement=requirement,
                      schedule=plan, config=config)

