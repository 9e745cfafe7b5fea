"""A client's personal data: export it, erase it, and purge it when it is no longer needed.

Erasing covers every table that can hold it (tests/bookings/test_erasure.py searches them all):

- bookings: name, email, phone, notes and intake answers anonymised;
- their email log: the client's address replaced by the booking's erased one, their details
  scrubbed from each email's context and from the mail server's error messages; emails still
  waiting to go to them are not sent;
- their history and refunds: any mention of them in notes or failure reasons;
- contact messages from their address: deleted;
- the admin's log (which keeps the description of each record changed at the desk) and the
  desk's sign-in records: see studio/personal_data.py.

Payments, refunds and the history stay (the studio's books need them) with no personal data.
Stripe events are stored as their id, type and what we did, without payloads.
"""

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from studio import personal_data
from studio.models import ContactMessage, Studio

from .actors import Actor
from .models import Booking, BookingEvent, NotificationLog, Refund
from .services import booking_event_record

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


def _redact(text: str, personal: set[str]) -> str:
    """`text` with each mention of a personal detail replaced, the rest kept (e.g. the mail
    server's reason in an error message)."""
    for detail in sorted(personal, key=len, reverse=True):
        text = re.sub(re.escape(detail), "[erased]", text, flags=re.IGNORECASE)
    return text


def _anonymise_emails(booking: Booking, *, personal: set[str]) -> list[NotificationLog]:
    """The booking's email log: the client's address replaced by the booking's erased one,
    their details scrubbed from each email's context, error and note, and unsent emails to
    them cancelled."""
    logs = list(NotificationLog.objects.select_for_update().filter(booking=booking).order_by("pk"))
    for log in logs:
        if log.recipient.casefold() in personal:
            log.recipient = booking.client_email
            if log.status in (NotificationLog.Status.PENDING, NotificationLog.Status.RETRY):
                log.status = NotificationLog.Status.SKIPPED
                log.note = "Not sent: the client's personal data was erased."
        log.context = _scrub(log.context, personal, ERASED_NAME)
        log.last_error = _redact(log.last_error, personal)
        log.note = _redact(log.note, personal)
        log.save(update_fields=["recipient", "status", "note", "context", "last_error"])
    return logs


def _anonymise_records(booking: Booking, *, personal: set[str]) -> None:
    """Mentions of the client in the booking's history and in the reasons of its refunds."""
    for event in BookingEvent.objects.filter(booking=booking):
        note = _redact(event.note, personal)
        if note != event.note:
            BookingEvent.objects.filter(pk=event.pk).update(note=note)
    for refund in Refund.objects.filter(payment__booking=booking):
        reason = _redact(refund.failure_reason, personal)
        if reason != refund.failure_reason:
            Refund.objects.filter(pk=refund.pk).update(failure_reason=reason)


def _anonymise(bookings) -> int:
    count = 0
    details: set[str] = set()
    erased: list = []
    for booking in bookings.select_for_update().order_by("pk"):
        given = {booking.client_name, booking.client_email, booking.client_phone} - {""}
        details |= given
        personal = {detail.casefold() for detail in given}
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
        erased += [booking, *_anonymise_emails(booking, personal=personal)]
        _anonymise_records(booking, personal=personal)
        booking_event_record(
            booking=booking,
            from_status=booking.status,
            actor=Actor.SYSTEM,
            note="personal data erased",
        )
        count += 1
    personal_data.admin_log_forget(details=details, about=erased)
    return count


@transaction.atomic
def client_data_erase(*, email: str) -> dict[str, int]:
    """Erase everything held about the person using this email address (see the module's
    docstring for where that is)."""
    bookings = _anonymise(Booking.objects.filter(client_email__iexact=email))
    messages, details = personal_data.contact_messages_erase(email=email)
    details.add(email)
    personal_data.admin_log_forget(details=details)
    personal_data.sign_in_records_forget(details=details)
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
