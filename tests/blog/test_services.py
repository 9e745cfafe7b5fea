"""Every write goes through blog.services: what each one does, and what it refuses."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from blog import imaging, services, tasks
from blog.importing import MarkdownArticle
from blog.models import Author, Image, Post, Tag
from tests.factories import (
    AuthorFactory,
    ImageFactory,
    PostFactory,
    TagFactory,
    UserFactory,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db


def media_file(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def new_post(**fields) -> Post:
    return Post(author=AuthorFactory(), title="Window light", **fields)


def test_writing_an_article_cleans_its_body_and_fills_the_defaults():
    post = new_post(
        body='<p onclick="x()">Soft light<script>alert(1)</script> flatters.</p><p>More.</p>'
    )

    services.post_write(post=post, tag_names=["Lighting", "lighting", "Studio tips"])

    post.refresh_from_db()
    assert post.body == "<p>Soft light flatters.</p><p>More.</p>"
    assert post.slug == "window-light"
    assert post.excerpt == "Soft light flatters."
    assert post.status == Post.Status.DRAFT
    assert post.published_at is None
    assert sorted(post.tags.values_list("name", flat=True)) == ["Lighting", "Studio tips"]


def test_existing_tags_are_reused_by_their_slug():
    tag = TagFactory(name="Lighting")

    post = services.post_write(post=new_post(body="<p>x</p>"), tag_names=["LIGHTING"])

    assert list(post.tags.all()) == [tag]
    assert Tag.objects.count() == 1


def test_a_written_excerpt_is_kept():
    post = services.post_write(post=new_post(body="<p>Body.</p>", excerpt="My summary."))

    assert post.excerpt == "My summary."


def test_publishing_without_a_time_publishes_now():
    before = timezone.now()

    post = services.post_write(post=new_post(body="<p>x</p>", status=Post.Status.PUBLISHED))

    assert before <= post.published_at <= timezone.now()
    assert post.is_live


def test_a_second_article_with_the_same_title_gets_its_own_address():
    PostFactory(title="Window light")

    post = services.post_write(post=new_post(body="<p>x</p>"))

    assert post.slug == "window-light-2"


def test_an_invalid_article_is_refused_and_nothing_is_written():
    post = new_post(body="<p>x</p>", slug="search")

    with pytest.raises(ValidationError):
        services.post_write(post=post, tag_names=["new tag"])

    assert (Post.objects.count(), Tag.objects.count()) == (0, 0)


def test_a_new_cover_is_stored_and_its_renditions_are_made_after_commit(
    django_capture_on_commit_callbacks,
):
    clean = imaging.clean_bytes(jpeg_bytes(1000, 600))
    post = new_post(body="<p>x</p>", cover_alt="Maya by the window", cover_caption="Maya")

    with django_capture_on_commit_callbacks() as callbacks:
        services.post_write(post=post, cover_upload=clean, uploaded_by=UserFactory())
        cover = Image.objects.get()
        assert (cover.renditions, cover.renditions_made_at) == ([], None)

    for callback in callbacks:  # the rendition task, and cache version bumps
        callback()
    cover.refresh_from_db()
    assert post.cover == cover
    assert (cover.alt_text, cover.caption, cover.width, cover.height) == (
        "Maya by the window",
        "Maya",
        1000,
        600,
    )
    assert [(item["width"], item["format"]) for item in cover.renditions] == [
        (400, imaging.MODERN_FORMAT),
        (400, "JPEG"),
        (800, imaging.MODERN_FORMAT),
        (800, "JPEG"),
        (1000, imaging.MODERN_FORMAT),
        (1000, "JPEG"),
    ]
    assert all(media_file(item["name"]).is_file() for item in cover.renditions)


def test_renditions_are_made_once():
    image = ImageFactory()
    assert services.image_make_renditions(image_id=image.pk) is True
    image.refresh_from_db()
    made = (image.renditions, image.renditions_made_at)

    assert services.image_make_renditions(image_id=image.pk) is False

    image.refresh_from_db()
    assert (image.renditions, image.renditions_made_at) == made


def test_the_sweep_makes_the_renditions_of_an_upload_a_minute_old():
    lost = ImageFactory()
    Image.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    ImageFactory()  # just uploaded: its job is still to come

    assert tasks.image_renditions_sweep() == 1


def test_the_sweep_makes_renditions_a_lost_task_never_made():
    forgotten = ImageFactory()
    Image.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - timedelta(hours=1))
    just_uploaded = ImageFactory()

    assert tasks.image_renditions_sweep() == 1

    forgotten.refresh_from_db()
    just_uploaded.refresh_from_db()
    assert forgotten.renditions_made_at is not None
    assert just_uploaded.renditions_made_at is None


def test_deleting_a_picture_removes_its_files_after_commit(django_capture_on_commit_callbacks):
    image = ImageFactory()
    services.image_make_renditions(image_id=image.pk)
    image.refresh_from_db()
    names = [image.file.name, *(item["name"] for item in image.renditions)]

    with django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=image)

    assert Image.objects.count() == 0
    assert [name for name in names if media_file(name).exists()] == []


def test_a_cover_in_use_cannot_be_deleted():
    cover = ImageFactory()
    PostFactory(cover=cover, cover_alt="A portrait")

    with pytest.raises(ProtectedError):
        services.image_delete(image=cover)

    assert Image.objects.get() == cover
    assert media_file(cover.file.name).is_file()


def test_publish_and_back_to_draft():
    post = PostFactory(draft=True)
    at = timezone.now() + timedelta(days=2)

    services.post_publish(post=post, at=at)
    post.refresh_from_db()
    assert (post.status, post.published_at, post.state_label) == ("published", at, "Scheduled")

    services.post_unpublish(post=post)
    post.refresh_from_db()
    assert (post.status, post.published_at, post.state_label) == ("draft", at, "Draft")


def test_a_login_gets_one_author_named_after_the_person():
    user = UserFactory(username="maya", first_name="Maya", last_name="Okafor")
    AuthorFactory(name="Maya Okafor")  # a guest author already uses the slug

    first = services.author_for_user(user=user)
    again = services.author_for_user(user=user)

    assert first == again
    assert (first.name, first.slug) == ("Maya Okafor", "maya-okafor-2")
    assert Author.objects.filter(user=user).count() == 1


ARTICLE = MarkdownArticle(
    title="Window light",
    slug="window-light",
    body="<p>Soft.</p>",
    published_at=timezone.now() - timedelta(days=1),
    tags=["lighting"],
    category="Advice",
)


def test_importing_twice_leaves_the_article_alone():
    author = AuthorFactory()
    post, outcome = services.post_import(article=ARTICLE, author=author, publish=True)
    assert outcome == "created"
    post.refresh_from_db()
    snapshot = (post.title, post.body, post.updated_at, list(post.tags.all()))

    again, outcome = services.post_import(
        article=MarkdownArticle(title="Changed", slug="window-light", body="<p>New.</p>"),
        author=author,
        publish=True,
    )

    again.refresh_from_db()
    assert outcome == "unchanged"
    assert (again.title, again.body, again.updated_at, list(again.tags.all())) == snapshot


def test_importing_with_replace_overwrites_the_article():
    author = AuthorFactory()
    services.post_import(article=ARTICLE, author=author, publish=True)

    post, outcome = services.post_import(
        article=MarkdownArticle(title="Changed", slug="window-light", body="<p>New.</p>"),
        author=author,
        publish=False,
        replace=True,
    )

    post.refresh_from_db()
    assert outcome == "replaced"
    assert (post.title, post.body, post.status, post.category, list(post.tags.all())) == (
        "Changed",
        "<p>New.</p>",
        "draft",
        None,
        [],
    )
    assert Post.objects.count() == 1
