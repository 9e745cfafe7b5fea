"""Every call this site makes to Stripe's API, and nothing else.

Settings are read at call time (STRIPE_SECRET_KEY, STRIPE_API_BASE), so tests can point the real
`stripe` package at a local fake. Results come back as plain dicts (`to_dict()`), the same shape
as the objects inside webhook events, so one code path handles both. Stripe's errors come back
as `GatewayError`, with a message fit for the client and whether trying again may help.
"""

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import stripe
from django.conf import settings
from django.urls import reverse

from ..actors import Actor
from ..models import Booking, Payment, Refund
from ..money import to_stripe

logger = logging.getLogger(__name__)

# Seconds to wait for Stripe (connect, read); the library retries twice on network errors.
TIMEOUT = (5, 20)


class GatewayError(Exception):
    """Stripe refused or could not be reached. `transient`: the same request may work later.

    `key_refused`: Stripe did not accept the site's API key (revoked, mistyped, or a restricted
    key without the permission): no request will work until a person changes the key.
    """

    def __init__(self, message: str, *, transient: bool, code: str = "", key_refused: bool = False):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
        self.key_refused = key_refused


def client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=TIMEOUT),
    )


def _call(what: str, function, *args, **kwargs) -> Any:
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as error:
        status = error.http_status or 0
        code = getattr(error, "code", None) or ""
        if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
            logger.error("Stripe %s: the API key was refused (%s): %s", what, status, error)
            raise GatewayError(
                f"Stripe did not accept the site's API key (STRIPE_SECRET_KEY): "
                f"{error.user_message or error}",
                transient=False,
                code=code,
                key_refused=True,
            ) from error
        transient = isinstance(
            error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError
        ) or (status >= 500 or status == 409)
        logger.warning("Stripe %s failed (%s %s): %s", what, status, code, error.user_message)
        raise GatewayError(
            error.user_message or str(error), transient=transient, code=code
        ) from error


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def checkout_idempotency_key(booking: Booking, payment: Payment) -> str:
    return f"deposit-checkout:{booking.public_id}:{payment.attempt}"


def checkout_session_params(booking: Booking, payment: Payment) -> dict:
    """The Checkout Session for one attempt at paying a booking's deposit.

    Everything here derives from the booking and the attempt's row (amount, currency and expiry
    are fixed when the attempt starts), so repeating the request repeats it exactly and Stripe's
    idempotency layer answers with the same session.
    """
    if payment.checkout_expires_at is None:
        raise ValueError("An attempt's expiry is fixed when the attempt starts.")
    amount, currency = to_stripe(payment.amount, payment.currency)
    public_id = str(booking.public_id)
    metadata = {"booking": public_id, "attempt": str(payment.attempt)}
    when = booking.starts_at.strftime("%Y-%m-%d %H:%M UTC")
    site = settings.SITE_URL
    return {
        "mode": "payment",
        # Cards, and the wallets that ride on them (Apple Pay, Google Pay): all immediate, so
        # the answer arrives within the hold. No delayed methods (bank debits, vouchers).
        "payment_method_types": ["card"],
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {
                        "name": f"Deposit: {booking.session_type.name}",
                        "description": f"{when} with {booking.photographer.name}",
                    },
                },
                "quantity": 1,
            }
        ],
        "client_reference_id": public_id,
        "customer_email": booking.client_email,
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": f"Deposit for booking {public_id}",
        },
        "expires_at": _ts(payment.checkout_expires_at),
        "success_url": site
        + reverse("bookings:confirmed", args=[booking.public_id])
        + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": site + reverse("bookings:deposit", args=[booking.public_id]) + "?cancelled=1",
    }


def create_checkout_session(booking: Booking, payment: Payment) -> dict:
    session = _call(
        "checkout.sessions.create",
        client().v1.checkout.sessions.create,
        params=checkout_session_params(booking, payment),
        options={"idempotency_key": checkout_idempotency_key(booking, payment)},
    )
    return session.to_dict()


def retrieve_checkout_session(session_id: str) -> dict:
    session = _call(
        "checkout.sessions.retrieve", client().v1.checkout.sessions.retrieve, session_id
    )
    return session.to_dict()


def expire_checkout_session(session_id: str) -> dict:
    """Expire an open session. Stripe refuses (GatewayError) if it is complete or expired."""
    session = _call("checkout.sessions.expire", client().v1.checkout.sessions.expire, session_id)
    return session.to_dict()


def refund_params(refund: Refund) -> dict:
    payment = refund.payment
    amount, _currency = to_stripe(refund.amount, refund.currency)
    params: dict = {
        "payment_intent": payment.payment_intent_id,
        "amount": amount,
        "metadata": {
            "booking": str(payment.booking.public_id),
            "attempt": str(payment.attempt),
            "refund": refund.idempotency_key,
        },
    }
    # Stripe's reasons feed its fraud and dispute tooling: only say what is true.
    if refund.reason == Refund.Reason.DUPLICATE:
        params["reason"] = "duplicate"
    elif refund.reason == Refund.Reason.CANCELLATION and refund.actor == Actor.CLIENT:
        params["reason"] = "requested_by_customer"
    return params


def create_refund(refund: Refund) -> dict:
    result = _call(
        "refunds.create",
        client().v1.refunds.create,
        params=refund_params(refund),
        options={"idempotency_key": refund.idempotency_key},
    )
    return result.to_dict()


def list_undelivered_events(*, since: datetime, types: list[str]) -> Iterator[dict]:
    """Events since `since` whose webhook delivery has not (yet) succeeded, oldest first."""

    def fetch() -> list[dict]:
        page = client().v1.events.list(
            params={
                "delivery_success": False,
                "created": {"gte": _ts(since)},
                "types": types,
                "limit": 100,
            }
        )
        return [event.to_dict() for event in page.auto_paging_iter()]

    events = _call("events.list", fetch)
    return iter(sorted(events, key=lambda event: event.get("created") or 0))


class InvalidWebhook(Exception):
    """A webhook body that is not a verified event from Stripe."""


def webhook_event(payload: bytes, signature_header: str | None) -> dict:
    """The event in a webhook body, once its signature checks out with STRIPE_WEBHOOK_SECRET.

    The signature is verified on the raw body (a missing, wrong, stale or re-serialised one is
    refused); the event comes back as a plain dict, like every other Stripe object here.
    """
    try:
        stripe.Webhook.construct_event(payload, signature_header, settings.STRIPE_WEBHOOK_SECRET)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidWebhook("Invalid payload or signature.") from error
    if not is_event(event):
        raise InvalidWebhook("Not an event.")
    return event


def is_event(event) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )
