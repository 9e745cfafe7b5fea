"""Per-IP limits on public forms, counted in the shared Redis cache.

If Redis is unreachable the limiter lets requests through (RATELIMIT_FAIL_OPEN) and the cache
logs the error: a cache outage must not stop clients from booking.
"""

from functools import wraps

import django_ratelimit as ratelimit
from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from .net import client_ip


def ip_key(group: str, request) -> str:
    return client_ip(request)


def rate_for(group: str, request) -> str | None:
    return settings.RATE_LIMITS.get(group)


def over_limit(request, group: str) -> bool:
    """Counts this request against the group's rate for the client's IP: is it over?"""
    return is_ratelimited(
        request, group=group, key=ip_key, rate=rate_for, method=ratelimit.ALL, increment=True
    )


def limit_posts(group: str):
    """Refuse POSTs beyond the group's rate from one client with a clear 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and over_limit(request, group):
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
