"""/sitemap.xml: the site's own pages, the blog's articles and its categories, with lastmod."""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from studio.models import Studio

from .models import Category, Post

SITE_PAGES = ["home", "about", "services", "contact", "privacy", "blog:list"]


class SiteUrlSitemap(Sitemap):
    """Addresses built from SITE_URL, like canonical links, whatever host was asked."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class SitePagesSitemap(SiteUrlSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return SITE_PAGES

    def location(self, item: str) -> str:
        return reverse(item)

    @cached_property
    def _newest_article_change(self) -> datetime | None:
        newest = Post.objects.published().aggregate(
            published=Max("published_at"), updated=Max("updated_at")
        )
        return max((value for value in newest.values() if value), default=None)

    def lastmod(self, item: str) -> datetime:
        # Every page shows the studio's details; the home page and the blog index also list
        # the latest articles.
        studio_changed = Studio.load().updated_at
        if item in {"home", "blog:list"} and self._newest_article_change:
            return max(studio_changed, self._newest_article_change)
        return studio_changed


class PostSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    limit = 1000

    def items(self):
        return Post.objects.published().only("slug", "updated_at", "published_at")

    def lastmod(self, post: Post) -> datetime:
        return max(post.updated_at, post.published_at)


class CategorySitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Category.objects.filter(posts__in=Post.objects.published())
            .annotate(latest=Max("posts__published_at"), updated=Max("posts__updated_at"))
            .order_by("name")
        )

    def lastmod(self, category: Category) -> datetime:
        return max(category.latest, category.updated)


SITEMAPS = {"pages": SitePagesSitemap, "posts": PostSitemap, "categories": CategorySitemap}
