"""Building the emails about a booking: subject, plain text, HTML with inlined CSS, .ics.

Every message has a plain-text and an HTML part rendered from templates/emails/, shows times in
the studio's zone with the zone named, the studio's address and directions, and the booking's
manage link. The HTML carries its CSS inline (css-inline) and loads nothing remote.

Nothing here sends or touches the notification log; the rest of this package does that.
"""

from dataclasses import dataclass
from datetime import datetime
from email.message import MIMEPart

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from studio.models import Studio

from .. import ics
from ..links import manage_url
from ..models import Booking, NotificationLog, Refund
from ..money import format_money
from ..payments import ledger
from .kinds import PHOTOGRAPHER_KINDS, STUDIO_KINDS, Kind, message_kind, reminder_offset

# Preparation advice, per session type slug ("default" for the rest). Plain sentences; the
# emails link the studio's journal for more.
PREPARATION_ADVICE: dict[str, list[str]] = {
    "default": [
        "Bring two or three tops in solid, mid-tone colours; avoid fine stripes and small "
        "checks, which shimmer on camera. Iron them the night before.",
        "Come as you are on a good day: your usual hair and make-up, nothing new. Bring "
        "anything you use for touch-ups.",
        "Drink water, sleep well, and arrive five minutes early so there's no rush.",
    ],
    "actor-portfolio": [
        "Bring up to four looks that match the roles you go up for; casting directors want "
        "you as you walk into the room, so keep make-up natural.",
        "Bring your current headshot if you have one, so we can cover what it is missing.",
        "Hair: as you wear it to auditions. Avoid a fresh cut the day before.",
    ],
    "express-headshot": [
        "One outfit is all you need: a jacket or a top in a solid, mid-tone colour works "
        "best for LinkedIn and team pages.",
        "Come as you are on a good day; we keep it quick and relaxed.",
    ],
}

# Advice triggered by the client's own answers: (words in the question, words in the answer,
# the advice). Matching is case-insensitive.
INTAKE_ADVICE: list[tuple[str, str, str]] = [
    (
        "glasses",
        "yes",
        "Wear your glasses if people know you in them. If you can, ask your optician for "
        "your frames without lenses, or bring anti-reflective lenses, to avoid glare.",
    ),
    (
        "use the photos",
        "linkedin",
        "For LinkedIn, a jacket or a collar frames the face well; we'll crop square and "
        "leave room for the circle the site draws around it.",
    ),
    (
        "use the photos",
        "acting",
        "For casting, we'll keep retouching light: your headshot has to look like you on "
        "the day you walk in.",
    ),
]

SUBJECTS: dict[str, str] = {
    Kind.CONFIRMATION: "You're booked: {session} on {day}",
    Kind.REMINDER: "Reminder: your {session} is {relative}",
    Kind.RESCHEDULED: "Your session has moved to {day}",
    Kind.CANCELLED: "Your session on {day} is cancelled",
    Kind.REFUND_ISSUED: "Your refund of {refund} is on its way",
    Kind.LATE_PAYMENT: "We couldn't keep your time on {day}",
    Kind.REFUND_ATTENTION: "A refund needs you: {client}, {refund}",
    Kind.PHOTOGRAPHER_BOOKED: "New booking: {client}, {day}",
    Kind.PHOTOGRAPHER_RESCHEDULED: "Booking moved: {client}, now {day}",
    Kind.PHOTOGRAPHER_CANCELLED: "Booking cancelled: {client}, {day}",
    Kind.PHOTOGRAPHER_RELEASED: "Booking moved to a colleague: {client}, {day}",
}


# Which emails carry an .ics: (method is a cancellation?)
INVITATIONS: dict[str, bool] = {
    Kind.CONFIRMATION: False,
    Kind.RESCHEDULED: False,
    Kind.CANCELLED: True,
}


def template_name(kind: str) -> str:
    return "photographer" if kind in PHOTOGRAPHER_KINDS else message_kind(kind)


_inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


def preparation_advice(booking: Booking) -> list[str]:
    """Paragraphs for this session type, then any that the client's answers call for."""
    advice = list(PREPARATION_ADVICE.get(booking.session_type.slug, PREPARATION_ADVICE["default"]))
    for question, answer in (booking.intake_answers or {}).items():
        for question_words, answer_words, paragraph in INTAKE_ADVICE:
            if (
                question_words in str(question).lower()
                and answer_words in str(answer).lower()
                and paragraph not in advice
            ):
                advice.append(paragraph)
    return advice


@dataclass(frozen=True)
class When:
    """A session's time, in the studio's zone, in words."""

    day: str  # "Wednesday 9 June 2027"
    times: str  # "10:00–11:00"
    zone: str  # "BST (Europe/London)"
    relative: str  # "today at 10:00", "tomorrow at 10:00", "on Wednesday 9 June at 10:00"

    @property
    def full(self) -> str:
        return f"{self.day}, {self.times} {self.zone}"


def describe_time(starts_at: datetime, ends_at: datetime, *, studio: Studio, now: datetime):
    zone = studio.zone
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    today = now.astimezone(zone).date()
    days_ahead = (start.date() - today).days
    at = f"{start:%H:%M}"
    if days_ahead == 0:
        relative = f"today at {at}"
    elif days_ahead == 1:
        relative = f"tomorrow at {at}"
    else:
        relative = f"on {start:%A} {start.day} {start:%B} at {at}"
    return When(
        day=f"{start:%A} {start.day} {start:%B %Y}",
        times=f"{at}–{end:%H:%M}",
        zone=f"{start.tzname()} ({studio.time_zone})",
        relative=relative,
    )


def context_for(log: NotificationLog, *, studio: Studio, now: datetime) -> dict:
    booking = log.booking
    when = describe_time(booking.starts_at, booking.ends_at, studio=studio, now=now)
    context = {
        "kind": log.kind,
        "booking": booking,
        "studio": studio,
        "when": when,
        "manage_url": manage_url(booking),
        "site_url": settings.SITE_URL,
        "blog_url": settings.SITE_URL + "/blog/",
        "book_again_url": settings.SITE_URL + booking.session_type.get_absolute_url(),
        "advice": preparation_advice(booking),
        "deposit": booking.deposit_display,
        "balance": ledger.balance_after_deposit_display(booking),
        "policy": booking.policy,
        "offset_hours": reminder_offset(log.kind),
        "to_photographer": log.kind in PHOTOGRAPHER_KINDS,
        "to_studio": log.kind in STUDIO_KINDS,
        "admin_url": settings.SITE_URL
        + reverse("admin:bookings_booking_change", args=[booking.pk]),
    }
    previous = log.context.get("previous_starts_at")
    if previous:
        previous_start = datetime.fromisoformat(previous)
        previous_end = previous_start + (booking.ends_at - booking.starts_at)
        context["previous_when"] = describe_time(
            previous_start, previous_end, studio=studio, now=now
        )
    context["previous_photographer"] = log.context.get("previous_photographer", "")
    if log.kind == Kind.PHOTOGRAPHER_RELEASED:
        # About the time the photographer had, not the one the booking moved to.
        start = log.session_starts_at
        context["when"] = describe_time(
            start, start + (booking.ends_at - booking.starts_at), studio=studio, now=now
        )
        context["previous_when"] = None
    if log.kind in {Kind.CANCELLED, Kind.REFUND_ISSUED, Kind.LATE_PAYMENT}:
        context.update(refund_facts(booking))
    if log.kind == Kind.REFUND_ATTENTION:
        context["attention"] = list(
            Refund.objects.needing_attention()
            .filter(payment__booking=booking)
            .order_by("created_at", "pk")
        )
        total = ledger.refunds_total(context["attention"])
        context["refunded"] = format_money(total, booking.currency) if total else ""
        context["desk_url"] = settings.SITE_URL + reverse("admin:index")
    return context


def refund_facts(booking: Booking) -> dict:
    """What the client is told about their money, as it stands when the email is built: a
    refund is "on its way" until Stripe says it has gone through, "refunded" only then."""
    money = ledger.booking_money(booking)

    def shown(amount: int) -> str:
        return money.display(amount) if amount else ""

    return {
        "refunded": shown(money.refund_completed),
        "refund_on_its_way": shown(money.refund_in_progress),
        "deposit_kept": shown(money.deposit_kept),
    }


def subject_for(log: NotificationLog, context: dict) -> str:
    template = SUBJECTS[message_kind(log.kind)]
    return template.format(
        session=context["booking"].session_type.name,
        day=context["when"].day,
        relative=context["when"].relative,
        client=context["booking"].client_name,
        refund=context.get("refunded") or context["deposit"],
    )


def render_html(name: str, context: dict) -> str:
    return _inliner.inline(render_to_string(f"emails/{name}.html", context))


def _invitation_part(invitation: bytes, *, cancelled: bool) -> MIMEPart:
    part = MIMEPart()
    part.set_content(
        invitation.decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": ics.METHOD_CANCEL if cancelled else ics.METHOD_REQUEST},
        disposition="attachment",
        filename="cancelled-session.ics" if cancelled else "session.ics",
    )
    return part


def build_message(
    log: NotificationLog, *, studio: Studio, now: datetime | None = None
) -> EmailMultiAlternatives:
    """The email for one log row, addressed to its recipient."""
    now = now or timezone.now()
    booking = log.booking
    with timezone.override(studio.zone):
        context = context_for(log, studio=studio, now=now)
        subject = subject_for(log, context)
        context["subject"] = subject
        name = template_name(log.kind)
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_html(name, context)
    reply_to = booking.client_email if log.kind in PHOTOGRAPHER_KINDS else studio.email
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[log.recipient],
        reply_to=[reply_to],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Studio-Notification": str(log.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    if log.kind in INVITATIONS:
        cancelled = INVITATIONS[log.kind]
        invitation = ics.booking_invitation(booking, studio=studio, cancelled=cancelled, now=now)
        message.attach(_invitation_part(invitation, cancelled=cancelled))
    return message
