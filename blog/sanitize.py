"""The one place article HTML is cleaned, with nh3, against an allowlist.

Two allowlists: what an author may save (what the editor produces), and what a rendered page
may contain (the same plus the responsive-image markup the site itself adds). Only the output of
these cleaners is ever marked safe.
"""

import nh3

URL_SCHEMES = {"http", "https", "mailto", "tel"}

BODY_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "u",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "figure",
    "figcaption",
    "img",
}
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "data-file"},
    "ol": {"start"},
}
# The editor marks figures and captions with these classes; no other class is kept.
BODY_CLASSES = {"figure": {"figure"}, "figcaption": {"figure-caption"}}

RENDER_TAGS = BODY_TAGS | {"picture", "source"}
RENDER_ATTRIBUTES = {
    **BODY_ATTRIBUTES,
    "img": BODY_ATTRIBUTES["img"] | {"srcset", "sizes", "loading", "decoding"},
    "source": {"type", "srcset", "sizes"},
}


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    """Images must come from the site itself (its image library): the CSP blocks others."""
    if tag == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    return value


_body_cleaner = nh3.Cleaner(
    tags=BODY_TAGS,
    attributes=BODY_ATTRIBUTES,
    allowed_classes=BODY_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
    attribute_filter=_local_images_only,
)
_render_cleaner = nh3.Cleaner(
    tags=RENDER_TAGS,
    attributes=RENDER_ATTRIBUTES,
    allowed_classes=BODY_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
    attribute_filter=_local_images_only,
)


def sanitize_body(html: str) -> str:
    """Clean what an author saves. An editor's lone empty paragraph counts as empty."""
    cleaned = _body_cleaner.clean(html or "").strip()
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned


def sanitize_rendered(html: str) -> str:
    return _render_cleaner.clean(html)
