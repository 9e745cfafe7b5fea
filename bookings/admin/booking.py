"""Bookings at the desk: the list, the booking page with its history, payments and emails, and
the actions (confirm, cancel, move, completed / no-show, balance paid, resend)."""

from datetime import date, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join

from studio.models import Studio

from .. import services
from ..access import sees_all_calendars
from ..actors import staff_actor
from ..errors import BookingError
from ..models import (
    Booking,
    BookingEvent,
    NotificationLog,
    Payment,
)
from ..params import parse_start
from ..payments import ledger, offline, refunds
from ..selectors import availability
from .base import OwnCalendarMixin


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
    fields = readonly_fields = (
        "kind",
        "provider",
        "status",
        "amount_display",
        "refunds_display",
        "paid_at",
    )

    @admin.display(description="Refunds")
    def refunds_display(self, payment: Payment) -> str:
        refunds = list(payment.refunds.all())
        tried_again = {refund.retry_of_id for refund in refunds}
        return (
            "; ".join(
                f"{refund.amount_display} {refund.get_status_display().lower()}"
                + (f" ({refund.failure_reason})" if refund.failure_reason else "")
                + (", tried again" if refund.pk in tried_again else "")
                for refund in refunds
            )
            or "—"
        )

    def has_add_permission(self, request, obj=None):
        return False


class NotificationLogInline(admin.TabularInline):
    """The emails about this booking, sent and failed (read-only; the log stops duplicates)."""

    model = NotificationLog
    extra = 0
    can_delete = False
    verbose_name_plural = "emails"
    fields = readonly_fields = (
        "kind_label",
        "revision",
        "recipient",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    ordering = ["created_at", "id"]

    @admin.display(description="email")
    def kind_label(self, log: NotificationLog) -> str:
        return log.kind_label + (f" (copy {log.resend})" if log.resend else "")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(OwnCalendarMixin, admin.ModelAdmin):
    list_display = ["starts_at", "client_name", "session_type", "photographer", "status"]
    list_filter = [
        "status",
        ("photographer", admin.RelatedOnlyFieldListFilter),
        "session_type",
        "starts_at",
    ]
    search_fields = ["client_name", "client_email", "client_phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["session_type", "photographer"]
    change_form_template = "admin/bookings/booking/change_form.html"
    fieldsets = [
        (
            "Client",
            {
                "fields": [
                    "client_name",
                    "client_email",
                    "client_phone",
                    "notes",
                    "intake_answers_display",
                ]
            },
        ),
        (
            "Session",
            {
                "fields": [
                    "status",
                    "session_type",
                    "photographer",
                    "starts_at",
                    "ends_at",
                    "hold_expires_at",
                    "revision",
                ]
            },
        ),
        (
            "Price and policy",
            {
                "fields": [
                    "money",
                    "price_amount",
                    "deposit_amount",
                    "currency",
                    "policy",
                    "policy_accepted_at",
                ]
            },
        ),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    "public_id",
                    "blocked",
                    "created_at",
                    "updated_at",
                    "confirmed_at",
                    "cancelled_at",
                ],
            },
        ),
    ]
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
        "intake_answers_display",
        "money",
    ]
    inlines = [PaymentInline, NotificationLogInline, BookingEventInline]
    actions = [
        "confirm",
        "resend_confirmation",
        "cancel_with_refund",
        "cancel_without_refund",
        "mark_completed",
        "mark_no_show",
        "record_balance_paid",
        "retry_failed_refunds",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Answers")
    def intake_answers_display(self, obj):
        return (
            format_html_join("", "<p><strong>{}</strong><br>{}</p>", obj.intake_answers.items())
            or "—"
        )

    def has_retry_permission(self, request) -> bool:
        return sees_all_calendars(request.user)  # money goes back to clients on the owner's word

    def change_view(self, request, object_id, form_url="", extra_context=None):
        allowed = self.get_actions(request)
        actions = [
            (name, getattr(self, str(name)).short_description)
            for name in self.actions
            if name in allowed
        ]
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "booking_actions": actions}
        )

    def actor(self, request) -> str:
        return staff_actor(request.user)

    def _apply(self, request, queryset, operation, done: str) -> None:
        succeeded = 0
        for booking in queryset:
            try:
                operation(booking)
            except BookingError as error:
                self.message_user(
                    request,
                    f"{booking.client_name}, {booking.starts_at:%d %b %H:%M} UTC: "
                    f"{error.message} Nothing was changed.",
                    messages.ERROR,
                )
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done}: {succeeded} booking(s).", messages.SUCCESS)

    @admin.action(description="Confirm (deposit received another way)", permissions=["change"])
    def confirm(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_confirm(
                booking=b, actor=self.actor(request), note="confirmed by staff"
            ),
            "Confirmed",
        )

    @admin.action(description="Cancel and refund the deposit", permissions=["change"])
    def cancel_with_refund(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_cancel(booking=b, actor=self.actor(request), refund=True),
            "Cancelled with refund",
        )

    @admin.action(description="Cancel and keep the deposit", permissions=["change"])
    def cancel_without_refund(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_cancel(booking=b, actor=self.actor(request), refund=False),
            "Cancelled, deposit kept",
        )

    @admin.action(description="Mark completed", permissions=["change"])
    def mark_completed(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_mark_completed(booking=b, actor=self.actor(request)),
            "Marked completed",
        )

    @admin.action(description="Mark no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_mark_no_show(booking=b, actor=self.actor(request)),
            "Marked no-show",
        )

    @admin.action(description="Resend confirmation", permissions=["change"])
    def resend_confirmation(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_confirmation_resend(booking=b, actor=self.actor(request)),
            "Confirmation queued to send again",
        )

    @admin.display(description="Payments")
    def money(self, booking: Booking) -> str:
        return str(ledger.booking_money(booking))

    @admin.action(description="Record the balance as paid at the studio", permissions=["change"])
    def record_balance_paid(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: offline.payment_record_balance(booking=b, actor=self.actor(request)),
            "Balance recorded as paid",
        )

    @admin.action(description="Try the failed refunds again", permissions=["retry"])
    def retry_failed_refunds(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: refunds.booking_refunds_retry(booking=b, actor=self.actor(request)),
            "Failed refunds sent again",
        )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="bookings_booking_act",
            ),
            path(
                "<int:pk>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name="bookings_booking_reschedule",
            ),
        ]
        return own + super().get_urls()

    def _own_booking(self, request, pk) -> Booking:
        booking = self.get_queryset(request).filter(pk=pk).first()
        if booking is None or not self.has_change_permission(request, booking):
            raise PermissionDenied
        return booking

    def act_view(self, request, pk, action):
        """The booking page's action buttons: the same actions, for one booking."""
        booking = self._own_booking(request, pk)
        if request.method != "POST" or action not in self.get_actions(request):
            raise PermissionDenied
        getattr(self, action)(request, Booking.objects.filter(pk=booking.pk))
        return redirect("admin:bookings_booking_change", booking.pk)

    def reschedule_view(self, request, pk):
        booking = self._own_booking(request, pk)
        zone = Studio.load().zone
        # The owner may give the session to any photographer free then; a photographer moves
        # it within their own calendar only.
        anyone = sees_all_calendars(request.user)
        if request.method == "POST":
            start = parse_start(request.POST.get("start"))
            try:
                if start is None:
                    raise BookingError("Pick one of the free times.")
                services.booking_reschedule(
                    booking=booking,
                    start=start,
                    actor=self.actor(request),
                    photographer=None if anyone else booking.photographer,
                )
            except BookingError as error:
                self.message_user(request, f"{error.message} Nothing was changed.", messages.ERROR)
            else:
                self.message_user(request, "Moved to the new time.", messages.SUCCESS)
                return redirect("admin:bookings_booking_change", booking.pk)
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = booking.starts_at.astimezone(zone).date()
        found = availability(
            session_type=booking.session_type,
            first_day=day,
            last_day=day,
            photographer_ids=None if anyone else [booking.photographer_id],
            exclude_booking_id=booking.pk,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move {booking.client_name}",
            "booking": booking,
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "opts": self.model._meta,
            "start_local": booking.starts_at.astimezone(zone),
            "slots": [
                (
                    slot.start,
                    slot.start.astimezone(zone),
                    found.photographers[slot.photographer_id].name,
                )
                for slot in found.slots
            ],
        }
        return TemplateResponse(request, "admin/bookings/booking/reschedule.html", context)
