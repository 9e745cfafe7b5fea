"""The list of sessions, a session type's day picker and its slots.json: what each answers,
and in how many queries."""

from datetime import date, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studio.models import Studio
from tests.bookings.views.helpers import (
    DAY,
    MONTH,
    TODAY,
    at,
    booked,
    details_url,
    local_times,
    text,
)
from tests.factories import PhotographerFactory, SessionTypeFactory

pytestmark = pytest.mark.django_db


def slots_url(start, end, slug: str = "headshot") -> str:
    return (
        f"{reverse('bookings:slots-json', args=[slug])}?{urlencode({'start': start, 'end': end})}"
    )


def page_url(day: date = DAY, slug: str = "headshot") -> str:
    return f"{reverse('bookings:session-type', args=[slug])}?date={day.isoformat()}"


# The list of sessions and a session type's day picker


def test_list_shows_bookable_session_types_with_length_price_and_deposit(client, headshot):
    SessionTypeFactory(name="Retired session", active=False)

    response = client.get(reverse("bookings:list"))

    assert response.status_code == 200
    assert list(response.context["session_types"]) == [headshot]
    page = text(response)
    assert "Headshot" in page
    assert "<dt>Length</dt><dd>1 h</dd>" in page
    assert "<dt>Price</dt><dd>£195.00</dd>" in page
    assert "<dt>Deposit today</dt><dd>£50.00</dd>" in page
    assert "Retired session" not in page
    assert f'href="{reverse("bookings:session-type", args=["headshot"])}"' in page


def test_day_picker_shows_the_free_times_of_the_requested_day(client, headshot, maya):
    booked(headshot, maya, at(10))

    response = client.get(page_url(DAY))

    assert response.status_code == 200
    assert response.context["day"] == DAY
    assert response.context["month"] == MONTH
    # 09:30 and 10:30 would overlap the 10:00–11:00 session; 16:00 is the last that ends by 17:00.
    assert local_times(response) == [
        "09:00",
        "11:00",
        "11:30",
        "12:00",
        "12:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
    ]
    page = response.content.decode()
    assert "All times are in the studio's time zone, <strong>Europe/London</strong>." in page
    start = quote(at(9).isoformat(), safe="/")
    assert f'href="/book/headshot/details/?start={start}&amp;photographer=maya"' in page
    assert f'aria-current="date">{DAY.day}</a>' in page


def test_a_time_two_photographers_have_free_is_offered_once_as_any_available(
    client, headshot, maya
):
    sam = PhotographerFactory(name="Sam Lee", slug="sam")
    headshot.photographers.add(sam)
    booked(headshot, maya, at(10))

    response = client.get(page_url(DAY))

    by_time = {
        entry["local"].strftime("%H:%M"): (entry["photographer"], entry["label"])
        for entry in response.context["times"]
    }
    assert by_time["09:00"] == ("any", "any available photographer")
    assert by_time["10:00"] == ("sam", "Sam Lee")


def test_an_unreadable_date_is_refused_with_a_reason(client, headshot):
    response = client.get(reverse("bookings:session-type", args=["headshot"]) + "?date=10/01")

    assert response.status_code == 400
    assert "That date isn't one we recognise; please pick a day from the calendar." in text(
        response
    )


def test_a_date_outside_the_booking_window_explains_the_window(client, headshot):
    far = TODAY + timedelta(days=400)

    response = client.get(page_url(far))

    first, last = TODAY, TODAY + timedelta(days=365)
    assert response.status_code == 200
    assert (
        f"Online booking is open from {first.day} {first:%B %Y} to {last.day} {last:%B %Y}; "
        "please pick a day in that range."
    ) in text(response)


@pytest.mark.parametrize("slug", ["no-such-session", "inactive"])
def test_unknown_or_inactive_session_types_are_not_found(client, slug):
    SessionTypeFactory(slug="inactive", active=False)

    assert client.get(reverse("bookings:session-type", args=[slug])).status_code == 404
    assert client.get(slots_url(DAY, DAY, slug=slug)).status_code == 404
    assert client.get(details_url(at(10), slug=slug)).status_code == 404


# slots.json


def test_slots_json_lists_free_slots_in_the_studio_zone_with_offsets(
    client, studio, headshot, maya
):
    studio.time_zone = "Asia/Kolkata"  # UTC+05:30 all year
    studio.save()
    kolkata = ZoneInfo("Asia/Kolkata")
    booked(headshot, maya, at(10, zone=kolkata))

    response = client.get(slots_url(DAY, DAY))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    starts = ["09:00"] + [f"{hour:02}:{minute:02}" for hour in range(11, 16) for minute in (0, 30)]
    starts.append("16:00")
    assert response.json() == {
        "time_zone": "Asia/Kolkata",
        "slots": [
            {
                "start": f"{DAY}T{start}:00+05:30",
                "end": f"{DAY}T{int(start[:2]) + 1:02}{start[2:]}:00+05:30",
                "photographer": "maya",
            }
            for start in starts
        ],
    }


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({}, "start and end are required dates in the form YYYY-MM-DD."),
        ({"start": DAY.isoformat()}, "start and end are required dates in the form YYYY-MM-DD."),
        (
            {"start": "tomorrow", "end": DAY.isoformat()},
            "start and end are required dates in the form YYYY-MM-DD.",
        ),
        (
            {"start": DAY.isoformat(), "end": f"{DAY.year}-13-01"},
            "start and end are required dates in the form YYYY-MM-DD.",
        ),
        (
            {"start": DAY.isoformat(), "end": (DAY - timedelta(days=1)).isoformat()},
            "end must not be before start.",
        ),
        (
            {"start": DAY.isoformat(), "end": (DAY + timedelta(days=62)).isoformat()},
            "Ask for at most 62 days at a time.",
        ),
    ],
    ids=["missing", "no-end", "malformed-start", "malformed-end", "reversed", "63-days"],
)
def test_slots_json_refuses_bad_ranges_with_a_reason(client, headshot, query, reason):
    response = client.get(f"{reverse('bookings:slots-json', args=['headshot'])}?{urlencode(query)}")

    assert response.status_code == 400
    assert response.json() == {"error": reason}


def test_slots_json_accepts_the_longest_range(client, headshot):
    response = client.get(slots_url(DAY, DAY + timedelta(days=61)))

    assert response.status_code == 200
    assert len(response.json()["slots"]) == 62 * 15


# Query counts: loading availability costs the same however full the calendar is


def fill_calendar(session_type, photographer, count: int, *, skip: int = 0) -> None:
    """`count` one-hour bookings spread over MONTH's first four weeks, four a day at most."""
    for index in range(skip, skip + count):
        day = MONTH + timedelta(days=index % 28)
        booked(session_type, photographer, at(9 + 2 * (index // 28), day=day))


def split_queries(captured: CaptureQueriesContext) -> tuple[int, int]:
    """(queries of the page itself, reads of the studio's profile).

    The profile is cached (Studio.load()); on a busy machine a cache read can time out and fall
    back to the database, so it is counted apart: at most one read either way."""
    profile = sum('"studio_studio"' in query["sql"] for query in captured.captured_queries)
    return len(captured) - profile, profile


def test_day_picker_and_slots_json_queries_do_not_grow_with_bookings(client, headshot, maya):
    json_url = slots_url(MONTH, MONTH + timedelta(days=27))

    def measure() -> dict[str, object]:
        cache.delete_pattern("page:*")  # whole-page copies cleared: count the real work
        Studio.load()  # warm the cached profile, as on a running site
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(page_url(DAY)).status_code == 200
        with CaptureQueriesContext(connection) as json_queries:
            response = client.get(json_url)
        assert response.status_code == 200
        return {
            "page": split_queries(page_queries),
            "json": split_queries(json_queries),
            "slots": len(response.json()["slots"]),
        }

    fill_calendar(headshot, maya, 3)
    few = measure()
    fill_calendar(headshot, maya, 27, skip=3)
    many = measure()

    # The session type, then working hours, bookings and time off: 4 each, whatever the load.
    assert few["page"][0] == many["page"][0] == 4
    assert few["json"][0] == many["json"][0] == 4
    assert all(counts[1] <= 1 for counts in (few["page"], few["json"], many["page"], many["json"]))
    assert many["slots"] < few["slots"]  # the extra bookings were in range and loaded
