"""What every email about a booking carries: plain text and inlined HTML, the time with its
zone, the studio's address and directions, the manage link, and preparation advice."""

from datetime import date, timedelta

import pytest

from bookings.notifications import compose
from studio.models import Studio
from tests.bookings.notifications.helpers import assert_manage_link, local
from tests.factories import BookingFactory, NotificationLogFactory, SessionTypeFactory

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def kinds_for_rendering() -> list[str]:
    return [
        "confirmation",
        "reminder_48h",
        "rescheduled",
        "cancelled",
        "refund_issued",
        "late_payment",
        "photographer_booked",
        "photographer_rescheduled",
        "photographer_cancelled",
        "photographer_released",
    ]


@pytest.mark.parametrize("kind", kinds_for_rendering())
def test_every_email_has_both_parts_the_zone_the_address_directions_and_the_manage_link(
    studio, kind
):
    start = local(date(2027, 1, 12), 10)  # winter: GMT
    booking = BookingFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    log = NotificationLogFactory(booking=booking, kind=kind)

    message = compose.build_message(log, studio=Studio.load(), now=start - timedelta(days=3))

    html = html_of(message)
    for part in (message.body, html):
        assert "Tuesday 12 January 2027" in part
        assert "10:00–11:00" in part
        assert "10:00–11:00 GMT (Europe/London)" in part
        assert "14 Canal Wharf" in part and "M1 2AB Manchester" in part
        assert "Ring the bell marked Northlight" in part.replace("&#x27;", "'")
        assert_manage_link(part, booking)
    assert "<style" not in html  # inlined
    assert 'style="' in html
    for remote in ("src=", "<link", "url(", "@import"):
        assert remote not in html
    assert message.extra_headers["X-Studio-Notification"] == str(log.pk)


def test_preparation_advice_follows_the_session_type_and_the_clients_answers(studio):
    actor = SessionTypeFactory(slug="actor-portfolio")
    booking = BookingFactory(
        session_type=actor,
        intake_answers={
            "Do you wear glasses in daily life?": "Yes",
            "What will you use the photos for?": "Acting or casting",
        },
    )

    advice = compose.preparation_advice(booking)

    assert advice == [
        *compose.PREPARATION_ADVICE["actor-portfolio"],
        compose.INTAKE_ADVICE[0][2],
        compose.INTAKE_ADVICE[2][2],
    ]
    log = NotificationLogFactory(booking=booking, kind="reminder_48h")
    message = compose.build_message(log, studio=Studio.load())
    assert compose.INTAKE_ADVICE[0][2] in message.body
    assert "http://127.0.0.1:8000/blog/" in message.body
