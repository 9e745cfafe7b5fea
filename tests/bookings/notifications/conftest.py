"""Fixtures of the notification tests: the studio's profile, and a photographer, session type
and cancellation policy to book with."""

import pytest

from studio.models import Studio
from tests.bookings.notifications.helpers import DIRECTIONS
from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)


@pytest.fixture
def studio() -> Studio:
    return StudioFactory(
        time_zone="Europe/London",
        street_address="14 Canal Wharf",
        locality="Manchester",
        postal_code="M1 2AB",
        country="United Kingdom",
        directions=DIRECTIONS,
        phone="+44 161 496 0000",
        reminder_offsets_hours=[48, 2],
    )


@pytest.fixture
def setup(studio):
    photographer = PhotographerFactory(name="Maya Okafor", email="maya@studio.example")
    session_type = SessionTypeFactory(
        name="Professional headshot", slug="professional-headshot", photographers=[photographer]
    )
    return photographer, session_type, CancellationPolicyFactory()
