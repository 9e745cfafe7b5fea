"""Demo content for the journal: the studio's first article, with a cover made here."""

import io
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

from . import imaging, services
from .models import Post

CONTENT = Path(__file__).resolve().parent / "content"
FIRST_ARTICLE = CONTENT / "ai-generated-headshots-think-twice.md"
FIRST_SLUG = "ai-generated-headshots-think-twice"
AUTHOR_USERNAME = "sam"
AUTHOR_BIO = (
    "Sam looks after the studio's journal: practical advice on getting a headshot that "
    "looks like you, and notes from behind the camera."
)
COVER_ALT = "Illustration of a head-and-shoulders silhouette before a softly lit studio backdrop"
COVER_CAPTION = "Real light, a real person, a real expression."


def demo_cover_bytes(width: int = 1600, height: int = 1000) -> bytes:
    """A calm studio-backdrop illustration, drawn with Pillow (no downloaded pictures)."""
    backdrop = PILImage.new("RGB", (width, height), (58, 66, 62))
    glow = PILImage.new("L", (width, height), 0)
    ImageDraw.Draw(glow).ellipse(
        (width * 0.18, height * 0.05, width * 0.82, height * 1.05), fill=255
    )
    glow = glow.filter(ImageFilter.GaussianBlur(radius=width // 8))
    warm = PILImage.new("RGB", (width, height), (222, 204, 180))
    backdrop = PILImage.composite(warm, backdrop, glow)
    silhouette = PILImage.new("L", (width, height), 0)
    figure = ImageDraw.Draw(silhouette)
    centre = width / 2
    figure.ellipse(
        (centre - width * 0.07, height * 0.24, centre + width * 0.07, height * 0.54), fill=255
    )
    figure.rectangle(
        (centre - width * 0.045, height * 0.48, centre + width * 0.045, height * 0.7), fill=255
    )
    figure.ellipse(
        (centre - width * 0.27, height * 0.66, centre + width * 0.27, height * 1.45), fill=255
    )
    silhouette = silhouette.filter(ImageFilter.GaussianBlur(radius=3))
    ink = PILImage.new("RGB", (width, height), (38, 42, 40))
    backdrop = PILImage.composite(ink, backdrop, silhouette)
    buffer = io.BytesIO()
    backdrop.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def seed(log) -> None:
    user = get_user_model().objects.filter(username=AUTHOR_USERNAME).first()
    author_args = []
    if user is not None:
        author = services.author_for_user(user=user)
        if not author.bio:
            services.author_describe(author=author, bio=AUTHOR_BIO)
        author_args = ["--author", AUTHOR_USERNAME]

    output = StringIO()
    call_command("import_post", str(FIRST_ARTICLE), "--publish", *author_args, stdout=output)
    if output.getvalue().startswith("created"):
        log(f"Imported the first article: {output.getvalue().strip()}")

    post = Post.objects.get(slug=FIRST_SLUG)
    if post.cover_id is None:
        image = services.image_store(
            clean=imaging.clean_bytes(demo_cover_bytes()),
            alt_text=COVER_ALT,
            caption=COVER_CAPTION,
        )
        services.post_set_cover(post=post, image=image, alt_text=COVER_ALT, caption=COVER_CAPTION)
        log("Drew a cover for the first article")
