"""Code/project links and venues from abstracts, comments and journal refs."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.fetch.detect import detect_links
from digest.venues import VENUES, detect_venue


@pytest.mark.parametrize(
    "comment, journal_ref, venue",
    [
        ("Accepted to ECCV 2026", None, "ECCV 2026"),
        ("ECCV 2026", None, "ECCV 2026"),
        ("CVPR 2025 (Oral)", None, "CVPR 2025 (Oral)"),
        ("NeurIPS 2025 workshop", None, "NeurIPS 2025 Workshop"),
        ("Accepted at ICLR 2026 as a poster", None, "ICLR 2026 (Poster)"),
        ("14 pages, 6 figures, accepted by AAAI 2026", None, "AAAI 2026"),
        ("Accepted to CVPR'25. Code: https://github.com/a/b", None, "CVPR 2025"),
        ("Accepted to SIGGRAPH Asia 2025", None, "SIGGRAPH Asia 2025"),
        ("SIGGRAPH 2025 Conference Papers", None, "SIGGRAPH 2025"),
        ("Findings of EMNLP 2025", None, "EMNLP 2025 Findings"),
        ("Accepted to ICML 2025 (Spotlight)", None, "ICML 2025 (Spotlight)"),
        ("Accepted to the 2025 IEEE/CVF Conference on Computer Vision and Pattern Recognition", None, "CVPR 2025"),
        ("Published in Transactions on Machine Learning Research (TMLR), 2025", None, "TMLR 2025"),
        ("Submitted to CVPR 2026", None, "under review: CVPR 2026"),
        ("Under review at ICLR 2026", None, "under review: ICLR 2026"),
        ("Submitted to IEEE Transactions on Robotics", None, "under review: IEEE Transactions on Robotics"),
        ("Extension of our CVPR 2024 paper; submitted to TPAMI", None, "under review: TPAMI"),
        ("Accepted to NeurIPS 2025 after a previous submission to ICML 2025", None, "NeurIPS 2025"),
        ("8 pages, 3 figures. Published version", "Phys. Rev. B 85, 115117 (2012)", "Phys. Rev. B 85, 115117 (2012)"),
        ("Under review", "IEEE TPAMI 2024", "TPAMI 2024"),
        ("Accepted to the 7th Symposium on Foo Bar", None, "7th Symposium on Foo Bar"),
        ("Accepted to the International Conference of Software Testing (ICST2023)", None, "ICST 2023"),
        (None, "Proc. 2023 IEEE International Conference on Software Testing Workshops (ICSTW)", "ICSTW 2023"),
        ("12 pages, 5 figures", None, None),
        (None, None, None),
        ("", "", None),
        ("we aim for acl anthology", None, None),
    ],
)
def test_detect_venue(comment, journal_ref, venue):
    assert detect_venue(comment, journal_ref) == venue


def test_venue_table_has_the_usual_suspects():
    for name in ("CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR", "AAAI", "IJCAI", "ACL", "EMNLP", "NAACL",
                 "SIGGRAPH", "SIGGRAPH Asia", "WACV", "BMVC", "3DV", "TPAMI", "TMLR", "JMLR"):
        assert name in VENUES


def test_links_code_and_project():
    abstract = (
        "Code is at https://github.com/UnicomAI/OTCache. Project page: sjtu-deng-lab.github.io/mbd-lms, "
        "weights on huggingface.co/org/model), see also (https://gitlab.com/grp/repo.git) and "
        "http://GitHub.com/UnicomAI/OTCache/ again; not https://example.org/x nor https://github.com/ "
        "nor https://huggingface.co/papers/2411.00001."
    )
    assert detect_links(abstract) == {
        "code": ["https://github.com/UnicomAI/OTCache", "https://huggingface.co/org/model", "https://gitlab.com/grp/repo"],
        "project": ["https://sjtu-deng-lab.github.io/mbd-lms"],
    }


def test_links_from_several_texts_are_deduped():
    links = detect_links("see https://foo.github.io/", "Project: https://foo.github.io; code: \\url{https://github.com/a/b}")
    assert links == {"code": ["https://github.com/a/b"], "project": ["https://foo.github.io"]}


def test_links_keep_balanced_parentheses():
    assert detect_links("(see https://github.com/a/b_(v2))")["code"] == ["https://github.com/a/b_(v2)"]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text()))
def test_detection_never_raises(comment, journal_ref):
    venue = detect_venue(comment, journal_ref)
    assert venue is None or isinstance(venue, str)
    links = detect_links(comment, journal_ref)
    for url in links["code"] + links["project"]:
        assert url.startswith("https://")
        assert url[-1] not in ".,;:!?"


venue_words = st.sampled_from(["Accepted", "to", "at", "CVPR", "2025", "(Oral)", "workshop", "Submitted", "under review",
                               "NeurIPS", "'24", ";", ".", "github.com/x/y", "https://a.github.io/p).", "ICLR", "poster"])


@settings(max_examples=300, deadline=None)
@given(st.lists(venue_words, max_size=12).map(" ".join))
def test_detection_never_raises_on_venue_like_text(text):
    detect_venue(text, text)
    detect_links(text)
