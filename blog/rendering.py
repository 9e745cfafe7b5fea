"""Turning stored articles and pictures into page markup."""

from html.parser import HTMLParser
from urllib.parse import unquote

from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .imaging import MIME_TYPES, MODERN_FORMAT
from .models import Image, Post
from .sanitize import sanitize_rendered

BODY_SIZES = "(min-width: 992px) 760px, 100vw"
COVER_SIZES = "(min-width: 992px) 860px, 100vw"
CARD_SIZES = "(min-width: 992px) 400px, (min-width: 768px) 50vw, 100vw"
FALLBACK_WIDTH = 800


def picture_html(
    image: Image,
    *,
    alt: str,
    sizes: str,
    eager: bool = False,
    css_class: str = "",
) -> SafeString:
    """<picture> with a modern format and JPEG at several widths, or the clean copy alone.

    Width and height are the picture's own, so the browser reserves its space (no layout shift).
    """
    loading = {"loading": "eager", "fetchpriority": "high"} if eager else {"loading": "lazy"}
    img = {
        "width": image.width,
        "height": image.height,
        "alt": alt,
        "decoding": "async",
        **loading,
    }
    if css_class:
        img["class"] = css_class
    jpegs = image.rendition_urls("JPEG")
    if not jpegs:
        return format_html("<img{}>", flatatt({"src": image.url, **img}))
    fallback = next((url for width, url in jpegs if width >= FALLBACK_WIDTH), jpegs[-1][1])
    modern = image.rendition_urls(MODERN_FORMAT)
    return format_html(
        '<picture><source type="{}" srcset="{}" sizes="{}"><img{}></picture>',
        MIME_TYPES[MODERN_FORMAT],
        ", ".join(f"{url} {width}w" for width, url in modern),
        sizes,
        flatatt(
            {
                "src": fallback,
                "srcset": ", ".join(f"{url} {width}w" for width, url in jpegs),
                "sizes": sizes,
                **img,
            }
        ),
    )


class _ImageTags(HTMLParser):
    """Finds every <img> start tag: where it is in the source, and its attributes."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, dict[str, str]]] = []
        # HTMLParser counts lines by "\n" alone (not str.splitlines()' other separators).
        self._line_starts = [0]
        for line in source.split("\n"):
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            line, column = self.getpos()
            start = self._line_starts[line - 1] + column
            raw = self.get_starttag_text() or ""
            self.found.append((start, start + len(raw), {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def _media_name(src: str) -> str | None:
    if src.startswith(settings.MEDIA_URL):
        return unquote(src.removeprefix(settings.MEDIA_URL))
    return None


def render_body(post: Post) -> SafeString:
    """The article's sanitised body, its library pictures as responsive <picture>s.

    The result goes through the sanitiser once more before it is marked safe.
    """
    source = post.body
    tags = _ImageTags(source).found
    names = {name for *_, attrs in tags if (name := _media_name(attrs.get("src", "")))}
    images = {image.file.name: image for image in Image.objects.filter(file__in=names)}
    pieces, position = [], 0
    for start, end, attrs in tags:
        image = images.get(_media_name(attrs.get("src", "")) or "")
        if image is None:
            continue
        pieces += [
            source[position:start],
            picture_html(image, alt=attrs.get("alt", ""), sizes=BODY_SIZES),
        ]
        position = end
    pieces.append(source[position:])
    return mark_safe(sanitize_rendered("".join(pieces)))  # noqa: S308 - nh3 output
