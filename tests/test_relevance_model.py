"""The relevance model learned from the record, subject over tool, and the glue that feeds them.

digest.score.learned (RelevanceModel), digest.prescore.load_or_train, digest.score.subject, digest.prescore.history.training_record
and digest.prescore (topic_examples, relevance_model, prescorer), on real papers of the recorded
2024-11-28 feed (the helpers of tests/test_score.py) and tmp projects with earlier issues.
"""
from __future__ import annotations

import json
import pickle
import random
import re
import time
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from arxiv_server import Reply, arxiv_server, refused_url  # noqa: F401 - the fixture
from conftest import ROOT, copy_project
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_score import GHOSTWRITER, SELF_DISTILL, SPEECHWRITER, TSD_SR, ctx, feed, paper, scores_in

from digest.editorial.config import Config, load_config
from digest.prescore import load_or_train, prescorer, relevance_model, topic_examples
from digest.prescore.history import training_record
from digest.score import ScoringContext, score_all
from digest.score.learned import RelevanceModel, TrainingDoc, paper_text, training_key
from digest.score.subject import subject

# --- a record made of real papers ---------------------------------------------------------------

# Diffusion-method papers of the feed an editor "featured" on earlier days, with the short names they got.
PICKS = {
    "2411.17786": "DreamCache", "2411.18068": "PersonaCraft", "2411.18135": "ModeDreamer", "2411.18159": "Type-R",
    "2404.03653": "CoMat", "2411.15367": "Watermark defence", "2411.18552": "FAM Diffusion",
    "2407.03297": "Noise schedule", "2405.18428": "DiG", "2411.17784": "Hyperbolic DAE",
}
ON_TOPIC = (TSD_SR, SELF_DISTILL)          # held out: never in the record
OFF_TOPIC = (SPEECHWRITER, GHOSTWRITER)
G3FLOW = "2411.18369"       # cs.RO: diffusion policy for robotic manipulation
CHEST_XRAY = "2411.18602"   # eess.IV: synthetic chest X-rays for medical image analysis
LEFT_OUT_RX = re.compile(r"(?i)diffusion|generat|synthes")


def text_of(arxiv_id: str) -> str:
    c = paper(arxiv_id)
    return paper_text(c["title"], c["abstract"])


def day(n: int) -> date:
    return date(2024, 11, 20 + n % 5)


@cache
def left_out() -> tuple[str, ...]:
    """30 cs.CL papers of the feed with nothing generative in them: what the editor left out."""
    return tuple(c["id"] for c in feed() if c["categories"][0] == "cs.CL" and c["id"] not in OFF_TOPIC
                 and not LEFT_OUT_RX.search(c["title"] + c["abstract"]))[:30]


def record(n_picks: int = len(PICKS), n_left_out: int = 30) -> list[TrainingDoc]:
    picks = [TrainingDoc(i, text_of(i), 1, name, day(n)) for n, (i, name) in enumerate(list(PICKS.items())[:n_picks])]
    rest = [TrainingDoc(i, text_of(i), 0, paper(i)["title"][:40], day(n)) for n, i in enumerate(left_out()[:n_left_out])]
    return picks + rest


@cache
def learned() -> RelevanceModel:
    return RelevanceModel(record())


def margins(model: RelevanceModel, ids: tuple[str, ...]) -> list[float]:
    return [s.margin for s in model.score([text_of(i) for i in ids])]


@cache
def shipped_examples() -> RelevanceModel:
    """The model of the shipped digest.yaml on its first day: its topic.examples (text) and no record."""
    config = load_config(ROOT / "digest.yaml")
    return RelevanceModel(topic_examples(config, [], ()))


# --- the learned model ------------------------------------------------------------------------


def test_learned_model_ranks_like_the_picks_above_like_the_left_out_and_says_why():
    model = learned()
    assert (model.kind, model.n_positives, model.n_negatives) == ("learned", 10, 30)
    assert min(margins(model, ON_TOPIC)) > 0 > max(margins(model, OFF_TOPIC))
    (tsd,) = model.score([text_of(TSD_SR)])
    labels = {f"{name} ({day(n).isoformat()})" for n, name in enumerate(PICKS.values())}
    assert tsd.close_to and set(tsd.close_to) <= labels
    # The terms are the paper's own words (or bigrams) that pulled it towards the picks.
    assert tsd.terms and all(t in text_of(TSD_SR).lower() for t in tsd.terms)
    rel = scores_in(paper(TSD_SR), context=ctx(model=model))["relevance"]
    assert "learned from 10 picks and 30 left out: close to " in rel["reason"] and "terms: " in rel["reason"]
    assert tsd.close_to[0] in rel["reason"]


def test_the_same_decisions_in_any_order_give_identical_scores():
    docs = record()
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    texts = [text_of(i) for i in (*ON_TOPIC, *OFF_TOPIC, G3FLOW)]
    first, second, third = (RelevanceModel(d).score(texts) for d in (docs, shuffled, docs[::-1]))
    assert first == second == third  # margins equal to the bit, same close_to and terms
    window = [paper(i) for i in (*ON_TOPIC, *OFF_TOPIC, G3FLOW, CHEST_XRAY)]
    context = ctx(model=learned())
    once = score_all(window, context)
    assert list(once.items()) == list(score_all(window, context).items()) == list(score_all(window[::-1], context).items())


def test_training_key_follows_labels_and_texts_not_the_order():
    docs = record(6, 22)
    key = training_key(docs)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert training_key(docs[::-1]) == key
    relabelled = [replace(docs[0], label=0), *docs[1:]]
    retexted = [replace(docs[0], text=docs[0].text + " Code is released."), *docs[1:]]
    redated = [replace(docs[0], issue_date=date(2024, 11, 1)), *docs[1:]]
    assert len({key, training_key(relabelled), training_key(retexted), training_key(redated), training_key(docs[1:])}) == 5


# --- the cache ---------------------------------------------------------------------------------


def _no_training(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("trained again")
    monkeypatch.setattr(RelevanceModel, "_fit", refuse)


def test_load_or_train_caches_one_file_and_reuses_it(tmp_path, monkeypatch):
    docs = record(5, 20)
    texts = [text_of(i) for i in (*ON_TOPIC, *OFF_TOPIC)]
    first = load_or_train(docs, tmp_path / "cache")
    (entry,) = (tmp_path / "cache").iterdir()
    assert entry.name == f"relevance-{training_key(docs)}.pickle"
    stamp = entry.stat().st_mtime_ns
    _no_training(monkeypatch)
    again = load_or_train(list(reversed(docs)), tmp_path / "cache")
    assert again.kind == "learned" and again.score(texts) == first.score(texts)
    assert entry.stat().st_mtime_ns == stamp and list((tmp_path / "cache").iterdir()) == [entry]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not a model"])
def test_a_damaged_cache_entry_is_retrained_and_replaced(tmp_path, monkeypatch, damage):
    docs = record(5, 20)
    texts = [text_of(i) for i in (*ON_TOPIC, *OFF_TOPIC)]
    expected = load_or_train(docs, tmp_path).score(texts)
    (entry,) = tmp_path.iterdir()
    good = entry.read_bytes()
    entry.write_bytes({"garbage": b"\x00\xffnot a pickle\x80", "truncated": good[: len(good) // 2],
                       "not a model": pickle.dumps({"kind": "learned"})}[damage])
    assert load_or_train(docs, tmp_path).score(texts) == expected
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # replaced, no *.tmp left
    _no_training(monkeypatch)
    assert load_or_train(docs, tmp_path).score(texts) == expected


def test_an_unwritable_cache_still_gives_the_model(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    model = load_or_train(record(5, 20), blocker / "score")
    assert model.kind == "learned" and blocker.read_text() == "not a folder"
    assert model.score([text_of(TSD_SR)]) == RelevanceModel(record(5, 20)).score([text_of(TSD_SR)])


# --- too few decisions ---------------------------------------------------------------------------


@pytest.mark.parametrize("picks, left, kind", [(4, 30, "examples"), (5, 19, "examples"), (5, 20, "learned"), (0, 30, "none")])
def test_a_model_is_learned_only_from_5_picks_and_20_left_out(picks, left, kind):
    assert RelevanceModel(record(picks, left)).kind == kind


def test_below_the_threshold_closeness_to_the_positives_still_ranks_on_topic_first():
    few = RelevanceModel(record(4, 19))
    ids = (*ON_TOPIC, *OFF_TOPIC)
    assert min(margins(few, ON_TOPIC)) > max(margins(few, OFF_TOPIC))
    # Closeness uses the positives only: the left-out papers change nothing yet.
    assert few.score([text_of(i) for i in ids]) == RelevanceModel(record(4, 0)).score([text_of(i) for i in ids])
    examples = shipped_examples()
    assert examples.kind == "examples"
    assert min(margins(examples, ON_TOPIC)) > max(margins(examples, OFF_TOPIC))
    rel = score_all([paper(i) for i in ids], ctx(model=examples))
    reason = rel[TSD_SR]["relevance"]["reason"]
    assert reason.startswith("close to ") and "One-step image generation by distilling a diffusion teacher into " \
                                                  "a student generator (topic example)" in reason
    assert rel[TSD_SR]["relevance"]["value"] > max(rel[i]["relevance"]["value"] for i in OFF_TOPIC)
    assert all("learned from" not in s["relevance"]["reason"] for s in rel.values())


def test_with_nothing_to_learn_from_relevance_is_the_phrases_alone():
    none = RelevanceModel([])
    assert none.kind == "none" and none.score(["diffusion"]) == [none.score(["x"])[0]]
    window = [paper(i) for i in (*ON_TOPIC, *OFF_TOPIC, G3FLOW)]
    assert score_all(window, ctx(model=none)) == score_all(window, ctx())


# --- subject over tool ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", [None, "examples", "learned"])
@pytest.mark.parametrize("tool, says", [(G3FLOW, "primary category cs.RO"), (CHEST_XRAY, "another field's words: medical")])
def test_a_paper_using_diffusion_as_a_tool_ranks_below_a_diffusion_method(tool, says, model):
    context = ctx(model={None: None, "examples": shipped_examples(), "learned": learned()}[model])
    scores = score_all([paper(TSD_SR), paper(tool)], context)
    method, used = scores[TSD_SR]["relevance"], scores[tool]["relevance"]
    assert method["value"] - used["value"] >= 3, (method, used)
    assert says in used["reason"] and "another field" not in method["reason"]


def test_for_robotic_grasping_in_the_title_or_a_robotics_category_lowers_relevance():
    base = paper(SELF_DISTILL)
    grasping = dict(base, title=base["title"] + " for Robotic Grasping")
    robotics = dict(base, categories=["cs.RO", "cs.CV"])
    plain = subject(base["title"], base["abstract"], "cs.CV")
    titled = subject(grasping["title"], base["abstract"], "cs.CV")
    away = subject(base["title"], base["abstract"], "cs.RO")
    assert titled.points < plain.points and {"robotic", "grasping"} <= set(titled.field_words)
    assert away.points < plain.points and (plain.away_category, away.away_category) == (None, "cs.RO")
    for model in (None, shipped_examples()):
        context = ctx(model=model)
        rel = {k: scores_in(c, context=context)["relevance"] for k, c in
               (("base", base), ("grasping", grasping), ("robotics", robotics))}
        assert rel["grasping"]["value"] < rel["base"]["value"]
        # The category alone costs 3 points before the logistic; near the top of the scale the
        # whole-number value may not show it, the reason always does.
        assert rel["robotics"]["value"] <= rel["base"]["value"]
        assert "another field's words: robotic, grasping" in rel["grasping"]["reason"]
        assert "primary category cs.RO" in rel["robotics"]["reason"]


# --- the record: editors' earlier decisions ---------------------------------------------------------


def write_issue(root: Path, when: str, listed: list[tuple[str, str]], others: tuple[str, ...] = (),
                featured: int = 1) -> None:
    """An editor file listing `listed` (id, how: "top" scores high, "low" scores low, "exclude"), and a
    candidates file of those papers plus `others` (left out)."""
    lines = [f"date: {when}", f"featured: {featured}", "papers:"]
    for n, (i, how) in enumerate(listed):
        lines.append(f'  - arxiv: "{i}"')
        if how == "exclude":
            lines.append("    exclude: true")
        else:
            s = 9 - n if how == "top" else 1
            lines += [f"    short: Short {i}", f"    scores: {{novelty: {s}, relevance: {s}, venue: {s}, evidence: {s}}}"]
    (root / "issues" / f"{when}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cands = [paper(i) for i, _ in listed] + [paper(i) for i in others]
    (root / "issues" / f"{when}.candidates.json").write_text(
        json.dumps({"format": 1, "date": when, "candidates": cands}), encoding="utf-8")


# Real papers as one day's decisions: A, B featured; C listed below them; D excluded; E, F left out.
A, B, C, D, E, F = TSD_SR, SELF_DISTILL, "2411.18375", G3FLOW, SPEECHWRITER, CHEST_XRAY
G, H, I, J = "2405.18428", GHOSTWRITER, "2407.03297", "2411.17786"


@pytest.fixture
def record_project(tmp_path) -> Config:
    root = copy_project(tmp_path / "proj", issues=False)
    write_issue(root, "2024-11-25", [(C, "low"), (A, "top"), (D, "exclude"), (B, "top")], (E, F), featured=2)
    write_issue(root, "2024-11-26", [(G, "top")], (H,))
    write_issue(root, "2024-11-27", [(I, "top")], (J,))   # the issue being scored
    write_issue(root, "2024-11-28", [(J, "top")], (I,))   # a later one
    return load_config(root / "digest.yaml")


def decisions(docs: list[TrainingDoc]) -> set[tuple[str, int, str]]:
    return {(d.id, d.label, d.issue_date.isoformat()) for d in docs}


def test_training_record_reads_featured_as_picks_left_out_and_excluded_as_negatives(record_project):
    docs = training_record(record_project, date(2024, 11, 27))
    assert decisions(docs) == {
        (A, 1, "2024-11-25"), (B, 1, "2024-11-25"), (D, 0, "2024-11-25"), (E, 0, "2024-11-25"), (F, 0, "2024-11-25"),
        (G, 1, "2024-11-26"), (H, 0, "2024-11-26"),
    }  # C, listed below the featured two, is neither; 2024-11-27 (the issue scored) and later are never read
    by_id = {d.id: d for d in docs}
    assert (by_id[A].name, by_id[A].text) == (f"Short {A}", text_of(A))
    assert by_id[E].name == paper(E)["title"]
    assert decisions(training_record(record_project, date(2024, 11, 27), issues=1)) == {
        (G, 1, "2024-11-26"), (H, 0, "2024-11-26")}
    assert training_record(record_project, date(2024, 11, 25)) == []
    assert training_record(record_project, date(2024, 11, 27), issues=0) == []


def test_editing_an_earlier_issue_changes_its_decisions(record_project):
    assert (G, 1, "2024-11-26") in decisions(training_record(record_project, date(2024, 11, 27)))
    write_issue(record_project.root, "2024-11-26", [(G, "exclude"), (H, "top")])
    assert decisions(training_record(record_project, date(2024, 11, 27), issues=1)) == {
        (G, 0, "2024-11-26"), (H, 1, "2024-11-26")}


# --- topic examples -------------------------------------------------------------------------------


@pytest.fixture
def fast_http(monkeypatch):
    for name, value in (("DIGEST_HTTP_MAX_ATTEMPTS", "2"), ("DIGEST_HTTP_BACKOFF_BASE", "0.01"),
                        ("DIGEST_HTTP_BACKOFF_CAP", "0.05"), ("DIGEST_HTTP_TIMEOUT", "1")):
        monkeypatch.setenv(name, value)


def configure(root: Path, examples: str, api_url: str) -> Config:
    """The project's digest.yaml with other topic.examples, the API at `api_url` and no request spacing."""
    path = root / "digest.yaml"
    text = re.sub(r"(?ms)^  examples:\n.*?(?=^\S)", lambda _: examples, path.read_text("utf-8"))
    text = text.replace("https://export.arxiv.org/api/query", api_url).replace("delay_seconds: 3", "delay_seconds: 0")
    path.write_text(text, encoding="utf-8")
    return load_config(path)


EXAMPLES = f"""\
  examples:
    - title: One-step distillation of a diffusion teacher
      abstract: We distil a text-to-image diffusion model into a one-step generator.
    - "{TSD_SR}"
    - "{GHOSTWRITER}"
"""
AEW10 = "1707.08567"
AEW10_TITLE = "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"


def test_topic_examples_come_from_text_the_record_and_the_window_without_a_request(tmp_path, arxiv_server):
    config = configure(copy_project(tmp_path / "proj", issues=False), EXAMPLES, arxiv_server.api_url)
    in_record = [TrainingDoc(TSD_SR, text_of(TSD_SR), 1, "TSD-SR", date(2024, 11, 25))]
    docs = topic_examples(config, in_record, [paper(SPEECHWRITER), paper(GHOSTWRITER)])
    assert docs == [
        TrainingDoc("", "One-step distillation of a diffusion teacher. We distil a text-to-image diffusion model "
                        "into a one-step generator.", 1, "One-step distillation of a diffusion teacher"),
        TrainingDoc(TSD_SR, text_of(TSD_SR), 1, "TSD-SR"),
        TrainingDoc(GHOSTWRITER, text_of(GHOSTWRITER), 1, paper(GHOSTWRITER)["title"]),
    ]
    assert arxiv_server.count() == 0


def test_a_topic_example_found_nowhere_is_looked_up_once_from_the_api(tmp_path, arxiv_server, fast_http):
    config = configure(copy_project(tmp_path / "proj", issues=False), f'  examples: ["{AEW10}"]\n', arxiv_server.api_url)
    arxiv_server.route("/api/query", Reply.fixture(f"api_idlist_{AEW10}_nonascii_2026-04-12.xml"),
                       when=lambda r: r.param("id_list") == AEW10)
    (doc,) = topic_examples(config, [], [paper(TSD_SR)])
    assert (doc.id, doc.label, doc.name, doc.issue_date) == (AEW10, 1, AEW10_TITLE, None)
    assert doc.text.startswith(AEW10_TITLE + ". The 10th Asia-Europe workshop")
    assert arxiv_server.count("/api/query") == 1
    assert topic_examples(config, [], []) == [doc] and arxiv_server.count() == 1  # the answer is cached


@pytest.mark.parametrize("down", ["500", "refused", "unknown id"])
def test_an_api_that_cannot_answer_leaves_the_example_out(tmp_path, arxiv_server, fast_http, down):
    url = refused_url() if down == "refused" else arxiv_server.api_url
    examples = f'  examples:\n    - "{AEW10}"\n    - title: Flow matching for video\n'
    config = configure(copy_project(tmp_path / "proj", issues=False), examples, url)
    arxiv_server.route("/api/query", Reply.fixture("api_empty_idlist_0000.0000_2026-04-12.xml") if down == "unknown id"
                       else Reply(500, b"<html>Internal Server Error</html>", content_type="text/html"))
    started = time.monotonic()
    docs = topic_examples(config, [], [paper(TSD_SR)])
    assert [d.name for d in docs] == ["Flow matching for video"]
    assert time.monotonic() - started < 5
    assert arxiv_server.count() <= (0 if down == "refused" else 2)


# --- prescorer end to end ---------------------------------------------------------------------------


def test_prescorer_learns_from_the_issue_before_and_only_from_it(tmp_path):
    root = copy_project(tmp_path / "proj")   # the shipped 2024-11-29 issue: 5 featured, 8 listed, 64 candidates
    config = configure(root, "  examples: []\n", refused_url())
    ids = (*ON_TOPIC, *OFF_TOPIC, G3FLOW, CHEST_XRAY)

    def run(issue: date) -> dict[str, dict]:
        records = [paper(i) for i in ids]
        prescorer(config, issue)(records)
        return {r["id"]: r for r in records}

    # The 2024-11-29 issue itself is never read when scoring it: nothing to learn from, phrases only.
    first = run(date(2024, 11, 29))
    assert relevance_model(config, date(2024, 11, 29)).kind == "none"
    assert all("learned from" not in r["scores"]["relevance"]["reason"] for r in first.values())
    after = run(date(2024, 11, 30))
    for r in after.values():
        assert set(r["scores"]) == {"novelty", "relevance", "venue", "evidence"} and isinstance(r["proposed"], bool)
        assert r["scores"]["relevance"]["reason"].startswith("learned from 5 picks and 56 left out")
    assert after[TSD_SR]["seen_before"] == {"issue": "2024-11-29", "url": "2024/11/29/"}
    rel = {i: after[i]["scores"]["relevance"]["value"] for i in ids}
    assert min(rel[i] for i in ON_TOPIC) > max(rel[i] for i in (*OFF_TOPIC, G3FLOW, CHEST_XRAY))
    assert len(list((config.cache_dir / "score").glob("relevance-*.pickle"))) == 2  # the 'none' model and the learned one


# --- properties --------------------------------------------------------------------------------------

_VOCAB = ["diffusion", "sampler", "denoising", "distillation", "robot", "grasping", "speech", "parser", "the", "of"]
_words = st.lists(st.sampled_from(_VOCAB), max_size=8).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_words, max_size=8), st.lists(_words, max_size=26), st.lists(st.tuples(_words, _words), max_size=5))
@example([""], [], [("the", "")])                    # examples only, nothing but stop words to fit on
@example(["of"] * 5, ["the"] * 20, [("diffusion", "")])  # enough decisions, no word in them
def test_any_small_record_scores_every_text_finitely_and_relevance_stays_0_to_10(positives, negatives, candidates):
    # Every third pick is a topic example (no date); the rest come from two earlier issues.
    training = [TrainingDoc(f"p{n}", t, 1, f"pick {n}", None if n % 3 == 0 else day(n)) for n, t in enumerate(positives)]
    training += [TrainingDoc(f"n{n}", t, 0, f"left {n}", day(n)) for n, t in enumerate(negatives)]
    model = RelevanceModel(training)
    texts = [paper_text(t, a) for t, a in candidates]
    scores = model.score(texts)
    assert len(scores) == len(texts)
    assert all(s.margin == s.margin and abs(s.margin) != float("inf") for s in scores)
    window = [{"id": f"2411.{n:05d}", "title": t, "abstract": a, "categories": ["cs.CV"]} for n, (t, a) in enumerate(candidates)]
    for s in score_all(window, ScoringContext(phrases={"diffusion": 3.0}, model=model)).values():
        assert type(s["relevance"]["value"]) is int and 0 <= s["relevance"]["value"] <= 10
