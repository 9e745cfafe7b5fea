"""The kinds of email about a booking, and which emails each booking change sends."""

from enum import StrEnum


class Kind(StrEnum):
    """An email's kind, as stored in NotificationLog.kind (reminders add their offset)."""

    CONFIRMATION = "confirmation"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    # Sent when Stripe says a refund has gone through (succeeded), never when it is requested.
    REFUND_ISSUED = "refund_issued"
    # The deposit arrived after the time was taken or the booking cancelled: it is being refunded.
    LATE_PAYMENT = "late_payment"
    # To the studio: a refund needs a person (Stripe refused it, or it could not be sent for days).
    REFUND_ATTENTION = "refund_attention"
    PHOTOGRAPHER_BOOKED = "photographer_booked"
    PHOTOGRAPHER_RESCHEDULED = "photographer_rescheduled"
    PHOTOGRAPHER_CANCELLED = "photographer_cancelled"
    PHOTOGRAPHER_RELEASED = "photographer_released"
    REMINDER = "reminder"  # stored as reminder_<hours>h: see reminder_kind()


# What each booking change sends: the client's email and the photographer's notice alongside.
SENT_FOR: dict[str, tuple[Kind, ...]] = {
    Kind.CONFIRMATION: (Kind.CONFIRMATION, Kind.PHOTOGRAPHER_BOOKED),
    Kind.RESCHEDULED: (Kind.RESCHEDULED, Kind.PHOTOGRAPHER_RESCHEDULED),
    Kind.CANCELLED: (Kind.CANCELLED, Kind.PHOTOGRAPHER_CANCELLED),
    Kind.REFUND_ISSUED: (Kind.REFUND_ISSUED,),
    Kind.LATE_PAYMENT: (Kind.LATE_PAYMENT,),
    Kind.REFUND_ATTENTION: (Kind.REFUND_ATTENTION,),
}

CLIENT_KINDS = frozenset(
    {
        Kind.CONFIRMATION,
        Kind.RESCHEDULED,
        Kind.CANCELLED,
        Kind.REFUND_ISSUED,
        Kind.LATE_PAYMENT,
    }
)
PHOTOGRAPHER_KINDS = frozenset(
    {
        Kind.PHOTOGRAPHER_BOOKED,
        Kind.PHOTOGRAPHER_RESCHEDULED,
        Kind.PHOTOGRAPHER_CANCELLED,
        Kind.PHOTOGRAPHER_RELEASED,
    }
)
# Emails to the studio's own address (its profile's email).
STUDIO_KINDS = frozenset({Kind.REFUND_ATTENTION})
REMINDER_PREFIX = f"{Kind.REMINDER}_"


def reminder_kind(hours: int) -> str:
    return f"{REMINDER_PREFIX}{hours}h"


def is_reminder(kind: str) -> bool:
    return kind.startswith(REMINDER_PREFIX)


def reminder_offset(kind: str) -> int | None:
    if not is_reminder(kind):
        return None
    return int(kind.removeprefix(REMINDER_PREFIX).removesuffix("h"))


def message_kind(kind: str) -> str:
    """The kind without its reminder offset: reminder_48h → reminder."""
    return Kind.REMINDER if is_reminder(kind) else kind
