"""What the desk's model admins share: a photographer sees their own calendar; records are read-only."""

from typing import TYPE_CHECKING

from django.contrib import admin

from ..access import own_records, sees_all_calendars, visible_photographers
from ..models import Photographer

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object


class OwnCalendarMixin(_AdminBase):
    """Records of a photographer's calendar: the owner sees and changes everyone's; anyone
    else only their own, in the list, its search and filters, each record's pages, actions
    and autocomplete (all of which start from get_queryset), and in the photographer menus
    of its forms."""

    owner_path = "photographer__user"  # from the record to the photographer's login

    def get_queryset(self, request):
        return own_records(super().get_queryset(request), request.user, self.owner_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Photographer:
            kwargs["queryset"] = visible_photographers(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StudioWideMixin(_AdminBase):
    """Records of the whole studio that belong to no one calendar (e.g. what Stripe told us):
    only for those who see every calendar, whatever model permissions someone else holds."""

    def has_view_permission(self, request, obj=None):
        return sees_all_calendars(request.user) and super().has_view_permission(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened (e.g. what Stripe told us): to read, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
