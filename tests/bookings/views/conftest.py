"""Fixtures of the booking pages' tests: the studio and its current cancellation policy (for
every test), and Maya, who offers one-hour headshots."""

import pytest

from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory(time_zone="Europe/London", phone="+44 161 555 0142")


@pytest.fixture(autouse=True)
def policy():
    return CancellationPolicyFactory(
        version=1,
        text="Cancel 48 hours ahead for a refund.",
        refund_cutoff_hours=48,
        reschedule_cutoff_hours=24,
    )


@pytest.fixture
def maya():
    return PhotographerFactory(name="Maya Okafor", slug="maya")  # 09:00–17:00 every day


@pytest.fixture
def headshot(maya):
    return SessionTypeFactory(
        name="Headshot",
        slug="headshot",
        summary="One look, three images.",
        duration_minutes=60,
        slot_step_minutes=30,
        price_amount=19500,
        deposit_amount=5000,
        photographers=[maya],
    )
