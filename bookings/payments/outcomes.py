"""What acting on a Stripe object did: recorded on its StripeEvent and answered to the webhook."""

from enum import StrEnum


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    NOT_PAID_YET = "not paid (yet)"
    NOT_OUR_BOOKING = "ignored: not one of our bookings"
    NOT_OUR_PAYMENT = "ignored: not one of our payments"
    ALREADY_RECORDED = "ignored: already recorded"
    PAID_TWICE = "paid twice: refund requested"
    PAID_TOO_LATE = "paid too late: refund requested"
    UNKNOWN_SESSION = "ignored: unknown session"
    ATTEMPT_WAS_PAID = "ignored: this attempt was paid"
    HOLD_RELEASED = "hold released"
    ATTEMPT_EXPIRED = "attempt expired"
    NOT_A_TYPE_WE_ACT_ON = "ignored: not a type we act on"
    DUPLICATE = "duplicate"
    # Sending a requested refund
    NOTHING_TO_SEND = "nothing to send"
    ALREADY_SENT = "already sent"
    SEND_FAILED = "failed"
    WILL_RETRY = "will retry"
