"""/blog/search/: PostgreSQL full-text search, ranked, with HTML-safe highlighted snippets."""

import re

import pytest

from blog import selectors
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _studio(studio):
    return studio


def search(client, query: str) -> str:
    response = client.get("/blog/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_results_are_ranked_title_first_and_stemmed():
    in_body = PostFactory(title="Studio notes", slug="notes", body="<p>We retouched it.</p>")
    in_title = PostFactory(title="Retouching done right", slug="retouching", body="<p>x</p>")
    PostFactory(title="Backdrops", slug="backdrops", body="<p>Grey paper.</p>")

    found = list(selectors.search_posts("retouch"))

    assert found == [in_title, in_body]


def test_web_style_queries_work():
    PostFactory(title="Soft window light", slug="window", body="<p>north facing</p>")
    PostFactory(title="Hard light", slug="hard", body="<p>a bare flash</p>")

    assert [p.slug for p in selectors.search_posts('"window light"')] == ["window"]
    assert [p.slug for p in selectors.search_posts("light -flash")] == ["window"]
    assert {p.slug for p in selectors.search_posts("flash or north")} == {"hard", "window"}


def test_the_page_shows_highlighted_snippets(client):
    PostFactory(
        title="Retouching",
        slug="retouching",
        body="<h2>Skin</h2><p>Good <strong>retouching</strong> keeps the skin texture.</p>",
    )

    content = search(client, "texture")

    assert "1 article for “texture”." in content
    assert (
        '<p class="search-snippet">Skin Good retouching keeps the skin <mark>texture</mark></p>'
        in content
    )


def test_snippets_are_html_safe_only_the_highlights_are_markup(client):
    PostFactory(
        title="Escaping",
        slug="escaping",
        body=(
            "<p>Write &lt;script&gt;alert(1)&lt;/script&gt; or &lt;img src=x onerror=alert(1)&gt;"
            " &amp; friends in the escaping lesson.</p>"
        ),
    )

    content = search(client, "escaping lesson")

    snippet = content.split('<p class="search-snippet">', 1)[1].split("</p>", 1)[0]
    assert snippet.endswith(
        "&lt;img src=x onerror=alert(1)&gt; &amp; friends in the "
        "<mark>escaping</mark> <mark>lesson</mark>"
    )
    markup = re.sub(r"</?mark>", "", snippet)
    assert "<" not in markup
    assert ">" not in markup


def test_the_query_is_echoed_escaped_and_unmatched_queries_say_so(client):
    content = search(client, '<script>alert("q")</script>')

    assert "<script>alert" not in content
    assert "No articles match “&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;”." in content


def test_an_empty_query_shows_just_the_form(client):
    PostFactory()

    content = search(client, "   ")

    assert 'class="search-results"' not in content
    assert "No articles match" not in content
    assert (
        '<input class="form-control" type="search" id="blog-search-q" name="q" value=""' in content
    )


def test_search_results_are_paginated_and_keep_the_query(client):
    for number in range(12):
        PostFactory(title=f"Portrait {number}", slug=f"portrait-{number}")

    first = search(client, "portrait")
    second = client.get("/blog/search/", {"q": "portrait", "page": 2}).content.decode()

    assert "12 articles for “portrait”." in first
    assert first.count('class="search-result"') == 10
    assert second.count('class="search-result"') == 2
    assert 'href="?q=portrait&amp;page=2"' in first


def test_search_pages_are_not_indexed(client):
    assert '<meta name="robots" content="noindex, follow">' in search(client, "x")
