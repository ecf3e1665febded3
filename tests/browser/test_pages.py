"""Every page type in headless Chromium: loads cleanly, passes axe-core, fits a phone, is photographed."""
from __future__ import annotations

import pytest

from .conftest import WIDTHS, axe_violations, describe


def _open(tab, site, server, page_type, **kw):
    rel = site.representative(page_type)
    url = server + site.url_path(rel)[len(site.prefix):]
    tab.open(url, **kw)
    return url


@pytest.mark.parametrize("width", WIDTHS)
def test_page_type_loads_cleanly_fits_and_is_photographed(tab, site, server, screenshots, page_type, width):
    url = _open(tab, site, server, page_type, width=width)
    tab.assert_clean()
    page = tab.page
    page.screenshot(path=str(screenshots / f"{page_type}-{width}.png"), full_page=True)
    scroll_width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{url} overflows sideways at {width} px: scrollWidth {scroll_width}"
    if width == min(WIDTHS):
        # Name what sticks out (outside any box that scrolls or clips it), so a failure says what to fix.
        wide = page.evaluate("""(w) => {
            const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 0.5 && !clipped(e))
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
        }""", width)
        assert not wide, f"{url}: elements past the right edge at {width} px: {wide}"


@pytest.mark.parametrize("width,scheme", [(1280, "light"), (390, "light"), (1280, "dark")],
                         ids=["1280-light", "390-light", "1280-dark"])
def test_page_type_has_no_axe_violation(tab, site, server, screenshots, axe_source, page_type, width, scheme):
    url = _open(tab, site, server, page_type, width=width, scheme=scheme)
    violations = axe_violations(tab.page, axe_source)
    if scheme == "dark":
        tab.page.screenshot(path=str(screenshots / f"{page_type}-{width}-dark.png"), full_page=True)
    assert not violations, f"axe-core on {url} at {width} px, {scheme}:\n{describe(violations)}"
    tab.assert_clean()


def test_every_page_loads_cleanly_on_a_phone(tab, site, server):
    """Not just one page per type: every built page, at 390 px, with no error, failed request or overflow."""
    failures = []
    for kind, rels in sorted(site.pages.items()):
        for rel in rels[:100]:
            url = server + site.url_path(rel)[len(site.prefix):]
            tab.open(url, width=390)
            width = tab.page.evaluate("() => document.scrollingElement.scrollWidth")
            if tab.problems:
                failures.append(f"{url}: " + "; ".join(tab.problems))
            if width > 390:
                failures.append(f"{url}: scrollWidth {width} > 390")
    assert not failures, "\n".join(failures)


def test_unknown_address_gets_the_404_page_with_its_styles(tab, site, server):
    url = server + "no/such/page/"
    tab.open(url, status=404)
    tab.assert_clean()
    assert tab.page.evaluate("() => getComputedStyle(document.body).marginTop") == "0px"  # style.css loaded
    assert tab.page.locator("h1").count() == 1
