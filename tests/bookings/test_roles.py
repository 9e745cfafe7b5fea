"""Who may do what at the desk, role by role: every admin page (list, add, change, delete) of
every registered model of bookings and studio, every admin action, and the desk's own pages.

The roles are the groups that migrate keeps in step with studio/roles.py. The owner here is a
member of the "Owner" group and *not* a Django superuser: nothing may hang on is_superuser.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bookings.admin import booking as booking_admin
from bookings.admin import people as people_admin
from bookings.admin import records as records_admin
from bookings.models import (
    Booking,
    Payment,
    Refund,
    StripeEvent,
    TimeOff,
)
from studio import roles
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    ContactMessageFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("owner", "photographer", "author")
GROUP_OF = {"owner": roles.OWNER, "photographer": roles.PHOTOGRAPHER, "author": roles.AUTHOR}

# What each role may do with each model in the admin: v view (list and open), a add,
# c change, d delete; "own" means only the photographer's own records (their calendar), the
# others' records being as good as absent (the admin answers "doesn't exist").
#
# Refunds and Stripe events are the studio's books: the owner's. A photographer sees the
# payments and refunds of their own bookings on each booking's page, not the studio's ledger.
# Contact messages are enquiries to the studio, with the sender's personal data: the owner's.
ACCESS: dict[str, dict[str, tuple[str, str]]] = {
    "bookings.booking": {"owner": ("vc", "all"), "photographer": ("vc", "own")},
    "bookings.sessiontype": {"owner": ("vacd", "all"), "photographer": ("v", "all")},
    "bookings.cancellationpolicy": {"owner": ("vacd", "all"), "photographer": ("v", "all")},
    "bookings.photographer": {"owner": ("vacd", "all"), "photographer": ("vc", "own")},
    "bookings.timeoff": {"owner": ("vacd", "all"), "photographer": ("vacd", "own")},
    "bookings.stripeevent": {"owner": ("v", "all")},
    "bookings.refund": {"owner": ("v", "all")},
    "bookings.notificationlog": {"owner": ("vc", "all"), "photographer": ("vc", "own")},
    "studio.studio": {"owner": ("vc", "all"), "photographer": ("v", "all")},
    "studio.contactmessage": {"owner": ("vcd", "all")},
}


def member(username: str, group: str, **extra):
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world():
    """The studio with an owner, two photographers (Maya signs in; Other does not), an author,
    and for every model a record on Maya's side and one on Other's side where that applies."""
    StudioFactory()
    users = {
        "owner": member("olivia", roles.OWNER),
        "photographer": member("maya", roles.PHOTOGRAPHER),
        "author": member("sam", roles.AUTHOR),
    }
    maya = PhotographerFactory(user=users["photographer"], name="Maya Okafor")
    other = PhotographerFactory(name="Rowan Vale")
    session_type = SessionTypeFactory(photographers=[maya, other])
    records: dict[str, dict[str, object]] = {}
    for side, photographer in (("own", maya), ("other", other)):
        booking = BookingFactory(
            photographer=photographer,
            session_type=session_type,
            client_name=f"{side.title()} Client",
            client_email=f"{side}-client@example.com",
            starts_at=timezone.now() + timedelta(days=5 if side == "own" else 6),
        )
        payment = Payment.objects.create(
            booking=booking,
            provider=Payment.Provider.STRIPE,
            status=Payment.Status.SUCCEEDED,
            amount=5000,
            currency="GBP",
            payment_intent_id=f"pi_{side}",
        )
        records[side] = {
            "bookings.booking": booking,
            "bookings.photographer": photographer,
            "bookings.timeoff": TimeOff.objects.create(
                photographer=photographer,
                starts_at=timezone.now() + timedelta(days=20),
                ends_at=timezone.now() + timedelta(days=21),
            ),
            "bookings.refund": Refund.objects.create(
                payment=payment, amount=5000, currency="GBP", reason=Refund.Reason.CANCELLATION
            ),
            "bookings.notificationlog": NotificationLogFactory(booking=booking, status="sent"),
        }
    shared = {
        "bookings.sessiontype": session_type,
        "bookings.cancellationpolicy": CancellationPolicyFactory(),
        "bookings.stripeevent": StripeEvent.objects.create(
            event_id="evt_1", type="charge.refunded"
        ),
        "studio.studio": StudioFactory(),
        "studio.contactmessage": ContactMessageFactory(),
    }
    for side in ("own", "other"):
        for label, record in shared.items():
            records[side].setdefault(label, record)
    return {"users": users, "records": records, "maya": maya, "other": other}


def registered() -> dict[str, type]:
    return {
        model._meta.label_lower: model
        for model in admin.site._registry
        if model._meta.app_label in ("bookings", "studio")
    }


def test_every_registered_model_of_bookings_and_studio_has_a_row_in_the_table():
    assert sorted(registered()) == sorted(ACCESS)


def url(label: str, page: str, *args) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{page}", args=args)


def outcome(response) -> str:
    """What the admin did: showed the page, refused (403), or said the record doesn't exist
    (a redirect to the desk's home), or saved/deleted and went back to the list."""
    if response.status_code == 403:
        return "refused"
    if response.status_code == 302 and response["Location"] == reverse("admin:index"):
        return "absent"
    assert response.status_code in (200, 302), response.status_code
    return "allowed"


def rolled_back(request):
    """Make a request that may write, and undo what it wrote (the next one sees the world as
    it was)."""
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(ACCESS))
def test_each_role_against_each_admin_page(client, world, role, label):
    letters, scope = ACCESS[label].get(role, ("", "all"))
    client.force_login(world["users"][role])
    seen, expected = {}, {}

    def expect(page: str, response, allowed: bool, *, side: str = "own") -> None:
        seen[page] = outcome(response)
        expected[page] = (
            "refused"
            if not allowed
            else ("absent" if side == "other" and scope == "own" else "allowed")
        )
        if page.startswith("history") and seen[page] == "absent" and not allowed:
            seen[page] = "refused"  # the history page looks the record up before asking

    viewer = "v" in letters or "c" in letters
    expect("changelist", client.get(url(label, "changelist")), viewer)
    expect("add (page)", client.get(url(label, "add")), "a" in letters)
    expect("add (save)", rolled_back(lambda: client.post(url(label, "add"), {})), "a" in letters)
    for side in ("own", "other"):
        pk = world["records"][side][label].pk
        expect(f"open {side}", client.get(url(label, "change", pk)), viewer, side=side)
        expect(
            f"save {side}",
            rolled_back(lambda pk=pk: client.post(url(label, "change", pk), {})),
            "c" in letters,
            side=side,
        )
        expect(f"history {side}", client.get(url(label, "history", pk)), viewer, side=side)
        expect(
            f"delete {side} (page)", client.get(url(label, "delete", pk)), "d" in letters, side=side
        )
        expect(
            f"delete {side}",
            rolled_back(lambda pk=pk: client.post(url(label, "delete", pk), {"post": "yes"})),
            "d" in letters,
            side=side,
        )

    assert seen == expected


def test_a_view_only_page_offers_no_save_button(client, world):
    client.force_login(world["users"]["photographer"])

    for label in ("bookings.sessiontype", "bookings.cancellationpolicy", "studio.studio"):
        html = client.get(url(label, "change", world["records"]["own"][label].pk)).content.decode()
        assert 'name="_save"' not in html, label


# Admin actions: from the list (the action menu) and, for bookings, from the booking page's
# buttons. An action applies to the records the role may change, and only to those.

ACTIONS = [("bookings.booking", name) for name in booking_admin.BookingAdmin.actions] + [
    ("bookings.photographer", "revoke_calendar_feed"),
    ("bookings.notificationlog", "send_again"),
]
# Who each action may touch: owner both sides, the photographer their own, the author nothing.
ACTS_ON = {"owner": {"own", "other"}, "photographer": {"own"}, "author": set()}
# Money goes back to clients on the owner's word only.
OWNER_ONLY_ACTIONS = {"retry_failed_refunds"}


def acts_on(role: str, action: str) -> set[str]:
    if action in OWNER_ONLY_ACTIONS and role != "owner":
        return set()
    return ACTS_ON[role]


@pytest.fixture
def acted(monkeypatch, world):
    """The records each admin action was applied to, recorded instead of doing the work."""
    done: list[int] = []

    def booking_apply(self, request, queryset, operation, message):
        done.extend(booking.pk for booking in queryset)

    monkeypatch.setattr(booking_admin.BookingAdmin, "_apply", booking_apply)
    monkeypatch.setattr(
        people_admin,
        "photographer_calendar_token_regenerate",
        lambda *, photographer: done.append(photographer.pk),
    )
    monkeypatch.setattr(
        records_admin, "notification_resend", lambda *, log, actor: done.append(log.pk)
    )
    return done


def sides_acted_on(world, label, done) -> set[str]:
    return {side for side in ("own", "other") if world["records"][side][label].pk in done}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("label", "action"), ACTIONS)
def test_each_admin_action_from_the_list(client, world, acted, role, label, action):
    client.force_login(world["users"][role])
    pks = [world["records"][side][label].pk for side in ("own", "other")]

    response = client.post(
        url(label, "changelist"), {"action": action, "_selected_action": pks, "index": 0}
    )

    assert (response.status_code == 403) == (role == "author")
    assert sides_acted_on(world, label, acted) == acts_on(role, action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", booking_admin.BookingAdmin.actions)
def test_each_booking_action_from_the_booking_page(client, world, acted, role, action):
    client.force_login(world["users"][role])
    statuses = {}
    for side in ("own", "other"):
        booking = world["records"][side]["bookings.booking"]
        statuses[side] = client.post(
            reverse("admin:bookings_booking_act", args=[booking.pk, action])
        ).status_code

    assert sides_acted_on(world, "bookings.booking", acted) == acts_on(role, action)
    assert statuses == {side: 302 if side in acts_on(role, action) else 403 for side in statuses}


@pytest.mark.parametrize("role", ROLES)
def test_the_move_page_of_each_booking(client, world, role):
    client.force_login(world["users"][role])

    statuses = {
        side: client.get(
            reverse(
                "admin:bookings_booking_reschedule",
                args=[world["records"][side]["bookings.booking"].pk],
            )
        ).status_code
        for side in ("own", "other")
    }

    assert statuses == {side: 200 if side in ACTS_ON[role] else 403 for side in statuses}


def test_a_photographer_moves_a_booking_only_within_their_own_calendar(client, world):
    """The free times offered, and the move itself, stay in the photographer's calendar: a
    time when only a colleague is free is not theirs to give away."""
    booking = world["records"]["own"]["bookings.booking"]
    zone = ZoneInfo("Europe/London")
    day = (timezone.now() + timedelta(days=10)).astimezone(zone).date()
    at_two = datetime.combine(day, time(14), tzinfo=zone)
    TimeOff.objects.create(  # Maya is away that whole day; Rowan works 09:00-17:00
        photographer=world["maya"],
        starts_at=datetime.combine(day, time(0), tzinfo=zone),
        ends_at=datetime.combine(day, time(23, 59), tzinfo=zone),
    )
    move = reverse("admin:bookings_booking_reschedule", args=[booking.pk])

    client.force_login(world["users"]["photographer"])
    offered = client.get(move, {"date": day.isoformat()}).content.decode()
    client.post(move, {"start": at_two.isoformat()})
    booking.refresh_from_db()
    kept = booking.photographer

    client.force_login(world["users"]["owner"])
    offered_to_owner = client.get(move, {"date": day.isoformat()}).content.decode()

    assert "Rowan Vale" not in offered
    assert kept == world["maya"]
    assert "Rowan Vale" in offered_to_owner  # the owner may give the session to a colleague


# Lists and searches: a photographer's admin lists, searches and filters hold their own
# records only; the studio-wide ones (refunds, Stripe events, messages) are not theirs at all.

OTHERS = ("Other Client", "other-client@example.com", "pi_other")


@pytest.mark.parametrize("label", sorted(ACCESS))
def test_a_photographers_lists_and_searches_show_only_their_own_records(client, world, label):
    letters, _scope = ACCESS[label].get("photographer", ("", "all"))
    client.force_login(world["users"]["photographer"])
    other = world["records"]["other"][label]
    own = world["records"]["own"][label]
    shared = other == own

    for query in ("", *OTHERS):
        response = client.get(url(label, "changelist"), {"q": query} if query else {})
        if not letters:
            assert response.status_code == 403, query
            continue
        html = response.content.decode()
        listed = list(response.context["cl"].queryset)
        assert shared or other not in listed, query
        assert not any(text in html for text in OTHERS if text != query), query  # (q is echoed)
        if not shared:
            assert "Rowan Vale" not in html, query  # nor in the filters by photographer


def test_a_refund_search_tells_a_photographer_nothing_about_who_is_a_client(client, world):
    client.force_login(world["users"]["photographer"])

    for query in ("other-client@example.com", "nobody@example.com"):
        response = client.get(url("bookings.refund", "changelist"), {"q": query})
        assert response.status_code == 403


# The desk's own pages.


def test_the_calendar_and_day_sheet_are_for_those_with_a_calendar(client, world):
    day = world["records"]["own"]["bookings.booking"].starts_at.date().isoformat()
    pages = {}
    for role in ROLES:
        client.force_login(world["users"][role])
        calendar = client.get(reverse("admin:calendar"), {"view": "month", "date": day})
        sheet = client.get(reverse("admin:day-sheet"), {"date": day})
        pages[role] = (calendar.status_code, sheet.status_code)
        if calendar.status_code == 200:
            assert ("Other Client" in calendar.content.decode()) == (role == "owner")
            assert "Own Client" in calendar.content.decode()

    assert pages == {"owner": (200, 200), "photographer": (200, 200), "author": (403, 403)}


@pytest.mark.parametrize("role", ROLES)
def test_time_off_from_the_calendar_only_for_calendars_the_role_may_change(client, world, role):
    client.force_login(world["users"][role])
    day = (timezone.now() + timedelta(days=30)).date().isoformat()

    for who in ("maya", "other"):
        client.post(
            reverse("admin:calendar"),
            {"photographer": world[who].pk, "start_date": day, "end_date": day, "reason": "x"},
        )

    added = set(TimeOff.objects.filter(reason="x").values_list("photographer__name", flat=True))
    assert (
        added
        == {
            "owner": {"Maya Okafor", "Rowan Vale"},
            "photographer": {"Maya Okafor"},
            "author": set(),
        }[role]
    )


@pytest.mark.parametrize("role", ROLES)
def test_client_data_is_the_owners(client, world, role):
    client.force_login(world["users"][role])
    email = "other-client@example.com"

    page = client.get(reverse("admin:clients"), {"email": email})
    export = client.post(reverse("admin:clients"), {"email": email, "action": "export"})
    client.post(reverse("admin:clients"), {"email": email, "action": "erase", "confirm": "yes"})
    nav = client.get(reverse("admin:index")).content.decode()

    allowed = role == "owner"
    assert (page.status_code, export.status_code) == ((200, 200) if allowed else (403, 403))
    assert (reverse("admin:clients") in nav) == allowed
    erased = not Booking.objects.filter(client_email=email).exists()
    assert erased == allowed


def test_the_dashboard_shows_each_role_what_it_may_see(client, world):
    seen = {}
    for role in ROLES:
        client.force_login(world["users"][role])
        html = client.get(reverse("admin:index")).content.decode()
        seen[role] = (
            "Own Client" in html,
            "Other Client" in html,
            reverse("admin:calendar") in html,
        )

    assert seen == {
        "owner": (True, True, True),
        "photographer": (True, False, True),
        "author": (False, False, False),
    }


def test_the_owner_is_not_a_superuser_and_the_roles_follow_the_code(world):
    owner = world["users"]["owner"]

    assert not owner.is_superuser
    for name, wanted in roles.ROLES.items():
        group = Group.objects.get(name=name)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == roles.permissions_of(name), name
        assert wanted


def test_roles_are_restored_when_migrate_runs_again(world):
    from django.core.management import call_command

    photographers = Group.objects.get(name=roles.PHOTOGRAPHER)
    photographers.permissions.clear()

    call_command("migrate", verbosity=0)

    assert photographers.permissions.count() == len(roles.permissions_of(roles.PHOTOGRAPHER))
