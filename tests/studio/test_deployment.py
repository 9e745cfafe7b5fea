"""Production posture: the settings refuse bad configuration, and the compose file matches."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

from bookings import links
from tests.factories import BookingFactory, StudioFactory

ROOT = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "headshots.example.com",
    "SITE_URL": "https://headshots.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "BEHIND_TLS_PROXY": "true",
    "PAYMENTS_MODE": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_urlsafe(24),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
}


def run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV}
    for test_only in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_KEY_PREFIX"):
        env.pop(test_only, None)
    env.update(env_overrides)
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_a_production_environment():
    result = run_manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "django-insecure-" + "a" * 50}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
        ({"REDIS_URL": ""}, "REDIS_URL is not set"),
        ({"EMAIL_HOST": ""}, "EMAIL_HOST is not set"),
    ],
)
def test_production_refuses_to_start_when_misconfigured(override, message):
    result = run_manage({**PRODUCTION_ENV, **override}, "check")

    assert result.returncode != 0
    assert message in result.stderr


def test_every_compose_service_runs_a_command_of_this_project():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = {  # the services built from this repository (the others run official images)
        name: " ".join(service.get("command", []))
        for name, service in compose["services"].items()
        if "build" in service
    }

    assert set(commands) == {"web", "worker", "beat"}
    assert "gunicorn studio.wsgi:application" in commands["web"]
    assert "manage.py migrate" in commands["web"]
    assert (ROOT / "studio" / "wsgi.py").exists()
    assert commands["worker"].startswith("celery -A studio worker")
    assert commands["beat"].startswith("celery -A studio beat")
    assert (ROOT / "studio" / "celery.py").exists()
    assert compose["services"]["mailcatcher"]["profiles"] == ["dev"]


def test_compose_passes_only_variables_the_settings_read():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    compose = yaml.safe_load(compose_text)
    settings_source = (ROOT / "studio" / "settings.py").read_text()
    read_by_settings = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    passed = set(compose["x-app"]["environment"])
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }

    assert passed <= read_by_settings, passed - read_by_settings
    assert example - {"POSTGRES_PASSWORD"} <= read_by_settings, example - read_by_settings
    for service in ("web", "worker", "beat"):
        assert "healthcheck" in compose["services"][service] or service == "beat"


@pytest.mark.django_db
def test_a_manage_link_survives_a_key_rotation_while_the_old_key_is_a_fallback(client):
    StudioFactory()
    old_key, new_key = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    with override_settings(SECRET_KEY=old_key, SECRET_KEY_FALLBACKS=[]):
        booking = BookingFactory(client_name="Ada Client")
        path = links.manage_path(booking)
        assert client.get(path).status_code == 200

    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key]):
        rotated = client.get(path)
        reissued = links.manage_path(booking)
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[]):
        dropped = client.get(path)
        fresh = client.get(reissued)

    assert rotated.status_code == 200
    assert "Ada Client" in rotated.content.decode()
    assert reissued != path  # links in new emails are signed with the new key
    assert dropped.status_code == 404
    assert fresh.status_code == 200
