import json

import pytest
from django.urls import reverse

from studio import tasks
from studio.health import BEAT_HEARTBEAT_KEY, redis_connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_heartbeat():
    redis_connection().delete(BEAT_HEARTBEAT_KEY)


def test_healthz_names_each_dependency_and_fails_without_worker_or_beat(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["redis"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered"}
    assert body["checks"]["beat"] == {"ok": False, "detail": "no heartbeat yet"}


@pytest.mark.django_db(transaction=True)
def test_healthz_is_green_with_a_real_worker_and_a_beat_heartbeat(client, celery_worker):
    tasks.beat_heartbeat.delay().get(timeout=10)  # runs on the real worker

    response = client.get(reverse("healthz"))

    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["beat"]["ok"] is True
