"""Demo content for bookings: a photographer with working hours, three session types, a policy."""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .errors import SlotUnavailable
from .models import (
    Booking,
    CancellationPolicy,
    IntakeQuestion,
    Payment,
    Photographer,
    SessionType,
    WorkingHours,
)
from .payments.offline import payment_deposit_succeeded
from .selectors import availability
from .services import ClientDetails, booking_create_hold, cancellation_policy_publish

POLICY_TEXT = """\
Your deposit secures your session and is part of the price.

Free cancellation: cancel at least 48 hours before your session and we refund the deposit in full.
Later than that, the deposit is kept, because we turn other clients away for your time.

Moving your session: you can move it to another free time online until 24 hours before it starts.

If you are ill on the day, call us: we will always try to find a new time."""

SESSION_TYPES = [
    {
        "slug": "express-headshot",
        "name": "Express headshot",
        "summary": "One look, quick and polished: ideal for LinkedIn and team pages.",
        "description": "20 minutes in front of the camera, one outfit, two retouched images.",
        "duration_minutes": 30,
        "buffer_after_minutes": 15,
        "slot_step_minutes": 30,
        "price_amount": 9500,
        "deposit_amount": 2500,
        "order": 1,
    },
    {
        "slug": "professional-headshot",
        "name": "Professional headshot",
        "summary": "Two looks, relaxed pace, five retouched images.",
        "description": "An hour with time to try different outfits, backgrounds and expressions.",
        "duration_minutes": 60,
        "buffer_before_minutes": 15,
        "buffer_after_minutes": 15,
        "slot_step_minutes": 30,
        "price_amount": 19500,
        "deposit_amount": 5000,
        "order": 2,
    },
    {
        "slug": "actor-portfolio",
        "name": "Actor portfolio",
        "summary": "Casting-ready headshots in several looks, ten retouched images.",
        "description": "Two hours, up to four looks, natural light and studio light.",
        "duration_minutes": 120,
        "buffer_after_minutes": 30,
        "slot_step_minutes": 60,
        "price_amount": 34500,
        "deposit_amount": 10000,
        "order": 3,
    },
]

QUESTIONS = [
    (
        "What will you use the photos for?",
        IntakeQuestion.Kind.CHOICE,
        "LinkedIn or CV\nCompany website\nActing or casting\nSomething else",
        True,
    ),
    ("Do you wear glasses in daily life?", IntakeQuestion.Kind.YES_NO, "", False),
]


def seed(log) -> None:
    if CancellationPolicy.objects.current() is None:
        cancellation_policy_publish(
            text=POLICY_TEXT, refund_cutoff_hours=48, reschedule_cutoff_hours=24
        )
        log("Published cancellation policy v1")

    user = get_user_model().objects.get(username="maya")
    photographer, created = Photographer.objects.get_or_create(
        slug="maya-okafor",
        defaults={
            "user": user,
            "name": "Maya Okafor",
            "email": "maya@northlight.example",
            "daily_cap": 6,
            "bio": "Maya has photographed over two thousand faces and still loves it.",
        },
    )
    if created:
        for weekday in range(5):
            WorkingHours.objects.create(
                photographer=photographer,
                weekday=weekday,
                start_time=time(9),
                end_time=time(12, 30),
            )
            WorkingHours.objects.create(
                photographer=photographer,
                weekday=weekday,
                start_time=time(13, 30),
                end_time=time(17, 30),
            )
        WorkingHours.objects.create(
            photographer=photographer, weekday=5, start_time=time(10), end_time=time(14)
        )
        log(f"Created photographer {photographer.name} with working hours")

    for fields in SESSION_TYPES:
        slug = fields["slug"]
        session_type, created = SessionType.objects.get_or_create(
            slug=slug, defaults={k: v for k, v in fields.items() if k != "slug"}
        )
        if created:
            session_type.photographers.add(photographer)
            for order, (label, kind, choices, required) in enumerate(QUESTIONS):
                IntakeQuestion.objects.create(
                    session_type=session_type,
                    label=label,
                    kind=kind,
                    choices=choices,
                    required=required,
                    order=order,
                )
            log(f"Created session type {session_type.name}")
    seed_bookings(log)


DEMO_CLIENTS = [
    ("Priya Shah", "priya@example.com", "LinkedIn or CV"),
    ("Tom Becker", "tom@example.com", "Company website"),
    ("Lena Novak", "lena@example.com", "Acting or casting"),
    ("Owen Hughes", "owen@example.com", "LinkedIn or CV"),
]


def seed_bookings(log) -> None:
    """A few confirmed sessions in the coming week so the desk has something to show."""
    policy = CancellationPolicy.objects.current()
    if Booking.objects.exists() or policy is None:
        return
    types = list(SessionType.objects.order_by("order"))
    today = timezone.localdate()
    found = availability(
        session_type=types[0],
        first_day=today + timedelta(days=2),
        last_day=today + timedelta(days=9),
    ).slots
    for index, (name, email, use) in enumerate(DEMO_CLIENTS):
        if len(found) <= index * 5:
            break
        slot = found[index * 5]
        session_type = types[index % len(types)]
        try:
            booking = booking_create_hold(
                session_type=session_type,
                start=slot.start,
                photographer=None,
                client=ClientDetails(name=name, email=email, phone="+44 7700 900000"),
                intake_answers={"What will you use the photos for?": use},
                policy=policy,
            )
        except SlotUnavailable:
            continue
        payment_deposit_succeeded(
            booking=booking,
            provider=Payment.Provider.DEMO,
            amount=booking.deposit_amount,
            currency=booking.currency,
        )
    log(f"Created {Booking.objects.count()} demo bookings")
