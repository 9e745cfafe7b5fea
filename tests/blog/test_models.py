"""What the blog's data guarantees: who sees what and when, and the invariants PostgreSQL keeps."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.models import Post
from tests.factories import ImageFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_readers_see_published_articles_whose_time_has_come():
    live = PostFactory(title="Live")
    PostFactory(title="Draft", draft=True)
    PostFactory(title="Scheduled", scheduled=True)

    assert list(Post.objects.published()) == [live]


def test_a_scheduled_article_appears_by_itself_at_its_time():
    scheduled = PostFactory(scheduled=True)

    assert scheduled not in Post.objects.published()
    after = scheduled.published_at + timedelta(seconds=1)
    assert list(Post.objects.published(now=after)) == [scheduled]


def test_a_draft_with_a_past_date_stays_hidden():
    PostFactory(status=Post.Status.DRAFT, published_at=timezone.now() - timedelta(days=3))

    assert list(Post.objects.published()) == []


def test_a_published_article_needs_a_publish_time():
    with pytest.raises(IntegrityError, match="blog_post_published_has_time"), transaction.atomic():
        PostFactory(status=Post.Status.PUBLISHED, published_at=None)

    assert Post.objects.count() == 0


def test_a_cover_needs_alternative_text():
    with pytest.raises(IntegrityError, match="blog_post_cover_has_alt"), transaction.atomic():
        PostFactory(cover=ImageFactory(), cover_alt="")

    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("trait", "label"),
    [({}, "Published"), ({"draft": True}, "Draft"), ({"scheduled": True}, "Scheduled")],
)
def test_the_state_shown_to_authors(trait, label):
    assert PostFactory.build(**trait).state_label == label


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (230, 1), (231, 2), (1229, 6)])
def test_reading_time_rounds_up_whole_minutes(words, minutes):
    post = PostFactory.build(body="<p>" + "word " * words + "</p>")

    assert post.reading_minutes == minutes


def test_seo_title_and_description_default_to_the_title_and_excerpt():
    post = PostFactory.build(title="Window light", excerpt="Short and sweet.")

    assert (post.get_seo_title(), post.get_meta_description()) == (
        "Window light",
        "Short and sweet.",
    )


def test_a_long_excerpt_is_shortened_at_a_word_for_the_meta_description():
    post = PostFactory.build(excerpt="word " * 60)

    description = post.get_meta_description()

    assert len(description) <= 160
    assert description.endswith("word…")


def test_explicit_seo_fields_win():
    post = PostFactory.build(seo_title="SEO", meta_description="Meta.")

    assert (post.get_seo_title(), post.get_meta_description()) == ("SEO", "Meta.")


@pytest.mark.parametrize("slug", ["search", "feed", "category", "tag", "author", "preview"])
def test_addresses_the_blog_uses_cannot_be_article_slugs(slug):
    post = PostFactory.build(slug=slug)

    with pytest.raises(ValidationError) as refused:
        post.full_clean(exclude=["author"])

    assert refused.value.message_dict["slug"] == [
        f"“{slug}” is used by the blog itself; choose another address."
    ]


def test_the_search_vector_follows_every_save():
    post = PostFactory(title="Lenses", body="<p>About <em>apertures</em> &amp; light.</p>")
    post.body = "<p>About backdrops now.</p>"
    post.save()

    vector = Post.objects.values_list("search_vector", flat=True).get(pk=post.pk)

    assert "'backdrop'" in vector
    assert "apertur" not in vector
    assert "'lens':1A" in vector
