"""digest.build.memo: results of a pure text function kept between builds, never mistaken for another's."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.build.memo import Memo


class Counting:
    """A pure function of its inputs that counts its calls."""

    def __init__(self):
        self.calls = 0

    def of(self, parts: tuple[str, ...]):
        def compute() -> str:
            self.calls += 1
            return "|".join(parts).upper()
        return compute


def test_a_result_is_computed_once_and_read_back_by_the_next_build(tmp_path: Path) -> None:
    path, f = tmp_path / "feed.xml.json", Counting()
    first = Memo(path, "stamp")
    assert first.get(("<a href='x'>", "https://h/"), f.of(("<a href='x'>", "https://h/"))) == "<A HREF='X'>|HTTPS://H/"
    first.save()
    second = Memo(path, "stamp")
    assert second.get(("<a href='x'>", "https://h/"), f.of(("<a href='x'>", "https://h/"))) == "<A HREF='X'>|HTTPS://H/"
    assert f.calls == 1


def test_results_of_another_stamp_are_not_used(tmp_path: Path) -> None:
    # The stamp is the build's base key: other code or another digest.yaml may give other results.
    path, f = tmp_path / "m.json", Counting()
    memo = Memo(path, "code-1")
    memo.get(("x",), f.of(("x",)))
    memo.save()
    Memo(path, "code-2").get(("x",), f.of(("x",)))
    assert f.calls == 2


def test_only_the_results_a_build_used_are_kept(tmp_path: Path) -> None:
    path, f = tmp_path / "m.json", Counting()
    memo = Memo(path, "s")
    for word in ("old", "kept"):
        memo.get((word,), f.of((word,)))
    memo.save()
    memo = Memo(path, "s")
    memo.get(("kept",), f.of(("kept",)))
    memo.get(("new",), f.of(("new",)))
    memo.save()
    assert sorted(json.loads(path.read_text())["results"].values()) == ["KEPT", "NEW"]


def test_a_memo_kept_in_memory_is_taken_instead_of_the_file_and_only_for_its_own_stamp(tmp_path: Path) -> None:
    path, f = tmp_path / "m.json", Counting()
    first = Memo(path, "s")
    first.get(("a",), f.of(("a",)))  # not saved: the file does not exist
    after = Memo(path, "s", after=first)
    assert after.get(("a",), f.of(("a",))) == "A" and f.calls == 1
    assert not path.exists()
    Memo(path, "other", after=first).get(("a",), f.of(("a",)))
    Memo(tmp_path / "n.json", "s", after=first).get(("a",), f.of(("a",)))
    assert f.calls == 3
    after.save()
    assert Memo(path, "s").get(("a",), f.of(("a",))) == "A" and f.calls == 3


def test_without_a_stamp_nothing_is_read_or_written(tmp_path: Path) -> None:
    path, f = tmp_path / "m.json", Counting()
    for stamp in (None, ""):
        memo = Memo(path, stamp)
        memo.get(("x",), f.of(("x",)))
        memo.save()
    assert not path.exists() and f.calls == 2


@pytest.mark.parametrize("damage", [
    b"", b"{", b"\xff\xfe", b"[]", b'{"format": 1, "stamp": "s"}', b'{"format": 1, "stamp": "s", "results": []}',
    b'{"format": 1, "stamp": "s", "results": {"k": 1}}', b'{"format": 99, "stamp": "s", "results": {}}',
    b"[" * 200_000,
])
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, damage: bytes) -> None:
    path, f = tmp_path / "m.json", Counting()
    path.write_bytes(damage)
    memo = Memo(path, "s")
    assert memo.get(("x",), f.of(("x",))) == "X" and f.calls == 1
    memo.save()
    assert Memo(path, "s").get(("x",), f.of(("x",))) == "X" and f.calls == 1


def test_a_memo_that_cannot_be_written_costs_only_time(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the memo's folder would be")
    memo = Memo(blocker / "m.json", "s")
    assert memo.get(("x",), Counting().of(("x",))) == "X"
    memo.save()  # no exception


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(a=st.lists(texts, min_size=1, max_size=3), b=st.lists(texts, min_size=1, max_size=3))
def test_different_inputs_never_share_a_result(tmp_path_factory, a: list[str], b: list[str]) -> None:
    # Parts are length-prefixed when hashed: ("ab", "c") and ("a", "bc") are different inputs.
    path = tmp_path_factory.mktemp("memo") / "m.json"
    f = Counting()
    memo = Memo(path, "s")
    memo.get(tuple(a), f.of(tuple(a)))
    memo.save()
    Memo(path, "s").get(tuple(b), f.of(tuple(b)))
    assert f.calls == (1 if a == b else 2)
