"""Every HTML email in a real Chromium: it loads nothing remote, fits a phone, and is saved as a
screenshot under .data/screenshots/emails/ for a person to look at."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from bookings.notifications.compose import build_message
from studio.models import Studio
from tests.factories import (
    BookingFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots" / "emails"
KINDS = [
    "confirmation",
    "reminder_48h",
    "reminder_2h",
    "rescheduled",
    "cancelled",
    "refund_issued",
    "late_payment",
    "photographer_booked",
    "photographer_rescheduled",
    "photographer_cancelled",
    "photographer_released",
]
START = datetime(2027, 6, 9, 9, 0, tzinfo=UTC)  # 10:00 in London

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture
def booking():
    StudioFactory(
        street_address="14 Canal Wharf",
        locality="Manchester",
        postal_code="M1 2AB",
        country="United Kingdom",
        phone="+44 161 496 0000",
        directions="Ring the bell marked Northlight; we're on the second floor. "
        "Parking on Canal Street after 6 pm.",
    )
    photographer = PhotographerFactory(name="Maya Okafor", email="maya@studio.example")
    return BookingFactory(
        photographer=photographer,
        session_type=SessionTypeFactory(name="Professional headshot", slug="professional"),
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        client_name="Ada Client",
        notes="I'd like one photo for the company website and one for LinkedIn.",
        intake_answers={
            "What will you use the photos for?": "LinkedIn or CV",
            "Do you wear glasses in daily life?": "Yes",
        },
    )


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def test_every_html_email_renders_offline_and_fits_a_phone(page: Page, booking):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.route("**/*", lambda route: route.abort())  # nothing may be fetched
    earlier = {"previous_starts_at": (START - timedelta(days=1)).isoformat()}

    for kind in KINDS:
        log = NotificationLogFactory(
            booking=booking,
            kind=kind,
            context={**earlier, "previous_photographer": "Sam Lee"}
            if kind.endswith("rescheduled")
            else {},
        )
        html = html_of(build_message(log, studio=Studio.load(), now=START - timedelta(days=2)))
        for width in (375, 700):
            page.set_viewport_size({"width": width, "height": 900})
            page.set_content(html)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, kind
            page.screenshot(path=SCREENSHOTS / f"{kind}-{width}.png", full_page=True)
        assert page.locator("td", has_text="Wednesday 9 June 2027").last.is_visible(), kind

    assert requested == []
    assert problems == []
    print(f"\nemail screenshots saved under {SCREENSHOTS}")
