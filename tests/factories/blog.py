"""Factories of the blog app: authors, categories, tags, library pictures and articles."""

import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory
from PIL import Image as PILImage

from blog.models import Author, Category, Image, Post, Tag


def jpeg_bytes(width: int = 1200, height: int = 800, color=(140, 79, 52)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class AuthorFactory(DjangoModelFactory[Author]):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.LazyAttribute(lambda author: slugify(author.name))
    bio = "Writes about light."


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: slugify(category.name))


class TagFactory(DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda tag: slugify(tag.name))


class ImageFactory(DjangoModelFactory[Image]):
    """A library picture: a real JPEG on disk, without renditions until the task makes them."""

    class Meta:
        model = Image

    width = 1200
    height = 800
    file = factory.LazyAttribute(
        lambda image: ContentFile(jpeg_bytes(image.width, image.height), name="picture.jpg")
    )
    alt_text = "A portrait against a grey backdrop"


class PostFactory(DjangoModelFactory[Post]):
    """A published article by default; `draft=True` or `scheduled=True` for the others."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
        )

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.LazyAttribute(lambda post: slugify(post.title))
    author = factory.SubFactory(AuthorFactory)
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    excerpt = "A short summary of the article."
    body = "<p>Good light and a calm session make a good headshot.</p>"

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.tags.set(extracted)
