"""Uploaded pictures: refuse what is unsafe, keep a clean re-encoded copy, make renditions.

Pure image work (bytes in, bytes out), no database: services.py stores the results.
Pillow's own decompression-bomb check only warns below twice its limit and ImageField accepts
files with anything appended, so every upload is opened with an explicit format list, checked
against byte and pixel caps before it is decoded, and re-encoded from its pixels alone (which
drops EXIF, GPS, XMP, comments and any trailing payload).
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files import File
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError, features

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (400, 800, 1200, 1600)
# AVIF when this Pillow build can write it, WebP otherwise; JPEG is every browser's fallback.
MODERN_FORMAT = "AVIF" if features.check("avif") else "WEBP"
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "AVIF": "image/avif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
_SRGB = ImageCms.createProfile("sRGB")


class ImageRefused(ValueError):
    """The upload is not accepted; the message is written for the person uploading."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class Rendition:
    content: bytes
    format: str
    width: int
    height: int


def _refuse_bomb(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            f"This picture is {width} x {height} pixels; the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels. Please export a smaller version."
        )


def _to_srgb(image: PILImage.Image) -> PILImage.Image:
    """Pixels in sRGB without a profile, the web's assumption (CMYK included)."""
    keep_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if keep_alpha else "RGB"
    icc = image.info.get("icc_profile")
    if icc and image.mode in {"RGB", "RGBA", "CMYK", "L"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                image, source, _SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to a plain conversion
    if image.mode != target:
        image = image.convert(target)
    image.info = {}
    return image


def clean_upload(upload: File) -> CleanImage:
    """Validate an uploaded picture and return a re-encoded copy with no metadata."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ImageRefused(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MB. Please export a smaller version."
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"This file is larger than {MAX_BYTES // 1024 // 1024} MB.")
    return clean_bytes(data)


def clean_bytes(data: bytes) -> CleanImage:
    not_an_image = ImageRefused(
        "This file is not a JPEG, PNG or WebP picture (or it is damaged). "
        "Please upload a photo exported as JPEG, PNG or WebP."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as opened:
                # Only the header has been read so far: check the size before decoding.
                _refuse_bomb(*opened.size)
                source_format = opened.format
                opened.load()
                image = ImageOps.exif_transpose(opened)
                image = _to_srgb(image)
        except ImageRefused:
            raise
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            raise ImageRefused(
                f"This picture has too many pixels; the limit is "
                f"{MAX_PIXELS // 1_000_000} megapixels."
            ) from None
        except UnidentifiedImageError:
            raise not_an_image from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise not_an_image from None
    output_format = source_format if source_format in ALLOWED_FORMATS else "JPEG"
    if output_format == "JPEG" and image.mode != "RGB":
        image = _flatten(image)
    return CleanImage(
        content=encode(image, output_format),
        format=output_format,
        width=image.width,
        height=image.height,
    )


def _flatten(image: PILImage.Image) -> PILImage.Image:
    if image.mode == "RGB":
        return image
    background = PILImage.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
    return background


def encode(image: PILImage.Image, image_format: str, *, rendition: bool = False) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image = _flatten(image)
        quality = 82 if rendition else 90
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    elif image_format == "WEBP":
        image.save(buffer, "WEBP", quality=80 if rendition else 90, method=4)
    elif image_format == "AVIF":
        image.save(buffer, "AVIF", quality=60)
    else:  # pragma: no cover - formats are the constants above
        raise ValueError(image_format)
    return buffer.getvalue()


def rendition_widths(width: int) -> list[int]:
    """The rendition widths for a picture this wide: never upscaled, the full width included."""
    widths = [candidate for candidate in RENDITION_WIDTHS if candidate < width]
    if width <= RENDITION_WIDTHS[-1]:
        widths.append(width)
    return widths


def make_renditions(data: bytes) -> list[Rendition]:
    """Resized copies of a clean image, in MODERN_FORMAT and JPEG, for every width."""
    with PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as opened:
        opened.load()
        source = opened.copy()
    renditions = []
    for width in rendition_widths(source.width):
        height = max(1, round(source.height * width / source.width))
        resized = (
            source
            if width == source.width
            else source.resize((width, height), PILImage.Resampling.LANCZOS)
        )
        for image_format in (MODERN_FORMAT, "JPEG"):
            renditions.append(
                Rendition(
                    content=encode(resized, image_format, rendition=True),
                    format=image_format,
                    width=width,
                    height=height,
                )
            )
    return renditions
