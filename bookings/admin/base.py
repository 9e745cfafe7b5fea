"""What the desk's model admins share: a photographer sees their own calendar; records are read-only."""

from typing import TYPE_CHECKING

from django.contrib import admin

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object


class OwnCalendarMixin(_AdminBase):
    """A photographer (staff, not superuser) sees and changes only their own calendar."""

    owner_path = "photographer__user"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.owner_path: request.user})


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened (e.g. what Stripe told us): to read, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
