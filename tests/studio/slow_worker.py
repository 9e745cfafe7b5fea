"""A Celery app with one slow task, for the supervisor's signal tests (no Django): the task
notes that it started, works for a while, and notes that it finished."""

import os
import time
from pathlib import Path

from celery import Celery

app = Celery("slow-worker", broker=os.environ.get("SLOW_WORKER_BROKER", "memory://"))
app.conf.worker_hijack_root_logger = False


@app.task(name="slow.work")
def work(marker: str, seconds: float) -> None:
    Path(marker + ".started").touch()
    time.sleep(seconds)
    Path(marker).write_text("finished")
