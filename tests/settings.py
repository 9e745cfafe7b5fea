"""Test settings: the production settings module with test-only switches on top."""

import os

# Values the production settings insist on; tests supply harmless ones.
os.environ.setdefault("SECRET_KEY", "tests-only-" + "x7Qp2vLm9" * 6)
os.environ.setdefault("EMAIL_HOST", "127.0.0.1")
os.environ.setdefault("CACHE_KEY_PREFIX", "tests")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server with Playwright
# The production settings check the payments mode on import, and with DEBUG off and no Stripe
# keys they accept only at_studio; the suite's own mode is chosen below, after the import.
os.environ["PAYMENTS_MODE"] = "at_studio"

from studio.settings import *  # noqa: F403
from studio.settings import BASE_DIR, STORAGES

# The suite runs with the demo deposit (no Stripe, no keys): production refuses that mode, but
# tests book without a payment provider. The fake_stripe fixture switches to "stripe" with the
# fake's keys; processes the tests start pick their mode with TEST_PAYMENTS_MODE.
PAYMENTS_MODE = os.environ.get("TEST_PAYMENTS_MODE", "demo")

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Mail stays in memory, unless a test starts a process that must speak SMTP to a local server
# (TEST_MAIL_SMTP=true keeps the SMTP mailer studio.settings builds from EMAIL_HOST/EMAIL_PORT).
if os.environ.get("TEST_MAIL_SMTP") != "true":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # uploads made by tests, apart from `make run`'s

# Tasks run in-process unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "true") == "true"
CELERY_TASK_EAGER_PROPAGATES = True

# Load and race tests send hundreds of requests from one address; the limiter's own tests
# lower these with the settings fixture.
RATE_LIMITS = {
    "booking": "100000/m",
    "manage": "100000/m",
    "contact": "100000/m",
    "healthz": "100000/m",
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise expects it to exist)

# How long a worker's claim on an email holds (bookings/notifications/sending.py); tests shorten it.
if os.environ.get("TEST_NOTIFICATION_CLAIM_SECONDS"):
    NOTIFICATION_CLAIM_SECONDS = int(os.environ["TEST_NOTIFICATION_CLAIM_SECONDS"])
