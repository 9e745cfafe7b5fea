from django import forms
from django.utils import timezone

from . import imaging
from .models import Image, Post
from .text import parse_tag_names

UPLOAD_HELP = (
    "A JPEG, PNG or WebP photo, up to "
    f"{imaging.MAX_BYTES // 1024 // 1024} MB and {imaging.MAX_PIXELS // 1_000_000} megapixels. "
    "Location and camera details are removed; smaller copies for phones are made for you."
)
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class CleanUploadField(forms.FileField):
    """A picture upload, validated and re-encoded: cleaned_data holds an imaging.CleanImage."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", UPLOAD_HELP)
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> imaging.CleanImage | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        try:
            return imaging.clean_upload(upload)
        except imaging.ImageRefused as refused:
            raise forms.ValidationError(str(refused), code="image_refused") from None


class PostAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        label="Tags",
        required=False,
        max_length=500,
        help_text="Separate tags with commas, e.g. headshots, lighting. New tags are created.",
    )
    cover_upload = CleanUploadField(label="Upload a new cover", required=False)

    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "body",
            "excerpt",
            "status",
            "published_at",
            "author",
            "category",
            "cover",
            "cover_alt",
            "cover_caption",
            "seo_title",
            "meta_description",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(
                tag.name for tag in self.instance.tags.all()
            )
        if "author" in self.fields:
            self.fields["author"].required = False
            self.fields["author"].help_text = "Leave empty to sign the article yourself."

    def clean_tag_names(self) -> list[str]:
        return parse_tag_names(self.cleaned_data["tag_names"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("status") == Post.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        has_cover = cleaned.get("cover") or cleaned.get("cover_upload")
        if has_cover and not cleaned.get("cover_alt", "").strip():
            self.add_error("cover_alt", "Describe the cover image for people who cannot see it.")
        return cleaned


class ImageAdminForm(forms.ModelForm):
    upload = CleanUploadField(label="Picture", required=True)

    class Meta:
        model = Image
        fields = ["alt_text", "caption"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The picture itself cannot be swapped: upload a new one instead.
            del self.fields["upload"]
