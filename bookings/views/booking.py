"""The details form: the client's details and answers for a chosen time, and the hold it makes."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from studio.models import Studio
from studio.ratelimits import limit_posts

from .. import services
from ..errors import SlotUnavailable
from ..forms import BookingDetailsForm
from ..models import CancellationPolicy, Photographer, SessionType
from ..params import parse_start
from ..payments.mode import deposits_taken
from ..selectors import (
    find_slot,
    is_session_start,
)
from .common import error_page, remember_booking, see_other


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
            except SlotUnavailable:
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
            "deposit_online": deposits_taken() and session_type.deposit_amount > 0,
        },
        status=status,
    )
