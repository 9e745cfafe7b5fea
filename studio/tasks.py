from celery import shared_task
from django.utils import timezone

from . import services
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
