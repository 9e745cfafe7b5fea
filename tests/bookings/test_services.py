"""The booking services: each transition, each refusal, and the guarantees behind them."""

import threading
import time as time_module
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from bookings import services
from bookings.errors import SlotUnavailable, TransitionRefused
from bookings.models import HOLD_DURATION, Booking, BookingEvent
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    TimeOffFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday in June: London is on BST (UTC+1).
DAY = datetime(2027, 6, 9, tzinfo=UTC)
NOW = DAY - timedelta(days=10)


def at(hour: int, minute: int = 0) -> datetime:
    """Local London wall time on DAY as a UTC instant (BST = UTC+1)."""
    return DAY.replace(hour=hour - 1, minute=minute)


CLIENT = services.ClientDetails(name="Ada Client", email="ada@example.com", phone="+44 1")


@pytest.fixture
def setup():
    StudioFactory(time_zone="Europe/London")
    photographer = PhotographerFactory()
    session_type = SessionTypeFactory(photographers=[photographer])
    policy = CancellationPolicyFactory()
    return photographer, session_type, policy


def hold(session_type, policy, start, photographer=None, now=NOW, client=CLIENT):
    return services.booking_create_hold(
        session_type=session_type,
        start=start,
        photographer=photographer,
        client=client,
        intake_answers={"Use": "LinkedIn"},
        policy=policy,
        now=now,
    )


def test_a_hold_copies_price_and_policy_and_lasts_35_minutes(setup):
    photographer, session_type, policy = setup

    booking = hold(session_type, policy, at(10), photographer)

    assert booking.status == Booking.Status.HELD
    assert (booking.starts_at, booking.ends_at) == (at(10), at(11))
    assert booking.hold_expires_at == NOW + HOLD_DURATION
    assert (booking.price_amount, booking.deposit_amount, booking.currency) == (20000, 5000, "GBP")
    assert (booking.policy, booking.policy_accepted_at) == (policy, NOW)
    assert booking.intake_answers == {"Use": "LinkedIn"}
    assert list(booking.events.values_list("from_status", "to_status", "actor")) == [
        ("", "held", "client")
    ]


def test_the_database_refuses_an_overlapping_booking_written_directly(setup):
    photographer, _session_type, _ = setup
    BookingFactory(photographer=photographer, starts_at=at(10), ends_at=at(11))

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(photographer=photographer, starts_at=at(10, 30), ends_at=at(11, 30))


def test_buffers_are_part_of_the_protected_range(setup):
    photographer, _, _ = setup
    BookingFactory(
        photographer=photographer,
        starts_at=at(10),
        ends_at=at(11),
        blocked=DateTimeTZRange(at(10), at(11, 15), "[)"),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(photographer=photographer, starts_at=at(11, 10), ends_at=at(12))


def test_cancelled_and_expired_bookings_do_not_block(setup):
    photographer, session_type, policy = setup
    BookingFactory(
        photographer=photographer, starts_at=at(10), ends_at=at(11), status=Booking.Status.CANCELLED
    )
    BookingFactory(
        photographer=photographer, starts_at=at(10), ends_at=at(11), status=Booking.Status.EXPIRED
    )

    assert hold(session_type, policy, at(10), photographer).status == Booking.Status.HELD


def test_a_taken_slot_is_refused_with_a_clear_message_and_nothing_written(setup):
    photographer, session_type, policy = setup
    hold(session_type, policy, at(10), photographer)

    with pytest.raises(SlotUnavailable) as refused:
        hold(session_type, policy, at(10, 30), photographer)

    assert refused.value.message == "That time was just booked — please pick another."
    assert Booking.objects.count() == 1


def test_a_lapsed_hold_in_the_way_is_expired_in_the_same_transaction(setup):
    photographer, session_type, policy = setup
    stale = hold(session_type, policy, at(10), photographer)

    later = NOW + HOLD_DURATION + timedelta(seconds=1)
    fresh = hold(session_type, policy, at(10), photographer, now=later)

    stale.refresh_from_db()
    assert stale.status == Booking.Status.EXPIRED
    assert fresh.status == Booking.Status.HELD
    assert stale.events.last().note == "hold lapsed"


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (at(8, 30), "before working hours"),
        (at(16, 30), "would end after working hours"),
        (at(10, 15), "off the 30-minute grid"),
        (NOW + timedelta(hours=1), "inside the minimum notice"),
        (NOW + timedelta(days=400), "beyond the booking horizon"),
    ],
)
def test_rules_the_constraint_cannot_express_are_checked_at_submit(setup, start, why):
    photographer, session_type, policy = setup
    session_type.minimum_notice_hours = 24
    session_type.save()

    with pytest.raises(SlotUnavailable):
        hold(session_type, policy, start, photographer)

    assert Booking.objects.count() == 0, why


def test_time_off_blocks_booking(setup):
    photographer, session_type, policy = setup
    TimeOffFactory(photographer=photographer, starts_at=at(9), ends_at=at(13))

    with pytest.raises(SlotUnavailable):
        hold(session_type, policy, at(11), photographer)
    assert hold(session_type, policy, at(13), photographer).starts_at == at(13)


def test_daily_cap_stops_further_bookings_that_day(setup):
    photographer, session_type, policy = setup
    photographer.daily_cap = 1
    photographer.save()
    hold(session_type, policy, at(10), photographer)

    with pytest.raises(SlotUnavailable):
        hold(session_type, policy, at(14), photographer)
    assert hold(session_type, policy, at(14) + timedelta(days=1), photographer)


def test_any_available_goes_to_the_next_free_photographer(setup):
    first, session_type, policy = setup
    second = PhotographerFactory()
    session_type.photographers.add(second)
    hold(session_type, policy, at(10), first)

    booking = hold(session_type, policy, at(10), None)

    assert booking.photographer == second


def test_confirming_is_idempotent(setup):
    photographer, session_type, policy = setup
    booking = hold(session_type, policy, at(10), photographer)

    services.booking_confirm(booking=booking)
    again = services.booking_confirm(booking=booking)

    assert again.status == Booking.Status.CONFIRMED
    assert again.hold_expires_at is None
    assert booking.events.filter(to_status="confirmed").count() == 1


def test_a_late_payment_confirms_an_expired_hold_only_if_the_time_is_still_free(setup):
    photographer, session_type, policy = setup
    late = hold(session_type, policy, at(10), photographer)
    later = NOW + HOLD_DURATION + timedelta(minutes=1)
    hold(session_type, policy, at(10), photographer, now=later)  # someone else takes it

    with pytest.raises(SlotUnavailable):
        services.booking_confirm(booking=late)

    late.refresh_from_db()
    assert late.status == Booking.Status.EXPIRED


def test_a_late_payment_for_a_still_free_time_confirms(setup):
    photographer, session_type, policy = setup
    booking = hold(session_type, policy, at(10), photographer)
    services.bookings_expire_lapsed(now=NOW + HOLD_DURATION)

    assert services.booking_confirm(booking=booking).status == Booking.Status.CONFIRMED


def test_sweep_expires_only_lapsed_holds(setup):
    photographer, session_type, policy = setup
    lapsed = hold(session_type, policy, at(10), photographer)
    current = hold(session_type, policy, at(12), photographer, now=NOW + timedelta(minutes=20))

    expired = services.bookings_expire_lapsed(now=NOW + HOLD_DURATION)

    assert expired == [lapsed.pk]
    current.refresh_from_db()
    assert current.status == Booking.Status.HELD


def confirmed(setup, start=None):
    photographer, session_type, policy = setup
    booking = hold(session_type, policy, start or at(10), photographer)
    return services.booking_confirm(booking=booking)


def test_client_cancelling_inside_the_refund_window_is_refunded(setup):
    booking = confirmed(setup)

    outcome = services.booking_cancel(
        booking=booking, actor="client", now=at(10) - timedelta(hours=49)
    )

    assert outcome.refund_due is True
    assert outcome.booking.status == Booking.Status.CANCELLED


def test_client_cancelling_late_keeps_the_deposit(setup):
    booking = confirmed(setup)

    outcome = services.booking_cancel(
        booking=booking, actor="client", now=at(10) - timedelta(hours=47)
    )

    assert outcome.refund_due is False
    assert outcome.booking.status == Booking.Status.CANCELLED


def test_cancelling_twice_is_refused_and_changes_nothing(setup):
    booking = confirmed(setup)
    services.booking_cancel(booking=booking, actor="client", now=NOW)
    events = BookingEvent.objects.count()

    with pytest.raises(TransitionRefused):
        services.booking_cancel(booking=booking, actor="client", now=NOW)

    assert BookingEvent.objects.count() == events


def test_client_cannot_cancel_after_the_session_started(setup):
    booking = confirmed(setup)

    with pytest.raises(TransitionRefused):
        services.booking_cancel(booking=booking, actor="client", now=at(10, 5))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_rescheduling_moves_the_booking_and_bumps_its_revision(setup):
    booking = confirmed(setup)

    moved = services.booking_reschedule(booking=booking, start=at(14), actor="client", now=NOW)

    assert (moved.starts_at, moved.ends_at, moved.revision) == (at(14), at(15), 2)
    assert moved.blocked == DateTimeTZRange(at(14), at(15), "[)")


def test_rescheduling_onto_a_taken_time_is_refused_and_changes_nothing(setup):
    booking = confirmed(setup)
    confirmed(setup, start=at(14))

    with pytest.raises(SlotUnavailable):
        services.booking_reschedule(booking=booking, start=at(14, 30), actor="client", now=NOW)

    booking.refresh_from_db()
    assert (booking.starts_at, booking.revision) == (at(10), 1)


def test_rescheduling_overlapping_its_own_old_time_is_allowed(setup):
    booking = confirmed(setup)

    moved = services.booking_reschedule(booking=booking, start=at(10, 30), actor="client", now=NOW)

    assert moved.starts_at == at(10, 30)


def test_client_cannot_reschedule_inside_the_cutoff(setup):
    booking = confirmed(setup)

    with pytest.raises(TransitionRefused):
        services.booking_reschedule(
            booking=booking, start=at(14), actor="client", now=at(10) - timedelta(hours=23)
        )


def test_completed_and_no_show_only_after_the_session_starts(setup):
    booking = confirmed(setup)

    with pytest.raises(TransitionRefused):
        services.booking_mark_completed(booking=booking, actor="maya", now=at(9))
    done = services.booking_mark_completed(booking=booking, actor="maya", now=at(11))

    assert done.status == Booking.Status.COMPLETED
    with pytest.raises(TransitionRefused):
        services.booking_mark_no_show(booking=booking, actor="maya", now=at(11))


def test_publishing_a_policy_creates_the_next_version():
    first = services.cancellation_policy_publish(
        text="v1", refund_cutoff_hours=48, reschedule_cutoff_hours=24
    )
    second = services.cancellation_policy_publish(
        text="v2", refund_cutoff_hours=24, reschedule_cutoff_hours=12
    )

    assert (first.version, second.version) == (1, 2)


def query_blocked_on_a_lock(backend_pid: int, timeout: float = 10) -> str:
    """The statement another connection is running once it waits for a lock."""
    deadline = time_module.monotonic() + timeout
    with connection.cursor() as cursor:
        while time_module.monotonic() < deadline:
            cursor.execute(
                "SELECT wait_event_type, query FROM pg_stat_activity WHERE pid = %s",
                [backend_pid],
            )
            row = cursor.fetchone()
            if row is not None and row[0] == "Lock":
                return row[1]
            time_module.sleep(0.02)
    raise AssertionError(f"connection {backend_pid} did not wait for a lock in {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_two_connections_racing_for_one_slot_one_wins_one_is_refused():
    StudioFactory(time_zone="Europe/London")
    photographer = PhotographerFactory(hours=[(w, time(9), time(17)) for w in range(7)])
    session_type = SessionTypeFactory(photographers=[photographer])
    policy = CancellationPolicyFactory()
    first_holds_lock, release_first, second_started = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    results: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = hold(session_type, policy, at(10), photographer)
                first_holds_lock.set()
                release_first.wait(10)
        finally:
            connection.close()

    def second():
        first_holds_lock.wait(10)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                results["second_pid"] = cursor.fetchone()[0]
            second_started.set()
            results["second"] = hold(session_type, policy, at(10, 30), photographer)
        except SlotUnavailable as error:
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_started.wait(10)
    # The second request waits on the photographer's row, before it reads the calendar; not
    # later, on the overlapping insert, as it would if nothing serialised the two.
    blocked_on = query_blocked_on_a_lock(results["second_pid"])
    release_first.set()
    for thread in threads:
        thread.join(20)

    assert blocked_on.startswith("SELECT")
    assert 'FROM "bookings_photographer"' in blocked_on
    assert blocked_on.endswith("FOR UPDATE")
    assert isinstance(results["first"], Booking)
    assert isinstance(results["second"], SlotUnavailable)
    assert Booking.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_connections_cannot_both_squeeze_past_the_daily_cap():
    StudioFactory(time_zone="Europe/London")
    photographer = PhotographerFactory(daily_cap=1)
    session_type = SessionTypeFactory(photographers=[photographer])
    policy = CancellationPolicyFactory()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def book(start):
        barrier.wait(10)
        try:
            outcomes.append(hold(session_type, policy, start, photographer, now=timezone.now()))
        except SlotUnavailable as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=(at(10),)),
        threading.Thread(target=book, args=(at(14),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Booking", "SlotUnavailable"]
    assert Booking.objects.count() == 1
