"""/healthz (liveness: cheap and public) and /healthz/ready (readiness: every dependency,
cached briefly, for monitoring only, rate-limited)."""

import json
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from studio import health, tasks
from studio.health import BEAT_HEARTBEAT_KEY, redis_connection
from studio.models import Studio
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "monitoring-" + "k3y" * 10


@pytest.fixture(autouse=True)
def no_heartbeat():
    redis_connection().delete(BEAT_HEARTBEAT_KEY)


@pytest.fixture(autouse=True)
def token(settings):
    settings.HEALTHZ_TOKEN = TOKEN
    health.forget_report()
    yield
    health.forget_report()


@pytest.fixture
def pings(monkeypatch):
    """Each Celery ping the site makes (none answers)."""
    made: list[float] = []

    def ping(timeout):
        made.append(timeout)
        time.sleep(0.2)  # a ping waits for answers; that is what callers must not pay for
        return []

    monkeypatch.setattr(health.app.control, "ping", ping)
    return made


def ready(client, **headers):
    return client.get(reverse("healthz-ready"), headers=headers)


def bearer(value: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {value}"}


def test_liveness_answers_at_once_without_a_ping_or_a_query(
    client, pings, django_assert_num_queries
):
    Studio.load()  # the profile every request loads, cached as it is in production
    client.get(reverse("healthz"))  # the process's first request loads the URL map

    with django_assert_num_queries(0):
        started = time.perf_counter()
        response = client.get(reverse("healthz"))
        took = time.perf_counter() - started

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert pings == []
    assert took < 0.1


def test_readiness_is_for_monitoring_only(client, pings):
    anonymous = ready(client)
    wrong = ready(client, **bearer("not-the-token"))
    client.force_login(UserFactory(is_staff=False, username="visitor"))
    not_staff = ready(client)

    for response in (anonymous, wrong, not_staff):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert "checks" not in json.loads(response.content)
    assert pings == []  # refused before anything is checked


def test_without_a_token_set_only_staff_see_readiness(client, settings, pings):
    settings.HEALTHZ_TOKEN = ""

    assert ready(client, **bearer("")).status_code == 401
    assert ready(client, Authorization="Bearer ").status_code == 401
    client.force_login(UserFactory(username="owner"))  # staff
    assert ready(client).status_code == 503  # the report: no worker in this test


def test_readiness_names_each_dependency_and_fails_without_worker_or_beat(client, pings):
    response = ready(client, **bearer())

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["redis"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered"}
    assert body["checks"]["beat"] == {"ok": False, "detail": "no heartbeat yet"}
    assert set(body["versions"]) >= {"python", "django", "celery", "postgresql", "redis"}
    assert body["versions"]["postgresql"][0].isdigit()


def test_a_degraded_report_is_an_answer_not_a_server_error_to_mail_about(
    client, pings, caplog, settings, mailoutbox
):
    settings.ADMINS = [("owner", "owner@example.com")]

    with caplog.at_level("ERROR", logger="django.request"):
        assert ready(client, **bearer()).status_code == 503

    assert [r for r in caplog.records if r.name == "django.request"] == []
    assert mailoutbox == []


def test_a_signed_in_staff_member_sees_readiness(client, pings):
    client.force_login(UserFactory(username="owner"))

    assert "checks" in json.loads(ready(client).content)


def test_readiness_pings_at_most_once_per_window_whatever_the_callers(client, pings):
    for _ in range(5):
        assert ready(client, **bearer()).status_code == 503
    health.forget_report(shared=False)  # another web process: its own memory, the same Redis
    assert ready(client, **bearer()).status_code == 503

    assert len(pings) == 1


def test_callers_arriving_together_share_one_ping(pings):
    reports = []

    def call():
        try:
            reports.append(health.readiness_report())
        finally:
            connection.close()  # the one that made the report used a connection of its own

    callers = [threading.Thread(target=call) for _ in range(8)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)

    assert len(reports) == 8
    assert len(pings) == 1
    assert all(report == reports[0] for report in reports)


def test_the_report_is_checked_again_once_the_window_has_passed(client, settings, pings):
    settings.HEALTHZ_CACHE_SECONDS = 1

    ready(client, **bearer())
    time.sleep(1.2)
    body = json.loads(ready(client, **bearer()).content)

    assert len(pings) == 2
    assert body["age_seconds"] < 1


def test_readiness_is_rate_limited_per_address(client, settings, pings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "healthz": "3/m"}

    statuses = [ready(client, **bearer()).status_code for _ in range(5)]

    assert statuses == [503, 503, 503, 429, 429]
    assert client.get(reverse("healthz")).status_code == 200  # liveness is never limited


@pytest.mark.django_db(transaction=True)
def test_readiness_is_green_with_a_real_worker_and_a_beat_heartbeat(client, celery_worker):
    tasks.beat_heartbeat.delay().get(timeout=10)  # runs on the real worker

    response = ready(client, **bearer())

    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["beat"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_the_container_probe_asks_liveness_and_needs_no_worker(live_server, monkeypatch, pings):
    from studio import probe

    monkeypatch.setenv("PORT", live_server.url.rsplit(":", 1)[1])
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")

    assert probe.main() == 0
    assert pings == []
    monkeypatch.setenv("PORT", "1")  # nothing listens there
    assert probe.main() == 1
