"""Every page of the site's shell in a real Chromium: no console errors, no CSP violations."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.factories import StudioFactory

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots"
PAGES = ["/", "/about/", "/services/", "/contact/", "/privacy/"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def watch_for_problems(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.mark.parametrize("width", [375, 1280])
def test_shell_pages_render_cleanly(live_server, page: Page, width):
    StudioFactory()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    problems = watch_for_problems(page)

    for path in PAGES:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("main#main").is_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{path} scrolls sideways at {width}px"
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=SCREENSHOTS / f"shell-{name}-{width}.png", full_page=True)

    assert problems == []
    print(f"\nscreenshots saved under {SCREENSHOTS}")


def test_skip_link_moves_focus_to_the_content(live_server, page: Page):
    StudioFactory()
    page.goto(live_server.url + "/about/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_contact_form_in_the_browser(live_server, page: Page):
    StudioFactory()
    page.goto(live_server.url + "/contact/")

    page.get_by_label("Name").fill("Ada Client")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Message").fill("Do you photograph teams?")
    page.get_by_role("button", name="Send message").click()

    assert page.get_by_role("status").inner_text().startswith("Thank you")
