"""Finding the booking and the deposit payment that a Stripe object (session, charge, refund) is about."""

import uuid

from ..models import Booking, Payment


def stripe_deposits(booking: Booking):
    return booking.payments.filter(provider=Payment.Provider.STRIPE, kind=Payment.Kind.DEPOSIT)


def object_id(value) -> str | None:
    """An id field that may come expanded ({"id": ...}) or not."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def metadata_of(obj: dict) -> dict:
    return obj.get("metadata") or {}


def attempt_of(obj: dict) -> int | None:
    try:
        return int(metadata_of(obj)["attempt"])
    except (KeyError, TypeError, ValueError):
        return None


def locked_booking(obj: dict) -> Booking | None:
    reference = metadata_of(obj).get("booking") or obj.get("client_reference_id")
    try:
        public_id = uuid.UUID(str(reference))
    except ValueError:
        return None
    return Booking.objects.select_for_update().filter(public_id=public_id).first()


def locate(obj: dict, *, session_id: str | None = None) -> tuple[Booking | None, Payment | None]:
    """The booking (locked first) and the Stripe deposit payment an object is about."""
    payment_intent = object_id(obj.get("payment_intent"))
    booking = locked_booking(obj)
    if booking is None and payment_intent:
        known = Payment.objects.filter(payment_intent_id=payment_intent).first()
        if known is not None:
            booking = Booking.objects.select_for_update().get(pk=known.booking_id)
    if booking is None:
        return None, None
    rows = stripe_deposits(booking).select_for_update()
    if session_id and (found := rows.filter(checkout_session_id=session_id).first()):
        return booking, found
    if payment_intent and (found := rows.filter(payment_intent_id=payment_intent).first()):
        return booking, found
    attempt = attempt_of(obj)
    if attempt is not None:
        found = rows.filter(attempt=attempt).first()
        if found and (session_id is None or found.checkout_session_id in (None, session_id)):
            return booking, found
    return booking, None


def new_attempt_row(booking: Booking, obj: dict, **fields) -> Payment:
    """A payment Stripe tells us of that we have no row for (kept so no money goes unseen)."""
    latest = stripe_deposits(booking).order_by("-attempt").first()
    attempt = attempt_of(obj)
    if attempt is None or stripe_deposits(booking).filter(attempt=attempt).exists():
        attempt = (latest.attempt + 1) if latest else 1
    return Payment(
        booking=booking,
        provider=Payment.Provider.STRIPE,
        kind=Payment.Kind.DEPOSIT,
        status=Payment.Status.PENDING,
        attempt=attempt,
        **fields,
    )
