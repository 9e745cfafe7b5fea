"""A client's whole booking in Chromium, phone-sized: choose, book, pay, move, cancel.

Screenshots of each step go to .data/screenshots/booking/.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from bookings.models import Booking
from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots" / "booking"
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DAY = timezone.now().astimezone(LONDON).date() + timedelta(days=10)
PHONE = {"width": 375, "height": 812}
NOT_LOADED = "Failed to load resource: the server responded with a status of 4"

# Generous waits: several test suites may share this machine's two cores.
WAIT_MS = 20_000

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_expectations():
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def studio_with_a_session():
    StudioFactory(time_zone="Europe/London")
    maya = PhotographerFactory(name="Maya Okafor", slug="maya")  # 09:00–17:00 every day
    CancellationPolicyFactory(version=1, text="Cancel 48 hours ahead for a refund.")
    return SessionTypeFactory(
        name="Professional headshot",
        slug="professional-headshot",
        summary="Two looks, five retouched images.",
        duration_minutes=60,
        price_amount=19500,
        deposit_amount=5000,
        minimum_notice_hours=24,
        photographers=[maya],
    )


class Watch:
    """Everything that went wrong in the page: console errors, script errors, failed loads."""

    def __init__(self, page: Page):
        self.console_errors: list[tuple[str, str]] = []  # (text, URL it is about)
        self.failed_documents: list[str] = []
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _response(self, response) -> None:
        if response.status < 400:
            return
        failed = f"{response.status} {response.url}"
        if response.request.resource_type == "document" and response.status < 500:
            self.failed_documents.append(failed)
        else:
            self.problems.append(failed)

    def unexpected(self) -> list[str]:
        """Problems, and console errors other than those of the expected 4xx page loads.

        Django's plain 404 page links no icon, so after one the browser asks for /favicon.ico
        (also a 404), sometimes before the page is closed and sometimes not.
        """
        expected = {failed.split(" ", 1)[1] for failed in self.failed_documents}
        return self.problems + [
            f"{text} ({url})"
            for text, url in self.console_errors
            if not (
                text.startswith(NOT_LOADED)
                and (url in expected or (expected and urlsplit(url).path == "/favicon.ico"))
            )
        ]


def check_step(page: Page, name: str) -> None:
    """Every step: no sideways scrolling at phone width, and a screenshot."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} scrolls sideways at {width}px ({scroll_width}px wide)"
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def open_day(page: Page, day: date) -> None:
    """From a day picker: page through months to `day`'s, then pick it."""
    for _ in range(3):
        if page.locator("#calendar-heading").inner_text() == f"{day:%B %Y}":
            break
        page.get_by_role("link", name=re.compile("^Next month")).click()
    page.get_by_role(
        "link", name=re.compile(rf"^{day:%A} {day.day} {day:%B}: \d+ times? free")
    ).click()
    expect(page.locator("#times-heading")).to_have_text(f"{day:%A} {day.day} {day:%B}")


def test_a_client_books_pays_moves_and_cancels_on_a_phone(
    live_server, browser: Browser, studio_with_a_session
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, timezone_id="Europe/London", locale="en-GB")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    watch = Watch(page)

    page.goto(live_server.url + "/book/")
    check_step(page, "01-sessions")
    page.get_by_role("link", name="Choose a time for Professional headshot").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Professional headshot")
    open_day(page, DAY)
    check_step(page, "02-day")
    page.get_by_role("link", name="10:00 with Maya Okafor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 7700 900123")
    page.get_by_label("I have read and accept the cancellation policy above.").check()
    check_step(page, "03-details")
    page.get_by_role("button", name="Continue to deposit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pay your deposit")
    check_step(page, "04-deposit")
    page.get_by_role("button", name="Confirm with demo payment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked in")
    expect(page.locator(".booking-facts")).to_contain_text(f"{DAY:%A} {DAY.day} {DAY:%B %Y}, 10:00")
    check_step(page, "05-confirmed")
    page.get_by_role("link", name="Manage my booking").click()

    expect(page.locator(".status")).to_have_text("Confirmed")
    manage_url = page.url
    check_step(page, "06-manage")
    page.get_by_role("link", name="Move to another time").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Move your session")
    open_day(page, DAY)
    check_step(page, "07-reschedule")
    page.get_by_role("button", name="Move to 14:00").click()

    expect(page.get_by_role("status")).to_contain_text("Your session has been moved.")
    expect(page.locator(".booking-facts")).to_contain_text(f"{DAY.day} {DAY:%B %Y}, 14:00–15:00")
    check_step(page, "08-moved")
    page.get_by_role("link", name="Cancel my session").click()

    expect(page.get_by_role("note")).to_have_text(
        "Your deposit of £50.00 will be refunded to the card you paid with."
    )
    page.get_by_label("Yes, cancel my session").check()
    check_step(page, "09-cancel")
    page.get_by_role("button", name="Cancel my session").click()

    expect(page.get_by_role("status")).to_contain_text("Your session is cancelled.")
    expect(page.locator(".status")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Move to another time")).to_have_count(0)
    check_step(page, "10-cancelled")

    tampered = manage_url[:-2] + ("y" if manage_url[-2] == "x" else "x") + "/"
    response = page.goto(tampered)  # an expected 404: the manage link was altered
    assert response.status == 404
    context.close()

    booking = Booking.objects.get()
    assert (booking.status, booking.starts_at, booking.revision) == ("cancelled", at(14), 2)
    assert booking.payments.get().status == "refunded"
    assert watch.failed_documents == [f"404 {response.url}"]
    assert watch.unexpected() == []
    print(f"\nscreenshots saved under {SCREENSHOTS}")


def test_a_visitor_in_another_zone_sees_their_own_time_beside_the_studios(
    live_server, browser: Browser, studio_with_a_session
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/New_York", locale="en-GB"
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    watch = Watch(page)

    page.goto(f"{live_server.url}/book/professional-headshot/?date={DAY.isoformat()}")

    ten = page.get_by_role("link", name=re.compile(r"^10:00 "))
    new_york_time = at(10).astimezone(NEW_YORK).strftime("%H:%M")
    expect(ten.locator(".visitor-time")).to_have_text(f" ({new_york_time} your time)")
    expect(page.locator(".local-zone-note")).to_have_text(
        " Your own time (America/New_York) is shown beside each."
    )
    expect(page.locator(".zone-note")).to_contain_text("Europe/London")
    page.screenshot(path=SCREENSHOTS / "visitor-time-new-york-1280.png", full_page=True)
    ten.click()
    expect(page.locator(".booking-summary .visitor-time")).to_have_text(
        f" ({new_york_time} your time)"
    )
    context.close()

    assert watch.unexpected() == []
    assert watch.failed_documents == []
