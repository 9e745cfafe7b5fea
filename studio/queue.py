"""Enqueue Celery tasks after the surrounding transaction commits, without ever failing it.

If the broker is unreachable the work is not lost: every task enqueued this way has a periodic
sweep that finds what is still undone in the database and does it. Tasks enqueued this way keep
no result (`ignore_result=True`), so publishing needs the broker only and fails fast.
"""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args, **kwargs) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except (OperationalError, ConnectionError, OSError):
            logger.warning("broker unreachable; %s will be picked up by its sweep", task.name)

    transaction.on_commit(send, robust=True)
