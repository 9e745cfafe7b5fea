"""Money for a booking: payments (deposit, balance), refunds, and the Stripe events received."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..money import format_money
from .booking import Booking
from .catalogue import currency_validator


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


class RefundQuerySet(models.QuerySet):
    def needing_attention(self) -> "RefundQuerySet":
        """Refunds a person must look at: given up on (or refused) here, or failed or waiting
        for an action at Stripe, and not tried again since."""
        return self.filter(
            status__in=[Refund.Status.FAILED, Refund.Status.REQUIRES_ACTION],
            retried_by__isnull=True,
        )


class Refund(models.Model):
    """Money given back on a payment: one row per refund we ask Stripe for (or Stripe tells us of).

    A row starts `requested` in the transaction that decides the refund; a Celery task sends it
    to the Refund API after commit with the row's idempotency key, and refund events move it on.
    While Stripe cannot be reached it is sent again with back-off (`next_attempt_at`) until
    `give_up_at`; then, or when Stripe refuses it, it is `failed` and shown on the desk.
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
    # Accepted by Stripe but not gone through yet: the client is told it is on its way.
    UNSETTLED_STATUSES = (Status.PENDING, Status.REQUIRES_ACTION)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(help_text="In pence or cents.")
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    actor = models.CharField(max_length=100, default="system")
    idempotency_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the site has tried to send it to Stripe."
    )
    failure_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the last try failed, in Stripe's words."
    )
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="While waiting to be sent: the site tries again no earlier than this.",
    )
    give_up_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="If Stripe still can't be reached by then, the refund is marked failed and "
        "shown on the desk for you to try again.",
    )
    retry_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retried_by",
        help_text="The failed refund this one tries again.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RefundQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"Refund {format_money(self.amount, self.currency)} ({self.status})"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)
