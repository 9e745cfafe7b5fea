import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail

from studio import services, tasks
from studio.models import ContactMessage
from tests.factories import ContactMessageFactory, StudioFactory


@pytest.mark.django_db
def test_forwarding_a_message_twice_sends_one_email():
    StudioFactory()
    message = ContactMessageFactory()

    first = services.contact_message_forward(contact_id=message.pk)
    second = services.contact_message_forward(contact_id=message.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_sweep_forwards_messages_whose_task_never_ran():
    StudioFactory()
    ContactMessageFactory.create_batch(2)

    assert tasks.contact_messages_sweep() == 2
    assert tasks.contact_messages_sweep() == 0
    assert not ContactMessage.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_forwards_a_submitted_message_after_commit(celery_worker):
    StudioFactory()

    message = services.contact_message_submit(
        name="Ada", email="ada@example.com", phone="", message="Hello"
    )

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.emailed_at:
            break
        time.sleep(0.2)
    assert message.emailed_at is not None
    assert mail.outbox == []  # sent by the worker's process, not this one


def test_every_sweep_runs_every_minute():
    """Each job queued after a commit has a sweep (studio/queue.py); work whose job the broker
    lost is found a minute later, not after five or ten."""
    sweeps = {
        name: entry["schedule"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"].endswith("_sweep")
    }

    assert set(sweeps) == {
        "bookings-notifications-sweep",
        "contact-messages-sweep",
        "blog-image-renditions-sweep",
        "stripe-refunds-sweep",
    }
    assert set(sweeps.values()) == {timedelta(minutes=1)}
