from django.contrib import admin, messages

from . import payments, services
from .models import (
    Booking,
    BookingEvent,
    CancellationPolicy,
    IntakeQuestion,
    Payment,
    Photographer,
    Refund,
    SessionType,
    StripeEvent,
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
        "money",
    ]
    inlines = [PaymentInline, BookingEventInline]
    actions = ["cancel_and_refund", "record_balance_paid"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Payments")
    def money(self, booking: Booking) -> str:
        return str(payments.booking_money(booking))

    @admin.action(description="Cancel and refund the deposit")
    def cancel_and_refund(self, request, queryset):
        for booking in queryset:
            try:
                services.booking_cancel(
                    booking=booking, actor=request.user.get_username(), refund=True
                )
            except services.BookingError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{booking}: cancelled; deposit refund requested.")

    @admin.action(description="Record the balance as paid at the studio")
    def record_balance_paid(self, request, queryset):
        for booking in queryset:
            try:
                payment = payments.payment_record_balance(
                    booking=booking, actor=request.user.get_username()
                )
            except services.BookingError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{booking}: balance {payment.amount_display} paid.")


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    """What Stripe told us and what we did about it (read-only)."""

    list_display = ["received_at", "type", "event_id", "source", "outcome"]
    list_filter = ["type", "source"]
    search_fields = ["event_id", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["created_at", "payment", "amount_display", "status", "reason", "actor"]
    list_filter = ["status", "reason"]
    search_fields = ["stripe_refund_id", "payment__booking__client_email"]
    list_select_related = ["payment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
