"""Names of the studio's background jobs (tasks in studio/tasks.py), for queuing by name."""

from enum import StrEnum


class Job(StrEnum):
    BEAT_HEARTBEAT = "studio.tasks.beat_heartbeat"
    CONTACT_MESSAGE_FORWARD = "studio.tasks.contact_message_forward"
    CONTACT_MESSAGES_SWEEP = "studio.tasks.contact_messages_sweep"
    PAGE_CACHE_BUMP = "studio.tasks.page_cache_bump"
