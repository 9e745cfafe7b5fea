from django import template
from django.utils.safestring import SafeString

from studio.models import Studio

from .. import rendering, seo
from ..models import Image

register = template.Library()


@register.simple_tag
def picture(
    image: Image | None, alt: str, sizes: str = "card", eager: bool = False, css_class: str = ""
) -> SafeString | str:
    """{% picture post.cover post.cover_alt "cover" eager=True %}"""
    if image is None:
        return ""
    named_sizes = {
        "card": rendering.CARD_SIZES,
        "cover": rendering.COVER_SIZES,
        "body": rendering.BODY_SIZES,
    }
    return rendering.picture_html(
        image, alt=alt, sizes=named_sizes.get(sizes, sizes), eager=eager, css_class=css_class
    )


@register.simple_tag
def post_json_ld(post) -> SafeString:
    return seo.json_ld(seo.blog_posting(post, Studio.load()))


@register.simple_tag
def studio_json_ld() -> SafeString:
    """The studio as a LocalBusiness, for the home page."""
    return seo.json_ld(seo.local_business(Studio.load()))


@register.filter
def absolute_url(url: str) -> str:
    return seo.absolute(url)
