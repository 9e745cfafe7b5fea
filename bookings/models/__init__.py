"""The bookings app's data, one module per vocabulary; everything is importable from here."""

from .booking import HOLD_DURATION, Booking, BookingEvent, BookingQuerySet
from .catalogue import (
    CancellationPolicy,
    CancellationPolicyQuerySet,
    IntakeQuestion,
    SessionType,
    SessionTypeQuerySet,
)
from .notification import NotificationLog
from .payment import Payment, Refund, StripeEvent
from .people import Photographer, TimeOff, WorkingHours, new_calendar_token

__all__ = [
    "HOLD_DURATION",
    "Booking",
    "BookingEvent",
    "BookingQuerySet",
    "CancellationPolicy",
    "CancellationPolicyQuerySet",
    "IntakeQuestion",
    "NotificationLog",
    "Payment",
    "Photographer",
    "Refund",
    "SessionType",
    "SessionTypeQuerySet",
    "StripeEvent",
    "TimeOff",
    "WorkingHours",
    "new_calendar_token",
]
