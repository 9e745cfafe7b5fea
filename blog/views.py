from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from studio.page_cache import cached_page, positive_int

from . import rendering, selectors
from .models import Author, Category, Post, Tag

PAGE_SIZE = 10

# Public pages are cached whole for anonymous readers (studio/page_cache.py), carry an ETag and
# Last-Modified, and answer conditional GETs (ConditionalGetMiddleware). A scheduled post
# appears within BLOG_CACHE_SECONDS of its publish time; an edit shows at once. Each decorator
# names the query parameters its pages read: the cache ignores (and hides) all others.
BLOG_CACHE_SECONDS = 60
BLOG_GROUPS = ("site", "blog", "catalogue")
public_page = cached_page(*BLOG_GROUPS, timeout=BLOG_CACHE_SECONDS)
listing_page = cached_page(*BLOG_GROUPS, timeout=BLOG_CACHE_SECONDS, params={"page": positive_int})
sitemap_page = cached_page(*BLOG_GROUPS, timeout=BLOG_CACHE_SECONDS, params={"p": positive_int})


def _page(request: HttpRequest, queryset) -> Page:
    try:
        return Paginator(queryset, PAGE_SIZE).page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.") from None


def _listing(request: HttpRequest, queryset, **context) -> HttpResponse:
    page = _page(request, queryset)
    return render(
        request,
        "blog/post_list.html",
        {"page_obj": page, "posts": page.object_list, **context},
    )


@require_safe
@listing_page
def post_list(request: HttpRequest) -> HttpResponse:
    return _listing(
        request,
        selectors.published_posts(),
        heading="Journal",
        intro="Advice, behind-the-scenes notes and stories from the studio.",
        categories=selectors.categories_in_use(),
    )


@require_safe
@listing_page
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    return _listing(
        request,
        selectors.published_posts().filter(category=category),
        heading=category.name,
        intro=category.description,
        eyebrow="Category",
        categories=selectors.categories_in_use(),
        current_category=category,
    )


@require_safe
@listing_page
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    return _listing(
        request,
        selectors.published_posts().filter(tags=tag),
        heading=f"Tagged “{tag.name}”",
        eyebrow="Tag",
    )


@require_safe
@listing_page
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author, slug=slug)
    return _listing(
        request,
        selectors.published_posts().filter(author=author),
        heading=author.name,
        intro=author.bio,
        eyebrow="Author",
        author=author,
    )


def _post_page(request: HttpRequest, post: Post, *, preview: bool) -> HttpResponse:
    return render(
        request,
        "blog/post_detail.html",
        {
            "post": post,
            "body": rendering.render_body(post),
            "related": selectors.related_posts(post),
            "preview": preview,
        },
    )


@require_safe
@public_page
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_reader(slug)
    if post is None:
        raise Http404("No such article.")
    return _post_page(request, post, preview=False)


@never_cache
@require_GET
@staff_member_required
def post_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Any article as readers will see it, for staff who may view articles. Never cached."""
    if not request.user.has_perm("blog.view_post"):
        raise PermissionDenied
    post = selectors.post_for_preview(pk)
    if post is None:
        raise Http404("No such article.")
    response = _post_page(request, post, preview=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Not cached: every query is a new address (and robots.txt keeps crawlers out).
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = selectors.clean_query(request.GET.get("q", ""))
    page = _page(request, selectors.search_posts(query)) if query else None
    results = [
        {"post": post, "snippet": selectors.highlighted(post.snippet)}
        for post in (page.object_list if page else [])
    ]
    return render(
        request, "blog/search.html", {"query": query, "page_obj": page, "results": results}
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /blog/preview/",
        "Disallow: /blog/search/",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
