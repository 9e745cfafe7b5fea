"""Page weight on a phone: an article with a cover picture, in a real Chromium at 375 px.

Budget: at most 200 KB for everything the page loads, and nothing from another origin (no
third-party request, so none that could block rendering).

How bytes are counted: as production sends them. Static files there are served by whitenoise
from the compressed copies collectstatic writes (CompressedManifestStaticFilesStorage: gzip at
level 9, and brotli, smaller still, to browsers that accept it); the test server has no such
copies and sends them whole. So a text static file (CSS, JS, SVG) counts as its gzip size at
level 9. Everything else counts as sent: the HTML (nothing compresses it in production), and
pictures, which are compressed already.
"""

import gzip
import io
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from playwright.sync_api import Browser

from blog import services
from tests.factories import ImageFactory, PostFactory, StudioFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDGET_BYTES = 200 * 1024
TEXT_TYPES = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


def sent_bytes(url: str, content_type: str, body: bytes) -> int:
    if urlsplit(url).path.startswith(settings.STATIC_URL) and content_type.startswith(TEXT_TYPES):
        return len(gzip.compress(body, compresslevel=9))  # as whitenoise serves it
    return len(body)


def photograph(width: int, height: int) -> ContentFile:
    """A JPEG that compresses like a photograph (smooth light plus grain), not a flat colour."""
    light = PILImage.linear_gradient("L").resize((width, height))
    grain = PILImage.effect_noise((width, height), 24)
    picture = PILImage.merge("RGB", (light, PILImage.blend(light, grain, 0.3), grain))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return ContentFile(buffer.getvalue(), name="portrait.jpg")


def test_an_article_with_a_cover_fits_the_phone_budget_from_its_own_origin(
    live_server, browser: Browser
):
    StudioFactory()
    cover = ImageFactory(width=2400, height=1600, file=photograph(2400, 1600))
    assert services.image_make_renditions(image_id=cover.pk)  # the cover's srcset exists
    post = PostFactory(
        cover=cover,
        cover_alt="A portrait in window light",
        body="<p>Good light and a calm session make a good headshot.</p>" * 20,
    )
    # A phone: 375 CSS pixels wide, 2 device pixels to the CSS pixel.
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))

    response = page.goto(live_server.url + post.get_absolute_url())
    assert response.status == 200
    page.wait_for_load_state("networkidle")

    origin = urlsplit(live_server.url).netloc
    assert [r.url for r in responses if urlsplit(r.url).netloc != origin] == []
    weights = {
        r.url: sent_bytes(r.url, r.headers.get("content-type", ""), r.body())
        for r in responses
        if r.status < 300
    }
    context.close()
    assert any("/media/blog/renditions/" in url for url in weights), weights  # cover loaded
    total = sum(weights.values())
    report = "\n".join(f"{size:>8}  {url}" for url, size in sorted(weights.items()))
    print(f"\n{report}\n{total:>8}  total bytes (budget {BUDGET_BYTES})")
    assert total <= BUDGET_BYTES, report
