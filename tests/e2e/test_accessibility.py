"""Accessibility in a real Chromium: axe-core (WCAG 2.2 A and AA, no rule disabled) on every
public page and every step of the booking flow, keyboard-only booking, 320 px and 200 % zoom.

Public pages come from the URL configuration (routes without parameters) and the sitemap, not
from a hand-kept list. axe-core is the copy shipped inside the axe-playwright-python package,
evaluated from disk.
"""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Page

from bookings.demo import seed as seed_bookings
from studio.demo import seed as seed_studio

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
NOT_PAGES = ("admin/", "dev/", "media/", "static/", "healthz", "bench/", "stripe/")
AXE = Axe()


def seed() -> None:
    def quiet(message):
        return None

    seed_studio(quiet)
    seed_bookings(quiet)
    try:
        from blog.demo import seed as seed_blog
    except ImportError:
        return
    seed_blog(quiet)


def parameterless_routes() -> list[str]:
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and "<" not in route
                and "(" not in route
                and not route.startswith(NOT_PAGES)
                and not route.endswith((".xml", ".txt", ".json"))
            ):
                routes.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return routes


def public_pages(page: Page, base: str) -> list[str]:
    paths = set(parameterless_routes())
    sitemap = page.request.get(base + "/sitemap.xml")
    if sitemap.ok:
        namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        for location in ET.fromstring(sitemap.body()).findall(".//s:loc", namespace):
            paths.add(urlsplit(location.text).path)
    return sorted(path for path in paths if not re.search(r"feed", path))


def problems_on(page: Page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "status of 4" not in message.text
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def axe_violations(page: Page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
    ]


def test_every_public_page_has_no_wcag_violations_and_fits_320px(live_server, page: Page):
    seed()
    problems = problems_on(page)
    paths = public_pages(page, live_server.url)
    assert "/" in paths and "/book/" in paths

    failures = {}
    for width, scale in ((320, 1), (640, 2)):  # 640 CSS px at scale 2 is 1280 px at 200 % zoom
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            found = axe_violations(page) if width == 320 else []
            if page.evaluate("document.documentElement.scrollWidth") > width:
                found.append(f"scrolls sideways at {width}px (zoom {scale * 100}%)")
            if found:
                failures[f"{path} @{width}"] = found

    assert failures == {}
    assert problems == []


def tab_to(page: Page, pattern: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text or label matches, like a keyboard user."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "(() => { const e = document.activeElement; return (e.getAttribute('aria-label') "
            "|| e.innerText || e.value || e.name || '') + ' ' + (e.labels && e.labels[0] ? "
            "e.labels[0].innerText : ''); })()"
        )
        if re.search(pattern, label, re.I | re.S):
            return
    raise AssertionError(f"could not reach {pattern!r} with the keyboard")


def focus_is_visible(page: Page) -> bool:
    return page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); "
        "return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; })()"
    )


def test_the_booking_flow_by_keyboard_alone_with_axe_at_each_step(live_server, page: Page):
    seed()
    problems = problems_on(page)
    page.set_viewport_size({"width": 390, "height": 844})
    violations: dict[str, list[str]] = {}

    def check(step: str) -> None:
        if found := axe_violations(page):
            violations[step] = found

    page.goto(live_server.url + "/")
    tab_to(page, r"^Book a session")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/")
    check("session types")

    tab_to(page, r"Choose a time.*Express headshot")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/express-headshot/")
    check("calendar")

    tab_to(page, r"\d\d:\d\d")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/details/**")
    check("details form")

    # Submitting empty: errors are announced and described.
    tab_to(page, r"Continue to deposit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "form-errors"  # focus on the summary
    assert page.get_by_role("alert").first.is_visible()
    invalid = page.locator("[aria-invalid=true]").first
    assert invalid.get_attribute("aria-describedby")
    check("details form with errors")

    for label, value in (
        ("Your name", "Ada Keys"),
        ("Email", "ada@example.com"),
        ("Phone", "+44 7700 900123"),
    ):
        tab_to(page, label)
        page.keyboard.type(value)
    tab_to(page, r"What will you use the photos for")
    page.keyboard.press("ArrowDown")
    tab_to(page, r"I have read and accept")
    page.keyboard.press("Space")
    tab_to(page, r"Continue to deposit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/deposit/**")
    check("deposit")

    tab_to(page, r"Confirm with demo payment")
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirmed/**")
    check("confirmation")
    assert "You're booked in" in page.content()

    tab_to(page, r"Manage my booking")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/**")
    check("manage")
    tab_to(page, r"Cancel my session")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cancel/")
    check("cancel")
    page.go_back()
    page.wait_for_url("**/manage/*/*/")
    tab_to(page, r"Move to another time")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reschedule/")
    check("reschedule")

    assert violations == {}
    assert problems == []
