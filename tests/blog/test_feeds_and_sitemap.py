"""RSS, Atom, /sitemap.xml and /robots.txt parse as XML (or text) with the expected entries."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from blog import services
from blog.models import Post
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def articles(studio):
    light = TagFactory(name="light")
    older = PostFactory(
        title="Older",
        slug="older",
        excerpt="About backdrops & paper.",
        published_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
        author=AuthorFactory(name="Sam Reyes", slug="sam-reyes"),
        tags=[light],
        category=CategoryFactory(name="Advice", slug="advice"),
    )
    newer = PostFactory(title="Newer", slug="newer", published_at=timezone.now() - timedelta(1))
    PostFactory(title="Draft", slug="draft", draft=True)
    PostFactory(title="Later", slug="later", scheduled=True, category=CategoryFactory(slug="x"))
    return newer, older


def parse(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)


def test_the_rss_feed_lists_published_articles(client, articles):
    channel = parse(client, "/blog/feed/").find("channel")

    items = channel.findall("item")
    assert channel.findtext("title") == "Northlight Headshots — Journal"
    assert channel.findtext("link") == f"{SITE}/blog/"
    assert [item.findtext("title") for item in items] == ["Newer", "Older"]
    older = items[1]
    assert older.findtext("link") == f"{SITE}/blog/older/"
    assert older.findtext("guid") == f"{SITE}/blog/older/"
    assert older.findtext("description") == "About backdrops &amp; paper."  # HTML: escaped
    assert older.findtext("pubDate") == "Mon, 10 Mar 2025 12:00:00 +0000"
    assert [c.text for c in older.findall("category")] == ["light"]
    assert older.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Sam Reyes"


def test_the_atom_feed_lists_published_articles(client, articles):
    feed = parse(client, "/blog/feed/atom/")

    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Newer", "Older"]
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}/blog/feed/atom/"
    assert entries[1].findtext(f"{ATOM}published") == "2025-03-10T12:00:00+00:00"
    assert entries[1].find(f"{ATOM}author").findtext(f"{ATOM}name") == "Sam Reyes"


def test_the_sitemap_lists_site_pages_articles_and_categories_with_lastmod(client, articles):
    urlset = parse(client, "/sitemap.xml")

    entries = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in urlset.findall(f"{SITEMAP}url")
    }
    assert list(entries) == [
        f"{SITE}/",
        f"{SITE}/about/",
        f"{SITE}/services/",
        f"{SITE}/contact/",
        f"{SITE}/privacy/",
        f"{SITE}/blog/",
        f"{SITE}/blog/newer/",
        f"{SITE}/blog/older/",
        f"{SITE}/blog/category/advice/",
    ]
    assert all(entries.values())
    today = timezone.now().date().isoformat()
    assert entries[f"{SITE}/blog/"] == today


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /blog/preview/\n"
        "Disallow: /blog/search/\n"
        "\n"
        f"Sitemap: {SITE}/sitemap.xml\n"
    )


def test_blog_pages_announce_their_feeds(client, articles):
    content = client.get("/blog/").content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in content
    assert 'href="/blog/feed/atom/"' in content


class FeedReader(HTMLParser):
    """What a feed reader makes of an item's HTML: the elements it would build, and the text."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text += data


@pytest.fixture
def hostile_article(studio):
    """An article whose body shows markup as text (the editor stores it escaped) beside real,
    allowed markup; its excerpt is filled in from the body on save, as in the admin."""
    post = Post(
        title="Markup as text",
        slug="markup-as-text",
        author=AuthorFactory(),
        status=Post.Status.PUBLISHED,
        body=(
            "<p>Write <code>&lt;img src=x onerror=alert(1)&gt;</code> and "
            "<strong>soft</strong> light &amp; &lt;script&gt;alert(2)&lt;/script&gt;.</p>"
        ),
    )
    return services.post_write(post=post)


def test_escaped_markup_in_an_article_stays_text_in_both_feeds(client, hostile_article):
    rss = parse(client, "/blog/feed/").find("channel/item")
    atom = parse(client, "/blog/feed/atom/").find(f"{ATOM}entry")
    summary = atom.find(f"{ATOM}summary")

    assert summary.get("type") == "html"
    for description in (rss.findtext("description"), summary.text):
        read = FeedReader(description)
        assert read.elements == [], description  # no <img>, no <script>: nothing runs
        assert read.text == (
            "Write <img src=x onerror=alert(1)> and soft light & <script>alert(2)</script>."
        )


def test_allowed_markup_still_renders_on_the_article_page(client, hostile_article):
    page = client.get(hostile_article.get_absolute_url()).content.decode()

    assert "<strong>soft</strong>" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page and "<script>alert(2)" not in page
