import time

from celery import shared_task
from django.utils import timezone
from django_redis.exceptions import ConnectionInterrupted

from . import page_cache, services
from .health import BEAT_HEARTBEAT_KEY, redis_connection
from .jobs import Job
from .models import ContactMessage


@shared_task(name=Job.BEAT_HEARTBEAT)
def beat_heartbeat() -> None:
    # No expiry, so the cache's eviction (volatile-lru: only keys that expire) never drops it;
    # its age is in its value.
    redis_connection().set(BEAT_HEARTBEAT_KEY, timezone.now().isoformat())


@shared_task(
    name=Job.CONTACT_MESSAGE_FORWARD,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=8,
)
def contact_message_forward(contact_id: int) -> bool:
    return services.contact_message_forward(contact_id=contact_id)


@shared_task(name=Job.CONTACT_MESSAGES_SWEEP)
def contact_messages_sweep() -> int:
    """Forward any message whose task never ran (e.g. the broker was down)."""
    pending = ContactMessage.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True)
    return sum(services.contact_message_forward(contact_id=pk) for pk in pending[:100])


@shared_task(name=Job.PAGE_CACHE_BUMP, bind=True, ignore_result=True, max_retries=None)
def page_cache_bump(
    self, groups: list[str], deadline: float, forget: list[str] | None = None
) -> bool:
    """Store content versions (and delete entries) a commit could not, the cache's Redis not
    answering: again after 1, 2, 4, then every 5 seconds until it answers, or until `deadline`,
    when everything cached before the change has expired anyway."""
    try:
        page_cache.store_versions(groups, forget or [])
    except ConnectionInterrupted as error:
        if time.time() > deadline or self.request.is_eager:
            return False
        raise self.retry(exc=error, countdown=min(2**self.request.retries, 5)) from error
    return True
