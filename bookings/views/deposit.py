"""Paying the deposit (Stripe Checkout, or the labelled demo), and the confirmation page."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from studio.models import Studio
from studio.ratelimits import limit_posts

from .. import links
from ..errors import BookingError, HoldLapsed, PaymentUnavailable
from ..models import Booking, Payment
from ..payments import checkout, ledger, offline
from ..payments.mode import PaymentsMode, demo_enabled, payments_mode, stripe_enabled
from .common import error_page, own_booking, see_other


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


def deposit_way(booking: Booking) -> str:
    """How this hold is confirmed: "at_studio" (nothing to pay online), "stripe", "demo", or
    "unavailable" (a hold with a deposit, made before the studio stopped taking them online)."""
    if not booking.deposit_amount:
        return "at_studio"
    mode = payments_mode()
    return "unavailable" if mode == PaymentsMode.AT_STUDIO else str(mode)


def render_deposit(
    request: HttpRequest, booking: Booking, *, payment_error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "bookings/deposit.html",
        {
            "booking": booking,
            "balance_at_studio": ledger.balance_after_deposit_display(booking),
            "way": deposit_way(booking),
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
    if not booking.is_waiting_for_deposit(timezone.now()):
        return hold_lapsed(request, booking)
    return render_deposit(request, booking)


@never_cache
@require_POST
def deposit_checkout(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Open (or reopen) the Stripe Checkout Session for the deposit and send the client there."""
    booking = own_booking(request, public_id)
    if not stripe_enabled() or not booking.deposit_amount:
        raise Http404
    if booking.status == Booking.Status.CONFIRMED:
        return redirect("bookings:confirmed", booking.public_id)
    try:
        url = checkout.checkout_start(booking=booking)
    except HoldLapsed:
        return hold_lapsed(request, booking)
    except PaymentUnavailable:
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
    if not demo_enabled() or not booking.deposit_amount:
        raise Http404
    if booking.status == Booking.Status.CONFIRMED:
        return see_other("bookings:confirmed", booking.public_id)
    try:
        offline.payment_demo_deposit(booking=booking)
    except BookingError as error:
        return not_confirmed(request, booking, error)
    return see_other("bookings:confirmed", booking.public_id)


@never_cache
@require_POST
@limit_posts("booking")
def deposit_at_studio(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Confirm a booking with nothing to pay online: the client pays the price at the studio."""
    booking = own_booking(request, public_id)
    if booking.deposit_amount:
        raise Http404
    try:
        offline.booking_confirm_without_deposit(booking=booking)
    except HoldLapsed:
        return hold_lapsed(request, booking)
    except BookingError as error:
        return not_confirmed(request, booking, error)
    return see_other("bookings:confirmed", booking.public_id)


def not_confirmed(request: HttpRequest, booking: Booking, error: BookingError) -> HttpResponse:
    return error_page(
        request,
        title="We couldn't confirm this booking",
        message=error.message,
        status=409,
        back_url=booking.session_type.get_absolute_url(),
        back_label="Choose another time",
    )


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
    if session_id and stripe_enabled():
        if booking.status != Booking.Status.CONFIRMED:
            checkout.checkout_session_refresh(booking=booking, session_id=session_id)
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
    paid_too_late = (
        booking.status != Booking.Status.CONFIRMED
        and payment is not None
        and payment.paid_at is not None
    )
    return render(
        request,
        "bookings/confirmed.html",
        {
            "booking": booking,
            "balance_at_studio": ledger.balance_after_deposit_display(booking),
            "confirming": confirming,
            "paid_too_late": paid_too_late,
            "money": ledger.booking_money(booking) if paid_too_late else None,
            "payment": payment,
            "manage_url": links.manage_path(booking),
            "start_local": booking.starts_at.astimezone(Studio.load().zone),
        },
    )
