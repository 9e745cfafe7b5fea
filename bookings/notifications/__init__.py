"""Emails about bookings, each sent once, whatever happens to workers, Redis or the mail server.

The database is the source of truth. Every email is a `NotificationLog` row, unique per
(booking, kind, revision, resend), written before anything is sent:

- State changes call `outbox.notify_after_commit(booking=..., kind=...)` inside their transaction: the
  rows are written with the change (or not at all), and a sending job is queued after commit.
- Reminders are claimed by the periodic sweep (`sweep.notifications_sweep`, every minute from beat):
  it finds confirmed bookings whose reminder time has come and inserts their rows; the unique
  constraint makes two sweeps, or a sweep run twice, claim each reminder once. The revision is
  part of the key, so a moved session is reminded of its new time only. No ETA or countdown
  tasks are used: on Redis those are delivered again after the visibility timeout.
- The same sweep queues a job for any row that still waits: one whose job was never queued
  (Redis was down), a failed attempt whose back-off has passed, or a claim whose worker died.

Sending one row (`sending.notification_send`, run by the `bookings.tasks.notification_send` task):

1. Claim: one conditional UPDATE moves the row to "sending" with a lease (`claimed_until`) and
   a fresh claim token. A second delivery of the same job, or a second worker, finds nothing to
   claim and stops. Workers ack late and requeue on worker loss; a worker killed before it sends
   leaves its claim to expire, and the next sweep (or the redelivered job) sends the email.
2. Check it still makes sense (no reminder for a cancelled or moved session) or mark it skipped.
3. Build and send the message, then record it as sent at once, with the claim token.

The one window for a duplicate: a worker killed (or the database unreachable) after the mail
server accepted the message and before step 3's UPDATE is recorded. Nothing else happens in
between — the message is built and the database connection open before sending starts — so
the window is a single UPDATE. Closing it entirely would need the mail server to deduplicate.

A failed attempt is recorded on the row (what, when, why), and retried with back-off by the
sweep (1, 2, 4 … 60 minutes) up to MAX_ATTEMPTS; after that the row is "failed" and stays
visible in admin, where "send again" makes a new copy on purpose (`outbox.notification_resend`).

Reminder timing rule: "N hours before" means N real hours before the session's instant (UTC
arithmetic), so across a daylight-saving change the reminder's wall-clock time shifts by an hour.
A reminder whose time had already passed when the booking was confirmed or moved is skipped,
and if several reminders of one booking are due at once (the sweep was down), only the nearest
to the session is sent.

The modules: `kinds` (what is sent for what), `outbox` (writing rows and queueing their jobs,
sending again on purpose), `relevance` (is an email still worth sending), `sending` (claim and
send one row), `sweep` (the periodic job), `compose` (subject, text, HTML and .ics of a message).
"""
