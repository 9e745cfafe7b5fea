from django.contrib import admin

from .models import (
    Booking,
    BookingEvent,
    CancellationPolicy,
    IntakeQuestion,
    Payment,
    Photographer,
    SessionType,
    TimeOff,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Photographer)
class PhotographerAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "daily_cap", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WorkingHoursInline, TimeOffInline]


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
            from .services import cancellation_policy_publish

            published = cancellation_policy_publish(
                text=obj.text,
                refund_cutoff_hours=obj.refund_cutoff_hours,
                reschedule_cutoff_hours=obj.reschedule_cutoff_hours,
            )
            obj.pk, obj.version = published.pk, published.version


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_status", "to_status", "actor", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["kind", "provider", "status", "amount_display", "refunded_amount", "paid_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "client_name", "session_type", "photographer", "status"]
    list_filter = ["status", "photographer", "session_type", "starts_at"]
    search_fields = ["client_name", "client_email", "client_phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["session_type", "photographer"]
    readonly_fields = [
        "public_id",
        "status",
        "starts_at",
        "ends_at",
        "blocked",
        "hold_expires_at",
        "revision",
        "price_amount",
        "deposit_amount",
        "currency",
        "policy",
        "policy_accepted_at",
        "created_at",
        "updated_at",
        "confirmed_at",
        "cancelled_at",
        "session_type",
        "photographer",
    ]
    inlines = [PaymentInline, BookingEventInline]

    def has_add_permission(self, request):
        return False
