"""What a booking has paid and still owes, refunds included."""

import pytest

from bookings.models import Refund
from bookings.payments import ledger, refunds

pytestmark = pytest.mark.django_db


def test_a_refunded_deposit_is_owed_again_at_the_session(fake_stripe, confirmed_payment):
    booking = confirmed_payment.booking
    Refund.objects.create(
        payment=confirmed_payment,
        amount=5000,
        currency="GBP",
        status="succeeded",
        reason="external",
        stripe_refund_id="re_test_x",
    )
    refunds.settle(confirmed_payment)
    confirmed_payment.save()

    money = ledger.booking_money(booking)

    assert (money.deposit_paid, money.refunded, money.balance_due) == (5000, 5000, 20000)
