"""The photographer's desk (Django admin) in a real Chromium: sign-in, calendar and time off,
a refund through Stripe (the fake, over HTTP), client data, the dashboard chart, and who may
see what. Every page must load without console errors or CSP violations (Chromium logs those
as console errors). Screenshots go to .data/screenshots/desk/.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import demo as bookings_demo
from bookings.models import Booking, Payment
from bookings.payments import checkout
from studio import demo as studio_demo
from studio.models import Studio
from tests.factories import BookingFactory, PhotographerFactory
from tests.fake_stripe import running

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots" / "desk"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def quiet(*_args) -> None:
    pass


@pytest.fixture
def demo(live_server) -> list[Booking]:
    """The demo studio: logins (admin, maya), Maya's calendar and her confirmed demo sessions
    in the coming week."""
    studio_demo.seed(quiet)
    bookings_demo.seed(quiet)
    bookings = list(Booking.objects.select_related("session_type").order_by("starts_at"))
    demo_names = [name for name, _email, _use in bookings_demo.DEMO_CLIENTS]
    assert len(bookings) >= 2
    assert all(b.status == Booking.Status.CONFIRMED for b in bookings)
    assert all(b.client_name in demo_names for b in bookings)
    return bookings


@pytest.fixture
def problems(page: Page) -> list[str]:
    """Console errors (CSP violations included) and uncaught exceptions on any page."""
    seen: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and seen.append(msg.text))
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and seen.append(f"{response.status} {response.url}")
        ),
    )
    return seen


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"\nscreenshot: {path}")


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(studio_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="This week at the studio")).to_be_visible()


def local(moment: datetime) -> datetime:
    """A moment on the studio's clock (the desk shows every time that way)."""
    return moment.astimezone(Studio.load().zone)


def test_a_photographer_signs_in_and_sees_the_demo_sessions_in_the_week_view(
    live_server, page: Page, demo, problems
):
    today = local(timezone.now()).date()
    monday = today - timedelta(days=today.weekday())

    sign_in(page, live_server, "maya")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Calendar").click()

    expect(page.get_by_role("heading", name="Calendar")).to_be_visible()
    highlighted = page.locator(".desk-day.is-today")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_have_attribute("aria-label", f"{today:%A} {today.day} {today:%B}")
    expect(highlighted.locator(".desk-today")).to_have_text("today")
    screenshot(page, "calendar-week")
    # The demo sessions fall in the coming nine days: this week and the next one or two.
    for week in range(3):
        first = monday + timedelta(weeks=week)
        expected = [
            f"{local(b.starts_at):%H:%M}–{local(b.ends_at):%H:%M} {b.client_name}"
            for b in demo
            if first <= local(b.starts_at).date() < first + timedelta(days=7)
        ]
        shown = [
            " ".join(text.split()[:3]) for text in page.locator(".desk-entry").all_inner_texts()
        ]
        assert shown == expected, (week, shown, expected)
        page.get_by_role("link", name="Next →").click()
    assert problems == []


def test_time_off_over_a_demo_session_lists_it_as_a_conflict_with_a_link_to_it(
    live_server, page: Page, demo, problems
):
    clash = demo[0]
    start, end = local(clash.starts_at), local(clash.ends_at)

    sign_in(page, live_server, "maya")
    page.goto(f"{live_server.url}/admin/calendar/?view=week&date={start:%Y-%m-%d}")
    page.locator("summary", has_text="Add time off").click()
    page.get_by_label("Photographer").select_option(label="Maya Okafor")
    page.get_by_label("Start date").fill(f"{start:%Y-%m-%d}")
    page.get_by_label("Start time").fill(f"{start:%H:%M}")
    page.get_by_label("End date").fill(f"{end:%Y-%m-%d}")
    page.get_by_label("End time").fill(f"{end:%H:%M}")
    page.get_by_label("Reason").fill("Workshop")
    page.get_by_role("button", name="Add time off").click()

    conflicts = page.get_by_role("alert").filter(has_text="Bookings inside the new time off")
    expect(conflicts).to_be_visible()
    link = conflicts.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_contain_text(clash.client_name)
    expect(link).to_have_attribute("href", f"/admin/bookings/booking/{clash.pk}/change/")
    screenshot(page, "time-off-conflict")
    link.click()
    expect(page.get_by_role("heading", name="Change booking")).to_be_visible()
    expect(page.locator("#id_client_name")).to_have_value(clash.client_name)
    assert problems == []


@pytest.fixture
def fake_stripe(live_server, settings):
    """The site in Stripe mode, its API calls going to a fresh fake Stripe over HTTP."""
    settings.SITE_URL = live_server.url
    with running(settings) as fake:
        yield fake


def test_cancelling_with_a_refund_from_the_booking_page_refunds_through_stripe(
    live_server, page: Page, fake_stripe, problems
):
    studio_demo.seed(quiet)
    booking = BookingFactory(
        status=Booking.Status.HELD,
        client_name="Ada Client",
        photographer=PhotographerFactory(name="Maya Okafor"),
        starts_at=timezone.now() + timedelta(days=10),
    )
    session_id = checkout.checkout_start(booking=booking).rsplit("/", 1)[-1]
    paid = fake_stripe.pay(session_id, deliver=False)
    assert checkout.checkout_session_paid(paid["data"]["object"]) == "confirmed"
    deposit = booking.payments.get()

    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/bookings/booking/{booking.pk}/change/")
    expect(page.locator(".field-status .readonly")).to_have_text("Confirmed")
    page.get_by_role("button", name="Cancel and refund the deposit").click()

    expect(page.locator(".messagelist")).to_contain_text("Cancelled with refund: 1 booking(s).")
    expect(page.locator(".field-status .readonly")).to_have_text("Cancelled")
    screenshot(page, "booking-cancelled-refunded")
    [refund_call] = fake_stripe.calls("POST", "/v1/refunds")
    assert refund_call.params["payment_intent"] == deposit.payment_intent_id
    assert refund_call.params["amount"] == "5000"
    booking.refresh_from_db()
    deposit.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert (deposit.status, deposit.refunded_amount) == (Payment.Status.REFUNDED, 5000)
    assert problems == []


def test_the_owner_exports_a_clients_data_as_json_then_erases_it(
    live_server, page: Page, demo, problems
):
    booking = demo[0]

    sign_in(page, live_server, "admin")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Client data").click()
    page.get_by_label("Client's email address").fill(booking.client_email)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("1 booking(s), 0 message(s).")).to_be_visible()
    assert page.url == f"{live_server.url}/admin/clients/"  # no address in the history
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download as JSON").click()
    download = download_info.value
    exported = json.loads(Path(download.path()).read_text())

    assert download.suggested_filename == f"client-data-{booking.client_email}.json"
    assert exported["email"] == booking.client_email
    [held] = exported["bookings"]
    assert (held["reference"], held["name"], held["status"]) == (
        str(booking.public_id),
        booking.client_name,
        "confirmed",
    )
    confirmation = next(email for email in held["emails"] if email["kind"] == "confirmation")
    assert (confirmation["recipient"], confirmation["status"]) == (booking.client_email, "sent")

    page.get_by_label("I understand this cannot be undone").check()
    page.get_by_role("button", name="Erase this client's personal data").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Erased {booking.client_email}: 1 booking(s) anonymised, 0 message(s) deleted."
    )
    screenshot(page, "client-erased")
    page.goto(f"{live_server.url}/admin/bookings/booking/{booking.pk}/change/")
    expect(page.locator("#id_client_name")).to_have_value("Erased client")
    expect(page.locator("#id_client_email")).to_have_value(f"erased-{booking.public_id}@invalid")
    booking.refresh_from_db()
    assert (booking.client_name, booking.client_phone) == ("Erased client", "")
    assert problems == []


def test_the_dashboard_chart_has_25_weekly_bars_and_a_table_of_the_figures(
    live_server, page: Page, demo, problems
):
    sign_in(page, live_server, "admin")

    chart = page.get_by_role("img", name="Bookings and deposit revenue per week")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(25)  # 12 weeks back, this week, 12 ahead
    page.get_by_text("The figures as a table").click()
    table = page.locator(".desk-chart table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(25)
    this_week = local(timezone.now()).isocalendar()[:2]
    booked_this_week = [b for b in demo if local(b.starts_at).isocalendar()[:2] == this_week]
    expect(table.locator("tbody tr.is-current td").nth(1)).to_have_text(str(len(booked_this_week)))
    screenshot(page, "dashboard-chart")
    assert problems == []


def test_a_photographer_cannot_open_another_photographers_booking(
    live_server, page: Page, demo, problems
):
    theirs = BookingFactory(
        photographer=PhotographerFactory(name="Other Photographer"), client_name="Not Yours"
    )

    sign_in(page, live_server, "maya")
    page.goto(f"{live_server.url}/admin/bookings/booking/{theirs.pk}/change/")

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator(".messagelist")).to_contain_text("doesn’t exist")
    expect(page.get_by_text("Not Yours")).to_have_count(0)
    screenshot(page, "other-booking-refused")
    response = page.request.post(
        f"{live_server.url}/admin/bookings/booking/{theirs.pk}/act/cancel_with_refund/"
    )
    assert response.status == 403
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.CONFIRMED
    assert problems == []
