"""The email log: one row per email about a booking, claimed before it is sent."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .booking import Booking


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
        # No address: the admin's log keeps this text (django_admin_log.object_repr).
        copy = f" (copy {self.resend})" if self.resend else ""
        return f"{self.kind_label}{copy}, revision {self.revision}"

    @property
    def kind_label(self) -> str:
        if self.kind.startswith("reminder_"):
            return f"Reminder ({self.kind.removeprefix('reminder_').replace('h', ' h')} before)"
        return self.kind.replace("_", " ").capitalize()
