"""What the studio offers: session types, their intake questions, and the cancellation policy."""

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from studio.page_cache import VersionedContent

from ..money import format_money
from .people import Photographer


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


class CancellationPolicyQuerySet(models.QuerySet["CancellationPolicy"]):
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
