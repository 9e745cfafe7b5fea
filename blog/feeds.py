"""RSS and Atom feeds of the latest published articles.

A feed's item description is HTML to every reader (RSS <description>, Atom <summary
type="html">), while an article's excerpt is plain text (text.excerpt_from_html unescapes the
body's entities): it is escaped here, so "&lt;img …&gt;" written in an article stays text.
"""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from studio.models import Studio

from .models import Post
from .selectors import published_posts
from .seo import absolute

FEED_SIZE = 20


class LatestPostsFeed(Feed):
    def title(self) -> str:
        return f"{Studio.load().name} — Journal"

    def link(self) -> str:
        return absolute(reverse("blog:list"))

    def description(self) -> str:
        return f"New articles from {Studio.load().name}."

    def feed_url(self) -> str:
        return absolute(reverse("blog:feed"))

    def items(self) -> list[Post]:
        return list(published_posts().prefetch_related("tags")[:FEED_SIZE])

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return escape(item.excerpt)

    def item_link(self, item: Post) -> str:
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Post) -> str:
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item: Post) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime:
        return max(item.updated_at, item.published_at or item.updated_at)

    def item_author_name(self, item: Post) -> str:
        return item.author.name

    def item_author_link(self, item: Post) -> str:
        return absolute(item.author.get_absolute_url())

    def item_categories(self, item: Post) -> list[str]:
        return [tag.name for tag in item.tags.all()]

    def feed_copyright(self) -> str:
        return f"© {Studio.load().name}"


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description

    def feed_url(self) -> str:
        return absolute(reverse("blog:atom"))
