"""Factories of the bookings app: photographers, session types, policies, bookings, time off,
Stripe deposits and notification rows."""

from datetime import time, timedelta

import factory
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from factory.django import DjangoModelFactory

from bookings.models import (
    HOLD_DURATION,
    Booking,
    CancellationPolicy,
    NotificationLog,
    Payment,
    Photographer,
    SessionType,
    TimeOff,
    WorkingHours,
)

from .studio import UserFactory


class PhotographerFactory(DjangoModelFactory[Photographer]):
    class Meta:
        model = Photographer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Photographer {n}")
    slug = factory.Sequence(lambda n: f"photographer-{n}")
    email = factory.LazyAttribute(lambda p: f"{p.slug}@studio.example")

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        """hours=[(weekday, start, end), ...]; default Monday–Sunday 09:00–17:00."""
        if not create:
            return
        intervals = (
            extracted
            if extracted is not None
            else [(weekday, time(9), time(17)) for weekday in range(7)]
        )
        for weekday, start, end in intervals:
            WorkingHours.objects.create(
                photographer=self, weekday=weekday, start_time=start, end_time=end
            )


class SessionTypeFactory(DjangoModelFactory[SessionType]):
    class Meta:
        model = SessionType
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Session {n}")
    slug = factory.Sequence(lambda n: f"session-{n}")
    summary = "One look, three images."
    duration_minutes = 60
    slot_step_minutes = 30
    price_amount = 20000
    deposit_amount = 5000
    currency = "GBP"
    minimum_notice_hours = 0
    booking_horizon_days = 365

    @factory.post_generation
    def photographers(self, create, extracted, **kwargs):
        if create and extracted:
            self.photographers.add(*extracted)


class CancellationPolicyFactory(DjangoModelFactory[CancellationPolicy]):
    class Meta:
        model = CancellationPolicy

    version = factory.Sequence(lambda n: n + 1)
    text = "Cancel 48 hours ahead for a refund."
    refund_cutoff_hours = 48
    reschedule_cutoff_hours = 24


class BookingFactory(DjangoModelFactory[Booking]):
    """A booking written directly (bypassing the services), for setting up calendars."""

    class Meta:
        model = Booking

    session_type = factory.SubFactory(SessionTypeFactory)
    photographer = factory.SubFactory(PhotographerFactory)
    status = Booking.Status.CONFIRMED
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda b: b.starts_at + timedelta(minutes=60))
    blocked = factory.LazyAttribute(lambda b: DateTimeTZRange(b.starts_at, b.ends_at, "[)"))
    hold_expires_at = factory.LazyAttribute(
        lambda b: timezone.now() + HOLD_DURATION if b.status == Booking.Status.HELD else None
    )
    client_name = "Ada Client"
    client_email = "ada@example.com"
    client_phone = "+44 7700 900123"
    price_amount = 20000
    deposit_amount = 5000
    currency = "GBP"
    policy = factory.SubFactory(CancellationPolicyFactory)
    policy_accepted_at = factory.LazyFunction(timezone.now)


class TimeOffFactory(DjangoModelFactory[TimeOff]):
    class Meta:
        model = TimeOff

    photographer = factory.SubFactory(PhotographerFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda t: t.starts_at + timedelta(days=1))


# stripe


class StripeDepositFactory(DjangoModelFactory[Payment]):
    """An attempt at paying a deposit on Stripe Checkout (pending unless told otherwise)."""

    class Meta:
        model = Payment

    booking = factory.SubFactory(BookingFactory, status=Booking.Status.HELD)
    provider = Payment.Provider.STRIPE
    kind = Payment.Kind.DEPOSIT
    status = Payment.Status.PENDING
    amount = factory.LazyAttribute(lambda p: p.booking.deposit_amount)
    currency = factory.LazyAttribute(lambda p: p.booking.currency)
    attempt = 1
    checkout_session_id = factory.Sequence(lambda n: f"cs_test_factory_{n}")
    checkout_expires_at = factory.LazyAttribute(
        lambda p: p.booking.hold_expires_at or timezone.now() + HOLD_DURATION
    )


class NotificationLogFactory(DjangoModelFactory[NotificationLog]):
    """An email waiting to be sent about a booking (written directly, not queued)."""

    class Meta:
        model = NotificationLog

    booking = factory.SubFactory(BookingFactory)
    kind = "confirmation"
    revision = factory.LazyAttribute(lambda log: log.booking.revision)
    recipient = factory.LazyAttribute(lambda log: log.booking.client_email)
    session_starts_at = factory.LazyAttribute(lambda log: log.booking.starts_at)
