"""Demo content for the studio itself: its details and the people who log in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from . import roles
from .models import Studio

DEMO_PASSWORD = "studio-demo-2026"  # noqa: S105  (local demo logins, printed on purpose)

DEMO_USERS = [
    # username, first name, last name, superuser, groups (the roles of studio/roles.py)
    ("admin", "Studio", "Owner", False, [roles.OWNER]),
    ("maya", "Maya", "Okafor", False, [roles.PHOTOGRAPHER]),
    ("sam", "Sam", "Reyes", False, [roles.AUTHOR]),
]


def seed(log) -> None:
    studio, created = Studio.objects.get_or_create(
        pk=1,
        defaults={
            "name": "Northlight Headshots",
            "tagline": "Headshots that look like you on your best day.",
            "street_address": "14 Canal Wharf, Unit 3",
            "locality": "Manchester",
            "postal_code": "M1 5AB",
            "country": "United Kingdom",
            "directions": (
                "Take the lift to the second floor; the studio is the door with the round window. "
                "Paid parking on Whitworth Street, two minutes' walk."
            ),
            "phone": "+44 161 555 0142",
            "email": "hello@northlight.example",
            "time_zone": "Europe/London",
            "instagram_url": "https://www.instagram.com/northlight.example/",
        },
    )
    if created:
        log(f"Created the studio's details: {studio.name}")

    user_model = get_user_model()
    for username, first, last, superuser, groups in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "is_superuser": superuser,
                "email": f"{username}@northlight.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        # The role groups exist from migrate on (studio/roles.py).
        user.groups.add(*(Group.objects.get(name=name) for name in groups))
