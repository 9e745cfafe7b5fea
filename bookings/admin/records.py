"""Records of what happened, to read: Stripe events, refunds, and the email log."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from ..access import sees_all_calendars
from ..actors import staff_actor
from ..errors import RefundRetryRefused, ResendRefused
from ..models import (
    NotificationLog,
    Refund,
    StripeEvent,
)
from ..notifications.outbox import notification_resend
from ..payments.refunds import refund_retry
from .base import OwnCalendarMixin, ReadOnlyAdmin, StudioWideMixin


@admin.register(StripeEvent)
class StripeEventAdmin(StudioWideMixin, ReadOnlyAdmin):
    """What Stripe told us and what we did about it (read-only): the studio's books."""

    list_display = ["received_at", "type", "event_id", "source", "outcome"]
    list_filter = ["type", "source"]
    search_fields = ["event_id", "outcome"]


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs you"
    parameter_name = "needs_attention"

    def lookups(self, request, model_admin):
        return [("yes", "Failed or waiting at Stripe, not tried again")]

    def queryset(self, request, queryset):
        return queryset.needing_attention() if self.value() == "yes" else queryset


@admin.register(Refund)
class RefundAdmin(OwnCalendarMixin, ReadOnlyAdmin):
    """Money going back to clients (the owner's role holds them; a photographer sees those of
    their own bookings on each booking's page; whoever else is given them sees their own
    only). A failed refund can be tried again by the studio's owner."""

    owner_path = "payment__booking__photographer__user"
    list_display = [
        "created_at",
        "payment",
        "amount_display",
        "status",
        "reason",
        "actor",
        "send_attempts",
        "next_try",
        "failure_reason",
    ]
    list_filter = [NeedsAttentionFilter, "status", "reason"]
    search_fields = ["stripe_refund_id", "payment__booking__client_email"]
    list_select_related = ["payment"]
    actions = ["try_again"]

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, refund: Refund) -> str:
        if refund.status != Refund.Status.REQUESTED:
            return "—"
        return f"{timezone.localtime(refund.next_attempt_at):%Y-%m-%d %H:%M}"

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return sees_all_calendars(request.user)  # money goes back on the owner's word

    @admin.action(description="Try again (a new refund of what is left)", permissions=["retry"])
    def try_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        for refund in queryset.order_by("pk"):
            self._retry(request, refund)

    def _retry(self, request: HttpRequest, refund: Refund) -> None:
        try:
            retry = refund_retry(refund=refund, actor=staff_actor(request.user))
        except RefundRetryRefused as refusal:
            self.message_user(
                request, f"{refund}: {refusal.message} Nothing was changed.", messages.ERROR
            )
        else:
            self.message_user(
                request,
                f"A new refund of {retry.amount_display} is on its way to Stripe.",
                messages.SUCCESS,
            )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="bookings_refund_retry",
            )
        ]
        return own + super().get_urls()

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The dashboard's "Try again" button: one refund, by the owner, by POST."""
        if request.method != "POST" or not self.has_retry_permission(request):
            raise PermissionDenied
        refund = Refund.objects.filter(pk=pk).first()
        if refund is None:
            self.message_user(request, "That refund no longer exists.", messages.ERROR)
        else:
            self._retry(request, refund)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:bookings_refund_changelist")
        return redirect(back)


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
