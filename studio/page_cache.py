"""Whole-page caching for anonymous visitors, invalidated by content versions.

A cached page is stored under the versions of the content groups it shows (e.g. "catalogue",
"availability", "blog"). Anything that changes that content bumps its group's version after
commit, so the next request misses and renders afresh: pages are never served stale after a
booking, a cancellation, a time-off change or a post edit. Time-driven changes (notice periods,
lapsed holds, scheduled posts going live) are bounded by the short timeout of those pages.
When the cache's Redis does not answer at that moment (frozen, restarting), the new versions
are stored by a job (studio.tasks.page_cache_bump) that tries again every few seconds until it
answers: a taken time shows as taken seconds after Redis is back, not a page timeout later.

Requests carrying a session or messages cookie (staff, a client mid-booking) are never served
from or stored in the cache, and only pages without forms or nonces use this decorator.

The key is the path and the query parameters the view declares it reads (`params`), each in its
one canonical spelling; every other parameter (utm_*, fbclid, gclid, a cache-buster) is dropped
before the key is made *and* before the view runs, so the page stored is exactly the page any
other spelling of the address would get. A value the view cannot use is not cached at all, and
a view marks a response `Cache-Control: private` when its address is not one the site links
to (a date outside the booking window): nothing private is stored. So the number of entries is
bounded by the site's real pages, whatever query strings arrive.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.http import QueryDict
from django.utils.http import http_date, quote_etag
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

from .jobs import Job
from .queue import enqueue_now

logger = logging.getLogger(__name__)

# A query parameter's canonical spelling, or None for a value the view cannot use.
Canonical = Callable[[str], str | None]

VERSION_KEY = "content-version:{}"
# No page is kept longer: a version that could not be stored for this long no longer matters,
# every page cached before the change has expired.
MAX_TIMEOUT = 300


def store_versions(groups: Iterable[str], forget: Iterable[str] = ()) -> None:
    """New versions for `groups` (and the `forget` keys deleted), now; raises
    ConnectionInterrupted if Redis does not answer (the cache's own methods would swallow it:
    IGNORE_EXCEPTIONS)."""
    client = cast(RedisCache, cache).client
    now = time.time_ns()
    client.set_many({VERSION_KEY.format(group): now for group in groups}, timeout=None)
    if forget:
        client.delete_many(list(forget))


def _store_after_commit(groups: list[str], forget: list[str], kept_for: int) -> None:
    def store() -> None:
        try:
            store_versions(groups, forget)
        except ConnectionInterrupted:
            logger.warning("cache unreachable: %s stored by a job", groups + forget)
            deadline = time.time() + kept_for
            if not enqueue_now(Job.PAGE_CACHE_BUMP, groups, deadline, forget=forget):
                logger.error("%s lost: pages may be stale for %s s", groups + forget, kept_for)

    transaction.on_commit(store, robust=True)


def bump(*groups: str) -> None:
    """Mark these content groups changed once the current transaction commits."""
    _store_after_commit(list(groups), [], MAX_TIMEOUT)


def forget(*keys: str, kept_for: int) -> None:
    """Delete these cache entries (kept up to `kept_for` seconds) once the transaction commits;
    like bump, retried by a job while the cache's Redis does not answer."""
    _store_after_commit([], list(keys), kept_for)


def versions(groups: Iterable[str]) -> str:
    keys = [VERSION_KEY.format(group) for group in groups]
    found = cache.get_many(keys)
    return ".".join(str(found.get(key, 0)) for key in keys)


def personal(request) -> bool:
    return any(name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, "messages"))


def positive_int(value: str) -> str | None:
    """A page number: "1", "01" and " 1" are one page."""
    value = value.strip()
    return str(int(value)) if value.isdigit() and int(value) > 0 else None


def iso_date(value: str) -> str | None:
    """A date in any spelling date.fromisoformat takes, as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def canonical_query(request, params: Mapping[str, Canonical]) -> QueryDict | None:
    """The declared parameters present, canonical; None if one is unusable or repeated."""
    query = QueryDict(mutable=True)
    for name, canonical in params.items():
        values = request.GET.getlist(name)
        if not values:
            continue
        value = canonical(values[0]) if len(values) == 1 else None
        if value is None:
            return None
        query[name] = value
    query._mutable = False
    return query


def shareable(response) -> bool:
    directives = {
        part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")
    }
    return (
        response.status_code == 200
        and not response.streaming
        and not directives & {"private", "no-store"}
    )


def cached_page(*groups: str, timeout: int = 300, params: Mapping[str, Canonical] | None = None):
    """Cache a view's anonymous GETs under `groups`' versions; `params`: the query parameters it
    reads, each with its canonical spelling (the view sees those only)."""
    if timeout > MAX_TIMEOUT:
        raise ValueError(f"pages are kept at most {MAX_TIMEOUT} s (see bump)")
    params = params or {}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or personal(request):
                return view(request, *args, **kwargs)
            query = canonical_query(request, params)
            if query is None:
                return view(request, *args, **kwargs)  # it refuses the value: nothing to keep
            request.GET = query
            key = f"page:{versions(groups)}:{request.path}?{query.urlencode()}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if getattr(response, "is_rendered", True) is False:
                    response = response.render()  # a TemplateResponse (e.g. the sitemap)
                if shareable(response):
                    # One chunk: a response written piecemeal (the feeds) would otherwise reach
                    # the socket as hundreds of small writes on every hit.
                    response.content = response.content
                    response["ETag"] = quote_etag(
                        hashlib.md5(response.content, usedforsecurity=False).hexdigest()
                    )
                    response["Last-Modified"] = http_date()
                    # Browsers may keep a copy but must revalidate (cheap with the ETag), so an
                    # edit or a booking shows at once.
                    response["Cache-Control"] = "public, no-cache"
                    cache.set(key, response, timeout)
            return response

        return wrapped

    return decorator


if TYPE_CHECKING:
    _ModelBase = models.Model
else:
    _ModelBase = object


class VersionedContent(_ModelBase):
    """Model mixin: saving or deleting a row bumps the content groups it appears in."""

    content_groups: tuple[str, ...] = ()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        bump(*self.content_groups)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        bump(*self.content_groups)
        return result
