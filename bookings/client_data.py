"""A client's personal data: export it, erase it, and purge it when it is no longer needed.

Erasing anonymises the personal fields of bookings and of their email log (the client's
address, and any of their details captured in an email's context), and deletes contact
messages; payments stay (the studio's books need them) but carry no personal data of their own.
Emails still waiting to go to an erased client are not sent.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from studio.models import ContactMessage, Studio

from .actors import Actor
from .models import Booking, BookingEvent, NotificationLog

EXPIRED_HOLD_RETENTION = timedelta(days=30)
ERASED_NAME = "Erased client"


def client_data_export(*, email: str) -> dict:
    """Everything held about the person using this email address, as plain JSON data."""
    bookings = (
        Booking.objects.filter(client_email__iexact=email)
        .select_related("session_type", "photographer", "policy")
        .prefetch_related("payments", "events", "notifications")
        .order_by("starts_at")
    )
    messages = ContactMessage.objects.filter(email__iexact=email).order_by("created_at")
    return {
        "email": email,
        "exported_at": timezone.now().isoformat(),
        "bookings": [
            {
                "reference": str(booking.public_id),
                "status": booking.status,
                "session_type": booking.session_type.name,
                "photographer": booking.photographer.name,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
                "name": booking.client_name,
                "email": booking.client_email,
                "phone": booking.client_phone,
                "notes": booking.notes,
                "intake_answers": booking.intake_answers,
                "price": {"amount": booking.price_amount, "currency": booking.currency},
                "deposit": {"amount": booking.deposit_amount, "currency": booking.currency},
                "policy_version_accepted": booking.policy.version,
                "policy_accepted_at": booking.policy_accepted_at.isoformat(),
                "created_at": booking.created_at.isoformat(),
                "payments": [
                    {
                        "kind": p.kind,
                        "provider": p.provider,
                        "status": p.status,
                        "amount": p.amount,
                        "refunded_amount": p.refunded_amount,
                        "currency": p.currency,
                        "paid_at": p.paid_at.isoformat() if p.paid_at else None,
                    }
                    for p in booking.payments.all()
                ],
                "emails": [
                    {
                        "kind": log.kind,
                        "status": log.status,
                        "sent_at": log.sent_at.isoformat() if log.sent_at else None,
                        "recipient": log.recipient,
                    }
                    for log in sorted(booking.notifications.all(), key=lambda log: log.pk)
                ],
                "history": [
                    {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status}
                    for e in booking.events.all()
                ],
            }
            for booking in bookings
        ],
        "messages": [
            {
                "sent_at": m.created_at.isoformat(),
                "name": m.name,
                "phone": m.phone,
                "message": m.message,
            }
            for m in messages
        ],
    }


def _scrub(value, personal: set[str], replacement: str):
    """`value` (JSON data) with every string that mentions a personal detail replaced."""
    if isinstance(value, dict):
        return {key: _scrub(item, personal, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, personal, replacement) for item in value]
    if isinstance(value, str) and any(detail in value.casefold() for detail in personal):
        return replacement
    return value


def _anonymise_emails(booking: Booking, *, personal: set[str]) -> None:
    """The booking's email log: the client's address replaced by the booking's erased one,
    their details scrubbed from each email's context, and unsent emails to them cancelled."""
    for log in NotificationLog.objects.select_for_update().filter(booking=booking).order_by("pk"):
        if log.recipient.casefold() in personal:
            log.recipient = booking.client_email
            if log.status in (NotificationLog.Status.PENDING, NotificationLog.Status.RETRY):
                log.status = NotificationLog.Status.SKIPPED
                log.note = "Not sent: the client's personal data was erased."
        log.context = _scrub(log.context, personal, ERASED_NAME)
        log.save(update_fields=["recipient", "status", "note", "context"])


def _anonymise(bookings) -> int:
    count = 0
    for booking in bookings.select_for_update().order_by("pk"):
        personal = {
            detail.casefold()
            for detail in (booking.client_name, booking.client_email, booking.client_phone)
            if detail
        }
        booking.client_name = ERASED_NAME
        booking.client_email = f"erased-{booking.public_id}@invalid"
        booking.client_phone = ""
        booking.notes = ""
        booking.intake_answers = {}
        booking.save(
            update_fields=[
                "client_name",
                "client_email",
                "client_phone",
                "notes",
                "intake_answers",
                "updated_at",
            ]
        )
        _anonymise_emails(booking, personal=personal)
        BookingEvent.objects.create(
            booking=booking,
            from_status=booking.status,
            to_status=booking.status,
            actor=Actor.SYSTEM,
            note="personal data erased",
        )
        count += 1
    return count


@transaction.atomic
def client_data_erase(*, email: str) -> dict[str, int]:
    """Anonymise every booking of this client and delete their messages."""
    bookings = _anonymise(Booking.objects.filter(client_email__iexact=email))
    messages, _ = ContactMessage.objects.filter(email__iexact=email).delete()
    return {"bookings": bookings, "messages": messages}


@transaction.atomic
def client_data_purge(*, now: datetime | None = None) -> int:
    """Erase personal data past its retention: lapsed holds after 30 days, other bookings
    after the studio's retention period from the session."""
    now = now or timezone.now()
    retention = timedelta(days=Studio.load().data_retention_days)
    due = Booking.objects.filter(
        Q(status=Booking.Status.EXPIRED, created_at__lt=now - EXPIRED_HOLD_RETENTION)
        | Q(ends_at__lt=now - retention)
    ).exclude(client_name=ERASED_NAME)
    return _anonymise(due)
