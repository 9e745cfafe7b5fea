"""The desk's dashboard: the coming week, holds awaiting payment, refunds that need a person,
deposits, and a chart of bookings and deposit revenue per week (drawn on the server as SVG)."""

from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from studio.models import Studio

from ..access import has_a_calendar, sees_all_calendars, visible_bookings
from ..models import Booking, Payment, Refund
from ..money import format_money
from ..payments import ledger
from ..slots import local_instant

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
    revenue = ledger.deposit_revenue_by_week(
        visible_bookings(user), start=start, end=end, zone=zone
    )
    return [
        {
            "week": week,
            "bookings": counts.get(week, 0),
            "revenue": revenue.get(week, 0),
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
    if not has_a_calendar(user):
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
    refunds_attention = list(
        Refund.objects.needing_attention()
        .filter(payment__booking__in=bookings)
        .select_related("payment__booking")
        .order_by("created_at", "pk")[:20]
    )
    money = ledger.deposits_since(bookings, since=month_start)
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
            "refunds_attention": refunds_attention,
            # Money goes back to clients on the owner's word only.
            "may_retry_refunds": sees_all_calendars(user),
            "deposits_taken": format_money(money["taken"], currency),
            "deposits_refunded": format_money(money["refunded"], currency),
            "figures": figures,
            "figures_money": [format_money(row["revenue"], currency) for row in figures],
            "chart": chart_geometry(figures, currency),
            "today": local_today,
        }
    }
