"""Sending one logged email: claim it, check it still makes sense, send, record (see the package
docstring for the one duplicate window)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone

from studio.models import Studio

from ..models import NotificationLog
from . import compose
from .relevance import irrelevance

logger = logging.getLogger(__name__)

Status = NotificationLog.Status


MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(minutes=60)


def claim_lease() -> timedelta:
    """How long a claim holds: longer than a task may run (CELERY_TASK_TIME_LIMIT)."""
    seconds = getattr(settings, "NOTIFICATION_CLAIM_SECONDS", None)
    if seconds is None:
        seconds = (settings.CELERY_TASK_TIME_LIMIT or 300) + 60
    return timedelta(seconds=seconds)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# Sending one


def claimable(now: datetime) -> Q:
    """Rows a sender may take: waiting ones, retries whose back-off has passed, lapsed claims."""
    return (
        Q(status=Status.PENDING)
        | Q(status=Status.RETRY, not_before__lte=now)
        | Q(status=Status.SENDING, claimed_until__lt=now)
    )


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent", "skipped", "retry", "failed", or "not claimed"
    detail: str = ""


def notification_send(*, log_id: int, now: datetime | None = None) -> SendResult:
    """Send one logged email if nobody else has or is; see the module docstring."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = (
        NotificationLog.objects.filter(claimable(now), pk=log_id).update(
            status=Status.SENDING,
            claim_token=token,
            claimed_until=now + claim_lease(),
            attempts=F("attempts") + 1,
        )
        == 1
    )
    if not claimed:
        return SendResult("not claimed")
    log = NotificationLog.objects.select_related(
        "booking__session_type", "booking__photographer", "booking__policy"
    ).get(pk=log_id)
    mine = NotificationLog.objects.filter(pk=log_id, claim_token=token)
    reason = irrelevance(log, now=now)
    if reason:
        mine.update(status=Status.SKIPPED, note=reason[:200], claimed_until=None)
        return SendResult("skipped", reason)
    try:
        message = compose.build_message(log, studio=Studio.load(), now=now)
        message.send()
    except Exception as error:  # any failure to build or send is recorded and retried
        logger.exception("notification %s (%s) failed", log_id, log.kind)
        gave_up = log.attempts >= MAX_ATTEMPTS
        mine.update(
            status=Status.FAILED if gave_up else Status.RETRY,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            last_error_at=now,
            not_before=now + backoff(log.attempts),
            claimed_until=None,
            dispatched_at=None,
        )
        return SendResult("failed" if gave_up else "retry", str(error))
    # Recorded straight after the server accepted the message: the duplicate window.
    try:
        recorded = mine.update(status=Status.SENT, sent_at=timezone.now(), claimed_until=None)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        connection.close()  # a dropped connection: reconnect and record once more
        recorded = mine.update(status=Status.SENT, sent_at=timezone.now(), claimed_until=None)
    if not recorded:
        logger.warning("notification %s was sent after its claim had been taken over", log_id)
    return SendResult("sent")
