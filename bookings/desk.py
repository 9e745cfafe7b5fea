"""Reads behind the photographer's desk: calendar, day sheet and dashboard.

Each view loads in a fixed number of queries whatever the number of bookings.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from studio.models import Studio

from .models import Booking, Payment, Photographer, TimeOff, WorkingHours
from .money import format_money
from .slots import local_instant

VIEWS = ("day", "week", "month")
SHOWN_STATUSES = [
    Booking.Status.HELD,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
]


def visible_photographers(user) -> QuerySet[Photographer]:
    """Superusers see every calendar; a photographer sees their own."""
    photographers = Photographer.objects.all()
    if not user.is_superuser:
        photographers = photographers.filter(user=user)
    return photographers


def visible_bookings(user) -> QuerySet[Booking]:
    bookings = Booking.objects.all()
    if not user.is_superuser:
        bookings = bookings.filter(photographer__user=user)
    return bookings


def date_range(view: str, anchor: date) -> tuple[date, date]:
    """First and last local date shown by a day, week (Monday first) or month view."""
    if view == "day":
        return anchor, anchor
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=6)
    first = anchor.replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, last + timedelta(days=6 - last.weekday())


def step(view: str, anchor: date, direction: int) -> date:
    if view == "day":
        return anchor + timedelta(days=direction)
    if view == "week":
        return anchor + timedelta(weeks=direction)
    month = anchor.replace(day=1) + timedelta(days=32 * direction if direction > 0 else -1)
    return month.replace(day=1)


@dataclass
class Entry:
    kind: str  # "booking" or "time_off"
    start: datetime
    end: datetime
    title: str
    detail: str
    status: str
    url: str
    photographer: str


@dataclass
class Day:
    date: date
    in_period: bool
    entries: list[Entry] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)


def calendar(*, user, view: str, anchor: date, photographer_id: int | None) -> dict:
    zone = Studio.load().zone
    first, last = date_range(view, anchor)
    start = local_instant(first, datetime.min.time(), zone)
    end = local_instant(last + timedelta(days=1), datetime.min.time(), zone)
    photographers = list(visible_photographers(user))
    shown_ids = [p.pk for p in photographers if photographer_id in (None, p.pk)]
    names = {p.pk: p.name for p in photographers}

    days = {
        first + timedelta(days=offset): Day(
            date=first + timedelta(days=offset),
            in_period=view != "month" or (first + timedelta(days=offset)).month == anchor.month,
        )
        for offset in range((last - first).days + 1)
    }
    bookings = (
        Booking.objects.filter(
            photographer_id__in=shown_ids,
            status__in=SHOWN_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(status=Booking.Status.HELD, hold_expires_at__lte=timezone.now())
        .select_related("session_type")
        .order_by("starts_at")
    )
    for booking in bookings:
        local = booking.starts_at.astimezone(zone)
        if local.date() in days:
            days[local.date()].entries.append(
                Entry(
                    kind="booking",
                    start=local,
                    end=booking.ends_at.astimezone(zone),
                    title=booking.client_name,
                    detail=booking.session_type.name,
                    status=booking.status,
                    url=reverse("admin:bookings_booking_change", args=[booking.pk]),
                    photographer=names[booking.photographer_id],
                )
            )
    for off in TimeOff.objects.filter(
        photographer_id__in=shown_ids, starts_at__lt=end, ends_at__gt=start
    ):
        for day in days.values():
            day_start = local_instant(day.date, datetime.min.time(), zone)
            if off.starts_at < day_start + timedelta(days=1) and off.ends_at > day_start:
                day.entries.append(
                    Entry(
                        kind="time_off",
                        start=max(off.starts_at, day_start).astimezone(zone),
                        end=min(off.ends_at, day_start + timedelta(days=1)).astimezone(zone),
                        title="Time off",
                        detail=off.reason,
                        status="time_off",
                        url=reverse("admin:bookings_timeoff_change", args=[off.pk]),
                        photographer=names[off.photographer_id],
                    )
                )
    weekly: dict[int, list[str]] = defaultdict(list)
    for hours in WorkingHours.objects.filter(photographer_id__in=shown_ids).order_by(
        "weekday", "start_time"
    ):
        label = f"{hours.start_time:%H:%M}–{hours.end_time:%H:%M}"
        if len(shown_ids) > 1:
            label += f" {names[hours.photographer_id]}"
        weekly[hours.weekday].append(label)
    for day in days.values():
        day.hours = weekly.get(day.date.weekday(), [])
        day.entries.sort(key=lambda entry: entry.start)
    ordered = list(days.values())
    return {
        "view": view,
        "anchor": anchor,
        "first": first,
        "last": last,
        "days": ordered,
        "weeks": [ordered[index : index + 7] for index in range(0, len(ordered), 7)],
        "previous": step(view, anchor, -1),
        "next": step(view, anchor, 1),
        "today": timezone.now().astimezone(zone).date(),
        "photographers": photographers,
        "photographer_id": photographer_id,
    }


def time_off_conflicts(time_off: TimeOff) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(
            photographer=time_off.photographer,
            status__in=[Booking.Status.HELD, Booking.Status.CONFIRMED],
            starts_at__lt=time_off.ends_at,
            ends_at__gt=time_off.starts_at,
        )
        .select_related("session_type")
        .order_by("starts_at")
    )


def amount_paid(booking: Booking) -> int:
    """What the client has paid so far, net of refunds (uses prefetched payments)."""
    return sum(
        payment.amount - payment.refunded_amount
        for payment in booking.payments.all()
        if payment.status
        in (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)
    )


def day_sheet(*, user, day: date) -> list[dict]:
    zone = Studio.load().zone
    start = local_instant(day, datetime.min.time(), zone)
    bookings = (
        visible_bookings(user)
        .filter(
            status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW],
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
        )
        .select_related("session_type", "photographer")
        .prefetch_related("payments")
        .order_by("starts_at")
    )
    sheet = []
    for booking in bookings:
        balance = max(booking.price_amount - amount_paid(booking), 0)
        sheet.append(
            {
                "booking": booking,
                "start": booking.starts_at.astimezone(zone),
                "end": booking.ends_at.astimezone(zone),
                "balance_due": format_money(balance, booking.currency),
                "has_balance": balance > 0,
            }
        )
    return sheet


WEEKS_EACH_WAY = 12


def weekly_figures(user, now: datetime) -> list[dict]:
    """Bookings and deposit revenue per week (by session date), 12 weeks back and ahead."""
    zone = Studio.load().zone
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKS_EACH_WAY)
    weeks = [first + timedelta(weeks=offset) for offset in range(2 * WEEKS_EACH_WAY + 1)]
    start = local_instant(first, datetime.min.time(), zone)
    end = local_instant(weeks[-1] + timedelta(days=7), datetime.min.time(), zone)
    counted = [Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW]
    counts = {
        row["week"].date(): row["n"]
        for row in visible_bookings(user)
        .filter(status__in=counted, starts_at__gte=start, starts_at__lt=end)
        .annotate(week=TruncWeek("starts_at", tzinfo=zone))
        .values("week")
        .annotate(n=Count("id"))
    }
    revenue = {
        row["week"].date(): row["total"]
        for row in Payment.objects.filter(
            booking__in=visible_bookings(user),
            kind=Payment.Kind.DEPOSIT,
            status__in=[Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED],
            booking__starts_at__gte=start,
            booking__starts_at__lt=end,
        )
        .annotate(week=TruncWeek("booking__starts_at", tzinfo=zone))
        .values("week")
        .annotate(total=Sum(F("amount") - F("refunded_amount")))
    }
    return [
        {
            "week": week,
            "bookings": counts.get(week, 0),
            "revenue": revenue.get(week, 0) or 0,
            "is_current": week == this_monday,
        }
        for week in weeks
    ]


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 760, 240, 36


def chart_geometry(figures: list[dict], currency: str) -> dict:
    """Bar (bookings) and line (deposit revenue) coordinates for the server-drawn SVG."""
    most_bookings = max([row["bookings"] for row in figures] + [1])
    most_revenue = max([row["revenue"] for row in figures] + [1])
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    slot = inner_w / len(figures)
    bars, points = [], []
    for index, row in enumerate(figures):
        height = inner_h * row["bookings"] / most_bookings
        x = CHART_PAD + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(CHART_PAD + inner_h - height, 1),
                "width": round(slot * 0.7, 1),
                "height": round(height, 1),
                "label": f"Week of {row['week']:%-d %b}: {row['bookings']} bookings, "
                f"{format_money(row['revenue'], currency)} deposits",
                "current": row["is_current"],
            }
        )
        points.append(
            f"{x + slot / 2:.1f},"
            f"{CHART_PAD + inner_h - inner_h * row['revenue'] / most_revenue:.1f}"
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "baseline": CHART_PAD + inner_h,
        "bars": bars,
        "line": " ".join(points),
        "most_bookings": most_bookings,
        "most_revenue": format_money(most_revenue, currency),
        "first_label": f"{figures[0]['week']:%-d %b}",
        "last_label": f"{figures[-1]['week']:%-d %b}",
        "right_edge": CHART_WIDTH - CHART_PAD,
    }


def dashboard(user) -> dict:
    if not user.is_authenticated or not user.is_staff:
        return {}
    zone = Studio.load().zone
    now = timezone.now()
    local_today = now.astimezone(zone).date()
    month_start = local_instant(local_today.replace(day=1), datetime.min.time(), zone)
    bookings = visible_bookings(user)
    upcoming = list(
        bookings.filter(
            status=Booking.Status.CONFIRMED,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=7),
        )
        .select_related("session_type", "photographer")
        .order_by("starts_at")[:50]
    )
    holds = list(
        bookings.filter(status=Booking.Status.HELD, hold_expires_at__gt=now)
        .select_related("session_type")
        .order_by("hold_expires_at")[:20]
    )
    money = Payment.objects.filter(booking__in=bookings, kind=Payment.Kind.DEPOSIT).aggregate(
        taken=Sum("amount", filter=Q(paid_at__gte=month_start)),
        refunded=Sum("refunded_amount", filter=Q(updated_at__gte=month_start)),
    )
    currency = (
        Payment.objects.values_list("currency", flat=True).first()
        or bookings.values_list("currency", flat=True).first()
        or "GBP"
    )
    figures = weekly_figures(user, now)
    return {
        "desk": {
            "upcoming": [(b, b.starts_at.astimezone(zone)) for b in upcoming],
            "holds": holds,
            "deposits_taken": format_money(money["taken"] or 0, currency),
            "deposits_refunded": format_money(money["refunded"] or 0, currency),
            "figures": figures,
            "figures_money": [format_money(row["revenue"], currency) for row in figures],
            "chart": chart_geometry(figures, currency),
            "today": local_today,
        }
    }
