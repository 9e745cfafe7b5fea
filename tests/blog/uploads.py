"""The upload corpus: files an author might send, good and bad, built in memory."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def encoded(image: PILImage.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def pixel_bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A few hundred bytes that claim to be 900 megapixels once decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def html_renamed_png() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def gif_with_script() -> bytes:
    gif = encoded(PILImage.new("RGB", (40, 40), (200, 10, 10)), "GIF")
    return gif + b"<script>alert(1)</script>"


def jpeg_with_script_appended() -> bytes:
    return encoded(PILImage.new("RGB", (64, 48), (10, 120, 10)), "JPEG") + b"<script>x</script>"


def cmyk_jpeg() -> bytes:
    return encoded(PILImage.new("CMYK", (320, 200), (0, 80, 160, 20)), "JPEG", quality=90)


def jpeg_with_gps() -> bytes:
    image = PILImage.new("RGB", (320, 200), (90, 90, 160))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (53.0, 28.0, 45.0)
    gps[3] = "W"
    gps[4] = (2.0, 14.0, 30.0)
    return encoded(image, "JPEG", exif=exif.tobytes(), quality=90)


def exif_of(data: bytes) -> dict:
    with PILImage.open(io.BytesIO(data)) as image:
        return dict(image.getexif())
