"""The paying journey in a real Chromium: details → deposit → Stripe Checkout (the fake, over
HTTP) → back on the site, confirmed by the signed webhook. Screenshots go to .data/screenshots/.
"""

from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Booking, Payment, StripeEvent
from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)
from tests.fake_stripe import running

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_site(live_server, settings):
    """The site in Stripe mode; the fake delivers its webhooks to the live server."""
    settings.SITE_URL = live_server.url
    with running(settings, webhook_url=f"{live_server.url}/stripe/webhook/") as fake:
        yield fake


def allow_checkout_origin(settings, origin: str) -> None:
    """Tests only: let the deposit form's 303 lead to the fake's origin, as production lets
    it lead to https://checkout.stripe.com (SECURE_CSP form-action)."""
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], origin],
    }


@pytest.fixture
def details_url(live_server):
    StudioFactory(time_zone="Europe/London")
    photographer = PhotographerFactory(name="Maya Okafor")
    session_type = SessionTypeFactory(name="Professional headshot", photographers=[photographer])
    CancellationPolicyFactory()
    zone = ZoneInfo("Europe/London")
    day = (timezone.now().astimezone(zone) + timedelta(days=3)).date()
    start = datetime.combine(day, time(10), tzinfo=zone)
    return (
        f"{live_server.url}/book/{session_type.slug}/details/"
        f"?start={quote(start.isoformat())}&photographer={photographer.slug}"
    )


def watch_for_problems(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def hold_a_time(page: Page, details_url: str) -> None:
    page.goto(details_url)
    page.get_by_label("Your name").fill("Ada Client")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 7700 900123")
    page.get_by_label("I have read and accept the cancellation policy above.").check()
    page.get_by_role("button", name="Continue to deposit").click()
    expect(page.get_by_role("heading", name="Pay your deposit")).to_be_visible()


def test_a_client_pays_on_checkout_and_lands_confirmed(
    live_server, page: Page, stripe_site, settings, details_url
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    allow_checkout_origin(settings, stripe_site.url)
    problems = watch_for_problems(page)

    hold_a_time(page, details_url)
    page.screenshot(path=SCREENSHOTS / "paying-1-deposit.png", full_page=True)
    page.get_by_role("button", name="Pay £50.00 deposit").click()

    page.wait_for_url(f"{stripe_site.url}/pay/*")
    expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    page.wait_for_url(f"{live_server.url}/book/confirmed/**")
    expect(page.get_by_role("heading", name="You're booked in")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "paying-2-confirmed.png", full_page=True)

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    payment = booking.payments.get()
    assert (payment.provider, payment.status, payment.amount) == (
        Payment.Provider.STRIPE,
        Payment.Status.SUCCEEDED,
        5000,
    )
    # The webhook confirmed it (delivered before the redirect): the page had no need to ask.
    [(event_id, status)] = stripe_site.deliveries
    assert status == 200
    assert StripeEvent.objects.get().event_id == event_id
    assert [r.method for r in stripe_site.requests] == ["POST"]
    assert problems == []


def test_when_the_webhook_is_late_the_page_waits_and_refreshes_itself(
    live_server, page: Page, stripe_site, settings, details_url
):
    allow_checkout_origin(settings, stripe_site.url)
    problems = watch_for_problems(page)
    hold_a_time(page, details_url)
    page.get_by_role("button", name="Pay £50.00 deposit").click()
    page.wait_for_url(f"{stripe_site.url}/pay/*")
    session_id = page.url.rsplit("/", 1)[-1]
    booking = Booking.objects.get()

    # Back on the success page before Stripe has finished: the page says so and refreshes.
    page.goto(f"{live_server.url}/book/confirmed/{booking.public_id}/?session_id={session_id}")
    expect(page.get_by_role("heading", name="We're confirming your payment…")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "paying-3-confirming.png", full_page=True)

    stripe_site.pay(session_id, deliver=False)  # paid, but the webhook doesn't arrive

    expect(page.get_by_role("heading", name="You're booked in")).to_be_visible(timeout=10_000)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert stripe_site.deliveries == []
    assert problems == []


def test_csp_form_action_also_governs_the_redirect_to_checkout(
    live_server, page: Page, stripe_site, details_url
):
    """Without the Checkout origin in form-action, Chromium blocks the 303 that follows the
    deposit form's POST (the site did create the session): form-action applies to the
    redirect too, so production's allowance for https://checkout.stripe.com is required."""
    problems = watch_for_problems(page)
    hold_a_time(page, details_url)
    deposit_url = page.url

    page.get_by_role("button", name="Pay £50.00 deposit").click()

    expect(page).to_have_url(deposit_url)
    page.wait_for_timeout(500)
    assert len(stripe_site.calls("POST", "/v1/checkout/sessions")) == 1
    assert page.url == deposit_url
    assert any(
        "violates the following Content Security Policy directive" in problem
        and "form-action" in problem
        for problem in problems
    ), problems
