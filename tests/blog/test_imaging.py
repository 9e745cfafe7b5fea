"""Uploaded pictures: what is refused, what is cleaned, and the renditions made from them."""

import io

import pytest
from PIL import Image as PILImage
from PIL import features

from blog import imaging

from .uploads import (
    cmyk_jpeg,
    encoded,
    exif_of,
    gif_with_script,
    html_renamed_png,
    jpeg_with_gps,
    jpeg_with_script_appended,
    pixel_bomb_png,
    upload,
)

NOT_A_PICTURE = "This file is not a JPEG, PNG or WebP picture"


def reopen(clean: imaging.CleanImage) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(clean.content))
    image.load()
    return image


@pytest.mark.parametrize(
    ("size", "reason"),
    [
        ((30_000, 30_000), "Pillow refuses it outright"),
        ((10_000, 10_000), "Pillow only warns: the warning counts as a refusal"),
        ((8_000, 6_000), "under Pillow's limits, over the site's 40 megapixels"),
    ],
)
def test_a_pixel_bomb_is_refused_before_it_is_decoded(size, reason):
    with pytest.raises(imaging.ImageRefused, match="megapixels"):
        imaging.clean_upload(upload("bomb.png", pixel_bomb_png(*size), "image/png"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.png", html_renamed_png()),
        ("animated.gif", gif_with_script()),
        ("empty.jpg", b""),
        ("truncated.jpg", encoded(PILImage.new("RGB", (50, 50)), "JPEG")[:60]),
    ],
)
def test_files_that_are_not_allowed_pictures_are_refused(name, data):
    with pytest.raises(imaging.ImageRefused, match=NOT_A_PICTURE):
        imaging.clean_upload(upload(name, data))


def test_an_oversize_file_is_refused_by_its_size_alone():
    big = upload("huge.jpg", b"\xff\xd8" + b"\x00" * imaging.MAX_BYTES)

    with pytest.raises(imaging.ImageRefused, match="the limit is 15 MB"):
        imaging.clean_upload(big)


def test_a_cmyk_jpeg_is_converted_to_rgb_and_accepted():
    clean = imaging.clean_upload(upload("print.jpg", cmyk_jpeg()))

    image = reopen(clean)
    assert (clean.format, image.format, image.mode, image.size) == (
        "JPEG",
        "JPEG",
        "RGB",
        (320, 200),
    )


def test_location_and_camera_details_are_stripped():
    original = jpeg_with_gps()
    assert 0x8825 in exif_of(original)  # the GPS block is there to begin with

    clean = imaging.clean_upload(upload("phone.jpg", original))

    assert exif_of(clean.content) == {}
    assert reopen(clean).info.get("exif") is None


def test_anything_appended_to_a_picture_is_dropped_by_re_encoding():
    clean = imaging.clean_upload(upload("tail.jpg", jpeg_with_script_appended()))

    assert b"<script>" not in clean.content
    assert (clean.width, clean.height) == (64, 48)


def test_the_orientation_flag_is_applied_to_the_pixels():
    landscape = PILImage.new("RGB", (300, 100), (50, 50, 50))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    data = encoded(landscape, "JPEG", exif=exif.tobytes())

    clean = imaging.clean_upload(upload("rotated.jpg", data))

    assert (clean.width, clean.height) == (100, 300)


@pytest.mark.parametrize(
    ("image", "image_format", "expected_format", "expected_mode"),
    [
        (PILImage.new("RGBA", (80, 60), (10, 20, 30, 128)), "PNG", "PNG", "RGBA"),
        (PILImage.new("L", (80, 60), 128), "PNG", "PNG", "RGB"),
        (PILImage.new("RGB", (80, 60), (1, 2, 3)), "WEBP", "WEBP", "RGB"),
    ],
)
def test_allowed_formats_keep_their_format(image, image_format, expected_format, expected_mode):
    clean = imaging.clean_upload(upload("x", encoded(image, image_format)))

    assert (clean.format, reopen(clean).mode, clean.extension) == (
        expected_format,
        expected_mode,
        expected_format.lower().replace("jpeg", "jpg"),
    )


@pytest.mark.parametrize(
    ("width", "widths"),
    [
        (3000, [400, 800, 1200, 1600]),
        (1000, [400, 800, 1000]),
        (300, [300]),
        (1600, [400, 800, 1200, 1600]),
    ],
)
def test_renditions_are_never_wider_than_the_picture(width, widths):
    assert imaging.rendition_widths(width) == widths


def test_renditions_come_in_a_modern_format_and_jpeg_at_each_width():
    source = imaging.clean_upload(
        upload("p.jpg", encoded(PILImage.new("RGB", (1000, 500)), "JPEG"))
    )

    renditions = imaging.make_renditions(source.content)

    assert [(r.width, r.height, r.format) for r in renditions] == [
        (400, 200, imaging.MODERN_FORMAT),
        (400, 200, "JPEG"),
        (800, 400, imaging.MODERN_FORMAT),
        (800, 400, "JPEG"),
        (1000, 500, imaging.MODERN_FORMAT),
        (1000, 500, "JPEG"),
    ]
    for rendition in renditions:
        with PILImage.open(io.BytesIO(rendition.content)) as image:
            assert (image.format, image.size) == (
                rendition.format,
                (rendition.width, rendition.height),
            )


def test_the_modern_format_is_avif_where_pillow_can_write_it_and_webp_otherwise():
    chosen = imaging.MODERN_FORMAT

    assert chosen == ("AVIF" if features.check("avif") else "WEBP")
