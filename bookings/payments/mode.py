"""How the studio takes payment: the one reading of settings.PAYMENTS_MODE.

Every choice between Stripe, the studio's till and the development demo goes through here;
studio/settings.py refuses to start in a mode that would let clients book without paying.
"""

from enum import StrEnum

from django.conf import settings


class PaymentsMode(StrEnum):
    STRIPE = "stripe"  # the deposit is paid on Stripe Checkout
    AT_STUDIO = "at_studio"  # no deposit: the full price is paid at the studio
    DEMO = "demo"  # development only: a labelled pretend deposit, no money moves


def payments_mode() -> PaymentsMode:
    return PaymentsMode(settings.PAYMENTS_MODE)


def stripe_enabled() -> bool:
    """Deposits go through Stripe (and so do refunds, sweeps and reconciliation)."""
    return payments_mode() == PaymentsMode.STRIPE


def demo_enabled() -> bool:
    return payments_mode() == PaymentsMode.DEMO


def deposits_taken() -> bool:
    """New bookings carry a deposit to pay online (not so when the studio takes it all there)."""
    return payments_mode() != PaymentsMode.AT_STUDIO
