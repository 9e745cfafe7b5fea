"""Authors in Django admin: what the forms accept, clean, refuse, and what the actions do."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from PIL import Image as PILImage

from blog.models import Image, Post
from tests.factories import ImageFactory, PostFactory, UserFactory, jpeg_bytes

from .uploads import (
    cmyk_jpeg,
    exif_of,
    gif_with_script,
    html_renamed_png,
    pixel_bomb_png,
    upload,
)
from .xss import XSS_CORPUS, problems_in

pytestmark = pytest.mark.django_db

ADD_POST = reverse("admin:blog_post_add")


def post_form(**overrides) -> dict:
    form = {
        "title": "Window light",
        "slug": "window-light",
        "body": "<p>Soft light flatters everyone.</p>",
        "excerpt": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "author": "",
        "category": "",
        "tag_names": "",
        "cover": "",
        "cover_alt": "",
        "cover_caption": "",
        "seo_title": "",
        "meta_description": "",
        "_save": "Save",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    "url",
    [
        "admin:blog_post_changelist",
        "admin:blog_post_add",
        "admin:blog_image_changelist",
        "admin:blog_image_add",
        "admin:blog_image_picker",
        "admin:blog_category_add",
        "admin:blog_tag_add",
        "admin:blog_author_add",
    ],
)
def test_a_member_of_the_author_group_can_use_the_blog_admin(author_client, url):
    assert author_client.get(reverse(url)).status_code == 200


def test_staff_outside_the_author_group_cannot(client, studio):
    client.force_login(UserFactory(username="maya"))

    assert client.get(ADD_POST).status_code == 403
    assert client.get(reverse("admin:blog_image_picker")).status_code == 403


def test_an_author_writes_a_draft_signed_with_their_name(author_client):
    response = author_client.post(ADD_POST, post_form(tag_names="Lighting, studio tips"))

    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.title, post.status, post.author.name, post.author.user.username) == (
        "Window light",
        "draft",
        "Sam Reyes",
        "sam",
    )
    assert sorted(post.tags.values_list("name", flat=True)) == ["Lighting", "studio tips"]
    assert post.excerpt == "Soft light flatters everyone."


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_saved_through_the_admin_form_comes_out_inert(author_client, client, payload):
    body = f"<p>Before.</p>{payload}<p>After.</p>"

    author_client.post(ADD_POST, post_form(body=body, status="published"))

    post = Post.objects.get()
    assert problems_in(post.body) == []
    page = client.get(post.get_absolute_url()).content.decode()
    article = page.split('<div class="post-body">', 1)[1].split("</div>", 1)[0]
    assert problems_in(article) == []
    assert "<p>Before.</p>" in article


def test_the_publish_time_is_entered_in_the_studio_zone(author_client):
    author_client.post(
        ADD_POST,
        post_form(status="published", published_at_0="2026-07-01", published_at_1="09:00:00"),
    )

    # 09:00 in London in July is 08:00 UTC.
    assert Post.objects.get().published_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_a_cover_upload_is_cleaned_and_stored(author_client, django_capture_on_commit_callbacks):
    from .uploads import jpeg_with_gps

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(
            ADD_POST,
            post_form(
                cover_upload=upload("phone.jpg", jpeg_with_gps()),
                cover_alt="Maya by the window",
                cover_caption="Maya, March",
            ),
        )

    assert response.status_code == 302
    post = Post.objects.select_related("cover").get()
    assert (post.cover_alt, post.cover_caption, post.cover.alt_text) == (
        "Maya by the window",
        "Maya, March",
        "Maya by the window",
    )
    stored = post.cover.file.read()
    assert exif_of(stored) == {}
    assert len(post.cover.renditions) == 2  # 320 px wide: one width, two formats


def test_a_cmyk_jpeg_cover_is_converted_to_rgb(author_client):
    author_client.post(
        ADD_POST, post_form(cover_upload=upload("print.jpg", cmyk_jpeg()), cover_alt="Print")
    )

    with PILImage.open(Image.objects.get().file) as stored:
        assert (stored.format, stored.mode) == ("JPEG", "RGB")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bomb.png", pixel_bomb_png(), "the limit is 40 megapixels"),
        ("page.png", html_renamed_png(), "This file is not a JPEG, PNG or WebP picture"),
        ("cat.gif", gif_with_script(), "This file is not a JPEG, PNG or WebP picture"),
        ("huge.jpg", b"\xff\xd8" + b"\x00" * (15 * 1024 * 1024), "the limit is 15 MB"),
    ],
)
def test_a_refused_cover_upload_explains_and_writes_nothing(author_client, name, data, message):
    response = author_client.post(
        ADD_POST, post_form(cover_upload=upload(name, data), cover_alt="x")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors["cover_upload"][0]
    assert (Post.objects.count(), Image.objects.count(), media_files()) == (0, 0, [])


def test_a_cover_without_alternative_text_is_refused(author_client):
    response = author_client.post(
        ADD_POST, post_form(cover_upload=upload("p.jpg", jpeg_bytes(200, 100)))
    )

    assert response.context["adminform"].form.errors["cover_alt"] == [
        "Describe the cover image for people who cannot see it."
    ]
    assert (Post.objects.count(), Image.objects.count(), media_files()) == (0, 0, [])


def test_a_library_picture_can_be_chosen_as_cover(author_client):
    picture = ImageFactory()

    author_client.post(ADD_POST, post_form(cover=str(picture.pk), cover_alt="Studio"))

    assert Post.objects.get().cover == picture


def test_the_image_library_accepts_a_clean_upload(author_client):
    response = author_client.post(
        reverse("admin:blog_image_add"),
        {"upload": upload("p.jpg", jpeg_bytes(640, 480)), "alt_text": "Grey", "caption": ""},
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height, image.alt_text, image.uploaded_by.username) == (
        640,
        480,
        "Grey",
        "sam",
    )


def test_the_image_library_refuses_a_disguised_file(author_client):
    response = author_client.post(
        reverse("admin:blog_image_add"),
        {"upload": upload("p.png", html_renamed_png()), "alt_text": "x", "caption": ""},
    )

    assert "This file is not a JPEG, PNG or WebP picture" in response.content.decode()
    assert (Image.objects.count(), media_files()) == (0, [])


def test_the_editor_picker_lists_pictures_for_the_editor_to_use(author_client):
    picture = ImageFactory(alt_text="Maya laughing", caption="Maya")

    page = author_client.get(reverse("admin:blog_image_picker") + "?CKEditorFuncNum=-1")

    html = page.content.decode()
    assert (
        f'data-id="{picture.pk}" data-url="{picture.url}" data-alt="Maya laughing" '
        'data-caption="Maya">Use this picture</button>'
    ) in html
    assert 'action="?CKEditorFuncNum=-1"' in html


def test_the_editor_picker_uploads_and_refuses_like_the_library(author_client):
    url = reverse("admin:blog_image_picker")

    refused = author_client.post(
        url, {"upload": upload("x.gif", gif_with_script()), "alt_text": "x"}
    )
    accepted = author_client.post(url, {"upload": upload("x.jpg", jpeg_bytes()), "alt_text": "Ok"})

    assert refused.status_code == 400
    assert "This file is not a JPEG, PNG or WebP picture" in refused.content.decode()
    assert accepted.status_code == 200
    assert "Uploaded. Choose it below" in accepted.content.decode()
    assert list(Image.objects.values_list("alt_text", flat=True)) == ["Ok"]


def test_publish_now_and_back_to_draft_actions(author_client):
    draft = PostFactory(draft=True)
    changelist = reverse("admin:blog_post_changelist")

    author_client.post(
        changelist, {"action": "publish_now", "_selected_action": [draft.pk], "index": 0}
    )
    draft.refresh_from_db()
    assert draft.state_label == "Published"

    author_client.post(
        changelist, {"action": "back_to_draft", "_selected_action": [draft.pk], "index": 0}
    )
    draft.refresh_from_db()
    assert draft.state_label == "Draft"


def test_view_on_site_previews_until_the_article_is_live(author_client):
    draft = PostFactory(draft=True)
    live = PostFactory()

    draft_page = author_client.get(reverse("admin:blog_post_change", args=[draft.pk]))
    live_page = author_client.get(reverse("admin:blog_post_change", args=[live.pk]))

    assert f'href="/blog/preview/{draft.pk}/" target="_blank"' in draft_page.content.decode()
    assert draft_page.context["original"].state_label == "Draft"
    view_on_site = reverse(
        "admin:view_on_site", args=[live_page.context["content_type_id"], live.pk]
    )
    assert author_client.get(view_on_site)["Location"].endswith(live.get_absolute_url())


def test_only_the_editor_page_accepts_nonced_styles(author_client):
    editor = author_client.get(ADD_POST)
    changelist = author_client.get(reverse("admin:blog_post_changelist"))

    assert "style-src 'self' 'nonce-" in editor["Content-Security-Policy"]
    assert "style-src 'self';" in changelist["Content-Security-Policy"]
    for response in (editor, changelist):
        assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert b"<style data-tiptap-style nonce=" in editor.content


def test_authors_can_manage_every_blog_model_through_their_group(author_user):
    blog_permissions = set(
        Permission.objects.filter(content_type__app_label="blog").values_list("codename", flat=True)
    )

    assert {
        f"{verb}_{model}"
        for verb in ("add", "change", "delete", "view")
        for model in ("post", "image", "category", "tag", "author")
    } == blog_permissions
    assert all(author_user.has_perm(f"blog.{codename}") for codename in blog_permissions)
