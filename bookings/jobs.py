"""Names of the bookings app's background jobs (tasks in bookings/tasks.py).

Services queue jobs by these names through `studio.queue`, so they never import the tasks.
The names are those Celery gave the tasks when they lived in one module; they stay, so that
jobs already queued and the beat schedule (settings) keep working.
"""

from enum import StrEnum


class Job(StrEnum):
    HOLDS_EXPIRE_LAPSED = "bookings.tasks.bookings_expire_lapsed"
    CHECKOUTS_CLOSE_LAPSED = "bookings.tasks.stripe_checkouts_close_lapsed"
    REFUND_SEND = "bookings.tasks.stripe_refund_send"
    REFUNDS_SWEEP = "bookings.tasks.stripe_refunds_sweep"
    STRIPE_RECONCILE_EVENTS = "bookings.tasks.stripe_reconcile_events"
    CLIENT_DATA_PURGE = "bookings.tasks.client_data_purge"
    NOTIFICATION_SEND = "bookings.tasks.notification_send"
    NOTIFICATIONS_SWEEP = "bookings.tasks.notifications_sweep"
