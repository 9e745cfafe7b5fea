from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ..actors import staff_actor
from ..errors import ResendRefused
from ..models import (
    NotificationLog,
    Refund,
    StripeEvent,
)
from ..notifications.outbox import notification_resend
from .base import OwnCalendarMixin, ReadOnlyAdmin, StudioWideMixin


@admin.register(StripeEvent)
class StripeEventAdmin(StudioWideMixin, ReadOnlyAdmin):
    """What Stripe told us and what we did about it (read-only): the studio's books."""

    list_display = ["received_at", "type", "event_id", "source", "outcome"]
    list_filter = ["type", "source"]
    search_fields = ["event_id", "outcome"]


@admin.register(Refund)
class RefundAdmin(OwnCalendarMixin, ReadOnlyAdmin):
    """The studio's refunds (the owner's role holds them; a photographer sees those of their
    own bookings on each booking's page). Whoever else is given them sees their own only."""

    owner_path = "payment__booking__photographer__user"
    list_display = ["created_at", "payment", "amount_display", "status", "reason", "actor"]
    list_filter = ["status", "reason"]
    search_fields = ["stripe_refund_id", "payment__booking__client_email"]
    list_select_related = ["payment"]


@admin.register(NotificationLog)
class NotificationLogAdmin(OwnCalendarMixin, admin.ModelAdmin):
    """The emails about bookings: what went, what waits, what failed and why."""

    owner_path = "booking__photographer__user"

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
    fields = readonly_fields = (
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
    )

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
                notification_resend(log=log, actor=staff_actor(request.user))
            except ResendRefused as refusal:
                refused.append(f"{log}: {refusal}")
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} email(s) queued to send again.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not sent again — {reason}", messages.WARNING)
