"""The photographer's desk in admin: calendar, time off, day sheet, dashboard, who sees and edits
what, and the booking page's actions (a refused one, moving a session)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, Payment, TimeOff
from tests.bookings.desk.helpers import photographer_login
from tests.factories import (
    BookingFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime(2027, 6, 7, tzinfo=UTC)  # London BST


@pytest.fixture
def studio():
    return StudioFactory(time_zone="Europe/London")


@pytest.fixture
def owner(client, studio):
    user = UserFactory(username="owner", is_superuser=True)
    client.force_login(user)
    return user


def book(photographer, start, **extra):
    return BookingFactory(
        photographer=photographer, starts_at=start, ends_at=start + timedelta(hours=1), **extra
    )


def test_week_view_lists_bookings_time_off_and_hours_in_local_time(client, owner):
    maya = PhotographerFactory(name="Maya")
    book(maya, MONDAY.replace(hour=9), client_name="Priya Shah")
    TimeOff.objects.create(
        photographer=maya,
        starts_at=MONDAY.replace(hour=13),
        ends_at=MONDAY.replace(hour=15),
        reason="Dentist",
    )

    response = client.get(reverse("admin:calendar"), {"view": "week", "date": "2027-06-09"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "7 Jun – 13 Jun 2027" in html
    assert "10:00–11:00</span> Priya Shah" in html  # 09:00 UTC is 10:00 BST
    assert "14:00–16:00</span> Time off" in html
    assert "Hours: 09:00–17:00" in html


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_calendar_queries_do_not_grow_with_bookings(client, owner, view):
    maya = PhotographerFactory()

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(
                    reverse("admin:calendar"), {"view": view, "date": "2027-06-09"}
                ).status_code
                == 200
            )
        return len(queries)

    count_queries()  # warm the cached studio profile
    for day in range(3):
        book(maya, MONDAY + timedelta(days=day, hours=9))
    few = count_queries()
    for day in range(3, 30):
        book(maya, MONDAY + timedelta(days=day % 28, hours=10 + day // 28 * 2))
    many = count_queries()

    assert few == many
    assert many <= 10


def test_adding_time_off_from_the_calendar_shows_the_bookings_it_conflicts_with(client, owner):
    maya = PhotographerFactory(name="Maya")
    clash = book(maya, MONDAY.replace(hour=9), client_name="Priya Shah")
    book(maya, MONDAY.replace(hour=9) + timedelta(days=1), client_name="Tom Becker")

    response = client.post(
        reverse("admin:calendar") + "?view=week&date=2027-06-07",
        {
            "photographer": maya.pk,
            "start_date": "2027-06-07",
            "end_date": "2027-06-07",
            "reason": "Workshop",
        },
    )

    assert response.status_code == 200
    time_off = TimeOff.objects.get()
    assert (time_off.starts_at, time_off.ends_at) == (
        datetime(2027, 6, 6, 23, tzinfo=UTC),
        datetime(2027, 6, 7, 23, tzinfo=UTC),
    )
    html = response.content.decode()
    assert "Bookings inside the new time off" in html
    assert reverse("admin:bookings_booking_change", args=[clash.pk]) in html
    assert "Tom Becker" not in html.split("Bookings inside the new time off")[1].split("</ul>")[0]


def test_time_off_that_ends_before_it_starts_is_refused(client, owner):
    maya = PhotographerFactory()

    response = client.post(
        reverse("admin:calendar"),
        {
            "photographer": maya.pk,
            "start_date": "2027-06-08",
            "end_date": "2027-06-07",
        },
    )

    assert "The end must be after the start." in response.content.decode()
    assert TimeOff.objects.count() == 0


def test_day_sheet_lists_the_days_sessions_with_balance_due(client, owner):
    maya = PhotographerFactory()
    session_type = SessionTypeFactory(name="Professional headshot")
    paid = book(
        maya,
        MONDAY.replace(hour=13),
        client_name="Tom Becker",
        session_type=session_type,
        intake_answers={"Glasses?": "Yes"},
    )
    Payment.objects.create(
        booking=paid,
        provider="demo",
        kind="deposit",
        status="succeeded",
        amount=5000,
        currency="GBP",
    )
    book(maya, MONDAY.replace(hour=9), client_name="Priya Shah")
    book(maya, MONDAY.replace(hour=9) + timedelta(days=1), client_name="Tomorrow Person")

    html = client.get(reverse("admin:day-sheet"), {"date": "2027-06-07"}).content.decode()

    assert html.index("Priya Shah") < html.index("Tom Becker")
    assert "Tomorrow Person" not in html
    assert "<strong>Glasses?</strong> Yes" in html
    assert "£150.00" in html  # 200.00 price − 50.00 deposit paid
    assert "£200.00" in html  # nothing paid yet


def test_dashboard_shows_the_week_holds_money_and_a_chart_with_a_text_alternative(client, owner):
    maya = PhotographerFactory()
    soon = book(maya, datetime.now(UTC) + timedelta(days=2), client_name="Priya Shah")
    Payment.objects.create(
        booking=soon,
        provider="demo",
        kind="deposit",
        status="succeeded",
        amount=5000,
        currency="GBP",
        paid_at=datetime.now(UTC),
    )
    book(
        maya,
        datetime.now(UTC) + timedelta(days=3),
        client_name="Held Person",
        status=Booking.Status.HELD,
    )

    html = client.get(reverse("admin:index")).content.decode()

    assert "Priya Shah" in html
    assert "Held Person" in html
    assert "£50.00 <span>deposits taken</span>" in html
    assert '<svg viewBox="0 0 760 240" role="img"' in html
    assert html.count("<rect ") == 25  # 12 weeks back, this week, 12 ahead
    assert "The figures as a table" in html


def test_a_photographer_sees_only_their_own_calendar_and_bookings(client, studio):
    maya = photographer_login(client)
    other = PhotographerFactory(name="Other")
    book(maya, MONDAY.replace(hour=9), client_name="Mine")
    theirs = book(other, MONDAY.replace(hour=9), client_name="Theirs")

    calendar = client.get(reverse("admin:calendar"), {"date": "2027-06-07"}).content.decode()
    changelist = client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    other_page = client.get(reverse("admin:bookings_booking_change", args=[theirs.pk]))

    assert "Mine" in calendar and "Theirs" not in calendar
    assert "Mine" in changelist and "Theirs" not in changelist
    assert other_page.status_code == 302  # not found in their queryset → back to the list


def test_only_the_owner_edits_other_photographers_and_the_studio(client, studio):
    maya = photographer_login(client)
    other = PhotographerFactory(name="Other")

    assert (
        client.get(reverse("admin:bookings_photographer_change", args=[maya.pk])).status_code == 200
    )
    assert (
        client.get(reverse("admin:bookings_photographer_change", args=[other.pk])).status_code
        == 302
    )
    studio_page = reverse("admin:studio_studio_change", args=[1])
    assert client.get(studio_page).status_code == 200  # to read
    assert client.post(studio_page, {"name": "Mine now"}).status_code == 403


def test_a_refused_admin_action_explains_and_changes_nothing(client, owner):
    maya = PhotographerFactory()
    booking = book(maya, MONDAY.replace(hour=9), status=Booking.Status.CANCELLED)

    response = client.post(
        reverse("admin:bookings_booking_act", args=[booking.pk, "mark_completed"]), follow=True
    )

    assert "Nothing was changed." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.events.count() == 0


def test_staff_reschedule_moves_the_booking_to_a_free_slot(client, owner):
    maya = PhotographerFactory()
    session_type = SessionTypeFactory(photographers=[maya])
    booking = book(
        maya,
        datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=10),
        session_type=session_type,
    )
    new_start = booking.starts_at + timedelta(hours=3)

    page = client.get(reverse("admin:bookings_booking_reschedule", args=[booking.pk]))
    response = client.post(
        reverse("admin:bookings_booking_reschedule", args=[booking.pk]),
        {"start": new_start.isoformat()},
    )

    assert new_start.isoformat() in page.content.decode()
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.revision) == (new_start, 2)
