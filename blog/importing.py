"""Reading an article written in Markdown with front matter (title, date, slug, tags, …)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import markdown
from django.utils.text import slugify
from yaml import YAMLError

from .sanitize import sanitize_body

MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]
# A date without a time is published at midday in the studio's zone, so that it shows as that
# date wherever the studio is.
DEFAULT_LOCAL_TIME = time(12, 0)


class ArticleError(ValueError):
    """The file cannot be imported; the message says why."""


@dataclass(frozen=True)
class MarkdownArticle:
    title: str
    slug: str
    body: str
    published_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    category: str = ""
    excerpt: str = ""
    seo_title: str = ""
    meta_description: str = ""


def _aware(value: object, zone: ZoneInfo) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        has_time = "T" in value or ":" in value
        try:
            value = datetime.fromisoformat(value) if has_time else date.fromisoformat(value)
        except ValueError:
            raise ArticleError(f"date {value!r} is not a date like 2025-03-10") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, DEFAULT_LOCAL_TIME, tzinfo=zone)
    raise ArticleError(f"date {value!r} is not a date like 2025-03-10")


def _tags(value: object) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise ArticleError("tags must be a list, e.g. [headshots, lighting]")
    # Front matter tags are often slugs: personal-branding reads as "personal branding".
    return [str(tag).replace("-", " ").strip() for tag in value if str(tag).strip()]


def read_markdown_article(path: Path, zone: ZoneInfo) -> MarkdownArticle:
    try:
        source = frontmatter.load(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ArticleError(f"cannot read {path}: {error}") from None
    except YAMLError as error:
        raise ArticleError(f"the front matter of {path} is not valid YAML: {error}") from None
    meta = source.metadata
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ArticleError(f"{path} has no title in its front matter")
    slug = slugify(str(meta.get("slug") or title))
    if not slug:
        raise ArticleError(f"{path}: cannot make an address (slug) from {title!r}")
    body = sanitize_body(markdown.markdown(source.content, extensions=MARKDOWN_EXTENSIONS))
    return MarkdownArticle(
        title=title,
        slug=slug,
        body=body,
        published_at=_aware(meta.get("date"), zone),
        tags=_tags(meta.get("tags")),
        category=str(meta.get("category") or "").strip(),
        excerpt=str(meta.get("excerpt") or "").strip(),
        seo_title=str(meta.get("seo_title") or "").strip(),
        meta_description=str(meta.get("description") or "").strip(),
    )
