"""Page weight on a phone: an article with a cover picture, in a real Chromium at 375 px.

Budget: at most 200 KB for everything the page loads, and nothing from another origin (no
third-party request, so none that could block rendering).

How bytes are counted: as production sends them. In production whitenoise serves static files
(CSS, JS, SVG) pre-compressed, and the HTML goes through gzip or brotli at the proxy; the test
server sends them uncompressed (pre-compressed copies exist only after collectstatic). So text
responses (HTML, CSS, JS, SVG, JSON) count as their gzip size at level 9 (what whitenoise
writes; brotli is smaller still); pictures, already compressed, count as their bytes.
"""

import gzip
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from blog import services
from tests.factories import ImageFactory, PostFactory, StudioFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDGET_BYTES = 200 * 1024
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


def sent_bytes(content_type: str, body: bytes) -> int:
    if content_type.startswith(TEXT_TYPES):
        return len(gzip.compress(body, compresslevel=9))
    return len(body)


def test_an_article_with_a_cover_fits_the_phone_budget_from_its_own_origin(live_server, page: Page):
    StudioFactory()
    cover = ImageFactory(width=2400, height=1600)
    assert services.image_make_renditions(image_id=cover.pk)
    post = PostFactory(
        cover=cover,
        cover_alt="A portrait in window light",
        body="<p>Good light and a calm session make a good headshot.</p>" * 20,
    )
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.set_viewport_size({"width": 375, "height": 812})

    response = page.goto(live_server.url + post.get_absolute_url())
    assert response.status == 200
    page.wait_for_load_state("networkidle")

    origin = urlsplit(live_server.url).netloc
    assert [r.url for r in responses if urlsplit(r.url).netloc != origin] == []
    weights = {
        r.url: sent_bytes(r.headers.get("content-type", ""), r.body())
        for r in responses
        if r.status < 300
    }
    assert any("/media/blog/renditions/" in url for url in weights), weights  # cover loaded
    total = sum(weights.values())
    report = "\n".join(f"{size:>8}  {url}" for url, size in sorted(weights.items()))
    print(f"\n{report}\n{total:>8}  total bytes (budget {BUDGET_BYTES})")
    assert total <= BUDGET_BYTES, report
