"""Who sees which calendars and bookings at the desk: the owner all, a photographer their own."""

from django.db.models import QuerySet

from ..models import Booking, Photographer


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
