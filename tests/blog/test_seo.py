"""Canonical links, Open Graph and Twitter cards, and JSON-LD that parses and cannot break out."""

import json
from datetime import UTC, datetime

import pytest

from blog import services
from tests.factories import AuthorFactory, CategoryFactory, ImageFactory, PostFactory, TagFactory

from .pages import Elements

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


def json_ld(content: str) -> list[dict]:
    return [
        json.loads(text)
        for attributes, text in Elements(content).scripts
        if attributes.get("type") == "application/ld+json"
    ]


def meta(content: str, key: str) -> str:
    page = Elements(content)
    found = page.find("meta", property=key) or page.find("meta", name=key)
    return found[0]["content"]


@pytest.fixture
def article(studio):
    cover = ImageFactory()
    services.image_make_renditions(image_id=cover.pk)
    cover.refresh_from_db()
    return PostFactory(
        title='Light </script><script>alert("x")</script> & shade',
        slug="light",
        excerpt="Soft light, simply.",
        published_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
        author=AuthorFactory(name="Sam Reyes", slug="sam-reyes"),
        category=CategoryFactory(name="Advice"),
        tags=[TagFactory(name="light")],
        cover=cover,
        cover_alt="Maya by the window",
        body="<p>" + "word " * 100 + "</p>",
    )


def test_an_article_carries_blog_posting_json_ld(client, article):
    content = client.get("/blog/light/").content.decode()

    (data,) = json_ld(content)
    cover_jpeg = article.cover.best_jpeg_url()
    assert data == {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": 'Light </script><script>alert("x")</script> & shade',
        "description": "Soft light, simply.",
        "url": f"{SITE}/blog/light/",
        "mainEntityOfPage": {"@type": "WebPage", "@id": f"{SITE}/blog/light/"},
        "datePublished": "2025-03-10T12:00:00+00:00",
        "dateModified": article.updated_at.isoformat(),
        "wordCount": 100,
        "author": {"@type": "Person", "name": "Sam Reyes", "url": f"{SITE}/blog/author/sam-reyes/"},
        "publisher": {"@type": "Organization", "name": "Northlight Headshots", "url": SITE},
        "keywords": ["light"],
        "articleSection": "Advice",
        "image": [f"{SITE}{cover_jpeg}"],
    }
    assert cover_jpeg.endswith("/1200.jpg")


def test_json_ld_cannot_close_its_script_element(client, article):
    content = client.get("/blog/light/").content.decode()

    block = content.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    assert "&" not in block.replace("\\u0026", "")
    assert "\\u003C/script\\u003E" in block


def test_an_article_has_canonical_open_graph_and_twitter_tags(client, article):
    content = client.get("/blog/light/").content.decode()

    page = Elements(content)
    assert page.find("link", rel="canonical")[0]["href"] == f"{SITE}/blog/light/"
    assert meta(content, "og:type") == "article"
    assert meta(content, "og:title") == article.title
    assert meta(content, "og:url") == f"{SITE}/blog/light/"
    assert meta(content, "og:image") == f"{SITE}{article.cover.best_jpeg_url()}"
    assert meta(content, "og:image:alt") == "Maya by the window"
    assert meta(content, "article:published_time") == "2025-03-10T12:00:00+00:00"
    assert meta(content, "twitter:card") == "summary_large_image"
    assert meta(content, "description") == "Soft light, simply."


def test_seo_fields_override_title_and_description(client, article):
    article.seo_title = "Window light for headshots"
    article.meta_description = "How we use window light."
    article.save()

    content = client.get("/blog/light/").content.decode()

    assert "<title>Window light for headshots — Northlight Headshots</title>" in content
    assert meta(content, "description") == "How we use window light."
    assert json_ld(content)[0]["description"] == "How we use window light."


def test_the_home_page_describes_the_studio_as_a_local_business(client):
    from tests.factories import StudioFactory

    StudioFactory(
        phone="+44 161 555 0142",
        postal_code="M1 5AB",
        country="United Kingdom",
        instagram_url="https://www.instagram.com/northlight.example/",
        tagline="Headshots <that> look like you & more",
    )

    (data,) = json_ld(client.get("/").content.decode())

    assert data == {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"{SITE}/#studio",
        "name": "Northlight Headshots",
        "description": "Headshots <that> look like you & more",
        "url": f"{SITE}/",
        "email": "hello@northlight.example",
        "telephone": "+44 161 555 0142",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "14 Canal Wharf",
            "addressLocality": "Manchester",
            "postalCode": "M1 5AB",
            "addressCountry": "United Kingdom",
        },
        "sameAs": ["https://www.instagram.com/northlight.example/"],
    }
