"""The signed manage link: see the booking, cancel it or move it within the policy."""

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from studio.models import Studio
from studio.ratelimits import limit_posts

from .. import links, services
from ..actors import Actor
from ..errors import BookingError, SlotUnavailable
from ..forms import CancelForm
from ..models import Booking
from ..params import parse_start
from ..payments import ledger
from .catalogue import render_day_picker
from .common import see_other


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
    money = ledger.booking_money(booking)
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
        "payments": list(booking.payments.filter(status__in=ledger.PAID_STATUSES)),
        "money": money,
        "deposit_kept": money.display(money.deposit_kept),
        "refunded": money.display(money.refund_completed),
        "refund_on_its_way": money.display(money.refund_in_progress),
        "balance_due": money.display(money.balance_due),
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
                outcome = services.booking_cancel(booking=booking, actor=Actor.CLIENT)
            except BookingError as error:
                messages.error(request, error.message)
                return see_other(manage_url)
            messages.success(request, "Your session is cancelled. " + refund_news(outcome))
            return see_other(manage_url)
        return render(request, "bookings/cancel.html", {**context, "form": form}, status=400)
    return render(request, "bookings/cancel.html", {**context, "form": form})


def refund_news(outcome: services.Cancellation) -> str:
    """What cancelling did with the client's money, as it stands now (requested is not done)."""
    money = ledger.booking_money(outcome.booking)
    if money.refund_in_progress:
        return (
            f"Your refund of {money.display(money.refund_in_progress)} has been requested; "
            "we'll email you once it has gone through."
        )
    if outcome.refund_due and money.refund_completed:
        return f"Your deposit of {money.display(money.refund_completed)} has been refunded."
    if money.deposit_kept:
        return "As per the policy, the deposit is kept."
    return "Nothing was paid, so there is nothing to refund."


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
            services.booking_reschedule(booking=booking, start=start, actor=Actor.CLIENT)
        except SlotUnavailable as error:
            messages.error(request, error.message)
            day = start.astimezone(Studio.load().zone).date()
            return see_other(f"{request.path}?date={day.isoformat()}")
        except BookingError as error:
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
