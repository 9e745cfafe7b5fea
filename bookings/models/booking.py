"""A booking (a held or confirmed time of one photographer) and its history."""

import uuid
from datetime import datetime, timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils import timezone

from studio.page_cache import VersionedContent

from ..money import format_money
from .catalogue import CancellationPolicy, SessionType, currency_validator
from .people import Photographer

HOLD_DURATION = timedelta(minutes=35)


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
        permissions = [
            ("manage_client_data", "Can export and erase a client's personal data"),
        ]
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
        # No client details: the admin's log keeps this text (django_admin_log.object_repr).
        return f"{self.session_type} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def price_display(self) -> str:
        return format_money(self.price_amount, self.currency)

    @property
    def deposit_display(self) -> str:
        return format_money(self.deposit_amount, self.currency)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.CONFIRMED)

    def is_waiting_for_deposit(self, now: datetime) -> bool:
        """Held, and the hold has not lapsed: the client may still pay."""
        return (
            self.status == self.Status.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at > now
        )


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
