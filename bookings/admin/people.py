"""Photographers (working hours, time off, private calendar feed) and time off."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from ..access import sees_all_calendars
from ..ics import feed_url, photographer_calendar_token_regenerate
from ..models import (
    Photographer,
    TimeOff,
    WorkingHours,
)
from .base import OwnCalendarMixin


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Photographer)
class PhotographerAdmin(OwnCalendarMixin, admin.ModelAdmin):
    owner_path = "user"
    list_display = ["name", "user", "daily_cap", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WorkingHoursInline, TimeOffInline]
    readonly_fields = ["calendar_feed"]
    actions = ["revoke_calendar_feed"]

    @admin.display(description="private calendar feed")
    def calendar_feed(self, obj: Photographer) -> str:
        if obj.pk is None:
            return "Available once saved."
        url = feed_url(obj)
        return format_html(
            "<code>{}</code><br>Subscribe to it from a phone calendar. Keep it private: anyone "
            "with the address sees the sessions. Use the action “Revoke calendar feed address” "
            "to replace it.",
            url,
        )

    @admin.action(
        description="Revoke calendar feed address (make a new one)", permissions=["change"]
    )
    def revoke_calendar_feed(self, request: HttpRequest, queryset: QuerySet) -> None:
        for photographer in queryset:
            photographer_calendar_token_regenerate(photographer=photographer)
        self.message_user(
            request,
            f"New feed addresses made for {queryset.count()} photographer(s); the old ones "
            "no longer work. Subscribe again with the new address.",
            messages.SUCCESS,
        )

    def get_readonly_fields(self, request, obj=None):
        if sees_all_calendars(request.user):
            return self.readonly_fields
        # A photographer edits their own profile, not who they are at the studio.
        return [*self.readonly_fields, "user", "slug", "active", "order"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if sees_all_calendars(request.user) else {}


@admin.register(TimeOff)
class TimeOffAdmin(OwnCalendarMixin, admin.ModelAdmin):
    list_display = ["photographer", "starts_at", "ends_at", "reason"]
    list_filter = [("photographer", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "starts_at"
