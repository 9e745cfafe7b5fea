"""seed_demo loads the studio's first article, published on 10 March 2025, exactly once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Model

from blog.models import Author, Category, Image, Post, Tag

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--allow-production", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list]:
    models: list[type[Model]] = [Post, Author, Category, Tag, Image]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_the_first_article_is_published_with_a_cover(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()

    post = Post.objects.get()
    assert "Imported the first article: created: AI-Generated Headshots" in output
    assert (post.state_label, post.author.name, post.cover_alt, post.cover.alt_text) == (
        "Published",
        "Sam Reyes",
        "Illustration of a head-and-shoulders silhouette before a softly lit studio backdrop",
        "Illustration of a head-and-shoulders silhouette before a softly lit studio backdrop",
    )
    assert len(post.cover.renditions) == 8  # four widths, two formats, made after commit
    assert post.author.bio.startswith("Sam looks after the studio's journal")


def test_it_shows_as_10_march_2025_on_its_page_and_on_the_home_page(client):
    seed()

    article = client.get("/blog/ai-generated-headshots-think-twice/").content.decode()
    home = client.get("/").content.decode()

    assert '<time datetime="2025-03-10T12:00:00+00:00">10 March 2025</time>' in article
    assert '<p class="text-muted small">10 March 2025</p>' in home


def test_seeding_twice_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "Imported" not in output
    assert "Drew a cover" not in output
