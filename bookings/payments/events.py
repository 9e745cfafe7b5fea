"""Stripe's events, from the webhook (`/stripe/webhook/`) or reconciliation of missed deliveries.

The webhook view (bookings/views/stripe_webhook.py) verifies the signature on the raw body with
STRIPE_WEBHOOK_SECRET (a missing, wrong, stale or re-serialised signature gets 400 and changes
nothing). A verified event is dispatched through
HANDLERS by type; its id is recorded (StripeEvent, unique) in the same transaction as the change
it causes, so a duplicate (a retry, a replay, the same event found again by reconciliation) gets
2xx and changes nothing, and concurrent copies wait on the unique index for the first to commit.
Types we do not act on get 2xx and are not recorded. Emails and Stripe calls (refunds) are
queued after commit.

What each event does, by the state the booking is in when it arrives (bookings.payments.checkout
and .refunds hold the code; every transition happens only from the state it expects):

    event                           booking held          booking expired        booking confirmed    booking cancelled
    ------------------------------  --------------------  ---------------------  -------------------  -----------------
    checkout.session.completed      payment recorded,     payment recorded;      payment recorded; a  payment recorded,
    (payment_status "paid"), also   booking confirmed     confirmed if its time  second paid deposit  refunded once,
    checkout.session.async_payment_                       is still free, else    is refunded once     client told
    succeeded                                             refunded once and the
                                                          client told
    checkout.session.expired        attempt expired; hold attempt expired        attempt expired      attempt expired
                                    released unless
                                    another attempt is
                                    open
    charge.refunded                 the charge's refunded total is kept if this report is the latest; a paid payment
                                    becomes refunded / partly refunded (until refund events say which refunds)
    refund.created, refund.updated, the Refund row moves forward only: requested → pending → requires_action →
    refund.failed                   succeeded → failed | canceled; the payment's refunded amount is the sum of
                                    the pending and succeeded refunds; the client is told when one is issued
    any other type                  2xx, nothing recorded
    an event id already recorded    2xx, nothing changes

A payment is never undone by an expiry: a paid attempt ignores checkout.session.expired, and a
completed session whose expiry was processed first is still recorded as paid (money moved).

So every ordering of {completed, expired, charge.refunded (in full), a late duplicate of any
of them} ends in the same state (tests/bookings/payments/test_events.py tries them all):

    start                           end
    ------------------------------  ---------------------------------------------------------------
    held, its time free             confirmed (one "→ confirmed" event); one payment row, refunded in
                                    full; no refund requested by us (the refund was made at Stripe)
    expired, its time taken by      still expired, the other booking untouched; one payment row,
    another client                  refunded in full; one refund request if completed was processed
                                    before charge.refunded, none if after (Stripe had already
                                    reported the money returned); never two
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import StripeEvent
from . import checkout, gateway, refunds
from .outcomes import Outcome

logger = logging.getLogger(__name__)

# Stripe keeps retrying a failed delivery for three days; reconciliation looks that far back.
RECONCILE_WINDOW = timedelta(days=3)


def _object(event: dict) -> dict:
    return event["data"]["object"]


def _created(event: dict) -> datetime:
    return datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)


def _checkout_completed(event: dict) -> str:
    return checkout.checkout_session_sync(_object(event))


def _checkout_async_payment_succeeded(event: dict) -> str:
    return checkout.checkout_session_paid(_object(event))


def _checkout_expired(event: dict) -> str:
    return checkout.checkout_session_expired(_object(event))


def _charge_refunded(event: dict) -> str:
    return refunds.charge_refunded(_object(event), reported_at=_created(event))


def _refund_changed(event: dict) -> str:
    return refunds.refund_object_apply(_object(event))


HANDLERS: dict[str, Callable[[dict], str]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_async_payment_succeeded,
    "checkout.session.expired": _checkout_expired,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
}


def process_event(event: dict, *, source: str = StripeEvent.Source.WEBHOOK) -> str:
    """Act on one verified event, at most once per event id. Returns what happened."""
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return Outcome.NOT_A_TYPE_WE_ACT_ON
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event["type"],
                    source=source,
                    stripe_created_at=_created(event) if event.get("created") else None,
                )
        except IntegrityError:
            return Outcome.DUPLICATE
        outcome = handler(event)
        record.processed_at = timezone.now()
        record.outcome = outcome[:200]
        record.save(update_fields=["processed_at", "outcome"])
    logger.info("stripe %s %s (%s): %s", event["type"], event["id"], source, outcome)
    return outcome


def reconcile_undelivered_events(*, now: datetime | None = None) -> int:
    """Process events whose webhook delivery failed (the periodic reconciliation task).

    Stripe lists them with delivery_success=false; each goes through process_event, so one
    that arrives by webhook as well is acted on once. Returns how many were new to us.
    """
    since = (now or timezone.now()) - RECONCILE_WINDOW
    handled = 0
    for event in gateway.list_undelivered_events(since=since, types=sorted(HANDLERS)):
        if not gateway.is_event(event):
            continue
        try:
            outcome = process_event(event, source=StripeEvent.Source.RECONCILIATION)
        except Exception:
            logger.exception("reconciling Stripe event %s failed", event.get("id"))
            continue
        handled += outcome != Outcome.DUPLICATE
    return handled
