"""Reads for the public blog. Everything readers see starts from Post.objects.published()."""

import html

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Count, F, Max, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import SEARCH_CONFIG, Category, Post, PostQuerySet, plain_text

# Private-use characters mark the highlights in PostgreSQL's snippets; they become <mark>
# only after the snippet has been escaped, so no other markup can reach the page.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MAX_QUERY_LENGTH = 200


def published_posts() -> PostQuerySet:
    """For lists: published articles, newest first, without their bodies."""
    return Post.objects.published().for_cards()


def latest_posts(limit: int = 3) -> list[Post]:
    """For the home page: the newest published articles."""
    return list(published_posts()[:limit])


def post_for_reader(slug: str) -> Post | None:
    return Post.objects.published().for_pages().prefetch_related("tags").filter(slug=slug).first()


def post_for_preview(pk: int) -> Post | None:
    """Any article, draft or scheduled, for staff."""
    return Post.objects.for_pages().prefetch_related("tags").filter(pk=pk).first()


def related_posts(post: Post, limit: int = 3) -> list[Post]:
    """Published articles sharing the most tags with this one, newest first among equals."""
    tag_ids = [tag.pk for tag in post.tags.all()]
    if not tag_ids:
        return []
    return list(
        published_posts()
        .exclude(pk=post.pk)
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids)))
        .filter(shared_tags__gt=0)
        .order_by("-shared_tags", "-published_at")[:limit]
    )


def categories_in_use() -> list[Category]:
    """Categories with at least one published article, for the blog's navigation."""
    return list(
        Category.objects.filter(posts__in=Post.objects.published())
        .annotate(latest=Max("posts__published_at"))
        .order_by("name")
    )


def clean_query(raw: str) -> str:
    return " ".join(raw.replace(MARK_START, "").replace(MARK_STOP, "").split())[:MAX_QUERY_LENGTH]


def search_posts(query: str) -> PostQuerySet:
    """Published articles matching a web-style query, best first, each with a raw `snippet`."""
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    return (
        published_posts()
        .filter(search_vector=search_query)
        .annotate(
            rank=SearchRank(F("search_vector"), search_query),
            snippet=SearchHeadline(
                plain_text("body"),
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def highlighted(snippet: str) -> SafeString:
    """A search snippet as HTML: its text escaped, the matches wrapped in <mark>."""
    text = escape(" ".join(html.unescape(snippet).split()))
    return mark_safe(  # noqa: S308 - escaped above; only our own <mark> tags are added
        text.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )
