"""The printable day sheet: the day's sessions with what each client still owes."""

from datetime import date, datetime, timedelta

from studio.models import Studio

from ..access import visible_bookings
from ..payments.ledger import OWING_STATUSES, summarise
from ..slots import local_instant


def day_sessions(*, user, day: date) -> list[dict]:
    zone = Studio.load().zone
    start = local_instant(day, datetime.min.time(), zone)
    bookings = (
        visible_bookings(user)
        .filter(
            status__in=OWING_STATUSES,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
        )
        .select_related("session_type", "photographer")
        .prefetch_related("payments")
        .order_by("starts_at")
    )
    sheet = []
    for booking in bookings:
        money = summarise(booking, booking.payments.all())
        sheet.append(
            {
                "booking": booking,
                "start": booking.starts_at.astimezone(zone),
                "end": booking.ends_at.astimezone(zone),
                "balance_due": money.display(money.balance_due),
                "has_balance": money.balance_due > 0,
                "no_deposit": not money.deposit and not money.deposit_paid,
            }
        )
    return sheet
