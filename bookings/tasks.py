from celery import shared_task

from . import services


@shared_task
def bookings_expire_lapsed() -> int:
    return len(services.bookings_expire_lapsed())
