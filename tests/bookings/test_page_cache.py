"""Cached public pages are never stale after a booking, a cancellation or a time-off change."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import services
from bookings.models import TimeOff
from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    StudioFactory(time_zone="UTC")
    photographer = PhotographerFactory()
    session_type = SessionTypeFactory(photographers=[photographer], slug="portrait")
    start = (datetime.now(UTC) + timedelta(days=5)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return photographer, session_type, start


def slots_url(start: datetime) -> str:
    day = start.date().isoformat()
    return reverse("bookings:slots-json", args=["portrait"]) + f"?start={day}&end={day}"


def starts(client, start) -> list[str]:
    return [slot["start"] for slot in client.get(slots_url(start)).json()["slots"]]


def test_availability_is_fresh_after_a_hold_a_cancellation_and_time_off(
    client, calendar, django_capture_on_commit_callbacks
):
    photographer, session_type, start = calendar
    assert start.isoformat() in starts(client, start)  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create_hold(
            session_type=session_type,
            start=start,
            photographer=photographer,
            client=services.ClientDetails(name="Ada", email="ada@example.com", phone="1"),
            intake_answers={},
            policy=CancellationPolicyFactory(),
        )
    assert start.isoformat() not in starts(client, start)

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor="staff")
    assert start.isoformat() in starts(client, start)

    with django_capture_on_commit_callbacks(execute=True):
        TimeOff.objects.create(
            photographer=photographer,
            starts_at=start - timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
        )
    assert start.isoformat() not in starts(client, start)


def test_a_cached_page_is_served_without_queries_and_honours_conditional_gets(
    client, calendar, django_assert_num_queries
):
    url = reverse("bookings:session-type", args=["portrait"])
    first = client.get(url)

    with django_assert_num_queries(0):
        second = client.get(url)
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.content == second.content
    assert first["ETag"] and first["Last-Modified"]
    assert not_modified.status_code == 304


def test_visitors_with_a_session_are_never_served_the_shared_copy(client, calendar):
    url = reverse("bookings:list")
    client.get(url)  # cached for anonymous visitors
    client.cookies["sessionid"] = "someone"

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(queries) > 0  # rendered afresh for this visitor
