"""Stored article HTML becomes page HTML: library pictures turn into responsive <picture>s."""

import pytest

from blog import services
from blog.rendering import render_body
from tests.factories import ImageFactory, PostFactory

from .pages import Elements

pytestmark = pytest.mark.django_db


def test_library_pictures_become_pictures_wherever_they_are_in_the_text():
    picture = ImageFactory(width=1000, height=500)
    services.image_make_renditions(image_id=picture.pk)
    body = (
        "<p>One\nline\u2028 and another\r\n</p>"
        f'<figure class="figure"><img src="{picture.url}" alt="First &amp; “best”"></figure>'
        "<p>Between\n\n</p>"
        f'<p><img src="{picture.url}" alt="Second"></p>'
    )

    page = Elements(render_body(PostFactory.build(body=body)))

    imgs = page.find("img")
    assert [(img["alt"], img["width"], img["height"], img["loading"]) for img in imgs] == [
        ("First & “best”", "1000", "500", "lazy"),
        ("Second", "1000", "500", "lazy"),
    ]
    assert all(img["src"].endswith("/800.jpg") for img in imgs)
    assert len(page.find("picture")) == 2
    assert len(page.find("source", type="image/avif")) == 2


def test_other_images_are_left_as_they_are():
    body = '<p><img src="/static/img/hero.svg" alt="Hero"></p>'

    assert render_body(PostFactory.build(body=body)) == body


def test_the_rendered_body_is_sanitised_again():
    stored = '<p onclick="x()">Hi<script>alert(1)</script></p>'  # as if written around the service

    assert render_body(PostFactory.build(body=stored)) == "<p>Hi</p>"
