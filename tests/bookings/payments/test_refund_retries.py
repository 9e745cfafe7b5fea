"""Refunds that Stripe cannot take now are sent again with back-off for days, never dropped.

A refund that needs a person (Stripe refused it or the site's key, the days ran out, Stripe
says it failed or waits for an action) is emailed to the studio once, listed on the desk's
dashboard, and the owner can try it again: a new refund of what is left, sent after commit.
Time moves by giving the sweep the moment it runs at, as beat would every few minutes.
"""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.errors import RefundRetryRefused
from bookings.models import NotificationLog, Refund
from bookings.payments import gateway, refunds
from studio import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STUDIO_ADDRESS = "hello@northlight.example"
SWEEP_EVERY = timedelta(minutes=5)


def to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def sweep_until(moment, *, start, capture) -> list:
    """Run the refund sweep every five minutes from `start` to `moment`; the times it sent."""
    sent_at = []
    now = start
    while now <= moment:
        with capture(execute=True):
            if refunds.refunds_send_requested(now=now):
                sent_at.append(now)
        now += SWEEP_EVERY
    return sent_at


def cancel(booking, capture) -> None:
    with capture(execute=True):
        services.booking_cancel(booking=booking, actor="client")


def attention_rows(booking) -> int:
    return NotificationLog.objects.filter(booking=booking, kind="refund_attention").count()


@pytest.fixture
def owner(client):
    user = UserFactory(username="owner", is_superuser=True)
    client.force_login(user)
    return user


# Back-off


def test_the_wait_between_tries_doubles_from_five_minutes_to_at_most_four_hours():
    waits = [refunds.refund_retry_delay(attempts) for attempts in range(1, 10)]

    assert [wait / timedelta(minutes=1) for wait in waits] == [
        5,
        10,
        20,
        40,
        80,
        160,
        240,
        240,
        240,
    ]


def test_a_refund_keeps_trying_for_days_while_stripe_is_away_then_goes_through(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    # Given Stripe is unreachable when the client cancels
    with fake_stripe.unreachable():
        cancel(booking, django_capture_on_commit_callbacks)
    refund = Refund.objects.get()
    assert (refund.status, refund.send_attempts) == ("requested", 1)
    start = timezone.now()
    assert start + timedelta(minutes=4) < refund.next_attempt_at <= start + timedelta(minutes=5)

    # When it keeps answering "try later" for four days, with the sweep every five minutes
    fake_stripe.fail_next("POST", "/v1/refunds", status=503, times=1000)
    sent_at = sweep_until(
        start + timedelta(days=4), start=start, capture=django_capture_on_commit_callbacks
    )

    # Then it was sent again at 5, 15, 35, 75, 155, 315 minutes, then every four hours, and it
    # still waits: nobody was told it failed, and the client was not told it was refunded
    minutes = [round((moment - start) / timedelta(minutes=1)) for moment in sent_at]
    assert minutes[:8] == [5, 15, 35, 75, 155, 315, 555, 795]
    assert all(b - a == 240 for a, b in pairwise(minutes[6:]))
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == len(sent_at) == 28  # + 1 unanswered
    refund.refresh_from_db()
    assert (refund.status, refund.send_attempts) == ("requested", 29)
    assert refund.failure_reason == "Something went wrong on Stripe's end."
    assert to(STUDIO_ADDRESS) == []
    assert not [m for m in to("ada@example.com") if m.subject.startswith("Your refund")]

    # When Stripe answers again, at the next try
    fake_stripe.failures.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert refunds.refunds_send_requested(now=refund.next_attempt_at) == 1

    # Then the refund goes through, with the key it was always sent with, and the client hears
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    keys = {call.idempotency_key for call in fake_stripe.calls("POST", "/v1/refunds")}
    assert keys == {refund.idempotency_key}
    (issued,) = [m for m in to("ada@example.com") if m.subject.startswith("Your refund")]
    assert issued.subject == "Your refund of £50.00 is on its way"
    assert attention_rows(booking) == 0


def test_after_five_days_without_stripe_the_refund_fails_and_the_studio_is_told_once(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    fake_stripe.fail_next("POST", "/v1/refunds", status=503, times=1000)
    cancel(booking, django_capture_on_commit_callbacks)
    start = timezone.now()

    sent_at = sweep_until(
        start + timedelta(days=6), start=start, capture=django_capture_on_commit_callbacks
    )

    refund = Refund.objects.get()
    assert refund.status == "failed"
    assert (sent_at[-1] - start) >= timedelta(days=5)
    assert sent_at[-1] - start < timedelta(days=5) + SWEEP_EVERY
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1 + len(sent_at) == 36
    (alert,) = to(STUDIO_ADDRESS)
    assert alert.subject == "A refund needs you: Ada Client, £50.00"
    assert "£50.00, booking cancelled: it failed (Something went wrong on Stripe's end.)." in (
        alert.body
    )
    assert "The client has been told the refund is on its way." in alert.body
    ((html, mimetype),) = alert.alternatives
    assert mimetype == "text/html"
    assert "A refund needs you</h1>" in html
    assert 'href="http://testserver/admin/"' in html
    assert alert.reply_to == [STUDIO_ADDRESS]
    assert attention_rows(booking) == 1


# Refusals that no retry will cure


def test_a_refused_api_key_stops_the_refund_at_once_and_tells_the_studio_once(
    settings, fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    # Given the site's key was revoked in Stripe's Dashboard
    settings.STRIPE_SECRET_KEY = "sk_test_revoked_key"

    cancel(booking, django_capture_on_commit_callbacks)
    sweep_until(
        timezone.now() + timedelta(hours=1),
        start=timezone.now(),
        capture=django_capture_on_commit_callbacks,
    )

    # Then it was tried once, is failed with the reason, and the studio was emailed once
    [call] = fake_stripe.calls("POST", "/v1/refunds")
    assert call.status == 401
    refund = Refund.objects.get()
    assert (refund.status, refund.send_attempts) == ("failed", 1)
    assert refund.failure_reason == (
        "Stripe did not accept the site's API key (STRIPE_SECRET_KEY): Invalid API Key"
    )
    (alert,) = to(STUDIO_ADDRESS)
    assert "Stripe did not accept the site's API key" in alert.body
    assert attention_rows(booking) == 1


def test_a_key_without_the_refund_permission_stops_the_refund_too(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    fake_stripe.fail_next(
        "POST",
        "/v1/refunds",
        status=403,
        type="invalid_request_error",
        message="The provided key does not have the required permissions for this endpoint.",
    )

    cancel(confirmed_payment.booking, django_capture_on_commit_callbacks)

    refund = Refund.objects.get()
    assert (refund.status, refund.send_attempts) == ("failed", 1)
    assert refund.failure_reason.startswith("Stripe did not accept the site's API key")
    assert len(to(STUDIO_ADDRESS)) == 1


def test_stripes_authentication_and_permission_errors_are_not_transient(
    settings, fake_stripe, confirmed_payment
):
    refund = Refund.objects.create(
        payment=confirmed_payment,
        amount=5000,
        currency="GBP",
        reason="cancellation",
        idempotency_key="deposit-refund:test:1:1",
    )
    settings.STRIPE_SECRET_KEY = "sk_test_revoked_key"

    with pytest.raises(gateway.GatewayError) as refused:
        gateway.create_refund(refund)

    assert (refused.value.transient, refused.value.key_refused) == (False, True)


# What Stripe reports


def refund_event(fake_stripe, payment, *, status: str, refund_id: str = "re_test_1") -> dict:
    return fake_stripe.event(
        "refund.failed" if status == "failed" else "refund.updated",
        {
            "id": refund_id,
            "object": "refund",
            "amount": 5000,
            "currency": "gbp",
            "payment_intent": payment.payment_intent_id,
            "metadata": {},
            "status": status,
            "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
        },
    )


def test_a_refund_stripe_says_failed_reaches_the_studio_once_and_the_dashboard(
    client, owner, fake_stripe, confirmed_payment, post_event
):
    booking = confirmed_payment.booking

    post_event(refund_event(fake_stripe, confirmed_payment, status="failed"))
    post_event(refund_event(fake_stripe, confirmed_payment, status="failed"))  # news again

    (alert,) = to(STUDIO_ADDRESS)
    assert "it failed (expired_or_canceled_card)" in alert.body
    dashboard = client.get(reverse("admin:index")).content.decode()
    assert "Refunds that need you" in dashboard
    assert "failed: expired_or_canceled_card" in dashboard
    retry_url = reverse("admin:bookings_refund_retry", args=[Refund.objects.get().pk])
    assert f'action="{retry_url}"' in dashboard
    assert attention_rows(booking) == 1


def test_a_refund_waiting_for_an_action_at_stripe_is_shown_but_not_sent_twice(
    client, owner, fake_stripe, confirmed_payment, post_event
):
    post_event(refund_event(fake_stripe, confirmed_payment, status="requires_action"))
    refund = Refund.objects.get()

    dashboard = client.get(reverse("admin:index")).content.decode()
    with pytest.raises(RefundRetryRefused, match="Finish it there"):
        refunds.refund_retry(refund=refund, actor="owner")

    assert "Stripe is waiting for an action in its Dashboard" in dashboard
    assert reverse("admin:bookings_refund_retry", args=[refund.pk]) not in dashboard
    assert Refund.objects.count() == 1
    assert len(to(STUDIO_ADDRESS)) == 1


# Trying again


@pytest.fixture
def failed_refund(settings, fake_stripe, confirmed_payment, django_capture_on_commit_callbacks):
    """A cancellation whose refund failed because the key was wrong; the key is fixed since."""
    right_key = settings.STRIPE_SECRET_KEY
    settings.STRIPE_SECRET_KEY = "sk_test_mistyped"
    cancel(confirmed_payment.booking, django_capture_on_commit_callbacks)
    settings.STRIPE_SECRET_KEY = right_key
    refund = Refund.objects.get()
    assert refund.status == "failed"
    mail.outbox.clear()
    return refund


def test_the_owner_tries_a_failed_refund_again_from_the_dashboard(
    client, owner, fake_stripe, failed_refund, django_capture_on_commit_callbacks
):
    url = reverse("admin:bookings_refund_retry", args=[failed_refund.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": reverse("admin:index")}, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "A new refund of £50.00 is on its way to Stripe." in page
    assert "Refunds that need you" not in page
    failed_refund.refresh_from_db()
    retry = Refund.objects.get(retry_of=failed_refund)
    assert failed_refund.status == "failed"  # what happened stays recorded
    assert (retry.status, retry.actor, retry.amount) == ("succeeded", "owner", 5000)
    assert retry.idempotency_key != failed_refund.idempotency_key
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 2
    (issued,) = to("ada@example.com")
    assert issued.subject == "Your refund of £50.00 is on its way"

    # Pressing again changes nothing
    again = client.post(url, {"next": reverse("admin:index")}, follow=True)
    assert "This refund has been tried again already. Nothing was changed." in (
        again.content.decode()
    )
    assert Refund.objects.count() == 2
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 2


def test_a_failed_refund_is_tried_again_once_whatever_the_database_is_asked(failed_refund):
    Refund.objects.create(
        payment=failed_refund.payment,
        amount=5000,
        currency="GBP",
        reason="cancellation",
        retry_of=failed_refund,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(
            payment=failed_refund.payment,
            amount=5000,
            currency="GBP",
            reason="cancellation",
            retry_of=failed_refund,
        )


def test_only_the_owner_may_try_a_refund_again(client, failed_refund):
    photographer = UserFactory(username="maya", is_superuser=False)
    photographer.groups.add(Group.objects.get(name=roles.PHOTOGRAPHER))
    client.force_login(photographer)
    booking = failed_refund.payment.booking
    booking.photographer.user = photographer
    booking.photographer.save()

    response = client.post(reverse("admin:bookings_refund_retry", args=[failed_refund.pk]))
    dashboard = client.get(reverse("admin:index")).content.decode()

    assert response.status_code == 403
    assert Refund.objects.count() == 1
    assert "(the studio's owner can try it again)" in dashboard


def test_the_booking_page_offers_the_owner_to_try_its_failed_refunds_again(
    client, owner, fake_stripe, failed_refund, django_capture_on_commit_callbacks
):
    booking = failed_refund.payment.booking
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Try the failed refunds again" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_booking_act", args=[booking.pk, "retry_failed_refunds"]),
            follow=True,
        )

    assert "Failed refunds sent again: 1 booking(s)." in response.content.decode()
    assert "refund of £50.00 on its way" in response.content.decode()  # before it was sent
    assert Refund.objects.get(retry_of=failed_refund).status == "succeeded"
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "refunded £50.00" in page
    assert "on its way" not in page


def test_the_refund_list_tries_selected_refunds_again(
    client, owner, fake_stripe, failed_refund, django_capture_on_commit_callbacks
):
    changelist = reverse("admin:bookings_refund_changelist")
    listed = client.get(changelist, {"needs_attention": "yes"}).content.decode()
    assert "Stripe did not accept the site&#x27;s API key" in listed

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "try_again", "_selected_action": [failed_refund.pk]}, follow=True
        )

    assert "A new refund of £50.00 is on its way to Stripe." in response.content.decode()
    assert Refund.objects.get(retry_of=failed_refund).status == "succeeded"
