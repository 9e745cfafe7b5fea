"""The site under gunicorn, on a PostgreSQL and a Redis of the test's own, through outages."""

import json
import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.servers import OwnPostgres, OwnRedis, Site, migrate, server_folder

pytestmark = pytest.mark.slow

HEALTHZ_TOKEN = "outage-tests-" + "m0n1t0r" * 4


@pytest.fixture(scope="module")
def stack():
    folder = server_folder("outage")
    postgres, redis = OwnPostgres(folder / "pg"), OwnRedis(folder / "redis")
    site = None
    try:
        migrate(postgres.url, redis.url)
        site = Site(
            database_url=postgres.url,
            redis_url=redis.url,
            log_path=folder / "gunicorn.log",
            # Monitoring's view of readiness, checked afresh on each request (no 15 s window).
            extra_env={"HEALTHZ_TOKEN": HEALTHZ_TOKEN, "HEALTHZ_CACHE_SECONDS": "0"},
        )
        site.manage("seed_demo", "--allow-production")
        yield postgres, redis, site
    finally:
        if site:
            site.close()
        redis.close()
        postgres.close()
        shutil.rmtree(folder, ignore_errors=True)


def health(site) -> tuple[int, dict]:
    """Readiness as monitoring sees it; liveness (/healthz) answers ok all along."""
    assert requests.get(site.url + "/healthz", timeout=10).json() == {"status": "ok"}
    response = requests.get(
        site.url + "/healthz/ready",
        headers={"Authorization": f"Bearer {HEALTHZ_TOKEN}"},
        timeout=10,
    )
    return response.status_code, response.json()["checks"]


def book_first_free_slot(site) -> requests.Response:
    browser = requests.Session()
    start = datetime.now(UTC).date() + timedelta(days=3)
    slots = browser.get(
        f"{site.url}/book/express-headshot/slots.json",
        params={"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()},
        timeout=10,
    ).json()["slots"]
    details_url = f"{site.url}/book/express-headshot/details/"
    params = {"start": slots[-1]["start"], "photographer": slots[-1]["photographer"]}
    form = browser.get(details_url, params=params, timeout=10).text
    data = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "name": "Ada Client",
        "email": "ada@example.com",
        "phone": "+44 7700 900123",
        "policy_version": re.search(r'name="policy_version" value="(\d+)"', form).group(1),
        "accept_policy": "on",
    }
    for question in re.findall(r'<select name="(intake_\d+)"', form):
        options = re.search(rf'<select name="{question}".*?</select>', form, re.S).group(0)
        data[question] = re.findall(r'<option value="([^"]+)"', options)[0]
    return browser.post(
        details_url,
        params=params,
        data=data,
        timeout=10,
        headers={"Referer": details_url},
        allow_redirects=False,
    )


def test_with_postgres_down_pages_answer_a_friendly_503_and_recover_without_restart(stack):
    postgres, _redis, site = stack
    assert requests.get(site.url + "/book/", timeout=10).status_code == 200  # now cached
    uncached = "/book/express-headshot/?month=2099-01-01"

    postgres.stop()
    try:
        page = requests.get(site.url + uncached, timeout=10)
        cached = requests.get(site.url + "/book/", timeout=10)
        status, checks = health(site)
    finally:
        postgres.start()
    recovered = requests.get(site.url + uncached, timeout=10)

    assert page.status_code == 503
    assert "We'll be back in a moment" in page.text
    assert cached.status_code == 200  # cached pages keep answering
    assert "Traceback" not in page.text
    assert status == 503
    assert checks["database"]["ok"] is False
    assert checks["redis"]["ok"] is True
    assert recovered.status_code == 200
    assert "Express headshot" in recovered.text


def test_with_redis_down_browsing_and_booking_still_work(stack):
    _postgres, redis, site = stack

    redis.stop()
    try:
        pages = [
            requests.get(site.url + path, timeout=10).status_code
            for path in ("/", "/book/", "/book/express-headshot/", "/about/")
        ]
        booked = book_first_free_slot(site)
        status, checks = health(site)
    finally:
        redis.start()

    assert pages == [200, 200, 200, 200]
    assert booked.status_code == 303
    assert "/book/deposit/" in booked.headers["Location"]
    assert status == 503
    assert checks["redis"] == {"ok": False, "detail": checks["redis"]["detail"]}
    assert checks["database"]["ok"] is True
    assert json.dumps(checks)
