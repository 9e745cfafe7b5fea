"""Small text helpers for articles: excerpts and tag lists. No database access."""

import html
import re

from django.utils.text import Truncator, slugify

EXCERPT_WORDS = 40
# Block elements separate words; inline ones (<em>, <a>…) do not: "<em>best</em>." is "best.".
# Written for Python and PostgreSQL regular expressions alike (models.plain_text uses it).
BLOCK_TAG_PATTERN = (
    r"</?(p|h[1-6]|li|ul|ol|blockquote|figure|figcaption|br|hr|pre|div)(\s[^>]*)?/?>"
)
TAG_PATTERN = r"<[^>]*>"
_BLOCK_TAG = re.compile(BLOCK_TAG_PATTERN, re.IGNORECASE)
_TAG = re.compile(TAG_PATTERN)
_FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL)


def html_to_text(markup: str) -> str:
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", markup))
    return " ".join(html.unescape(text).split())


def excerpt_from_html(markup: str, words: int = EXCERPT_WORDS) -> str:
    """The opening words of an article's first paragraph with text, as plain text."""
    for paragraph in _FIRST_PARAGRAPH.findall(markup):
        text = html_to_text(paragraph)
        if text:
            return Truncator(text).words(words, truncate="…")
    return Truncator(html_to_text(markup)).words(words, truncate="…")


def parse_tag_names(value: str | list[str]) -> list[str]:
    """'Headshots, lighting ,headshots' → ['Headshots', 'lighting'] (unique by slug, in order)."""
    names = value.split(",") if isinstance(value, str) else value
    seen: set[str] = set()
    result = []
    for raw in names:
        name = " ".join(str(raw).split()) if raw else ""
        slug = slugify(name)
        if slug and slug not in seen:
            seen.add(slug)
            result.append(name[:60])
    return result
