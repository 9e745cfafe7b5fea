from celery import shared_task

from . import services


@shared_task
def bookings_expire_lapsed() -> int:
    return len(services.bookings_expire_lapsed())


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
