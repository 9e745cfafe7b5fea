import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.models import Studio
from studio.page_cache import cached_page
from studio.ratelimits import limit_posts

from . import links, payments, services
from .calendar import photographer_feed
from .forms import BookingDetailsForm, CancelForm
from .models import Booking, CancellationPolicy, Payment, Photographer, SessionType
from .selectors import (
    Availability,
    availability,
    bookable_days,
    find_slot,
    is_session_start,
)

MAX_JSON_RANGE_DAYS = 62
SESSION_KEY = "bookings"


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_start(value: str | None) -> datetime | None:
    """An ISO 8601 instant with an explicit offset; naive or malformed values are refused."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def see_other(to, *args) -> HttpResponse:
    """Redirect after a form is posted: 303 See Other, so the browser follows with a GET."""
    response = redirect(to, *args)
    response.status_code = 303
    return response


def error_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    status: int,
    back_url: str = "",
    back_label: str = "",
) -> HttpResponse:
    return render(
        request,
        "bookings/problem.html",
        {
            "title": title,
            "message": message,
            "back_url": back_url or reverse("bookings:list"),
            "back_label": back_label or "See all sessions",
        },
        status=status,
    )


@require_GET
@cached_page("site", "catalogue")
def session_type_list(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/list.html", {"session_types": SessionType.objects.bookable()})


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
@cached_page("site", "catalogue", "availability", timeout=60)
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
    month = parse_day(request.GET.get("month") or "") or (day or first).replace(day=1)
    month = min(max(month.replace(day=1), first.replace(day=1)), last.replace(day=1))
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
        **grid,
        **(extra or {}),
    }
    return render(request, template, context, status=status)


@require_GET
@cached_page("catalogue", "availability", timeout=60)
def slots_json(request: HttpRequest, slug: str) -> JsonResponse:
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
    found = availability(session_type=session_type, first_day=start, last_day=end)
    return JsonResponse(
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


def requested_slot(request: HttpRequest, session_type: SessionType):
    """(start, photographer or None, problem response or None) from the query string."""
    start = parse_start(request.GET.get("start"))
    slug = request.GET.get("photographer", "any")
    day_url = session_type.get_absolute_url()
    if start is None:
        return (
            None,
            None,
            error_page(
                request,
                title="That time isn't valid",
                message="The link doesn't name a time we recognise. Please pick a time again.",
                status=400,
                back_url=day_url,
                back_label="Choose a time",
            ),
        )
    photographer = None
    if slug != "any":
        photographer = Photographer.objects.filter(slug=slug, session_types=session_type).first()
        if photographer is None:
            return (
                None,
                None,
                error_page(
                    request,
                    title="That time isn't valid",
                    message="The link names a photographer who doesn't offer this session.",
                    status=400,
                    back_url=day_url,
                    back_label="Choose a time",
                ),
            )
    return start, photographer, None


def slot_gone(request: HttpRequest, session_type: SessionType, start: datetime) -> HttpResponse:
    day = start.astimezone(Studio.load().zone).date()
    return error_page(
        request,
        title="That time is no longer available",
        message=(
            "Sorry — that time was just booked or is no longer open for online booking. "
            "Please pick another."
        ),
        status=409,
        back_url=f"{session_type.get_absolute_url()}?date={day.isoformat()}",
        back_label="See other times that day",
    )


def not_a_session_time(
    request: HttpRequest, session_type: SessionType, start: datetime
) -> HttpResponse:
    day = start.astimezone(Studio.load().zone).date()
    return error_page(
        request,
        title="That time isn't valid",
        message="The link names a time that isn't one of this session's times. "
        "Please pick a time again.",
        status=400,
        back_url=f"{session_type.get_absolute_url()}?date={day.isoformat()}",
        back_label="Choose a time",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("booking")
def booking_details(request: HttpRequest, slug: str) -> HttpResponse:
    session_type = get_object_or_404(SessionType.objects.bookable(), slug=slug)
    start, photographer, problem = requested_slot(request, session_type)
    if problem:
        return problem
    slot = find_slot(session_type=session_type, start=start, photographer=photographer)
    if slot is None:
        if not is_session_start(session_type=session_type, start=start, photographer=photographer):
            return not_a_session_time(request, session_type, start)
        return slot_gone(request, session_type, start)
    policy = CancellationPolicy.objects.current()
    if policy is None:
        return error_page(
            request,
            title="Online booking is paused",
            message="Please contact the studio to book.",
            status=503,
        )
    form = BookingDetailsForm(
        request.POST if request.method == "POST" else None, session_type=session_type, policy=policy
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.booking_create_hold(
                    session_type=session_type,
                    start=start,
                    photographer=photographer,
                    client=services.ClientDetails(
                        name=data["name"],
                        email=data["email"],
                        phone=data["phone"],
                        notes=data["notes"],
                    ),
                    intake_answers=form.intake_answers(),
                    policy=policy,
                )
            except services.SlotUnavailable:
                return slot_gone(request, session_type, start)
            remember_booking(request, booking)
            return see_other("bookings:deposit", booking.public_id)
        status = 400
    zone = Studio.load().zone
    return render(
        request,
        "bookings/details.html",
        {
            "session_type": session_type,
            "form": form,
            "policy": policy,
            "start_local": slot.start.astimezone(zone),
            "end_local": slot.end.astimezone(zone),
            "photographer": photographer,
        },
        status=status,
    )


def remember_booking(request: HttpRequest, booking: Booking) -> None:
    """The deposit and confirmation pages are shown only to the browser that booked."""
    known = request.session.get(SESSION_KEY, [])[-9:]
    request.session[SESSION_KEY] = [*known, str(booking.public_id)]


def own_booking(request: HttpRequest, public_id: UUID) -> Booking:
    if str(public_id) not in request.session.get(SESSION_KEY, []):
        raise Http404
    return get_object_or_404(
        Booking.objects.select_related("session_type", "photographer", "policy"),
        public_id=public_id,
    )


def hold_lapsed(request: HttpRequest, booking: Booking) -> HttpResponse:
    return error_page(
        request,
        title="This hold has lapsed",
        message="We kept the time for you for 35 minutes, but the deposit wasn't paid. "
        "Please book again.",
        status=410,
        back_url=booking.session_type.get_absolute_url(),
        back_label="Choose a time",
    )


def render_deposit(
    request: HttpRequest, booking: Booking, *, payment_error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "bookings/deposit.html",
        {
            "booking": booking,
            "demo": not payments.stripe_enabled(),
            "start_local": booking.starts_at.astimezone(Studio.load().zone),
            "cancelled": request.GET.get("cancelled") == "1" and not payment_error,
            "payment_error": payment_error,
        },
        status=status,
    )


@never_cache
@require_GET
def deposit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    booking = own_booking(request, public_id)
    if booking.status == Booking.Status.CONFIRMED:
        return redirect("bookings:confirmed", booking.public_id)
    if booking.status != Booking.Status.HELD or booking.hold_expires_at <= timezone.now():
        return hold_lapsed(request, booking)
    return render_deposit(request, booking)


@never_cache
@require_POST
def deposit_checkout(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Open (or reopen) the Stripe Checkout Session for the deposit and send the client there."""
    booking = own_booking(request, public_id)
    if not payments.stripe_enabled():
        raise Http404
    if booking.status == Booking.Status.CONFIRMED:
        return redirect("bookings:confirmed", booking.public_id)
    try:
        url = payments.checkout_start(booking=booking)
    except payments.HoldLapsed:
        return hold_lapsed(request, booking)
    except payments.PaymentUnavailable:
        booking.refresh_from_db()
        return render_deposit(
            request,
            booking,
            payment_error=(
                "We couldn't open the secure payment page just now: our payment provider "
                "didn't answer. Nothing has been charged, and your time is still held for you "
                f"until {timezone.localtime(booking.hold_expires_at):%H:%M}. Please try again "
                "in a moment."
            ),
            status=503,
        )
    if url is None:
        return redirect("bookings:confirmed", booking.public_id)
    return see_other(url)


@never_cache
@require_POST
@limit_posts("booking")
def deposit_demo(request: HttpRequest, public_id: UUID) -> HttpResponse:
    booking = own_booking(request, public_id)
    if payments.stripe_enabled():
        raise Http404
    if booking.status == Booking.Status.CONFIRMED:
        return see_other("bookings:confirmed", booking.public_id)
    try:
        payments.payment_demo_deposit(booking=booking)
    except services.BookingError as error:
        return error_page(
            request,
            title="We couldn't confirm this booking",
            message=error.message,
            status=409,
            back_url=booking.session_type.get_absolute_url(),
            back_label="Choose another time",
        )
    return see_other("bookings:confirmed", booking.public_id)


@never_cache
@require_GET
def confirmed(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Where Stripe sends the client back (?session_id=...), and the demo's confirmation.

    Stripe's redirect proves nothing by itself: unless the webhook has confirmed the booking
    already, this asks Stripe about the session and acts on its answer like the webhook would.
    Until Stripe says paid, the page says so and refreshes itself.
    """
    booking = own_booking(request, public_id)
    session_id = request.GET.get("session_id", "")[:255]
    payment = None
    if session_id and payments.stripe_enabled():
        if booking.status != Booking.Status.CONFIRMED:
            payments.checkout_session_refresh(booking=booking, session_id=session_id)
            booking.refresh_from_db()
        payment = booking.payments.filter(
            provider=Payment.Provider.STRIPE, checkout_session_id=session_id
        ).first()
    confirming = (
        booking.status == Booking.Status.HELD
        and payment is not None
        and payment.status == Payment.Status.PENDING
    )
    if booking.status == Booking.Status.HELD and not confirming:
        return redirect("bookings:deposit", booking.public_id)
    return render(
        request,
        "bookings/confirmed.html",
        {
            "booking": booking,
            "confirming": confirming,
            "paid_too_late": (
                booking.status != Booking.Status.CONFIRMED
                and payment is not None
                and payment.paid_at is not None
            ),
            "payment": payment,
            "manage_url": links.manage_path(booking),
            "start_local": booking.starts_at.astimezone(Studio.load().zone),
        },
    )


def managed_booking(request: HttpRequest, public_id: UUID, token: str) -> Booking:
    if not links.token_is_valid(public_id, token):
        raise Http404
    return get_object_or_404(
        Booking.objects.select_related("session_type", "photographer", "policy"),
        public_id=public_id,
    )


def manage_context(booking: Booking, token: str) -> dict:
    now = timezone.now()
    zone = Studio.load().zone
    return {
        "booking": booking,
        "token": token,
        "start_local": booking.starts_at.astimezone(zone),
        "end_local": booking.ends_at.astimezone(zone),
        "may_cancel": services.client_may_cancel(booking, now),
        "may_reschedule": services.client_may_reschedule(booking, now),
        "refund_due": services.refund_is_due(booking, now),
        "refund_cutoff": (
            booking.starts_at - timedelta(hours=booking.policy.refund_cutoff_hours)
        ).astimezone(zone),
        "reschedule_cutoff": (
            booking.starts_at - timedelta(hours=booking.policy.reschedule_cutoff_hours)
        ).astimezone(zone),
        "payments": list(booking.payments.all()),
    }


@never_cache
@require_GET
def manage(request: HttpRequest, public_id: UUID, token: str) -> HttpResponse:
    booking = managed_booking(request, public_id, token)
    return render(request, "bookings/manage.html", manage_context(booking, token))


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("manage")
def manage_cancel(request: HttpRequest, public_id: UUID, token: str) -> HttpResponse:
    booking = managed_booking(request, public_id, token)
    manage_url = reverse("bookings:manage", args=[public_id, token])
    context = manage_context(booking, token)
    if not context["may_cancel"]:
        messages.error(request, "This booking can't be cancelled online any more.")
        return see_other(manage_url)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = services.booking_cancel(booking=booking, actor="client")
            except services.BookingError as error:
                messages.error(request, error.message)
                return see_other(manage_url)
            messages.success(
                request,
                "Your session is cancelled. "
                + (
                    "Your deposit will be refunded to your card within 5–10 days."
                    if outcome.refund_due
                    else "As per the policy, the deposit is kept."
                ),
            )
            return see_other(manage_url)
        return render(request, "bookings/cancel.html", {**context, "form": form}, status=400)
    return render(request, "bookings/cancel.html", {**context, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("manage")
def manage_reschedule(request: HttpRequest, public_id: UUID, token: str) -> HttpResponse:
    booking = managed_booking(request, public_id, token)
    manage_url = reverse("bookings:manage", args=[public_id, token])
    if not services.client_may_reschedule(booking, timezone.now()):
        messages.error(request, "This booking can't be moved online any more.")
        return see_other(manage_url)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        if start is None:
            messages.error(request, "Please pick one of the times shown.")
            return see_other(request.path)
        try:
            services.booking_reschedule(booking=booking, start=start, actor="client")
        except services.SlotUnavailable as error:
            messages.error(request, error.message)
            day = start.astimezone(Studio.load().zone).date()
            return see_other(f"{request.path}?date={day.isoformat()}")
        except services.BookingError as error:
            messages.error(request, error.message)
            return see_other(manage_url)
        messages.success(request, "Your session has been moved. The new time is below.")
        return see_other(manage_url)
    return render_day_picker(
        request,
        session_type=booking.session_type,
        template="bookings/reschedule.html",
        extra={**manage_context(booking, token), "manage_url": manage_url},
        exclude_booking_id=booking.pk,
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A photographer's private iCal feed; the token in the address is the only key."""
    photographer = Photographer.objects.filter(calendar_token=token).first()
    if photographer is None:
        raise Http404
    response = HttpResponse(
        photographer_feed(photographer, studio=Studio.load()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = f'inline; filename="{photographer.slug}.ics"'
    return response
