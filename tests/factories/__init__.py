"""Typed factories for the tests, one module per app; import them from here."""

from .blog import (
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    PostFactory,
    TagFactory,
    jpeg_bytes,
)
from .bookings import (
    BookingFactory,
    CancellationPolicyFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StripeDepositFactory,
    TimeOffFactory,
)
from .studio import ContactMessageFactory, StudioFactory, UserFactory

__all__ = [
    "AuthorFactory",
    "BookingFactory",
    "CancellationPolicyFactory",
    "CategoryFactory",
    "ContactMessageFactory",
    "ImageFactory",
    "NotificationLogFactory",
    "PhotographerFactory",
    "PostFactory",
    "SessionTypeFactory",
    "StripeDepositFactory",
    "StudioFactory",
    "TagFactory",
    "TimeOffFactory",
    "UserFactory",
    "jpeg_bytes",
]
