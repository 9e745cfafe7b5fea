"""Permissions-Policy on every response: fresh and cached pages, 304s, errors, redirects, JSON,
static files and the desk; and Chromium really switches the features off."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from tests.factories import PostFactory, SessionTypeFactory, StudioFactory

OFF = ["camera", "microphone", "geolocation", "payment", "browsing-topics", "interest-cohort"]


def policy(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy")
    assert header, f"{response.status_code} response without a Permissions-Policy"
    return dict(item.strip().split("=", 1) for item in header.split(","))


def assert_features_off(response) -> None:
    features = policy(response)
    assert {name: features.get(name) for name in OFF} == dict.fromkeys(OFF, "()")


@pytest.fixture
def site(db):
    StudioFactory()
    SessionTypeFactory(slug="portrait")
    PostFactory(slug="good-light")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/about/",
        "/contact/",
        "/book/",
        "/book/portrait/",
        "/blog/",
        "/blog/good-light/",
        "/blog/feed/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/admin/login/",
    ],
)
def test_every_page_carries_the_policy(client, site, path):
    assert_features_off(client.get(path))


def test_cached_pages_and_their_304s_carry_the_policy(client, site, django_assert_num_queries):
    first = client.get("/blog/good-light/")
    with django_assert_num_queries(0):
        cached = client.get("/blog/good-light/")
    not_modified = client.get("/blog/good-light/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert cached.content == first.content
    assert not_modified.status_code == 304
    for response in (first, cached, not_modified):
        assert_features_off(response)


def test_errors_redirects_json_and_posts_carry_the_policy(client, site):
    responses = [
        client.get("/no-such-page/"),
        client.get("/about"),  # APPEND_SLASH redirect
        client.get("/book/portrait/slots.json?start=2026-01-01&end=2026-01-01"),
        client.get("/book/portrait/slots.json"),  # 400
        Client(enforce_csrf_checks=True).post("/contact/", {"name": "x"}),  # 403
    ]

    assert [response.status_code for response in responses] == [404, 301, 200, 400, 403]
    for response in responses:
        assert_features_off(response)


def test_static_files_served_by_whitenoise_carry_the_policy(db):
    probe = Path(settings.STATIC_ROOT) / "permissions-policy-probe.txt"
    probe.write_text("static")
    try:
        response = Client().get(f"{settings.STATIC_URL}{probe.name}")  # whitenoise scans now
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"static"
    finally:
        probe.unlink()

    assert_features_off(response)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_chromium_switches_the_features_off(live_server, page: Page):
    StudioFactory()
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/")  # the cached copy

    allowed = page.evaluate(
        "(names) => names.map((name) => document.featurePolicy.allowsFeature(name))",
        ["camera", "microphone", "geolocation", "payment", "browsing-topics"],
    )

    assert allowed == [False] * 5
