"""Every change to the blog's data: one function each, one transaction each."""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from studio.queue import enqueue_after_commit

from . import imaging
from .importing import MarkdownArticle
from .jobs import Job
from .models import Author, Category, Image, Post, Tag
from .sanitize import sanitize_body
from .text import excerpt_from_html, parse_tag_names

logger = logging.getLogger(__name__)


def _unique_slug(model, base: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(base)[:90] or "item"
    candidate, number = base, 2
    while model.objects.filter(slug=candidate).exclude(pk=exclude_pk).exists():
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@transaction.atomic
def author_for_user(*, user: AbstractBaseUser) -> Author:
    """The author a login writes as, created from the person's name the first time."""
    author = Author.objects.filter(user=user).first()
    if author is None:
        name = user.get_full_name() or user.get_username()
        author = Author.objects.create(user=user, name=name, slug=_unique_slug(Author, name))
    return author


@transaction.atomic
def author_for_studio(*, name: str) -> Author:
    """The author articles are signed with when no person is named: the studio itself."""
    author, _ = Author.objects.get_or_create(slug="studio", defaults={"name": name})
    return author


@transaction.atomic
def author_describe(*, author: Author, bio: str) -> Author:
    author.bio = bio.strip()
    author.full_clean()
    author.save(update_fields=["bio"])
    return author


@transaction.atomic
def tags_for_names(*, names: Sequence[str]) -> list[Tag]:
    tags = []
    for name in parse_tag_names(list(names)):
        tag, _ = Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
        tags.append(tag)
    return tags


@transaction.atomic
def category_for_name(*, name: str) -> Category:
    category, _ = Category.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return category


@transaction.atomic
def image_store(
    *,
    clean: imaging.CleanImage,
    alt_text: str,
    caption: str = "",
    uploaded_by: AbstractBaseUser | None = None,
    image: Image | None = None,
) -> Image:
    """Keep a validated, re-encoded picture; its renditions are made in the background.

    `image` may be an unsaved instance to fill in (the admin's add form provides one).
    """
    image = image or Image()
    image.width, image.height = clean.width, clean.height
    image.alt_text, image.caption = alt_text.strip(), caption.strip()
    image.uploaded_by = uploaded_by
    image.file.save(f"{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content), save=False)
    image.save()
    enqueue_after_commit(Job.IMAGE_MAKE_RENDITIONS, image.pk)
    return image


def image_make_renditions(*, image_id: int) -> bool:
    """Make the resized copies of one picture, once. Returns whether this call made them."""
    with transaction.atomic():
        image = (
            Image.objects.select_for_update(skip_locked=True)
            .filter(pk=image_id, renditions_made_at__isnull=True)
            .first()
        )
        if image is None:
            return False
        with image.file.open("rb") as source:
            data = source.read()
        stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        made = []
        for rendition in imaging.make_renditions(data):
            extension = imaging.EXTENSIONS[rendition.format]
            name = default_storage.save(
                f"blog/renditions/{stem}/{rendition.width}.{extension}",
                ContentFile(rendition.content),
            )
            made.append(
                {
                    "width": rendition.width,
                    "height": rendition.height,
                    "format": rendition.format,
                    "name": name,
                }
            )
        image.renditions = made
        image.renditions_made_at = timezone.now()
        image.save(update_fields=["renditions", "renditions_made_at"])
        return True


@transaction.atomic
def image_delete(*, image: Image) -> None:
    """Forget a picture (refused while an article uses it as its cover) and its files."""
    names = [image.file.name, *(item["name"] for item in image.renditions)]
    image.delete()

    def remove_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name)

    transaction.on_commit(remove_files)


@transaction.atomic
def post_write(
    *,
    post: Post,
    tag_names: Sequence[str] | None = None,
    cover_upload: imaging.CleanImage | None = None,
    uploaded_by: AbstractBaseUser | None = None,
) -> Post:
    """Save a new or edited article: sanitised body, sensible defaults, tags, a new cover."""
    post.body = sanitize_body(post.body)
    post.title = post.title.strip()
    if not post.slug:
        post.slug = _unique_slug(Post, post.title, exclude_pk=post.pk)
    if not post.excerpt.strip():
        post.excerpt = excerpt_from_html(post.body)
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.published_at = timezone.now()
    if cover_upload is not None:
        post.cover = image_store(
            clean=cover_upload,
            alt_text=post.cover_alt,
            caption=post.cover_caption,
            uploaded_by=uploaded_by,
        )
    post.full_clean(exclude=["tags"])
    post.save()
    if tag_names is not None:
        post.tags.set(tags_for_names(names=tag_names))
    return post


@transaction.atomic
def post_publish(*, post: Post, at: datetime | None = None) -> Post:
    """Publish now, or at a given time (a time in the future schedules the article)."""
    post.status = Post.Status.PUBLISHED
    post.published_at = at or timezone.now()
    post.save(update_fields=["status", "published_at", "updated_at"])
    return post


@transaction.atomic
def post_unpublish(*, post: Post) -> Post:
    """Back to draft: the article disappears from the site; its date is kept."""
    post.status = Post.Status.DRAFT
    post.save(update_fields=["status", "updated_at"])
    return post


@transaction.atomic
def post_set_cover(*, post: Post, image: Image, alt_text: str, caption: str = "") -> Post:
    post.cover = image
    post.cover_alt = alt_text
    post.cover_caption = caption
    post.full_clean(exclude=["tags"])
    post.save(update_fields=["cover", "cover_alt", "cover_caption", "updated_at"])
    return post


@transaction.atomic
def post_import(
    *, article: MarkdownArticle, author: Author, publish: bool, replace: bool = False
) -> tuple[Post, str]:
    """Load an article by its slug. An existing one is left alone unless `replace` is set.

    Returns the post and what happened: "created", "replaced" or "unchanged".
    """
    existing = Post.objects.filter(slug=article.slug).first()
    if existing is not None and not replace:
        return existing, "unchanged"
    post = existing or Post(slug=article.slug)
    post.title = article.title
    post.body = article.body
    post.author = author
    post.excerpt = article.excerpt
    post.seo_title = article.seo_title
    post.meta_description = article.meta_description
    post.published_at = article.published_at
    post.status = Post.Status.PUBLISHED if publish else Post.Status.DRAFT
    post.category = category_for_name(name=article.category) if article.category else None
    post_write(post=post, tag_names=article.tags)
    return post, "replaced" if existing else "created"
