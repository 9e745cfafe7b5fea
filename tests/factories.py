"""Typed factories for the tests; each app adds its own below."""

from datetime import time, timedelta

import factory
from django.contrib.auth import get_user_model
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
from studio.models import ContactMessage, Studio


class StudioFactory(DjangoModelFactory[Studio]):
    class Meta:
        model = Studio
        django_get_or_create = ("id",)

    id = 1
    name = "Northlight Headshots"
    email = "hello@northlight.example"
    time_zone = "Europe/London"
    street_address = "14 Canal Wharf"
    locality = "Manchester"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class ContactMessageFactory(DjangoModelFactory[ContactMessage]):
    class Meta:
        model = ContactMessage

    name = "Ada Client"
    email = "ada@example.com"
    message = "Do you photograph teams on site?"


# bookings


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


# blog
import io  # noqa: E402

from django.core.files.base import ContentFile  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from PIL import Image as PILImage  # noqa: E402

from blog.models import Author, Category, Image, Post, Tag  # noqa: E402


def jpeg_bytes(width: int = 1200, height: int = 800, color=(140, 79, 52)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class AuthorFactory(DjangoModelFactory[Author]):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.LazyAttribute(lambda author: slugify(author.name))
    bio = "Writes about light."


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: slugify(category.name))


class TagFactory(DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda tag: slugify(tag.name))


class ImageFactory(DjangoModelFactory[Image]):
    """A library picture: a real JPEG on disk, without renditions until the task makes them."""

    class Meta:
        model = Image

    width = 1200
    height = 800
    file = factory.LazyAttribute(
        lambda image: ContentFile(jpeg_bytes(image.width, image.height), name="picture.jpg")
    )
    alt_text = "A portrait against a grey backdrop"


class PostFactory(DjangoModelFactory[Post]):
    """A published article by default; `draft=True` or `scheduled=True` for the others."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
        )

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.LazyAttribute(lambda post: slugify(post.title))
    author = factory.SubFactory(AuthorFactory)
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    excerpt = "A short summary of the article."
    body = "<p>Good light and a calm session make a good headshot.</p>"

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.tags.set(extracted)


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
