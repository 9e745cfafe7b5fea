"""What the client's pages share: redirects after a post, the problem page, the bookings this
browser made."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ..models import Booking

SESSION_KEY = "bookings"


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
