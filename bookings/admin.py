from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .calendar import feed_url, photographer_calendar_token_regenerate
from .models import (
    Booking,
    BookingEvent,
    CancellationPolicy,
    IntakeQuestion,
    NotificationLog,
    Payment,
    Photographer,
    SessionType,
    TimeOff,
    WorkingHours,
)
from .notifications import ResendRefused, notification_resend


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


@admin.register(NotificationLog)
class NotificationLogAdmin(admin.ModelAdmin):
    """The emails about bookings: what went, what waits, what failed and why."""

    list_display = [
        "created_at",
        "kind_label",
        "recipient",
        "booking_link",
        "revision",
        "status",
        "attempts",
        "sent_at",
        "failure",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["recipient", "booking__client_name", "booking__client_email", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["booking"]
    actions = ["send_again"]
    fields = [
        "booking_link",
        "kind",
        "revision",
        "resend",
        "recipient",
        "session_starts_at",
        "status",
        "attempts",
        "last_error_at",
        "last_error",
        "note",
        "created_at",
        "dispatched_at",
        "claimed_until",
        "not_before",
        "sent_at",
        "context",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the log is what stops an email going twice

    @admin.display(description="email", ordering="kind")
    def kind_label(self, obj: NotificationLog) -> str:
        return obj.kind_label + (f" (copy {obj.resend})" if obj.resend else "")

    @admin.display(description="booking")
    def booking_link(self, obj: NotificationLog) -> str:
        url = reverse("admin:bookings_booking_change", args=[obj.booking_id])
        return format_html('<a href="{}">{}</a>', url, obj.booking.client_name)

    @admin.display(description="last failure", ordering="last_error_at")
    def failure(self, obj: NotificationLog) -> str:
        if not obj.last_error_at:
            return "—"
        return f"{obj.last_error_at:%Y-%m-%d %H:%M}: {obj.last_error[:120]}"

    @admin.action(
        description="Send again (a new copy of each selected email)", permissions=["change"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, refused = 0, []
        for log in queryset.select_related("booking"):
            try:
                notification_resend(log=log, actor=request.user.get_username())
            except ResendRefused as refusal:
                refused.append(f"{log}: {refusal}")
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} email(s) queued to send again.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not sent again — {reason}", messages.WARNING)
