"""Erasing a client leaves nothing of them anywhere in the database.

The client books through the site, pays through Stripe (the fake), gets emails (one of which
bounces, with their address in the server's answer), writes to the studio twice, tries to sign
in at the desk with their email address, and the owner works on their booking, emails and
messages in the admin, so that the admin's own log holds them too. Then the owner erases them
from the desk's "Client data" page, and every column of every table (and every session, once
decoded) is searched for their name, email address and phone number.
"""

import json
import re
import smtplib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.forms import CheckboxInput
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, NotificationLog
from bookings.notifications import compose
from studio import roles
from studio.models import ContactMessage
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    ContactMessageFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NAME = "Quillon Marchetti-Vasquez"
EMAIL = "q.marchetti.vasquez@example.org"
PHONE = "+44 7700 900871"
LONDON = ZoneInfo("Europe/London")


def mentions(*needles: str) -> list[str]:
    """Every (table.column) of the database, and every decoded session, that holds one of the
    needles anywhere in its text, case-insensitively."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            ORDER BY 1, 2
            """
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # the whole schema, not a handful of tables
        for table, column in columns:
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column} holds {needle!r}")
    for session in Session.objects.all():
        decoded = json.dumps(SessionStore().decode(session.session_data), default=str).casefold()
        found += [
            f"session {session.pk} holds {needle!r}"
            for needle in needles
            if needle.casefold() in decoded
        ]
    return found


def as_post(form, data: dict) -> None:
    """A bound form's current values, as the browser would post them."""
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else value


def save_in_admin(client, url: str, **changes) -> None:
    """Open an admin change form and save it as it stands, with `changes` typed in."""
    page = client.get(url)
    assert page.status_code == 200
    data: dict = {}
    as_post(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        as_post(inline.formset.management_form, data)
        for form in inline.formset.forms:
            as_post(form, data)
    saved = client.post(url, {**data, **changes, "_continue": "1"})
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors


@pytest.fixture
def owner_client():
    owner = UserFactory(username="olivia")
    owner.groups.add(Group.objects.get(name=roles.OWNER))
    browser = Client()
    browser.force_login(owner)
    return browser


@pytest.fixture
def bounced(monkeypatch):
    """The next emails to the client bounce, the mail server naming their address."""

    real = compose.build_message

    def build(log, **kwargs):
        message = real(log, **kwargs)
        if log.recipient == EMAIL:

            def refuse(*_args, **_kwargs):
                raise smtplib.SMTPRecipientsRefused({EMAIL: (550, b"5.1.1 mailbox full")})

            message.send = refuse
        return message

    def bounce():
        monkeypatch.setattr(compose, "build_message", build)

    return bounce


def test_erasing_a_client_leaves_nothing_of_them_in_any_table(
    client,
    owner_client,
    fake_stripe,
    checkout,
    post_event,
    bounced,
    django_capture_on_commit_callbacks,
):
    StudioFactory()
    CancellationPolicyFactory(version=1)
    maya = PhotographerFactory(name="Maya Okafor", slug="maya", email="maya@studio.example")
    SessionTypeFactory(name="Headshot", slug="headshot", photographers=[maya])
    start = datetime.combine(
        timezone.now().astimezone(LONDON).date() + timedelta(days=12), time(10), tzinfo=LONDON
    )

    # The client books in their browser and pays the deposit through Stripe.
    held = client.post(
        reverse("bookings:details", args=["headshot"])
        + f"?start={start.isoformat().replace('+', '%2B')}&photographer=maya",
        {
            "name": NAME,
            "email": EMAIL,
            "phone": PHONE,
            "notes": f"{NAME} prefers the grey backdrop",
            "policy_version": "1",
            "accept_policy": "on",
        },
    )
    assert held.status_code == 303
    booking = Booking.objects.get()
    post_event(fake_stripe.pay(checkout(booking), deliver=False))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert NotificationLog.objects.filter(recipient=EMAIL, status="sent").exists()

    # Two messages through the contact form, and an attempt at the desk's sign-in.
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("Can I bring my dog?", f"This is {NAME} again, about parking"):
            client.post(
                reverse("contact"),
                {"name": NAME, "email": EMAIL, "phone": PHONE, "message": text},
            )
    assert ContactMessage.objects.count() == 2
    client.post(reverse("admin:login"), {"username": EMAIL, "password": "guess"})

    # The owner works on them in the admin: every change lands in the admin's log.
    save_in_admin(
        owner_client,
        reverse("admin:bookings_booking_change", args=[booking.pk]),
        notes=f"Called {NAME} on {PHONE}",
    )
    email_log = NotificationLog.objects.filter(recipient=EMAIL).first()
    save_in_admin(
        owner_client, reverse("admin:bookings_notificationlog_change", args=[email_log.pk])
    )
    first, second = ContactMessage.objects.order_by("pk")
    save_in_admin(owner_client, reverse("admin:studio_contactmessage_change", args=[first.pk]))
    owner_client.post(
        reverse("admin:studio_contactmessage_delete", args=[second.pk]), {"post": "yes"}
    )
    # Rows written before the admin stopped naming clients in its log.
    LogEntry.objects.create(
        user=UserFactory(username="before"),
        content_type=ContentType.objects.get_for_model(Booking),
        object_id=str(booking.pk),
        object_repr=f"{NAME} — Headshot at 2027-01-01 10:00 UTC",
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Client email"]}}]),
    )
    # A resend that bounces: the mail server's answer names the address.
    bounced()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("admin:bookings_booking_act", args=[booking.pk, "resend_confirmation"])
        )
    assert NotificationLog.objects.filter(last_error__icontains=EMAIL).exists()
    # The owner cancels with a refund: Stripe is asked, the refund recorded.
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("admin:bookings_booking_act", args=[booking.pk, "cancel_with_refund"])
        )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.payments.get().refunds.exists()

    before = mentions(NAME, EMAIL, PHONE)
    assert any(place.startswith("django_admin_log.object_repr") for place in before), before
    assert any(place.startswith("bookings_notificationlog.last_error") for place in before)
    assert any(place.startswith("axes_") for place in before), before

    erased = owner_client.post(
        reverse("admin:clients"), {"email": EMAIL, "action": "erase", "confirm": "yes"}
    )

    assert erased.status_code == 302
    assert mentions(NAME, EMAIL, PHONE) == []
    # What the studio's books need stays: the booking, its payment and refund, its history.
    booking.refresh_from_db()
    assert booking.client_name == "Erased client"
    assert booking.payments.get().refunds.count() == 1
    assert LogEntry.objects.filter(object_id=str(booking.pk)).count() >= 2
    assert re.fullmatch(r"erased-[0-9a-f-]+@invalid", booking.client_email)


def test_what_the_admin_log_records_of_a_record_does_not_name_the_client():
    """The admin's log keeps each record's str(): those of bookings, emails and messages
    carry no personal data into it."""
    booking = BookingFactory(client_name=NAME, client_email=EMAIL, client_phone=PHONE)
    records = [
        booking,
        NotificationLogFactory(booking=booking),
        ContactMessageFactory(name=NAME, email=EMAIL, phone=PHONE),
    ]

    for record in records:
        assert not any(detail in str(record) for detail in (NAME, EMAIL, PHONE)), str(record)
