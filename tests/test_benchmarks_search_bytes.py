"""benchmarks/search_bytes.py's sorting of a reader's requests into what the search costs."""
from __future__ import annotations

import pytest
from conftest import benchmark_script

search_bytes = benchmark_script("search_bytes")


@pytest.mark.parametrize(("path", "kind"), [
    ("/assets/search.js", "box"),
    ("/digest/assets/search.js?v=1", "box"),
    ("/pagefind/shards.json", "ui"),
    ("/pagefind/2026-07/pagefind.js", "ui"),
    ("/pagefind/2026-07/wasm.en.pagefind", "wasm"),
    ("/pagefind/2026-07/pagefind-entry.json", "entry"),
    ("/pagefind/2026-07/pagefind.en_1a2b.pf_meta", "meta"),
    ("/pagefind/2026-07/index/en_3c4d.pf_index", "index"),
    ("/pagefind/2026-07/fragment/en_5e6f.pf_fragment", "fragment"),
])
def test_each_request_of_the_search_is_counted_as_its_kind(path: str, kind: str) -> None:
    assert search_bytes.kind(path) == kind
    assert kind in search_bytes.KINDS


@pytest.mark.parametrize("path", ["/", "/index.html", "/assets/style.css", "/assets/favicon.svg",
                                  "/2026/07/01/index.html", "/papers/search.js/index.html"])
def test_the_page_and_its_other_files_are_not_search_costs(path: str) -> None:
    assert search_bytes.kind(path) is None
