"""Whether an email is still worth sending when its turn comes (a moved or cancelled session)."""

from datetime import datetime

from ..models import Booking, NotificationLog, Refund
from .kinds import Kind, is_reminder

Status = NotificationLog.Status


# Is it still worth sending?


def irrelevance(log: NotificationLog, *, now: datetime) -> str:
    """Why this email should no longer go out ('' if it should)."""
    booking = log.booking
    confirmed = booking.status == Booking.Status.CONFIRMED
    if is_reminder(log.kind):
        if not confirmed:
            return f"The booking is {booking.get_status_display().lower()}."
        if log.revision != booking.revision:
            return "The session has moved; a reminder of the new time goes instead."
        if booking.starts_at <= now:
            return "The session has already started."
        return ""
    if log.kind in {Kind.CONFIRMATION, Kind.PHOTOGRAPHER_BOOKED} and not confirmed:
        return f"The booking is {booking.get_status_display().lower()}."
    if log.kind in {Kind.RESCHEDULED, Kind.PHOTOGRAPHER_RESCHEDULED}:
        if not confirmed:
            return f"The booking is {booking.get_status_display().lower()}."
        if log.revision != booking.revision:
            return "The session has moved again; the latest move is emailed instead."
    if log.kind in {Kind.CANCELLED, Kind.PHOTOGRAPHER_CANCELLED} and (
        booking.status != Booking.Status.CANCELLED
    ):
        return "The booking is not cancelled."
    if log.kind == Kind.REFUND_ATTENTION and not (
        Refund.objects.needing_attention().filter(payment__booking=booking).exists()
    ):
        return "No refund on this booking needs attention any more."
    return ""
