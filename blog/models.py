import math
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.functions import Replace
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField

from studio.page_cache import VersionedContent

from .sanitize import sanitize_body
from .text import BLOCK_TAG_PATTERN, TAG_PATTERN, html_to_text

SEARCH_CONFIG = "english"
WORDS_PER_MINUTE = 230

# What the article editor offers: WordPress-like blocks, nothing the sanitiser would drop.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "Figure": {"pickerUrl": reverse_lazy("admin:blog_image_picker")},
    "Caption": True,
    "Image": True,
    "History": True,
    "HTML": True,
}


# Addresses under /blog/ that the blog's own pages use.
RESERVED_SLUGS = {"search", "feed", "category", "tag", "author", "preview"}


def validate_post_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is used by the blog itself; choose another address.")


def plain_text(field: str) -> models.Func:
    """An article's HTML as text, in SQL: for the search vector and the search snippets."""
    text = models.TextField()
    blocks_as_spaces = models.Func(
        models.F(field),
        models.Value(BLOCK_TAG_PATTERN),
        models.Value(" "),
        models.Value("gi"),
        function="regexp_replace",
        output_field=text,
    )
    without_tags = models.Func(
        blocks_as_spaces,
        models.Value(TAG_PATTERN),
        models.Value(""),
        models.Value("g"),
        function="regexp_replace",
        output_field=text,
    )
    return Replace(
        Replace(without_tags, models.Value("&nbsp;"), models.Value(" "), output_field=text),
        models.Value("&amp;"),
        models.Value("&"),
        output_field=text,
    )


class Author(VersionedContent, models.Model):
    content_groups = ("blog",)

    """The name an article is signed with, and the small page about that person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blog_author",
        help_text="The login that writes as this author. Leave empty for a guest author.",
    )
    name = models.CharField(max_length=100, help_text="As shown under articles, e.g. Sam Reyes.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The end of the author page's address, e.g. sam-reyes.",
    )
    bio = models.TextField(
        blank=True,
        max_length=1000,
        help_text="A few sentences about the author for their page. Plain text.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:author", args=[self.slug])


class Category(VersionedContent, models.Model):
    content_groups = ("blog",)

    name = models.CharField(max_length=80, unique=True, help_text="e.g. Headshot advice.")
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The end of the category page's address."
    )
    description = models.TextField(
        blank=True, max_length=500, help_text="One or two sentences shown on the category page."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:category", args=[self.slug])


class Tag(VersionedContent, models.Model):
    content_groups = ("blog",)

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:tag", args=[self.slug])


class Image(VersionedContent, models.Model):
    content_groups = ("blog",)

    """A picture in the image library: used as a cover or placed in an article.

    `file` is the clean re-encoded copy of the upload (the original bytes are never kept);
    `renditions` lists the resized copies made in the background after the upload.
    """

    file = models.FileField(upload_to="blog/images/", max_length=200, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    alt_text = models.CharField(
        "alternative text",
        max_length=250,
        help_text=(
            "Describe the picture for people who cannot see it, e.g. “Maya laughing in "
            "front of a grey backdrop”. Suggested when you place it in an article."
        ),
    )
    caption = models.CharField(
        max_length=300, blank=True, help_text="Optional line shown under the picture."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # [{"width": 800, "height": 533, "format": "AVIF", "name": "blog/renditions/…"}, …]
    renditions = models.JSONField(default=list, blank=True, editable=False)
    renditions_made_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(width__gt=0, height__gt=0), name="blog_image_has_size"
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text or self.file.name or ""

    @property
    def url(self) -> str:
        return self.file.url

    def rendition_urls(self, image_format: str) -> list[tuple[int, str]]:
        return [
            (item["width"], default_storage.url(item["name"]))
            for item in self.renditions
            if item["format"] == image_format
        ]

    def best_jpeg_url(self, width: int = 1200) -> str:
        """A JPEG about this wide for social cards and feeds; the clean copy until renditions."""
        jpegs = self.rendition_urls("JPEG")
        if not jpegs:
            return self.url
        fitting = [item for item in jpegs if item[0] >= width] or jpegs[-1:]
        return min(fitting)[1]


class PostQuerySet(models.QuerySet):
    def published(self, now: datetime | None = None) -> "PostQuerySet":
        """What readers see: published, and the publish time reached (scheduling needs no cron)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def for_pages(self) -> "PostQuerySet":
        """With what article pages show; the search vector is never needed in Python."""
        return self.select_related("author", "category", "cover").defer("search_vector")

    def for_cards(self) -> "PostQuerySet":
        """For lists of articles, which show no body."""
        return self.for_pages().defer("body")


class Post(VersionedContent, models.Model):
    content_groups = ("blog",)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published (or scheduled)"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        validators=[validate_post_slug],
        help_text="The end of the article's address: /blog/<slug>/. Avoid changing it once live.",
    )
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="posts")
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=(
            "Drafts are only visible to staff (use Preview). Published articles appear at "
            "their publish time."
        ),
    )
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text=(
            "In the studio's time zone. A time in the future schedules the article: it "
            "appears by itself at that moment. Left empty, publishing uses the current time."
        ),
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    excerpt = models.TextField(
        blank=True,
        max_length=500,
        help_text=(
            "A sentence or two for lists, feeds and search engines. Leave empty to use the "
            "article's opening words (filled in when you save)."
        ),
    )
    body = ProseEditorField(
        extensions=BODY_EDITOR_EXTENSIONS,
        sanitize=sanitize_body,
        blank=True,
        help_text=(
            "Use the toolbar for headings, lists, links and quotes; the picture button places "
            "an image from the library with its caption."
        ),
    )
    cover = models.ForeignKey(
        Image,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="cover image",
        help_text="Optional. Shown at the top of the article, in lists and on social media.",
    )
    cover_alt = models.CharField(
        "cover alternative text",
        max_length=250,
        blank=True,
        help_text="Required with a cover: describe the picture for people who cannot see it.",
    )
    cover_caption = models.CharField(
        max_length=300, blank=True, help_text="Optional line shown under the cover."
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=70,
        blank=True,
        help_text="The title search engines show. Leave empty to use the article's title.",
    )
    meta_description = models.CharField(
        max_length=160,
        blank=True,
        help_text="The summary search engines show. Leave empty to use the excerpt.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("excerpt", weight="B", config=SEARCH_CONFIG)
            + SearchVector(plain_text("body"), weight="C", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="blog_post_search_gin"),
            models.Index(fields=["status", "published_at"], name="blog_post_status_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="blog_post_published_has_time",
                violation_error_message="A published article needs a publish time.",
            ),
            models.CheckConstraint(
                condition=models.Q(cover__isnull=True) | ~models.Q(cover_alt=""),
                name="blog_post_cover_has_alt",
                violation_error_message="Describe the cover image (alternative text).",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blog:post", args=[self.slug])

    def get_preview_url(self) -> str:
        return reverse("blog:preview", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self) -> str:
        if self.is_live:
            return "Published"
        if self.is_scheduled:
            return "Scheduled"
        return "Draft"

    @property
    def word_count(self) -> int:
        return len(html_to_text(self.body).split())

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    def get_seo_title(self) -> str:
        return self.seo_title or self.title

    def get_meta_description(self) -> str:
        if self.meta_description:
            return self.meta_description
        text = " ".join(self.excerpt.split())
        return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"
