"""Photographers and their calendars: working hours and time off."""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from studio.page_cache import VersionedContent


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
        permissions = [
            (
                "manage_all_calendars",
                "Can see and act on every photographer's calendar, bookings and emails",
            ),
        ]

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
