"""Signed, unguessable manage links: /book/manage/<public id>/<token>/.

The token is a timestamped HMAC of the booking's public id (SECRET_KEY_FALLBACKS still verify
after a key rotation). Its timestamp is when the booking was made, so a booking has one link,
the same in every email, and it stops working MAX_AGE after the booking was made.
Tampered, expired and other bookings' tokens are refused alike.
"""

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Booking

SALT = "bookings.manage-link"
MAX_AGE = timedelta(days=800)


class _IssuedAtSigner(signing.TimestampSigner):
    def __init__(self, issued_at: int):
        super().__init__(salt=SALT)
        self.issued_at = issued_at

    def timestamp(self) -> str:
        return signing.b62_encode(self.issued_at)


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def manage_token(booking: Booking) -> str:
    value = str(booking.public_id)
    signer = _IssuedAtSigner(int(booking.created_at.timestamp()))
    return signer.sign(value)[len(value) + 1 :]


def manage_path(booking: Booking) -> str:
    return reverse("bookings:manage", args=[booking.public_id, manage_token(booking)])


def manage_url(booking: Booking) -> str:
    return settings.SITE_URL + manage_path(booking)


def token_is_valid(public_id: UUID, token: str) -> bool:
    try:
        _signer().unsign(f"{public_id}:{token}", max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    return True
