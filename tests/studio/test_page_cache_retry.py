"""Content versions and cache deletions that the cache's Redis could not take at commit time
are handed to a job that retries them (the end-to-end run with a frozen Redis, a real worker
and gunicorn is tests/resilience/test_frozen_cache.py)."""

import time

import pytest
from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted

from studio import page_cache, tasks
from studio.jobs import Job
from studio.models import STUDIO_CACHE_KEY, STUDIO_CACHE_SECONDS, Studio
from tests.factories import StudioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unanswered(monkeypatch):
    """The cache's Redis does not answer; jobs queued are recorded instead of run."""
    queued = []

    def no_answer(*args, **kwargs):
        raise ConnectionInterrupted(connection=None)

    monkeypatch.setattr(page_cache, "store_versions", no_answer)
    monkeypatch.setattr(
        page_cache, "enqueue_now", lambda *args, **kwargs: queued.append((args, kwargs)) or True
    )
    return queued


def test_a_version_the_cache_cannot_take_is_queued_for_the_job(
    unanswered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.bump("availability")

    [((job, groups, deadline), kwargs)] = unanswered
    assert (job, groups, kwargs) == (Job.PAGE_CACHE_BUMP, ["availability"], {"forget": []})
    assert deadline == pytest.approx(time.time() + page_cache.MAX_TIMEOUT, abs=5)


def test_the_studios_cached_profile_is_forgotten_after_the_commit_or_by_the_job(
    unanswered, django_capture_on_commit_callbacks
):
    studio = StudioFactory(name="Northlight")
    with django_capture_on_commit_callbacks(execute=True):
        studio.name = "Northlight Headshots"
        studio.save()

    [((job, groups, deadline), _)] = [
        call for call in unanswered if call[1]["forget"] == [STUDIO_CACHE_KEY]
    ]
    assert (job, groups) == (Job.PAGE_CACHE_BUMP, [])
    assert deadline == pytest.approx(time.time() + STUDIO_CACHE_SECONDS, abs=5)


def test_a_request_that_cached_the_old_profile_before_the_commit_does_not_keep_it(
    django_capture_on_commit_callbacks,
):
    studio = StudioFactory(name="Northlight")
    with django_capture_on_commit_callbacks(execute=True):
        studio.name = "Northlight Headshots"
        studio.save()
        cache.set(STUDIO_CACHE_KEY, Studio(pk=1, name="Northlight"), 3600)  # another request

    assert Studio.load().name == "Northlight Headshots"


def test_the_job_stores_the_versions_and_forgets_the_keys_once_the_cache_answers():
    cache.set(STUDIO_CACHE_KEY, "old", 3600)
    before = page_cache.versions(["blog"])

    stored = tasks.page_cache_bump.apply(
        args=[["blog"], time.time() + 60], kwargs={"forget": [STUDIO_CACHE_KEY]}
    ).get()

    assert stored is True
    assert page_cache.versions(["blog"]) != before
    assert cache.get(STUDIO_CACHE_KEY) is None


def test_the_job_gives_up_once_everything_cached_before_the_change_has_expired(monkeypatch):
    def no_answer(*args, **kwargs):
        raise ConnectionInterrupted(connection=None)

    monkeypatch.setattr(page_cache, "store_versions", no_answer)

    assert tasks.page_cache_bump.apply(args=[["blog"], time.time() - 1]).get() is False
