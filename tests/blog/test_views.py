"""The public journal: lists, articles, previews; who sees what; cheap, cacheable pages."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import services
from blog.models import Post
from studio.showcase import home_context
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    PostFactory,
    TagFactory,
    UserFactory,
)

from .pages import Elements, csp_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _studio(studio):
    return studio


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_journal_lists_published_articles_newest_first(client):
    PostFactory(title="Older", published_at=days_ago(3), excerpt="About backdrops.")
    PostFactory(title="Newer", published_at=days_ago(1))

    page = Elements(html(client, "/blog/"))

    titles = [a["href"] for a in page.find("a") if a.get("href", "").startswith("/blog/older")]
    assert titles == ["/blog/older/"]
    content = html(client, "/blog/")
    assert content.index("Newer") < content.index("Older")
    assert "About backdrops." in content
    assert '<a class="btn btn-primary btn-lg" href="/book/">Book a session</a>' in content


def test_the_list_is_paginated_by_ten(client):
    for day in range(11):
        PostFactory(title=f"Article {day:02}", published_at=days_ago(day + 1))

    first, second = html(client, "/blog/"), html(client, "/blog/?page=2")

    assert first.count('class="post-card"') == 10
    assert second.count('class="post-card"') == 1
    assert "Article 10" in second
    assert '<link rel="canonical" href="http://127.0.0.1:8000/blog/?page=2">' in second
    assert client.get("/blog/?page=3").status_code == 404
    assert client.get("/blog/?page=x").status_code == 404


def test_hidden_articles_are_invisible_everywhere_to_the_public(client):
    """Drafts and scheduled articles: not in any list, feed, sitemap, search or related list."""
    author = AuthorFactory(name="Sam Reyes", slug="sam-reyes")
    category = CategoryFactory(name="Advice", slug="advice")
    tag = TagFactory(name="lighting", slug="lighting")
    shared = {"author": author, "category": category, "tags": [tag]}
    visible = PostFactory(title="Visible lighting", body="<p>lighting visible</p>", **shared)
    draft = PostFactory(title="Draft lighting", body="<p>lighting draft</p>", draft=True, **shared)
    scheduled = PostFactory(
        title="Scheduled lighting", body="<p>lighting soon</p>", scheduled=True, **shared
    )
    urls = [
        "/",
        "/blog/",
        "/blog/category/advice/",
        "/blog/tag/lighting/",
        "/blog/author/sam-reyes/",
        "/blog/search/?q=lighting",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/sitemap.xml",
        visible.get_absolute_url(),  # related articles share its tag
    ]

    for url in urls:
        content = html(client, url)
        assert "Draft lighting" not in content, url
        assert "Scheduled lighting" not in content, url
        assert "/blog/draft-lighting/" not in content, url
    assert "Visible lighting" in html(client, "/blog/search/?q=lighting")
    assert [p.title for p in home_context()["latest_posts"]] == ["Visible lighting"]
    for hidden in (draft, scheduled):
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_staff_preview_drafts_and_scheduled_articles_never_cached(client, author_user):
    scheduled = PostFactory(title="Coming soon", scheduled=True)
    client.force_login(author_user)

    response = client.get(f"/blog/preview/{scheduled.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Coming soon" in content
    assert "<strong>Preview</strong> — Scheduled: goes live" in content
    assert "Readers cannot see this article yet." in content
    assert '<meta name="robots" content="noindex, nofollow">' in content
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "ETag" not in response


def test_preview_is_for_staff_who_may_view_articles(client):
    draft = PostFactory(draft=True)
    url = f"/blog/preview/{draft.pk}/"

    anonymous = client.get(url)
    client.force_login(UserFactory(username="maya"))  # staff, no blog permission
    other_staff = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert other_staff.status_code == 403
    assert client.get("/blog/preview/999999/").status_code == 403


def test_an_article_page(client):
    tag_light, tag_studio = TagFactory(name="light"), TagFactory(name="studio")
    post = PostFactory(
        title="Window light",
        body="<h2>Why</h2><p>" + "word " * 500 + "</p>",
        tags=[tag_light, tag_studio],
        category=CategoryFactory(name="Advice"),
        author=AuthorFactory(name="Sam Reyes"),
        published_at=timezone.datetime(2025, 3, 10, 12, tzinfo=timezone.UTC),
    )
    both = PostFactory(title="Shares both", tags=[tag_light, tag_studio], published_at=days_ago(9))
    newer_one = PostFactory(title="Shares one, newer", tags=[tag_studio], published_at=days_ago(1))
    older_one = PostFactory(title="Shares one, older", tags=[tag_light], published_at=days_ago(5))
    PostFactory(title="Shares none")

    content = html(client, post.get_absolute_url())

    assert '<h1 class="post-title">Window light</h1>' in content
    assert '<time datetime="2025-03-10T12:00:00+00:00">10 March 2025</time>' in content
    assert "· 3 min read" in content
    assert '<a href="/blog/author/sam-reyes/" rel="author">Sam Reyes</a>' in content
    assert '<a href="/blog/tag/light/" rel="tag">light</a>' in content
    assert '<a class="btn btn-primary btn-lg" href="/book/">Book a session</a>' in content
    related = content.split('id="related-heading"', 1)[1]
    positions = [related.index(p.title) for p in (both, newer_one, older_one)]
    assert positions == sorted(positions)  # most shared tags first, then the newest
    assert "Shares none" not in related


def test_unknown_addresses_are_not_found(client):
    for url in ("/blog/nope/", "/blog/tag/nope/", "/blog/category/nope/", "/blog/author/nope/"):
        assert client.get(url).status_code == 404, url


def test_pictures_are_responsive_with_their_size_set(client, django_capture_on_commit_callbacks):
    cover = ImageFactory(width=1200, height=800, alt_text="Library text")
    body_picture = ImageFactory(width=900, height=600)
    post = PostFactory(
        cover=cover,
        cover_alt="Maya by the window",
        cover_caption="Maya, March",
        body=(
            f'<p>Intro.</p><figure class="figure"><img src="{body_picture.url}" alt="Backdrop" '
            f'data-file="{body_picture.pk}"><figcaption>Grey</figcaption></figure>'
        ),
    )

    before = Elements(html(client, post.get_absolute_url()))
    with django_capture_on_commit_callbacks(execute=True):  # as the task's commit would
        services.image_make_renditions(image_id=cover.pk)
        services.image_make_renditions(image_id=body_picture.pk)
    after = Elements(html(client, post.get_absolute_url()))

    # Until renditions exist, the clean copy is served, still with its size.
    assert before.find("img", alt="Maya by the window")[0] == {
        "src": cover.url,
        "width": "1200",
        "height": "800",
        "alt": "Maya by the window",
        "decoding": "async",
        "loading": "eager",
        "fetchpriority": "high",
    }
    cover_img = after.find("img", alt="Maya by the window")[0]
    assert (cover_img["width"], cover_img["height"], cover_img["loading"]) == (
        "1200",
        "800",
        "eager",
    )
    assert cover_img["src"].endswith("/800.jpg")
    assert [part.rsplit("/", 1)[1] for part in cover_img["srcset"].split(", ")] == [
        "400.jpg 400w",
        "800.jpg 800w",
        "1200.jpg 1200w",
    ]
    modern = after.find("source", type="image/avif")
    assert len(modern) == 2
    body_img = after.find("img", alt="Backdrop")[0]
    assert (body_img["width"], body_img["height"], body_img["loading"]) == ("900", "600", "lazy")
    assert "Maya, March" in html(client, post.get_absolute_url())


def test_public_pages_have_no_inline_script_or_style(client):
    tag = TagFactory(name="light")
    post = PostFactory(
        cover=ImageFactory(), cover_alt="x", tags=[tag], category=CategoryFactory(name="Advice")
    )
    PostFactory(tags=[tag])
    urls = [
        "/",
        "/blog/",
        post.get_absolute_url(),
        "/blog/category/advice/",
        "/blog/tag/light/",
        post.author.get_absolute_url(),
        "/blog/search/?q=light",
    ]

    for url in urls:
        response = client.get(url)
        assert csp_problems(response.content.decode()) == [], url
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_public_pages_answer_conditional_requests(client):
    post = PostFactory()

    for url in ("/blog/", post.get_absolute_url(), "/blog/search/?q=light"):
        first = client.get(url)
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert (first.status_code, again.status_code, again.content) == (200, 304, b""), url


PUBLIC_PAGES = [
    "/blog/",
    "/blog/?page=2",
    "/blog/category/advice/",
    "/blog/tag/light/",
    "/blog/author/sam/",
    "/blog/search/?q=light",
    "/blog/feed/",
    "/blog/feed/atom/",
    "/sitemap.xml",
    "/blog/first/",
]


def add_articles(count: int, *, author, category, tag) -> None:
    """Articles with their own cover, category, author and tags: any N+1 would show."""
    for _ in range(count):
        PostFactory(
            cover=ImageFactory(),
            cover_alt="A portrait",
            category=category if _ % 2 else CategoryFactory(),
            author=author if _ % 2 else AuthorFactory(),
            tags=[tag, TagFactory()],
            body="<p>light and more light</p>",
            published_at=days_ago(2 + _),
        )


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for url in PUBLIC_PAGES:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts[url] = len(captured)
    return counts


def test_public_pages_run_the_same_few_queries_for_n_and_ten_n_articles(client):
    author = AuthorFactory(name="Sam", slug="sam")
    category = CategoryFactory(name="Advice", slug="advice")
    tag = TagFactory(name="light", slug="light")
    picture = ImageFactory()
    services.image_make_renditions(image_id=picture.pk)
    PostFactory(
        slug="first",
        cover=picture,
        cover_alt="First",
        tags=[tag],
        category=category,
        author=author,
        body=f'<p>light</p><figure><img src="{picture.url}" alt="In the body"></figure>',
    )
    add_articles(10, author=author, category=category, tag=tag)  # N = 11: two pages already
    with_n = queries_per_page(client)

    add_articles(99, author=author, category=category, tag=tag)
    with_ten_n = queries_per_page(client)

    assert with_ten_n == with_n
    assert max(with_n.values()) <= 6, with_n
    assert Post.objects.published().count() == 110


def test_the_home_page_shows_the_three_latest_articles(client):
    for day in range(4):
        PostFactory(title=f"Day {day}", excerpt=f"Summary {day}.", published_at=days_ago(day + 1))
    PostFactory(title="Not yet", scheduled=True)

    content = html(client, "/")

    journal = content.split('id="journal-heading"', 1)[1]
    assert [title for title in ("Day 0", "Day 1", "Day 2", "Day 3") if title in journal] == [
        "Day 0",
        "Day 1",
        "Day 2",
    ]
    assert journal.index("Day 0") < journal.index("Day 1") < journal.index("Day 2")
    assert "Summary 0." in journal
    assert "Not yet" not in journal
