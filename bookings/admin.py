from datetime import date, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from studio.models import Studio

from . import payments, services
from .calendar import feed_url, photographer_calendar_token_regenerate
from .models import (
    Booking,
    BookingEvent,
    CancellationPolicy,
    IntakeQuestion,
    NotificationLog,
    Payment,
    Photographer,
    Refund,
    SessionType,
    StripeEvent,
    TimeOff,
    WorkingHours,
)
from .notifications import ResendRefused, notification_resend
from .selectors import availability
from .views import parse_start


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


class OwnCalendarMixin:
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
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "user", "slug", "active", "order"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or obj.user == request.user)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(TimeOff)
class TimeOffAdmin(OwnCalendarMixin, admin.ModelAdmin):
    list_display = ["photographer", "starts_at", "ends_at", "reason"]
    list_filter = ["photographer"]
    date_hierarchy = "starts_at"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "photographer" and not request.user.is_superuser:
            kwargs["queryset"] = Photographer.objects.filter(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
    fields = ["kind", "provider", "status", "amount_display", "refunds_display", "paid_at"]
    readonly_fields = fields

    @admin.display(description="Refunds")
    def refunds_display(self, payment: Payment) -> str:
        refunds = list(payment.refunds.all())
        return (
            "; ".join(
                f"{refund.amount_display} {refund.get_status_display().lower()}"
                + (f" ({refund.failure_reason})" if refund.failure_reason else "")
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
    fields = ["kind_label", "revision", "recipient", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
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
    list_filter = ["status", "photographer", "session_type", "starts_at"]
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        actions = [(name, getattr(self, name).short_description) for name in self.actions]
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "booking_actions": actions}
        )

    def actor(self, request) -> str:
        return request.user.get_username()

    def _apply(self, request, queryset, operation, done: str) -> None:
        succeeded = 0
        for booking in queryset:
            try:
                operation(booking)
            except services.BookingError as error:
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

    @admin.action(description="Confirm (deposit received another way)")
    def confirm(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_confirm(
                booking=b, actor=self.actor(request), note="confirmed by staff"
            ),
            "Confirmed",
        )

    @admin.action(description="Cancel and refund the deposit")
    def cancel_with_refund(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_cancel(booking=b, actor=self.actor(request), refund=True),
            "Cancelled with refund",
        )

    @admin.action(description="Cancel and keep the deposit")
    def cancel_without_refund(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_cancel(booking=b, actor=self.actor(request), refund=False),
            "Cancelled, deposit kept",
        )

    @admin.action(description="Mark completed")
    def mark_completed(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_mark_completed(booking=b, actor=self.actor(request)),
            "Marked completed",
        )

    @admin.action(description="Mark no-show")
    def mark_no_show(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_mark_no_show(booking=b, actor=self.actor(request)),
            "Marked no-show",
        )

    @admin.action(description="Resend confirmation")
    def resend_confirmation(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: services.booking_confirmation_resend(booking=b, actor=self.actor(request)),
            "Confirmation queued to send again",
        )

    @admin.display(description="Payments")
    def money(self, booking: Booking) -> str:
        return str(payments.booking_money(booking))

    @admin.action(description="Record the balance as paid at the studio")
    def record_balance_paid(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda b: payments.payment_record_balance(booking=b, actor=self.actor(request)),
            "Balance recorded as paid",
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
        if request.method != "POST" or action not in self.actions:
            raise PermissionDenied
        getattr(self, action)(request, Booking.objects.filter(pk=booking.pk))
        return redirect("admin:bookings_booking_change", booking.pk)

    def reschedule_view(self, request, pk):
        booking = self._own_booking(request, pk)
        zone = Studio.load().zone
        if request.method == "POST":
            start = parse_start(request.POST.get("start"))
            try:
                if start is None:
                    raise services.BookingError("Pick one of the free times.")
                services.booking_reschedule(booking=booking, start=start, actor=self.actor(request))
            except services.BookingError as error:
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


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """What Stripe told us and what we did about it (read-only)."""

    list_display = ["received_at", "type", "event_id", "source", "outcome"]
    list_filter = ["type", "source"]
    search_fields = ["event_id", "outcome"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
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
