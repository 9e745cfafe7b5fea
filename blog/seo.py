"""Structured data for search engines: JSON-LD built as data, serialised once, escaped."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from studio.models import Studio

from .models import Post

# As django.utils.html.json_script does: nothing in the data can close the element.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def json_ld(data: dict) -> SafeString:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text),  # noqa: S308 - JSON with <, > and & escaped
    )


def post_image_url(post: Post) -> str:
    return absolute(post.cover.best_jpeg_url()) if post.cover else ""


def blog_posting(post: Post, studio: Studio) -> dict:
    url = absolute(post.get_absolute_url())
    data: dict = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title[:110],
        "description": post.get_meta_description(),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": post.published_at.isoformat() if post.published_at else None,
        "dateModified": post.updated_at.isoformat(),
        "wordCount": post.word_count,
        "author": {
            "@type": "Person",
            "name": post.author.name,
            "url": absolute(post.author.get_absolute_url()),
        },
        "publisher": {"@type": "Organization", "name": studio.name, "url": settings.SITE_URL},
        "keywords": [tag.name for tag in post.tags.all()],
    }
    if post.category:
        data["articleSection"] = post.category.name
    if post.cover:
        data["image"] = [post_image_url(post)]
    return data


def local_business(studio: Studio) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"{settings.SITE_URL}/#studio",
        "name": studio.name,
        "description": studio.tagline,
        "url": f"{settings.SITE_URL}/",
        "email": studio.email,
    }
    if studio.phone:
        data["telephone"] = studio.phone
    address = {
        "streetAddress": studio.street_address,
        "addressLocality": studio.locality,
        "postalCode": studio.postal_code,
        "addressCountry": studio.country,
    }
    if any(address.values()):
        data["address"] = {"@type": "PostalAddress", **{k: v for k, v in address.items() if v}}
    same_as = [url for url in (studio.instagram_url, studio.linkedin_url) if url]
    if same_as:
        data["sameAs"] = same_as
    return data
