"""The gunicorn_server fixture other tests build on: it serves the test database, quietly."""

import pytest
import requests

from studio.models import Studio
from tests.factories import StudioFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_gunicorn_serves_the_test_database_and_waiting_for_it_wrote_nothing(gunicorn_server):
    assert Studio.objects.count() == 0  # the readiness probe never reached a view
    StudioFactory(name="Gunicorn Test Studio")

    response = requests.get(gunicorn_server + "/about/", timeout=10)

    assert response.status_code == 200
    assert "Gunicorn Test Studio" in response.text
    assert f'<link rel="canonical" href="{gunicorn_server}/about/">' in response.text


def test_extra_environment_reaches_the_server(start_gunicorn):
    StudioFactory()

    server = start_gunicorn(
        env={"SITE_URL": "https://studio.example", "ALLOWED_HOSTS": "127.0.0.1"}, workers=1
    )
    response = requests.get(server.url + "/about/", timeout=10)

    assert response.status_code == 200, server.log()
    assert '<link rel="canonical" href="https://studio.example/about/">' in response.text
