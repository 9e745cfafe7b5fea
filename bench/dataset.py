"""The page benchmark's data set, built inside a Django process on the bench database:

    python manage.py shell -c "from bench.dataset import build; build()"

Prints, as its last line, the JSON list of pages to measure: [name, path, kind].
"""

import json
import random
from datetime import UTC, datetime, time, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

PHOTOGRAPHERS, SESSION_TYPES, BOOKINGS, POSTS = 3, 4, 2000, 200


def build_dataset_command() -> str:
    return "from bench.dataset import build; build()"


def build_bookings(rng: random.Random) -> str:
    from django.contrib.auth import get_user_model

    from bookings.models import (
        Booking,
        CancellationPolicy,
        Photographer,
        SessionType,
        WorkingHours,
    )
    from studio.models import Studio

    Studio.objects.get_or_create(pk=1, defaults={"email": "bench@studio.example"})
    policy = CancellationPolicy.objects.create(version=1, text="Bench policy.")
    photographers = []
    for index in range(PHOTOGRAPHERS):
        user = get_user_model().objects.create(username=f"bench{index}", is_staff=True)
        photographer = Photographer.objects.create(
            user=user, name=f"Photographer {index}", slug=f"photographer-{index}"
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(
                photographer=photographer, weekday=day, start_time=time(8), end_time=time(20)
            )
            for day in range(7)
        )
        photographers.append(photographer)
    types = []
    for index in range(SESSION_TYPES):
        session_type = SessionType.objects.create(
            name=f"Session {index}",
            slug=f"session-{index}",
            summary="Bench session.",
            duration_minutes=30 + 30 * (index % 2),
            slot_step_minutes=30,
            price_amount=15000,
            deposit_amount=5000,
            minimum_notice_hours=0,
            booking_horizon_days=365,
        )
        session_type.photographers.set(photographers)
        types.append(session_type)
    start_of_year = timezone.now().replace(minute=0, second=0, microsecond=0)
    bookings, taken = [], set()
    while len(bookings) < BOOKINGS:
        photographer = rng.choice(photographers)
        day = rng.randrange(365)
        hour = rng.randrange(8, 19)
        if (photographer.pk, day, hour) in taken:
            continue
        taken.add((photographer.pk, day, hour))
        starts = (start_of_year + timedelta(days=day)).replace(hour=hour, tzinfo=UTC)
        bookings.append(
            Booking(
                session_type=rng.choice(types),
                photographer=photographer,
                status=Booking.Status.CONFIRMED,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                blocked=DateTimeTZRange(starts, starts + timedelta(minutes=30), "[)"),
                client_name="Bench Client",
                client_email="client@example.com",
                client_phone="+44 7700 900000",
                price_amount=15000,
                deposit_amount=5000,
                currency="GBP",
                policy=policy,
                policy_accepted_at=starts - timedelta(days=7),
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=500)
    return types[0].slug


def build() -> None:
    rng = random.Random(20261129)
    slug = build_bookings(rng)
    today = datetime.now(UTC).date()
    pages = [
        ["home", "/", "cached"],
        ["book", "/book/", "cached"],
        ["booking page", f"/book/{slug}/", "live"],
        [
            "slots.json 30 days",
            f"/book/{slug}/slots.json?start={today}&end={today + timedelta(days=29)}",
            "live",
        ],
    ]
    try:
        from bench.blog_dataset import build_posts
    except ImportError:
        pass
    else:
        pages += build_posts(rng, POSTS)
    print(json.dumps(pages))
