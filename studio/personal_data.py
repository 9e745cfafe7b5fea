"""Erasing a person from the tables the studio's kernel and Django keep: contact messages, the
admin's log, and the sign-in records of django-axes.

An app that holds personal data of its own (bookings: bookings/client_data.py) erases that,
and calls these for the rest. Each function takes the person's `details` (name, email address,
phone number, as they were given) and runs inside the caller's transaction.

- The admin's log (django_admin_log) keeps each changed record's str() as `object_repr`, and
  a message that may quote what was typed: entries about the erased records take the
  records' present, anonymised description, and any entry that mentions one of the details
  loses its description and message (the entry itself — who did what, when — stays).
- Sign-in records (axes) hold the username typed at the desk's sign-in, which can be a
  client's email address typed by mistake: those rows are deleted.
- Sessions hold no personal data (a visitor's session lists the references of the bookings
  it made), and nothing else in the kernel does.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from .models import ContactMessage

ERASED = "[personal data erased]"
# Shorter details (a two-letter name) would match too much of other people's text.
SHORTEST_DETAIL = 3
DETAILS_PER_QUERY = 50


def searchable(details: Iterable[str]) -> list[str]:
    return sorted({detail.strip() for detail in details if len(detail.strip()) >= SHORTEST_DETAIL})


def mentioning(fields: Iterable[str], details: list[str]) -> Q:
    """Rows where any of `fields` contains any of `details`, ignoring case."""
    return reduce(or_, (Q(**{f"{field}__icontains": d}) for field in fields for d in details))


def admin_log_forget(*, details: Iterable[str], about: Iterable[Model] = ()) -> int:
    """Scrub the admin's log of a person; returns how many entries lost a mention."""
    for record in about:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
            object_id=str(record.pk),
        ).update(object_repr=str(record)[:200])
    wanted, scrubbed = searchable(details), 0
    for start in range(0, len(wanted), DETAILS_PER_QUERY):
        chunk = wanted[start : start + DETAILS_PER_QUERY]
        scrubbed += LogEntry.objects.filter(
            mentioning(["object_repr", "change_message"], chunk)
        ).update(object_repr=ERASED, change_message="")
    return scrubbed


def sign_in_records_forget(*, details: Iterable[str]) -> int:
    """Delete the sign-in records that name the person; returns how many went."""
    wanted = searchable(details)
    if not wanted:
        return 0
    named = reduce(or_, (Q(username__iexact=detail) for detail in wanted))
    deleted = 0
    deleted += AccessAttempt.objects.filter(
        named | mentioning(["get_data", "post_data"], wanted)
    ).delete()[0]
    deleted += AccessFailureLog.objects.filter(named).delete()[0]
    deleted += AccessLog.objects.filter(named).delete()[0]
    return deleted


def contact_messages_erase(*, email: str) -> tuple[int, set[str]]:
    """Delete the messages sent from this address; returns how many, and the details their
    senders gave (names and phone numbers, to erase wherever else they appear)."""
    messages = list(ContactMessage.objects.filter(email__iexact=email))
    details = {detail for m in messages for detail in (m.name, m.email, m.phone) if detail}
    admin_log_forget(details=(), about=messages)  # their entries stop naming them...
    ContactMessage.objects.filter(pk__in=[m.pk for m in messages]).delete()
    return len(messages), details  # ...and the caller scrubs mentions with every detail
