"""Who sees which calendars, bookings and records at the desk.

Roles are groups of permissions (studio/roles.py), so the code asks for a permission, never
for superuser status: a studio's owner need not be a Django superuser. Whoever holds
`MANAGE_ALL_CALENDARS` (the owner) sees and acts on every photographer's calendar; anyone
else sees only their own: the records whose photographer is linked to their login.
"""

from django.db.models import QuerySet

from .models import Booking, Photographer

MANAGE_ALL_CALENDARS = "bookings.manage_all_calendars"
MANAGE_CLIENT_DATA = "bookings.manage_client_data"
# Who has a calendar at the desk at all (the calendar, the day sheet, the dashboard).
VIEW_BOOKINGS = "bookings.view_booking"


def sees_all_calendars(user) -> bool:
    return user.is_active and user.has_perm(MANAGE_ALL_CALENDARS)


def has_a_calendar(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(VIEW_BOOKINGS)


def manages_client_data(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(MANAGE_CLIENT_DATA)


def own_records(queryset: QuerySet, user, path: str) -> QuerySet:
    """`queryset` as `user` may see it: all of it for the owner; otherwise the records whose
    `path` (a lookup ending at the photographer's login, e.g. "photographer__user") is theirs."""
    if sees_all_calendars(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{path: user})


def visible_photographers(user) -> QuerySet[Photographer]:
    return own_records(Photographer.objects.all(), user, "user")


def visible_bookings(user) -> QuerySet[Booking]:
    return own_records(Booking.objects.all(), user, "photographer__user")
