"""Queue Celery jobs by name after the surrounding transaction commits, without ever failing it.

Jobs are named (each app lists its own in `jobs.py`), so the code that queues one never
imports the task module: services stay below tasks in the layers. If the broker is unreachable
the work is not lost: every job queued this way has a periodic sweep that finds what is still
undone in the database and does it. No result is kept, so publishing needs the broker only and
fails fast.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from .celery import app

logger = logging.getLogger(__name__)


def enqueue_now(name: str, *args, **kwargs) -> bool:
    """Publish one job now; returns whether the broker took it (False: its sweep will)."""
    try:
        app.signature(str(name), args=args, kwargs=kwargs).apply_async(
            retry=False, ignore_result=True
        )
    except (OperationalError, ConnectionError, OSError):
        logger.warning("broker unreachable; %s will be picked up by its sweep", name)
        return False
    return True


def enqueue_after_commit(name: str, *args, **kwargs) -> None:
    transaction.on_commit(lambda: enqueue_now(name, *args, **kwargs), robust=True)
