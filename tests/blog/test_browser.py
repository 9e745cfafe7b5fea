"""In a real Chromium: an author writes, illustrates, schedules, previews and publishes an
article in admin; a reader then finds it. No console errors or CSP violations on the way."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as PILImage
from playwright.sync_api import BrowserContext, Page, expect

from blog import demo as blog_demo
from studio import demo as studio_demo
from studio.models import Studio
from tests.factories import StudioFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Window light for winter headshots"
EXPECTED_404 = "/blog/window-light/"  # asked for while it is only scheduled


def photo(color: tuple[int, int, int], size=(1400, 900)) -> dict:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "JPEG", quality=85)
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def watch(context: BrowserContext) -> list[str]:
    """Console errors (CSP violations are reported there), page errors and failed requests.

    Admin pages have no icon link, so Chromium asks for /favicon.ico, which the site does not
    serve; that one request is not the blog's concern. Responses of 400 and above count too,
    except the one this test expects.
    """
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(str(error.error)))

    def on_request_failed(request) -> None:
        # Leaving a page while its pictures still load aborts them; that is not a failure.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"{request.url}: {request.failure}")

    def on_response(response) -> None:
        if response.status >= 400 and not response.url.endswith(("/favicon.ico", EXPECTED_404)):
            problems.append(f"{response.url}: {response.status}")

    context.on("requestfailed", on_request_failed)
    context.on("response", on_response)
    return problems


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(studio_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="This week at the studio")).to_be_visible()


def write_article(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/blog/post/add/")
    page.get_by_label("Title:", exact=True).fill(TITLE)
    page.get_by_label("Slug:", exact=True).fill("window-light")

    editor = page.locator(".prose-editor .tiptap")
    editor.click()
    page.keyboard.type("Why north light")
    page.locator(".prose-menubar__dropdown .prose-menubar__selected").click()
    page.locator(".prose-menubar__option[data-name=heading2]").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Soft window light flatters everyone, even in December.")
    page.keyboard.press("Enter")

    # The picture button opens the figure dialog; "Browse..." opens the studio's library.
    page.locator(".prose-menubar [data-name=figure]").click()
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Browse...").click()
    picker = opened.value
    picker.get_by_label("Picture:").set_input_files(photo((90, 110, 130)))
    picker.get_by_label("Alternative text:").fill("Maya lit by a north window")
    picker.get_by_label("Caption:").fill("North light, 10 a.m.")
    picker.get_by_role("button", name="Upload").click()
    expect(picker.get_by_text("Uploaded. Choose it below")).to_be_visible()
    choose = picker.get_by_role("button", name="Use this picture").first
    expect(choose).to_be_visible()
    # Choosing closes the window; click after this call returns so the click cannot race it.
    with picker.expect_event("close"):
        choose.evaluate("button => setTimeout(() => button.click(), 0)")
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Alternative Text")).to_have_value("Maya lit by a north window")
    dialog.get_by_role("button", name="Insert").click()

    page.get_by_label("Tags:").fill("lighting, winter")
    page.get_by_label("Upload a new cover:").set_input_files(photo((140, 79, 52)))
    page.get_by_label("Cover alternative text:").fill("A clay-coloured studio backdrop")

    # Scheduled: published, for tomorrow morning in the studio's time zone.
    tomorrow = (timezone.now().astimezone(Studio.load().zone) + timedelta(days=1)).date()
    page.get_by_label("Status:").select_option("published")
    page.locator("#id_published_at_0").fill(tomorrow.isoformat())
    page.locator("#id_published_at_1").fill("09:00:00")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")


def test_an_author_schedules_previews_and_publishes_and_a_reader_finds_it(
    live_server, browser, page: Page
):
    StudioFactory()
    studio_demo.seed(lambda message: None)  # the Author group and its member, sam
    base = live_server.url
    problems = watch(page.context)
    reader_context = browser.new_context()
    reader = reader_context.new_page()
    problems += watch(reader_context)

    log_in(page, base)
    write_article(page, base)

    with page.expect_popup() as opened:
        page.get_by_role("link", name="Preview this article").click()
    preview = opened.value
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_role("status")).to_contain_text("Preview — Scheduled: goes live")
    expect(preview.locator(".post-body h2")).to_have_text("Why north light")
    expect(preview.locator(".post-body figure picture img")).to_have_attribute(
        "alt", "Maya lit by a north window"
    )
    expect(preview.locator(".post-body figcaption")).to_have_text("North light, 10 a.m.")
    expect(preview.locator(".post-cover img")).to_have_attribute(
        "alt", "A clay-coloured studio backdrop"
    )
    assert preview.locator(".post-cover img").evaluate("img => img.naturalWidth") > 0

    # Scheduled for tomorrow: readers cannot see it yet.
    reader.goto(f"{base}/blog/")
    expect(reader.get_by_text(TITLE)).to_have_count(0)
    assert reader.goto(f"{base}/blog/window-light/").status == 404

    page.goto(f"{base}/admin/blog/post/")
    page.get_by_role("row", name=TITLE).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("publish_now")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist .success")).to_have_text("Published 1 article(s).")

    reader.goto(f"{base}/blog/")
    reader.get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.get_by_role("link", name="Book a session").last).to_have_attribute(
        "href", "/book/"
    )
    feed = reader_context.request.get(f"{base}/blog/feed/").text()
    assert f"<title>{TITLE}</title>" in feed
    reader.goto(f"{base}/blog/search/?q=north+window")
    expect(reader.get_by_role("link", name=TITLE)).to_be_visible()
    expect(reader.locator(".search-snippet mark").first).to_be_visible()

    reader_context.close()
    assert problems == []


@pytest.mark.parametrize("width", [375, 1280])
def test_public_blog_pages_render_without_console_errors(live_server, page: Page, width):
    StudioFactory()
    studio_demo.seed(lambda message: None)
    blog_demo.seed(lambda message: None)
    page.set_viewport_size({"width": width, "height": 900})
    problems = watch(page.context)
    pages = [
        "/",
        "/blog/",
        "/blog/ai-generated-headshots-think-twice/",
        "/blog/category/headshot-advice/",
        "/blog/tag/retouching/",
        "/blog/author/sam-reyes/",
        "/blog/search/?q=retouching",
    ]

    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        for image in page.locator("main img").all():
            image.scroll_into_view_if_needed()
            assert image.evaluate("img => img.complete && img.naturalWidth > 0"), path

    assert problems == []
