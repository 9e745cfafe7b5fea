"""Client notifications (placeholder until the notifications module lands)."""

import logging

logger = logging.getLogger(__name__)


def notify_after_commit(*, booking, kind: str) -> None:
    logger.info("notify after commit: %s for booking %s", kind, booking.public_id)
