from contextvars import ContextVar
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from .page_cache import VersionedContent, forget

STUDIO_CACHE_KEY = "studio:profile:v1"
STUDIO_CACHE_SECONDS = 3600
# The profile as loaded for the request being served (set by StudioTimeZoneMiddleware), so
# that the many readers of one request share one cache read.
_request_studio: ContextVar["Studio | None"] = ContextVar("request_studio", default=None)


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


def default_reminder_offsets() -> list[int]:
    return [48, 2]


class Studio(VersionedContent, models.Model):
    """The studio's own details: one row, edited in admin, shown across the site."""

    content_groups = ("site", "availability")

    name = models.CharField(max_length=100, default="Northlight Headshots")
    tagline = models.CharField(
        max_length=200,
        blank=True,
        default="Headshots that look like you on your best day.",
        help_text="One line under the studio's name on the home page.",
    )
    street_address = models.CharField(max_length=200, blank=True)
    locality = models.CharField("town or city", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    directions = models.TextField(
        blank=True, help_text="How to find the studio: parking, entrance, floor. Sent in emails."
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(help_text="Where client messages go; also the Reply-To of emails.")
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="All session times are shown and booked in this zone, e.g. Europe/London.",
    )
    instagram_url = models.URLField(blank=True)
    linkedin_url = models.URLField(blank=True)
    reminder_offsets_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1)]),
        default=default_reminder_offsets,
        size=5,
        help_text="When reminders go out, in hours before a session, comma separated: 48,2",
    )
    data_retention_days = models.PositiveIntegerField(
        default=730,
        help_text="Clients' personal details are erased this many days after their session.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "studio details"
        verbose_name_plural = "studio details"
        constraints = [
            # One row only: the primary key is always 1.
            models.CheckConstraint(condition=models.Q(pk=1), name="studio_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(STUDIO_CACHE_KEY)  # for the rest of this transaction
        # and again after the commit (a request meanwhile may have cached the old row), retried
        # while the cache does not answer: otherwise the old details would show for an hour.
        forget(STUDIO_CACHE_KEY, kept_for=STUDIO_CACHE_SECONDS)
        _request_studio.set(None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def address_lines(self) -> list[str]:
        town = " ".join(part for part in (self.postal_code, self.locality) if part)
        return [line for line in (self.street_address, town, self.country) if line]

    @classmethod
    def load(cls) -> "Studio":
        studio = _request_studio.get()
        if studio is not None:
            return studio
        studio = cache.get(STUDIO_CACHE_KEY)
        if studio is None:
            studio, _ = cls.objects.get_or_create(pk=1, defaults={"email": "hello@studio.example"})
            cache.set(STUDIO_CACHE_KEY, studio, STUDIO_CACHE_SECONDS)
        return studio

    @classmethod
    def serve(cls):
        """Load the profile once for the request being served; returns a token to reset."""
        return _request_studio.set(cls.load())

    @classmethod
    def served(cls, token) -> None:
        _request_studio.reset(token)


class ContactMessage(models.Model):
    """A message sent through the contact form, kept so none is lost if email fails."""

    name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    message = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was forwarded to the studio's inbox."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # No sender's details: the admin's log keeps this text (django_admin_log.object_repr).
        if self.created_at is None:
            return "Message"
        return f"Message of {self.created_at:%Y-%m-%d %H:%M} UTC"
