"""Amounts in minor units: to and from Stripe's unit for each currency, and how they display."""

import pytest

from bookings.money import format_money, from_stripe, to_stripe


@pytest.mark.parametrize(
    ("amount", "currency", "stripe_amount", "stripe_currency"),
    [
        (5000, "GBP", 5000, "gbp"),
        (500, "JPY", 500, "jpy"),
        (500, "ISK", 50000, "isk"),  # zero-decimal, but two-decimal in Stripe's API
        (12340, "KWD", 12340, "kwd"),
        (1000, "CLP", 1000, "clp"),
    ],
)
def test_money_goes_to_stripe_in_stripes_unit_and_back(
    amount, currency, stripe_amount, stripe_currency
):
    assert to_stripe(amount, currency) == (stripe_amount, stripe_currency)
    assert from_stripe(stripe_amount, stripe_currency) == (amount, currency)


def test_money_that_stripe_cannot_express_is_refused():
    with pytest.raises(ValueError, match="cannot be expressed"):
        to_stripe(150, "MGA")


def test_zero_decimal_currencies_display_without_decimals():
    assert format_money(1000, "CLP") == "1,000 CLP"
