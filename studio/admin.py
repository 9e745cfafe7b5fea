from django.contrib import admin
from django.http import HttpRequest

from .models import ContactMessage, Studio


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    """The studio's details: the owner changes them; photographers may read them (roles are
    permissions, see studio/roles.py)."""

    fieldsets = [
        (None, {"fields": ["name", "tagline", "email", "phone"]}),
        (
            "Address",
            {"fields": ["street_address", "locality", "postal_code", "country", "directions"]},
        ),
        (
            "Time and reminders",
            {"fields": ["time_zone", "reminder_offsets_hours", "data_retention_days"]},
        ),
        ("Social", {"fields": ["instagram_url", "linkedin_url"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row always exists (Studio.load creates it)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    """Messages to the studio, with their senders' details: the owner's."""

    list_display = ["name", "email", "created_at", "emailed_at"]
    search_fields = ["name", "email", "message"]
    readonly_fields = ["name", "email", "phone", "message", "created_at", "emailed_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
