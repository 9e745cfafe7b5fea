"""The bookings app's Celery tasks: each loads what it needs and calls one service.

Their names are in bookings/jobs.py; services queue them by name (studio.queue).
"""

from celery import shared_task

from studio.queue import enqueue_after_commit

from . import client_data, services
from .jobs import Job
from .notifications import sending, sweep
from .payments import checkout, events, refunds
from .payments.mode import stripe_enabled


@shared_task(name=Job.HOLDS_EXPIRE_LAPSED)
def bookings_expire_lapsed() -> int:
    expired = services.bookings_expire_lapsed()
    if expired and stripe_enabled():
        # Holds that lapsed on our side first: close their Checkout Sessions now.
        enqueue_after_commit(Job.CHECKOUTS_CLOSE_LAPSED, booking_ids=expired)
    return len(expired)


@shared_task(name=Job.CHECKOUTS_CLOSE_LAPSED, ignore_result=True)
def stripe_checkouts_close_lapsed(booking_ids: list[int] | None = None) -> int:
    """Expire the Checkout Sessions of lapsed holds (also every minute, for holds expired
    elsewhere, e.g. when another client's hold took the time)."""
    if not stripe_enabled():
        return 0
    return checkout.checkout_sessions_close_lapsed(booking_ids=booking_ids)


@shared_task(name=Job.REFUND_SEND, ignore_result=True)
def stripe_refund_send(refund_id: int) -> str:
    return refunds.refund_send(refund_id=refund_id)


@shared_task(name=Job.REFUNDS_SWEEP)
def stripe_refunds_sweep() -> int:
    """Send refunds still `requested`: the broker lost the task, or Stripe said try later.

    Whatever the payments mode: Stripe deposits taken before the studio stopped taking them
    are still refunded through Stripe (and a refund that cannot be sent reaches the desk)."""
    return refunds.refunds_send_requested()


@shared_task(name=Job.STRIPE_RECONCILE_EVENTS)
def stripe_reconcile_events() -> int:
    """Process recent events whose webhook delivery failed."""
    if not stripe_enabled():
        return 0
    return events.reconcile_undelivered_events()


@shared_task(name=Job.CLIENT_DATA_PURGE)
def client_data_purge() -> int:
    return client_data.client_data_purge()


# No result is kept: publishing a job then needs the broker only, so it fails fast (and the
# sweep takes over) when Redis is down, instead of waiting on the result store.
@shared_task(name=Job.NOTIFICATION_SEND, ignore_result=True)
def notification_send(log_id: int) -> str:
    """Send one logged email (idempotent: a second delivery finds it claimed or sent)."""
    return sending.notification_send(log_id=log_id).outcome


@shared_task(name=Job.NOTIFICATIONS_SWEEP)
def notifications_sweep() -> dict[str, int]:
    """Every minute: claim due reminders and queue every email still waiting."""
    return sweep.notifications_sweep()
