import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from studio.page_cache import VersionedContent

from .money import format_money

HOLD_DURATION = timedelta(minutes=35)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Photographer(VersionedContent, models.Model):
    """A person with a calendar: working hours, time off and sessions."""

    content_groups = ("catalogue", "availability")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="photographer",
        help_text="The staff login this photographer uses for the admin.",
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    email = models.EmailField(blank=True, help_text="Where new-booking notices go.")
    bio = models.TextField(blank=True)
    daily_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most sessions in one day. Leave empty for no limit.",
    )
    calendar_token = models.CharField(
        max_length=64,
        default=new_calendar_token,
        unique=True,
        editable=False,
        help_text="Secret part of the private calendar feed address.",
    )
    active = models.BooleanField(default=True, help_text="Untick to stop taking new bookings.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(VersionedContent, models.Model):
    """One interval of a photographer's regular week, in the studio's time zone."""

    content_groups = ("catalogue", "availability")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    photographer = models.ForeignKey(
        Photographer, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(help_text="Local studio time, e.g. 09:00.")
    end_time = models.TimeField(help_text="Local studio time, e.g. 17:30.")

    class Meta:
        ordering = ["photographer", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="working_hours_end_after_start",
                violation_error_message="The end time must be after the start time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(VersionedContent, models.Model):
    """A stretch when a photographer takes no sessions: a holiday, an appointment."""

    content_groups = ("availability",)

    photographer = models.ForeignKey(
        Photographer, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, help_text="Only staff see this.")

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="time_off_ends_after_start",
                violation_error_message="Time off must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["photographer", "ends_at"])]

    def __str__(self) -> str:
        return (
            f"{self.photographer}: {self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"
        )


class SessionTypeQuerySet(models.QuerySet):
    def bookable(self) -> "SessionTypeQuerySet":
        return self.filter(active=True)


currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO code such as GBP.")


class SessionType(VersionedContent, models.Model):
    """Something a client can book: a kind of session, its length and its price."""

    content_groups = ("catalogue", "availability")

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True, help_text="Used in the booking page's address.")
    summary = models.CharField(
        max_length=200, help_text="One line for the list of sessions, e.g. 'One look, 3 images'."
    )
    description = models.TextField(blank=True, help_text="What's included, shown when booking.")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(12 * 60)],
        help_text="How long the client is in the studio.",
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free before the session to set up."
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after the session to reset the studio."
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5)],
        help_text="Sessions can start every this many minutes from the start of working hours.",
    )
    price_amount = models.PositiveIntegerField(
        help_text="Full price in the smallest unit of the currency (pence or cents): 19500 = 195.00."
    )
    deposit_amount = models.PositiveIntegerField(
        help_text="Paid online to confirm, in pence or cents; the rest is paid at the studio."
    )
    currency = models.CharField(max_length=3, default="GBP", validators=[currency_validator])
    minimum_notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="How soon before a session it can still be booked online."
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="How far ahead clients can book.",
    )
    photographers = models.ManyToManyField(
        Photographer, related_name="session_types", help_text="Who offers this session."
    )
    active = models.BooleanField(
        default=True, help_text="Untick to hide it from the booking pages."
    )
    order = models.PositiveSmallIntegerField(default=0)

    objects = SessionTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_amount__lte=models.F("price_amount")),
                name="session_type_deposit_within_price",
                violation_error_message="The deposit cannot be more than the price.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("bookings:session-type", args=[self.slug])

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def duration_label(self) -> str:
        hours, minutes = divmod(self.duration_minutes, 60)
        if hours and minutes:
            return f"{hours} h {minutes} min"
        return f"{hours} h" if hours else f"{minutes} min"

    @property
    def price_display(self) -> str:
        return format_money(self.price_amount, self.currency)

    @property
    def deposit_display(self) -> str:
        return format_money(self.deposit_amount, self.currency)


class IntakeQuestion(VersionedContent, models.Model):
    """A question the client answers when booking, e.g. 'What will you use the photos for?'."""

    content_groups = ("catalogue", "availability")

    class Kind(models.TextChoices):
        TEXT = "text", "Short answer"
        LONG_TEXT = "long_text", "Paragraph"
        CHOICE = "choice", "One of a list"
        YES_NO = "yes_no", "Yes or no"

    session_type = models.ForeignKey(
        SessionType, on_delete=models.CASCADE, related_name="intake_questions"
    )
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(blank=True, help_text="For 'one of a list': one choice per line.")
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        return f"intake_{self.pk}"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class CancellationPolicyQuerySet(models.QuerySet):
    def current(self) -> "CancellationPolicy | None":
        return self.order_by("-version").first()


class CancellationPolicy(VersionedContent, models.Model):
    """The studio's cancellation terms. Each change is a new version; clients accept one."""

    content_groups = ("catalogue", "availability")

    version = models.PositiveIntegerField(unique=True, editable=False)
    text = models.TextField(help_text="Shown in full to the client, who must accept it to book.")
    refund_cutoff_hours = models.PositiveSmallIntegerField(
        default=48,
        help_text="Cancelling at least this many hours before the session refunds the deposit.",
    )
    reschedule_cutoff_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Clients can move their session until this many hours before it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CancellationPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "cancellation policies"

    def __str__(self) -> str:
        return f"Cancellation policy v{self.version}"


class BookingQuerySet(models.QuerySet):
    def occupying(self, *, now=None) -> "BookingQuerySet":
        """Bookings that take their time: confirmed ones and holds that have not lapsed."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Booking.Status.CONFIRMED)
            | Q(status=Booking.Status.HELD, hold_expires_at__gt=now)
        )


class Booking(VersionedContent, models.Model):
    content_groups = ("availability",)

    class Status(models.TextChoices):
        HELD = "held", "Held, awaiting deposit"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        EXPIRED = "expired", "Expired (deposit not paid)"
        CANCELLED = "cancelled", "Cancelled"

    BLOCKING_STATUSES = (Status.HELD, Status.CONFIRMED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="bookings")
    photographer = models.ForeignKey(
        Photographer, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    blocked = DateTimeRangeField(
        help_text="The time the photographer is busy: the session plus its buffers."
    )
    hold_expires_at = models.DateTimeField(null=True, blank=True)

    client_name = models.CharField(max_length=100)
    client_email = models.EmailField()
    client_phone = models.CharField(max_length=40)
    notes = models.TextField(blank=True, max_length=2000)
    intake_answers = models.JSONField(default=dict, blank=True)

    price_amount = models.PositiveIntegerField()
    deposit_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, validators=[currency_validator])
    policy = models.ForeignKey(CancellationPolicy, on_delete=models.PROTECT, related_name="+")
    policy_accepted_at = models.DateTimeField()
    revision = models.PositiveIntegerField(
        default=1, help_text="Goes up by one each time the session is moved."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("photographer", RangeOperators.EQUAL),
                    ("blocked", RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["held", "confirmed"]),
                violation_error_message="That time was just booked.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__lte=models.F("price_amount")),
                name="booking_deposit_within_price",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False),
                name="booking_hold_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "hold_expires_at"]),
            models.Index(fields=["photographer", "starts_at"]),
            models.Index(fields=["client_email"]),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} — {self.session_type} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def price_display(self) -> str:
        return format_money(self.price_amount, self.currency)

    @property
    def deposit_display(self) -> str:
        return format_money(self.deposit_amount, self.currency)

    @property
    def balance_display(self) -> str:
        return format_money(self.price_amount - self.deposit_amount, self.currency)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.CONFIRMED)


class BookingEvent(models.Model):
    """The booking's history: every status change and move, who made it and when."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=300, blank=True)
    actor = models.CharField(max_length=100, help_text="'client', 'system', or a staff username.")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} ({self.actor})"


class Payment(models.Model):
    """Money received for a booking: the online deposit, or the balance paid at the studio."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        DEMO = "demo", "Demo (no money moved)"
        STUDIO = "studio", "Paid at the studio"

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "Deposit"
        BALANCE = "balance", "Balance"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        EXPIRED = "expired", "Checkout expired unpaid"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DEPOSIT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount = models.PositiveIntegerField(help_text="In pence or cents.")
    currency = models.CharField(max_length=3, validators=[currency_validator])
    refunded_amount = models.PositiveIntegerField(default=0)
    checkout_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Stripe: when this attempt's Checkout Session expires (fixed when the attempt starts, so a
    # retried request sends identical parameters), and the charge's refunded total as last
    # reported by a charge.refunded event (used until Stripe has told us about the refunds).
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    charge_amount_refunded = models.PositiveIntegerField(null=True, blank=True)
    charge_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.UniqueConstraint(
                fields=["booking", "attempt"],
                condition=Q(provider="stripe", kind="deposit"),
                name="payment_one_stripe_deposit_per_attempt",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {format_money(self.amount, self.currency)} ({self.status})"
        )

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)


# stripe


class StripeEvent(models.Model):
    """A Stripe event we have acted on, recorded in the transaction of the change it caused."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        RECONCILIATION = "reconciliation", "Reconciliation (missed delivery)"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEBHOOK)
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["type", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Refund(models.Model):
    """Money given back on a payment: one row per refund we ask Stripe for (or Stripe tells us of).

    A row starts `requested` in the transaction that decides the refund; a Celery task sends it
    to the Refund API after commit with the row's idempotency key, and refund events move it on.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested, not yet sent"
        PENDING = "pending", "Pending at Stripe"
        REQUIRES_ACTION = "requires_action", "Needs action at Stripe"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Cancelled"

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", "Booking cancelled"
        LATE_PAYMENT = "late_payment", "Paid after the time was taken"
        DUPLICATE = "duplicate", "Deposit paid twice"
        EXTERNAL = "external", "Made in Stripe's Dashboard"

    # Refunds count towards the payment's refunded amount while in these states.
    LIVE_STATUSES = (Status.PENDING, Status.REQUIRES_ACTION, Status.SUCCEEDED)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(help_text="In pence or cents.")
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    actor = models.CharField(max_length=100, default="system")
    idempotency_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Refund {format_money(self.amount, self.currency)} ({self.status})"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)


class NotificationLog(models.Model):
    """One email about a booking, claimed here before it is sent so that it goes out once.

    A row is unique per (booking, kind, revision, resend): a reminder for a moved session is a
    new row (the revision went up), and a copy sent again on purpose from admin is a new row
    with the next `resend` number. See bookings/notifications.py for how rows move between
    statuses and where the one remaining window for a duplicate is.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        RETRY = "retry", "Failed; will try again"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed; gave up"
        SKIPPED = "skipped", "Not sent (no longer relevant)"

    UNSENT_STATUSES = (Status.PENDING, Status.SENDING, Status.RETRY)

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(
        max_length=40, help_text="Which email: confirmation, reminder_48h, cancelled…"
    )
    revision = models.PositiveIntegerField(
        help_text="The booking's revision this email is about (it goes up when a session moves)."
    )
    resend = models.PositiveSmallIntegerField(
        default=0, help_text="0 for the original email; 1, 2… for copies sent again from admin."
    )
    recipient = models.EmailField(help_text="Where this email goes.")
    session_starts_at = models.DateTimeField(help_text="The session time this email is about.")
    context = models.JSONField(
        default=dict, blank=True, help_text="Facts captured when the email was queued."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Sending attempts so far.")
    not_before = models.DateTimeField(
        default=timezone.now, help_text="The next attempt happens no earlier than this."
    )
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a sending job was last queued for it."
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While being sent: if the sender has not finished by then, another may try.",
    )
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "email log entry"
        verbose_name_plural = "email log"
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "revision", "resend"],
                name="notification_once_per_revision",
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                condition=Q(status__in=["pending", "sending", "retry"]),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        copy = f" (copy {self.resend})" if self.resend else ""
        return f"{self.kind_label}{copy} to {self.recipient}"

    @property
    def kind_label(self) -> str:
        if self.kind.startswith("reminder_"):
            return f"Reminder ({self.kind.removeprefix('reminder_').replace('h', ' h')} before)"
        return self.kind.replace("_", " ").capitalize()
