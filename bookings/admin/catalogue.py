"""Session types with their intake questions, and the versioned cancellation policy."""

from django.contrib import admin

from ..models import (
    CancellationPolicy,
    IntakeQuestion,
    SessionType,
)
from ..services import cancellation_policy_publish


class IntakeQuestionInline(admin.TabularInline):
    model = IntakeQuestion
    extra = 0


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "price_display",
        "deposit_display",
        "active",
        "order",
    ]
    list_editable = ["active", "order"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["photographers"]
    inlines = [IntakeQuestionInline]


@admin.register(CancellationPolicy)
class CancellationPolicyAdmin(admin.ModelAdmin):
    """Policies are never edited in place: clients accepted a version; a change is a new one."""

    list_display = ["version", "refund_cutoff_hours", "reschedule_cutoff_hours", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["text", "refund_cutoff_hours", "reschedule_cutoff_hours"]

    def save_model(self, request, obj, form, change):
        if not change:
            published = cancellation_policy_publish(
                text=obj.text,
                refund_cutoff_hours=obj.refund_cutoff_hours,
                reschedule_cutoff_hours=obj.reschedule_cutoff_hours,
            )
            obj.pk, obj.version = published.pk, published.version
