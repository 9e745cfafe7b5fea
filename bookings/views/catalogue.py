"""The catalogue: session types, their calendars of free days and times, and slots.json."""

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from studio.models import Studio
from studio.page_cache import cached_page, iso_date

from ..models import SessionType
from ..params import parse_day
from ..payments.mode import deposits_taken
from ..selectors import (
    Availability,
    availability,
    bookable_days,
)

MAX_JSON_RANGE_DAYS = 62


def first_of_month(value: str) -> str | None:
    day = parse_day(value)
    return day.replace(day=1).isoformat() if day else None


def not_shared(response: HttpResponse) -> HttpResponse:
    """Keep this response out of the page cache (and any shared cache): its address is not one
    the site links to, so a copy would be one more entry per made-up address."""
    patch_cache_control(response, private=True)
    return response


@require_GET
@cached_page("site", "catalogue")
def session_type_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/list.html",
        {"session_types": SessionType.objects.bookable(), "deposit_online": deposits_taken()},
    )


def month_view(found: Availability, month: date, first: date, last: date, zone) -> dict:
    """The month grid: each day with its number of free times."""
    per_day: dict[date, int] = defaultdict(int)
    for slot in found.slots:
        per_day[slot.start.astimezone(zone).date()] += 1
    weeks = [
        [
            {
                "date": day,
                "in_month": day.month == month.month,
                "free": per_day.get(day, 0),
                "bookable": first <= day <= last,
            }
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return {
        "weeks": weeks,
        "month": month,
        "previous_month": previous_month if previous_month >= first.replace(day=1) else None,
        "next_month": next_month if next_month <= last else None,
        "first_free_day": min(per_day) if per_day else None,
    }


def times_for_day(found: Availability, day: date, zone) -> list[dict]:
    """One entry per start time; several free photographers collapse into 'any available'."""
    by_start: dict[datetime, list] = defaultdict(list)
    for slot in found.slots:
        if slot.start.astimezone(zone).date() == day:
            by_start[slot.start].append(found.photographers[slot.photographer_id])
    times = []
    for start, people in sorted(by_start.items()):
        any_available = len(people) > 1
        times.append(
            {
                "start": start,
                "local": start.astimezone(zone),
                "photographer": "any" if any_available else people[0].slug,
                "label": "any available photographer" if any_available else people[0].name,
            }
        )
    return times


@require_GET
@cached_page(
    "site",
    "catalogue",
    "availability",
    timeout=60,
    params={"date": iso_date, "month": first_of_month},
)
def session_type_detail(request: HttpRequest, slug: str) -> HttpResponse:
    session_type = get_object_or_404(SessionType.objects.bookable(), slug=slug)
    return render_day_picker(
        request, session_type=session_type, template="bookings/session_type.html"
    )


def render_day_picker(
    request: HttpRequest,
    *,
    session_type: SessionType,
    template: str,
    extra: dict | None = None,
    exclude_booking_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = Studio.load().zone
    now = timezone.now()
    first, last = bookable_days(session_type, now)
    requested = request.GET.get("date")
    day = parse_day(requested)
    requested_month = parse_day(request.GET.get("month") or "")
    problem = ""
    if requested and day is None:
        problem = "That date isn't one we recognise; please pick a day from the calendar."
        status = 400
    elif day and not first <= day <= last:
        problem = (
            f"Online booking is open from {first:%-d %B %Y} to {last:%-d %B %Y}; "
            "please pick a day in that range."
        )
        day = None
    month = requested_month or (day or first).replace(day=1)
    month = min(max(month.replace(day=1), first.replace(day=1)), last.replace(day=1))
    # The site links to a day of the window, or the first of one of its months, never both.
    linked = not (day and requested_month) and (requested_month is None or requested_month == month)
    month_last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    found = availability(
        session_type=session_type,
        first_day=max(first, month),
        last_day=min(last, month_last),
        now=now,
        exclude_booking_id=exclude_booking_id,
    )
    grid = month_view(found, month, first, last, zone)
    if day is None and not problem:
        day = grid["first_free_day"]
    times = times_for_day(found, day, zone) if day and month <= day <= month_last else []
    context = {
        "session_type": session_type,
        "day": day,
        "times": times,
        "problem": problem,
        "zone_name": Studio.load().time_zone,
        "today": now.astimezone(zone).date(),
        "deposit_online": deposits_taken() and session_type.deposit_amount > 0,
        **grid,
        **(extra or {}),
    }
    response = render(request, template, context, status=status)
    return response if linked and not problem else not_shared(response)


@require_GET
@cached_page("catalogue", "availability", timeout=60, params={"start": iso_date, "end": iso_date})
def slots_json(request: HttpRequest, slug: str) -> HttpResponse:
    session_type = get_object_or_404(SessionType.objects.bookable(), slug=slug)
    start, end = parse_day(request.GET.get("start")), parse_day(request.GET.get("end"))
    if start is None or end is None:
        return JsonResponse(
            {"error": "start and end are required dates in the form YYYY-MM-DD."}, status=400
        )
    if end < start:
        return JsonResponse({"error": "end must not be before start."}, status=400)
    if (end - start).days + 1 > MAX_JSON_RANGE_DAYS:
        return JsonResponse(
            {"error": f"Ask for at most {MAX_JSON_RANGE_DAYS} days at a time."}, status=400
        )
    studio = Studio.load()
    zone = studio.zone  # once: each access builds the ZoneInfo again
    now = timezone.now()
    found = availability(session_type=session_type, first_day=start, last_day=end, now=now)
    response = JsonResponse(
        {
            "time_zone": studio.time_zone,
            "slots": [
                {
                    "start": slot.start.astimezone(zone).isoformat(),
                    "end": slot.end.astimezone(zone).isoformat(),
                    "photographer": found.photographer_slug(slot),
                }
                for slot in found.slots
            ],
        }
    )
    # Ranges that start from today to the end of the booking window are shared; others (the
    # past, years ahead) are answered but not kept.
    _, last = bookable_days(session_type, now)
    return response if now.astimezone(zone).date() <= start <= last else not_shared(response)
