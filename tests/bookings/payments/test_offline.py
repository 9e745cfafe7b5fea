"""Balances paid at the studio: recorded once, from the service or the booking's admin page."""

import pytest
from django.urls import reverse

from bookings.errors import TransitionRefused
from bookings.models import BookingEvent
from bookings.payments import ledger, offline

pytestmark = pytest.mark.django_db


def test_the_balance_is_recorded_as_paid_at_the_studio(confirmed_payment, admin_user):
    booking = confirmed_payment.booking
    assert str(ledger.booking_money(booking)) == "Deposit paid £50.00 · due at the session £150.00"

    balance = offline.payment_record_balance(booking=booking, actor="maya")

    assert (balance.kind, balance.provider, balance.status, balance.amount) == (
        "balance",
        "studio",
        "succeeded",
        15000,
    )
    money = ledger.booking_money(booking)
    assert (money.deposit_paid, money.balance_paid, money.balance_due) == (5000, 15000, 0)
    event = BookingEvent.objects.filter(booking=booking).last()
    assert (event.actor, event.note) == ("maya", "balance £150.00 paid at the studio")
    with pytest.raises(TransitionRefused, match="Nothing is left to pay"):
        offline.payment_record_balance(booking=booking, actor="maya")


def test_a_held_booking_has_no_balance_to_record(held):
    with pytest.raises(TransitionRefused):
        offline.payment_record_balance(booking=held, actor="maya")


def test_the_admin_shows_payments_and_records_the_balance(admin_client, confirmed_payment):
    booking = confirmed_payment.booking
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert "Deposit paid £50.00 · due at the session £150.00" in page.content.decode()

    response = admin_client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "record_balance_paid", "_selected_action": [booking.pk]},
        follow=True,
    )

    assert "Balance recorded as paid: 1 booking(s)." in response.content.decode()
    assert booking.payments.filter(kind="balance").count() == 1
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert "balance paid £150.00 · due at the session £0.00" in page.content.decode()
