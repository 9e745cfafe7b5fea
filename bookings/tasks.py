from celery import shared_task

from studio.queue import enqueue_after_commit

from . import client_data, payments, services


@shared_task
def bookings_expire_lapsed() -> int:
    expired = services.bookings_expire_lapsed()
    if expired and payments.stripe_enabled():
        # Holds that lapsed on our side first: close their Checkout Sessions now.
        enqueue_after_commit(stripe_checkouts_close_lapsed, booking_ids=expired)
    return len(expired)


@shared_task(ignore_result=True)
def stripe_checkouts_close_lapsed(booking_ids: list[int] | None = None) -> int:
    """Expire the Checkout Sessions of lapsed holds (also every minute, for holds expired
    elsewhere, e.g. when another client's hold took the time)."""
    if not payments.stripe_enabled():
        return 0
    return payments.checkout_sessions_close_lapsed(booking_ids=booking_ids)


@shared_task(ignore_result=True)
def stripe_refund_send(refund_id: int) -> str:
    return payments.refund_send(refund_id=refund_id)


@shared_task
def stripe_refunds_sweep() -> int:
    """Send refunds still `requested`: the broker lost the task, or Stripe said try later."""
    if not payments.stripe_enabled():
        return 0
    return payments.refunds_send_requested()


@shared_task
def stripe_reconcile_events() -> int:
    """Process recent events whose webhook delivery failed."""
    if not payments.stripe_enabled():
        return 0
    from .webhooks import reconcile_undelivered_events

    return reconcile_undelivered_events()


@shared_task
def client_data_purge() -> int:
    return client_data.client_data_purge()


# No result is kept: publishing a job then needs the broker only, so it fails fast (and the
# sweep takes over) when Redis is down, instead of waiting on the result store.
@shared_task(ignore_result=True)
def notification_send(log_id: int) -> str:
    """Send one logged email (idempotent: a second delivery finds it claimed or sent)."""
    from .notifications import notification_send as send

    return send(log_id=log_id).outcome


@shared_task
def notifications_sweep() -> dict[str, int]:
    """Every minute: claim due reminders and queue every email still waiting."""
    from .notifications import notifications_sweep as sweep

    return sweep()
