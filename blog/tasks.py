from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .jobs import Job
from .models import Image


@shared_task(
    name=Job.IMAGE_MAKE_RENDITIONS,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def image_make_renditions(image_id: int) -> bool:
    return services.image_make_renditions(image_id=image_id)


# An upload's renditions are made by its job; a minute later (the job lost, the broker away or
# restarted empty) by the sweep. A picture being made is locked, so nothing is made twice.
RENDITIONS_SWEEP_AFTER = timedelta(minutes=1)


@shared_task(name=Job.IMAGE_RENDITIONS_SWEEP)
def image_renditions_sweep() -> int:
    """Make renditions whose task never ran (e.g. the broker was down at upload time)."""
    cutoff = timezone.now() - RENDITIONS_SWEEP_AFTER
    pending = Image.objects.filter(renditions_made_at__isnull=True, created_at__lt=cutoff)
    ids = list(pending.values_list("pk", flat=True)[:50])
    return sum(services.image_make_renditions(image_id=pk) for pk in ids)
