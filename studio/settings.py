"""The site's one settings module, driven by environment variables (see README: Configuration).

Production is the default posture: DEBUG is off unless asked for, and with DEBUG off the site
refuses to start without a strong SECRET_KEY, DATABASE_URL and REDIS_URL, or in a payments mode
where clients could book without paying (PAYMENTS_MODE below).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    try:
        return int(value) if value else default
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set (make run sets one for development).")
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use 50+ random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
# Old keys still accepted for signatures (manage links) while rotating SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

for required in ("DATABASE_URL", "REDIS_URL"):
    if not env_str(required):
        raise ImproperlyConfigured(
            f"{required} is not set. In development, `make run` starts PostgreSQL and Redis "
            "for you and sets it; in production, point it at your server."
        )

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [urlsplit(SITE_URL).hostname or "localhost"]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "studio",
    "bookings",
    "blog",
    "studio.apps.StudioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_prose_editor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.middleware.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "studio.middleware.StudioTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login guessing: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "studio.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# How many proxies in front of the site append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
OTP_TOTP_ISSUER = "Studio desk"

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.context_processors.studio",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_url(base: str, db: int) -> str:
    """A Redis URL with a database number, for redis:// and unix:// forms alike."""
    parts = urlsplit(base)
    if parts.scheme == "unix":
        return f"unix://{parts.path}?db={db}"
    return parts._replace(path=f"/{db}").geturl()


def celery_url(base: str, db: int) -> str:
    parts = urlsplit(base)
    if parts.scheme == "unix":
        return f"redis+socket://{parts.path}?virtual_host={db}"
    return parts._replace(path=f"/{db}").geturl()


# Two kinds of data, two Redis servers in production (docker-compose.yml): REDIS_URL is the
# Celery broker's (queued jobs: never evicted), REDIS_CACHE_URL the cache's (bounded memory,
# least recently used entries evicted). Without REDIS_CACHE_URL the cache is database
# REDIS_CACHE_DB of REDIS_URL's server: one Redis for `make run` and `make test`.
REDIS_CACHE_DB = env_int("REDIS_CACHE_DB", 1)
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL") or redis_url(env_str("REDIS_URL"), REDIS_CACHE_DB)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "studio"),
        "TIMEOUT": 300,
        "OPTIONS": {
            # A cache outage degrades to cache misses instead of failing requests.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # storage and the server's clock; display uses the studio's zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / ".data" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP from the environment in production; in development the site writes each message
# to .data/mail and /dev/outbox/ shows them as the recipient would.
_smtp_host = env_str("EMAIL_HOST")
if _smtp_host:
    _smtp_port = env_int("EMAIL_PORT", 587)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": _smtp_port,
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", default=_smtp_port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=_smtp_port == 465),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
elif DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(BASE_DIR / ".data" / "mail")},
        }
    }
else:
    raise ImproperlyConfigured("EMAIL_HOST is not set: the site must be able to send mail.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Studio <hello@studio.example>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [(address.split("@")[0], address) for address in env_list("ADMINS")]

# HTTPS: behind a TLS-terminating proxy, trust its X-Forwarded-Proto header.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HTTPS = not DEBUG
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Permissions-Policy (studio.middleware): browser features nothing on the site uses, off for the
# site and anything it embeds. Deposits need none: Stripe Checkout is a redirect to Stripe's own
# domain, where Stripe's policy applies. interest-cohort and browsing-topics: no ad profiling.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "browsing-topics": [],
    "interest-cohort": [],
}

# Content Security Policy (Django's built-in middleware). No inline script on public pages;
# where an inline script is unavoidable it carries the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, "https://checkout.stripe.com"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Celery: broker and results on Redis, JSON only, UTC schedules.
CELERY_BROKER_URL = celery_url(env_str("REDIS_URL"), env_int("REDIS_BROKER_DB", 0))
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 1,
}
# Every job queued after a commit has a sweep here that finds its work still undone in the
# database: each runs every minute, so work whose job the broker lost (it was away, or
# restarted empty) is picked up about a minute later. Stripe's reconciliation reads Stripe's
# event list, not lost jobs: a quarter of an hour is enough there.
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        "task": "studio.tasks.beat_heartbeat",
        "schedule": timedelta(minutes=1),
    },
    "bookings-expire-lapsed-holds": {
        "task": "bookings.tasks.bookings_expire_lapsed",
        "schedule": timedelta(minutes=1),
    },
    "client-data-purge": {
        "task": "bookings.tasks.client_data_purge",
        "schedule": timedelta(hours=6),
    },
    "bookings-notifications-sweep": {
        "task": "bookings.tasks.notifications_sweep",
        "schedule": timedelta(minutes=1),
    },
    "contact-messages-sweep": {
        "task": "studio.tasks.contact_messages_sweep",
        "schedule": timedelta(minutes=1),
    },
    "blog-image-renditions-sweep": {
        "task": "blog.tasks.image_renditions_sweep",
        "schedule": timedelta(minutes=1),
    },
    "stripe-checkouts-close-lapsed": {
        "task": "bookings.tasks.stripe_checkouts_close_lapsed",
        "schedule": timedelta(minutes=1),
    },
    "stripe-refunds-sweep": {
        "task": "bookings.tasks.stripe_refunds_sweep",
        "schedule": timedelta(minutes=1),
    },
    "stripe-reconcile-events": {
        "task": "bookings.tasks.stripe_reconcile_events",
        "schedule": timedelta(minutes=15),
    },
}

# Every handler redacts capability tokens (manage links, calendar feeds) and addresses in query
# strings from what it writes (studio/logs.py), and so do the error emails' bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "django.server": {  # runserver's request lines (`make run`)
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact_secrets"],
        },
    },
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "redact_secrets": {"()": "studio.logs.RedactSecrets"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Instead of Django's default handlers for "django" (whose console one has no filter):
        # its records reach the root's console, and its errors the error emails.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
DEFAULT_EXCEPTION_REPORTER = "studio.errors.RedactingExceptionReporter"

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Tests point the stripe package at a local fake; production leaves this empty.
STRIPE_API_BASE = env_str("STRIPE_API_BASE")

# How clients pay for a booking (README: Configuration):
#   stripe     the deposit is paid on Stripe Checkout (needs both Stripe variables above);
#   at_studio  bookings are confirmed with nothing paid online: the full price is paid on the day;
#   demo       a labelled pretend payment that moves no money, for development only (`make run`
#              chooses it when no Stripe keys are given).
# With DEBUG off the site refuses to start in a mode where clients could book without paying
# and the studio not know it: demo, or stripe without its keys.
PAYMENTS_MODES = ("stripe", "at_studio", "demo")
PAYMENTS_MODE = (env_str("PAYMENTS_MODE") or "stripe").lower()
if PAYMENTS_MODE not in PAYMENTS_MODES:
    raise ImproperlyConfigured(
        f"PAYMENTS_MODE must be one of {', '.join(PAYMENTS_MODES)}, not {PAYMENTS_MODE!r}."
    )
if not DEBUG and PAYMENTS_MODE == "demo":
    raise ImproperlyConfigured(
        "PAYMENTS_MODE=demo confirms bookings without taking any money: it is for development "
        "(DEBUG=true) only. In production set PAYMENTS_MODE=stripe with STRIPE_SECRET_KEY and "
        "STRIPE_WEBHOOK_SECRET, or PAYMENTS_MODE=at_studio to take payment at the studio."
    )
_missing_stripe = [
    name
    for name, value in (
        ("STRIPE_SECRET_KEY", STRIPE_SECRET_KEY),
        ("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET),
    )
    if not value
]
if not DEBUG and PAYMENTS_MODE == "stripe" and _missing_stripe:
    raise ImproperlyConfigured(
        f"PAYMENTS_MODE is stripe but {' and '.join(_missing_stripe)} "
        f"{'is' if len(_missing_stripe) == 1 else 'are'} not set, so no deposit could be taken "
        "or confirmed. Set them (docs/stripe.md), or set PAYMENTS_MODE=at_studio to confirm "
        "bookings without a deposit and take payment at the studio."
    )

LOGIN_URL = "admin:login"

# Uploaded media: served by the web tier from MEDIA_ROOT (a shared volume in docker compose);
# set SERVE_MEDIA=false when a proxy or object storage serves /media/ instead.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)

# Public forms: submissions per client IP (see studio/ratelimits.py); the readiness report:
# requests per IP, whether they carry the token or not.
RATE_LIMITS = {
    "booking": env_str("RATE_LIMIT_BOOKING", "10/m"),
    "manage": env_str("RATE_LIMIT_MANAGE", "10/m"),
    "contact": env_str("RATE_LIMIT_CONTACT", "5/m"),
    "healthz": env_str("RATE_LIMIT_HEALTHZ", "30/m"),
}

# /healthz/ready (studio/health.py): shown to `Authorization: Bearer <HEALTHZ_TOKEN>` (empty:
# to signed-in staff only), made at most once per HEALTHZ_CACHE_SECONDS.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN")
HEALTHZ_CACHE_SECONDS = env_int("HEALTHZ_CACHE_SECONDS", 15)
RATELIMIT_FAIL_OPEN = True

# The page benchmark's baseline view (bench/pages.py); off in a real deployment.
BENCHMARK_FLOOR = env_bool("BENCHMARK_FLOOR")
