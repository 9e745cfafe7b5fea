from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.csp import csp_override

from studio.models import Studio

from . import services
from .forms import ImageAdminForm, PostAdminForm
from .models import Author, Category, Image, Post, Tag

# The article editor's page also accepts <style> elements carrying the request's nonce (see
# templates/blog/admin/post_change_form.html); scripts and every other page are unchanged.
EDITOR_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.NONCE]}


def _thumbnail(image: Image | None) -> str:
    if image is None:
        return "—"
    return format_html(
        '<img class="blog-admin-thumb" src="{}" width="{}" height="{}" alt="{}">',
        image.url,
        image.width,
        image.height,
        image.alt_text,
    )


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "alt_text", "caption", "size", "renditions_ready", "created_at"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption"]
    readonly_fields = ["thumbnail", "size", "address", "renditions_ready"]

    class Media:
        css = {"all": ["blog/admin.css"]}

    def get_fields(self, request: HttpRequest, obj: Image | None = None) -> list[str]:
        if obj is None:
            return ["upload", "alt_text", "caption"]
        return ["thumbnail", "address", "size", "renditions_ready", "alt_text", "caption"]

    @admin.display(description="picture")
    def thumbnail(self, image: Image) -> str:
        return _thumbnail(image)

    @admin.display(description="size in pixels")
    def size(self, image: Image) -> str:
        return f"{image.width} x {image.height}"

    @admin.display(description="address to paste in an article")
    def address(self, image: Image) -> str:
        return image.url

    @admin.display(description="copies for phones", boolean=True)
    def renditions_ready(self, image: Image) -> bool:
        return image.renditions_made_at is not None

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        services.image_store(
            clean=form.cleaned_data["upload"],
            alt_text=obj.alt_text,
            caption=obj.caption,
            uploaded_by=request.user,
            image=obj,
        )

    def delete_model(self, request, obj) -> None:
        services.image_delete(image=obj)

    def delete_queryset(self, request, queryset) -> None:
        for image in queryset:
            services.image_delete(image=image)

    def get_urls(self):
        picker = path(
            "picker/",
            self.admin_site.admin_view(self.picker_view),
            name="blog_image_picker",
        )
        return [picker, *super().get_urls()]

    def picker_view(self, request: HttpRequest) -> HttpResponse:
        """The article editor's “Browse…” window: pick a library picture or upload one."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        can_add = self.has_add_permission(request)
        form = ImageAdminForm(request.POST or None, request.FILES or None) if can_add else None
        uploaded = None
        if request.method == "POST":
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                uploaded = services.image_store(
                    clean=form.cleaned_data["upload"],
                    alt_text=form.cleaned_data["alt_text"],
                    caption=form.cleaned_data["caption"],
                    uploaded_by=request.user,
                )
                form = ImageAdminForm()
        query = request.GET.get("q", "").strip()
        images = Image.objects.all()
        if query:
            images = images.filter(Q(alt_text__icontains=query) | Q(caption__icontains=query))
        page = Paginator(images, 24).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose a picture",
            "opts": self.opts,
            "page_obj": page,
            "query": query,
            "form": form,
            "uploaded": uploaded,
            "is_popup": True,
            "media": self.media + form.media if form else self.media,
        }
        status = 400 if form is not None and form.errors else 200
        return TemplateResponse(request, "blog/admin/image_picker.html", context, status=status)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "state", "publish_time", "author", "category"]
    list_filter = ["status", "category", "author", "tags"]
    search_fields = ["title", "excerpt"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["cover"]
    readonly_fields = ["preview_link", "cover_preview"]
    list_select_related = ["author", "category"]
    actions = ["publish_now", "back_to_draft"]
    save_on_top = True
    change_form_template = "blog/admin/post_change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "excerpt"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_link",
                    "author",
                    "category",
                    "tag_names",
                ]
            },
        ),
        (
            "Cover image",
            {"fields": ["cover", "cover_upload", "cover_preview", "cover_alt", "cover_caption"]},
        ),
        (
            "Search engines and social media",
            {"fields": ["seo_title", "meta_description"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        css = {"all": ["blog/admin.css", "blog/editor-core.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="state")
    def state(self, post: Post) -> str:
        return post.state_label

    @admin.display(description="publish time", ordering="published_at")
    def publish_time(self, post: Post) -> str:
        if post.published_at is None:
            return "—"
        local = timezone.localtime(post.published_at, Studio.load().zone)
        return date_format(local, "j M Y, H:i")

    @admin.display(description="preview")
    def preview_link(self, post: Post) -> str:
        if not post.pk:
            return "Save the article once to preview it."
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview this article</a> '
            "(as readers will see it; drafts and scheduled articles included)",
            post.get_preview_url(),
        )

    @admin.display(description="current cover")
    def cover_preview(self, post: Post) -> str:
        return _thumbnail(post.cover)

    def view_on_site(self, post: Post) -> str:
        return post.get_absolute_url() if post.is_live else post.get_preview_url()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        author = Author.objects.filter(user=request.user).first()
        if author is not None:
            initial.setdefault("author", author.pk)
        return initial

    @method_decorator(csp_override(EDITOR_CSP))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if obj.author_id is None:
            obj.author = services.author_for_user(user=request.user)
        services.post_write(
            post=obj,
            tag_names=form.cleaned_data["tag_names"],
            cover_upload=form.cleaned_data.get("cover_upload"),
            uploaded_by=request.user,
        )

    @admin.action(description="Publish selected articles now", permissions=["change"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_publish(post=post)
        self.message_user(request, f"Published {len(queryset)} article(s).", messages.SUCCESS)

    @admin.action(description="Move selected articles back to drafts", permissions=["change"])
    def back_to_draft(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_unpublish(post=post)
        self.message_user(request, f"{len(queryset)} article(s) are drafts again.")
