from celery import shared_task

from . import services


@shared_task
def bookings_expire_lapsed() -> int:
    return len(services.bookings_expire_lapsed())


@shared_task
def client_data_purge() -> int:
    from .client_data import client_data_purge as purge

    return purge()
