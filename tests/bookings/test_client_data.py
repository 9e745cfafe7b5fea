"""A client's data: export everything, erase it, purge it after its retention period."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from bookings import client_data
from bookings.models import Booking, BookingEvent, NotificationLog, Payment, Refund
from studio.models import ContactMessage
from tests.factories import (
    BookingFactory,
    ContactMessageFactory,
    NotificationLogFactory,
    PhotographerFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 7, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory(data_retention_days=365)


def test_export_holds_every_booking_payment_and_message_of_the_client():
    booking = BookingFactory(client_email="ada@example.com", intake_answers={"Glasses?": "No"})
    Payment.objects.create(
        booking=booking,
        provider="demo",
        kind="deposit",
        status="succeeded",
        amount=5000,
        currency="GBP",
    )
    BookingFactory(client_email="someone@example.com")
    ContactMessageFactory(email="ADA@example.com", message="Hello")

    data = client_data.client_data_export(email="ada@example.com")

    assert [b["reference"] for b in data["bookings"]] == [str(booking.public_id)]
    assert data["bookings"][0]["intake_answers"] == {"Glasses?": "No"}
    assert data["bookings"][0]["payments"][0]["amount"] == 5000
    assert [m["message"] for m in data["messages"]] == ["Hello"]
    json.dumps(data)  # plain JSON all the way down


def test_erase_anonymises_bookings_deletes_messages_and_keeps_payments():
    booking = BookingFactory(client_email="ada@example.com", notes="Allergic to flash")
    Payment.objects.create(
        booking=booking,
        provider="demo",
        kind="deposit",
        status="succeeded",
        amount=5000,
        currency="GBP",
    )
    untouched = BookingFactory(client_email="someone@example.com")
    ContactMessageFactory(email="ada@example.com")

    result = client_data.client_data_erase(email="ada@example.com")

    booking.refresh_from_db()
    assert result == {"bookings": 1, "messages": 1}
    assert (booking.client_name, booking.client_phone, booking.notes, booking.intake_answers) == (
        "Erased client",
        "",
        "",
        {},
    )
    assert booking.client_email == f"erased-{booking.public_id}@invalid"
    assert Payment.objects.get().amount == 5000
    assert not ContactMessage.objects.exists()
    untouched.refresh_from_db()
    assert untouched.client_name == "Ada Client"
    assert client_data.client_data_export(email="ada@example.com")["bookings"] == []


def test_purge_erases_old_expired_holds_and_bookings_past_retention_only():
    old_hold = BookingFactory(status=Booking.Status.EXPIRED, starts_at=NOW + timedelta(days=5))
    Booking.objects.filter(pk=old_hold.pk).update(created_at=NOW - timedelta(days=31))
    recent_hold = BookingFactory(status=Booking.Status.EXPIRED, starts_at=NOW + timedelta(days=6))
    Booking.objects.filter(pk=recent_hold.pk).update(created_at=NOW - timedelta(days=29))
    ancient = BookingFactory(starts_at=NOW - timedelta(days=400))
    kept = BookingFactory(starts_at=NOW - timedelta(days=300))

    assert client_data.client_data_purge(now=NOW) == 2
    assert client_data.client_data_purge(now=NOW) == 0

    names = dict(Booking.objects.values_list("pk", "client_name"))
    assert names[old_hold.pk] == names[ancient.pk] == "Erased client"
    assert names[recent_hold.pk] == names[kept.pk] == "Ada Client"


def test_client_data_page_downloads_json_and_erases_after_confirmation(client):
    client.force_login(UserFactory(is_superuser=True))
    BookingFactory(client_email="ada@example.com")

    download = client.post(
        reverse("admin:clients"), {"email": "ada@example.com", "action": "export"}
    )
    unconfirmed = client.post(
        reverse("admin:clients"), {"email": "ada@example.com", "action": "erase"}, follow=True
    )

    assert download["Content-Type"] == "application/json"
    assert json.loads(download.content)["bookings"][0]["email"] == "ada@example.com"
    assert "Tick the box" in unconfirmed.content.decode()
    assert Booking.objects.get().client_name == "Ada Client"

    client.post(
        reverse("admin:clients"), {"email": "ada@example.com", "action": "erase", "confirm": "yes"}
    )
    assert Booking.objects.get().client_name == "Erased client"


def test_the_lookup_is_a_post_and_an_address_in_the_query_string_is_ignored(client):
    client.force_login(UserFactory(is_superuser=True))
    BookingFactory(client_email="ada@example.com")

    by_query = client.get(reverse("admin:clients"), {"email": "ada@example.com"})
    found = client.post(reverse("admin:clients"), {"email": "ada@example.com", "action": "find"})

    assert by_query.status_code == 200
    assert "1 booking(s)" not in by_query.content.decode()
    assert 'value="ada@example.com"' not in by_query.content.decode()
    page = found.content.decode()
    assert found.status_code == 200
    assert "1 booking(s), 0 message(s)." in page
    forms = re.findall(r"<form[^>]*>", page.split('id="content"', 1)[1])
    assert len(forms) == 3  # find, export, erase
    assert all('method="post"' in form for form in forms), forms
    assert page.count('name="csrfmiddlewaretoken"') >= 3


def test_the_lookup_needs_its_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(is_superuser=True))
    BookingFactory(client_email="ada@example.com")

    refused = strict.post(reverse("admin:clients"), {"email": "ada@example.com"})

    assert refused.status_code == 403
    assert b"ada@example.com" not in refused.content


def test_client_data_page_is_for_the_owner_only(client):
    client.force_login(UserFactory(is_superuser=False))  # staff without the owner's role

    assert client.get(reverse("admin:clients")).status_code == 403


def email_log(booking):
    return list(
        NotificationLog.objects.filter(booking=booking)
        .order_by("pk")
        .values_list("kind", "recipient", "status", "context")
    )


def test_export_holds_the_email_log_of_each_booking():
    booking = BookingFactory(client_email="ada@example.com")
    sent_at = datetime(2027, 6, 1, 9, 30, tzinfo=UTC)
    NotificationLogFactory(booking=booking, status="sent", sent_at=sent_at)
    NotificationLogFactory(
        booking=booking, kind="photographer_booked", recipient="maya@studio.example"
    )
    NotificationLogFactory(booking=booking, kind="reminder_48h", status="failed", attempts=8)

    data = client_data.client_data_export(email="ada@example.com")

    assert data["bookings"][0]["emails"] == [
        {
            "kind": "confirmation",
            "status": "sent",
            "sent_at": "2027-06-01T09:30:00+00:00",
            "recipient": "ada@example.com",
        },
        {
            "kind": "photographer_booked",
            "status": "pending",
            "sent_at": None,
            "recipient": "maya@studio.example",
        },
        {
            "kind": "reminder_48h",
            "status": "failed",
            "sent_at": None,
            "recipient": "ada@example.com",
        },
    ]
    json.dumps(data)


def test_erase_anonymises_the_email_log_and_cancels_emails_still_waiting():
    photographer = PhotographerFactory(name="Maya Okafor", email="maya@studio.example")
    booking = BookingFactory(
        photographer=photographer, client_name="Ada Lovelace", client_email="ada@example.com"
    )
    context = {"photographer": "Maya Okafor", "note": "Ada Lovelace asked for a window seat"}
    NotificationLogFactory(booking=booking, status="sent", context=context)
    NotificationLogFactory(
        booking=booking,
        kind="photographer_booked",
        recipient="maya@studio.example",
        status="sent",
        context={"photographer": "Maya Okafor", "client": {"email": "ADA@example.com"}},
    )
    NotificationLogFactory(booking=booking, kind="reminder_48h", recipient="Ada@Example.com")
    other = BookingFactory(client_email="someone@example.com")
    NotificationLogFactory(booking=other, status="sent", context={"photographer": "Maya Okafor"})

    client_data.client_data_erase(email="ada@example.com")

    erased = f"erased-{booking.public_id}@invalid"
    assert email_log(booking) == [
        ("confirmation", erased, "sent", {"photographer": "Maya Okafor", "note": "Erased client"}),
        (
            "photographer_booked",
            "maya@studio.example",  # the studio's own address, not the client's
            "sent",
            {"photographer": "Maya Okafor", "client": {"email": "Erased client"}},
        ),
        ("reminder_48h", erased, "skipped", {}),
    ]
    assert NotificationLog.objects.get(kind="reminder_48h").note == (
        "Not sent: the client's personal data was erased."
    )
    assert email_log(other) == [
        ("confirmation", "someone@example.com", "sent", {"photographer": "Maya Okafor"})
    ]


def test_purge_anonymises_the_email_log_of_bookings_past_retention():
    ancient = BookingFactory(starts_at=NOW - timedelta(days=400))
    kept = BookingFactory(starts_at=NOW - timedelta(days=300))
    NotificationLogFactory(booking=ancient, status="sent")
    NotificationLogFactory(booking=kept, status="sent")

    client_data.client_data_purge(now=NOW)

    assert email_log(ancient) == [
        ("confirmation", f"erased-{ancient.public_id}@invalid", "sent", {})
    ]
    assert email_log(kept) == [("confirmation", "ada@example.com", "sent", {})]


def test_erase_scrubs_mentions_in_history_refunds_and_the_mail_servers_errors():
    booking = BookingFactory(client_name="Ada Lovelace", client_email="ada@example.com")
    payment = Payment.objects.create(
        booking=booking, provider="stripe", status="succeeded", amount=5000, currency="GBP"
    )
    refund = Refund.objects.create(
        payment=payment,
        amount=5000,
        currency="GBP",
        reason=Refund.Reason.CANCELLATION,
        status=Refund.Status.FAILED,
        failure_reason="Card of ADA@example.com expired",
    )
    event = BookingEvent.objects.create(
        booking=booking, to_status="confirmed", actor="maya", note="Ada Lovelace paid by phone"
    )
    bounce = NotificationLogFactory(
        booking=booking,
        status="failed",
        last_error="SMTPRecipientsRefused: {'ada@example.com': (550, b'mailbox full')}",
    )

    client_data.client_data_erase(email="ada@example.com")

    refund.refresh_from_db()
    event.refresh_from_db()
    bounce.refresh_from_db()
    assert refund.failure_reason == "Card of [erased] expired"
    assert event.note == "[erased] paid by phone"
    assert bounce.last_error == "SMTPRecipientsRefused: {'[erased]': (550, b'mailbox full')}"


def test_purge_scrubs_the_admin_log_of_the_bookings_it_erases():
    ancient = BookingFactory(client_name="Ada Lovelace", starts_at=NOW - timedelta(days=400))
    kept = BookingFactory(client_name="Grace Hopper", starts_at=NOW - timedelta(days=10))
    user = UserFactory(username="olivia")
    for booking in (ancient, kept):
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(Booking),
            object_id=str(booking.pk),
            object_repr=f"{booking.client_name} — Headshot",  # as the admin wrote it before
            action_flag=CHANGE,
        )

    client_data.client_data_purge(now=NOW)

    reprs = dict(LogEntry.objects.values_list("object_id", "object_repr"))
    assert reprs[str(ancient.pk)] == str(ancient)
    assert "Ada Lovelace" not in reprs[str(ancient.pk)]
    assert reprs[str(kept.pk)] == "Grace Hopper — Headshot"
