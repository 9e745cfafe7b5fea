"""What a booking has paid, owes and could have refunded: the one place these are computed.

Amounts are integers in the currency's minor units. The desk, the emails, the client's pages
and the exports all read them from here, so they always agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from ..models import Booking, Payment, Refund
from ..money import format_money

PAID_STATUSES = (
    Payment.Status.SUCCEEDED,
    Payment.Status.REFUNDED,
    Payment.Status.PARTIALLY_REFUNDED,
)
# Bookings whose price is owed: the session stands (or took place, or the client did not come).
OWING_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)
NET_AMOUNT = F("amount") - F("refunded_amount")


@dataclass(frozen=True)
class MoneySummary:
    currency: str
    price: int
    deposit: int  # the booking's terms: 0 when nothing is paid online
    deposit_paid: int
    refunded: int  # counted against the payments: refunds Stripe has made or is making
    refund_requested: int  # decided here, not yet accepted by Stripe
    balance_paid: int
    balance_due: int
    refund_pending: int = 0  # part of `refunded`: accepted by Stripe, not yet gone through

    @property
    def paid(self) -> int:
        """What the studio has kept: every payment, net of refunds."""
        return self.deposit_paid + self.balance_paid - self.refunded

    @property
    def refundable(self) -> int:
        """What could still be refunded: kept, less refunds already on their way."""
        return max(0, self.paid - self.refund_requested)

    @property
    def refund_in_progress(self) -> int:
        """Refunds on their way: requested here or pending at Stripe, not yet gone through."""
        return self.refund_requested + self.refund_pending

    @property
    def refund_completed(self) -> int:
        """Refunds that have gone through (Stripe says succeeded, or no money had moved)."""
        return self.refunded - self.refund_pending

    @property
    def deposit_kept(self) -> int:
        """The deposit paid that the studio keeps, once the refunds on their way are made."""
        return max(0, min(self.deposit_paid, self.refundable))

    def display(self, amount: int) -> str:
        return format_money(amount, self.currency)

    def __str__(self) -> str:
        if self.deposit or self.deposit_paid:
            parts = [f"Deposit paid {self.display(self.deposit_paid)}"]
        else:
            parts = ["No deposit: the full price is paid at the studio"]
        if self.refund_completed:
            parts.append(f"refunded {self.display(self.refund_completed)}")
        if self.refund_in_progress:
            parts.append(f"refund of {self.display(self.refund_in_progress)} on its way")
        if self.balance_paid:
            parts.append(f"balance paid {self.display(self.balance_paid)}")
        parts.append(f"due at the session {self.display(self.balance_due)}")
        return " · ".join(parts)


def summarise(
    booking: Booking,
    payments: Iterable[Payment],
    *,
    refund_requested: int = 0,
    refund_pending: int = 0,
) -> MoneySummary:
    """The summary from payments already loaded (e.g. prefetched for a whole day's sheet)."""
    paid = [p for p in payments if p.status in PAID_STATUSES]
    kept = sum(p.amount - p.refunded_amount for p in paid)
    owing = booking.status in OWING_STATUSES
    refunded = sum(p.refunded_amount for p in paid)
    return MoneySummary(
        currency=booking.currency,
        price=booking.price_amount,
        deposit=booking.deposit_amount,
        deposit_paid=sum(p.amount for p in paid if p.kind == Payment.Kind.DEPOSIT),
        refunded=refunded,
        refund_requested=refund_requested,
        refund_pending=min(refund_pending, refunded),
        balance_paid=sum(p.amount for p in paid if p.kind == Payment.Kind.BALANCE),
        balance_due=max(0, booking.price_amount - kept) if owing else 0,
    )


def booking_money(booking: Booking) -> MoneySummary:
    """The booking's summary, read from the database (two queries)."""
    refunds = Refund.objects.filter(payment__booking=booking).aggregate(
        requested=Sum("amount", filter=Q(status=Refund.Status.REQUESTED)),
        pending=Sum("amount", filter=Q(status__in=Refund.UNSETTLED_STATUSES)),
    )
    return summarise(
        booking,
        booking.payments.filter(status__in=PAID_STATUSES),
        refund_requested=refunds["requested"] or 0,
        refund_pending=refunds["pending"] or 0,
    )


def refunds_total(refunds: Iterable[Refund]) -> int:
    """The amount of some refunds (e.g. those waiting for a person), in one currency."""
    return sum(refund.amount for refund in refunds)


def balance_after_deposit(booking: Booking) -> int:
    """What is left to pay at the studio once the deposit is paid, by the booking's terms."""
    return max(0, booking.price_amount - booking.deposit_amount)


def balance_after_deposit_display(booking: Booking) -> str:
    return format_money(balance_after_deposit(booking), booking.currency)


def deposit_revenue_by_week(
    bookings: QuerySet[Booking], *, start: datetime, end: datetime, zone: tzinfo
) -> dict:
    """Deposits kept (net of refunds) per week of the session date: {monday: amount}."""
    rows = (
        Payment.objects.filter(
            booking__in=bookings,
            kind=Payment.Kind.DEPOSIT,
            status__in=[Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED],
            booking__starts_at__gte=start,
            booking__starts_at__lt=end,
        )
        .annotate(week=TruncWeek("booking__starts_at", tzinfo=zone))
        .values("week")
        .annotate(total=Sum(NET_AMOUNT))
    )
    return {row["week"].date(): row["total"] or 0 for row in rows}


def deposits_since(bookings: QuerySet[Booking], *, since: datetime) -> dict[str, int]:
    """Deposits taken, and refunded, since a moment (the dashboard's month so far)."""
    totals = Payment.objects.filter(booking__in=bookings, kind=Payment.Kind.DEPOSIT).aggregate(
        taken=Sum("amount", filter=Q(paid_at__gte=since)),
        refunded=Sum("refunded_amount", filter=Q(updated_at__gte=since)),
    )
    return {"taken": totals["taken"] or 0, "refunded": totals["refunded"] or 0}
