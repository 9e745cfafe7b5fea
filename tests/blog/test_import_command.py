"""manage.py import_post: Markdown with front matter in, an article out, once per slug."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.demo import FIRST_ARTICLE
from blog.models import Author, Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_post", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "article.md"
    path.write_text(text)
    return str(path)


def test_the_studio_article_is_imported_with_its_headings_paragraphs_and_tags(studio):
    UserFactory(username="sam", first_name="Sam", last_name="Reyes")

    output = run(str(FIRST_ARTICLE), "--publish", "--author", "sam")

    post = Post.objects.get()
    assert output == (
        "created: AI-Generated Headshots: Think Twice Before You Go That Route "
        "(/blog/ai-generated-headshots-think-twice/)\n"
    )
    assert (post.slug, post.status, post.author.name, post.category.name) == (
        "ai-generated-headshots-think-twice",
        "published",
        "Sam Reyes",
        "Headshot advice",
    )
    # 10 March 2025 at midday in London (GMT that day) is midday UTC.
    assert post.published_at == datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert sorted(post.tags.values_list("name", flat=True)) == [
        "ai",
        "headshots",
        "personal branding",
        "retouching",
    ]
    assert re.findall(r"<h2>(.*?)</h2>", post.body) == [
        "The Irony of AI Headshots",
        "The Problem with Expressions and Authenticity",
        "Artificial Retouching: The Plastic Look",
        "The Background Dilemma: A Cut-and-Paste Disaster",
        "The Frankensteined Body Issue",
        "Why You Should Invest in a Professional Headshot Instead",
        "The Choice Is Yours: Authenticity or Artificiality?",
    ]
    assert re.findall(r"<h3>(.*?)</h3>", post.body) == [
        "1. A True Representation of You",
        "2. The Power of Lighting, Body Language, and Expression",
        "3. Trustworthiness and Perception",
        "4. A Lasting Investment",
    ]
    assert post.body.count("<p>") == 22
    assert post.excerpt.startswith("In an era where artificial intelligence is reshaping")


def test_importing_again_changes_nothing(studio):
    run(str(FIRST_ARTICLE), "--publish")
    before = Post.objects.values().get()

    output = run(str(FIRST_ARTICLE), "--publish")

    assert output.startswith("unchanged: ")
    assert Post.objects.values().get() == before


def test_without_an_author_the_studio_signs_and_without_publish_it_is_a_draft(studio, tmp_path):
    run(write(tmp_path, "---\ntitle: Notes\ndate: 2025-01-02\n---\nHello *there*."))

    post = Post.objects.get()
    assert (post.author.name, post.status, post.body, post.state_label) == (
        "Northlight Headshots",
        "draft",
        "<p>Hello <em>there</em>.</p>",
        "Draft",
    )


def test_a_future_date_with_publish_schedules_the_article(studio, tmp_path):
    later = (timezone.now() + timedelta(days=30)).date().isoformat()

    run(write(tmp_path, f"---\ntitle: Soon\ndate: {later}\n---\nSoon."), "--publish")

    assert Post.objects.get().state_label == "Scheduled"


def test_a_date_and_time_is_read_in_the_studio_zone(studio, tmp_path):
    run(write(tmp_path, "---\ntitle: Summer\ndate: 2025-07-01T09:30:00\n---\nx"), "--publish")

    # 09:30 in London in July (BST) is 08:30 UTC.
    assert Post.objects.get().published_at == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)


def test_raw_html_in_markdown_is_sanitised(studio, tmp_path):
    run(write(tmp_path, '---\ntitle: X\n---\n<script>alert(1)</script>\n\n<p onclick="x">Hi</p>'))

    assert Post.objects.get().body == "<p>Hi</p>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ndate: 2025-01-01\n---\nNo title.", "has no title in its front matter"),
        ("---\ntitle: X\ndate: someday\n---\nx", "date 'someday' is not a date like 2025-03-10"),
        ("---\ntitle: [unclosed\n---\nx", "is not valid YAML"),
        ("---\ntitle: X\ntags: 3\n---\nx", "tags must be a list"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_written(
    studio, tmp_path, text, message
):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(write(tmp_path, text))

    assert (Post.objects.count(), Author.objects.count()) == (0, 0)


def test_a_missing_file_or_unknown_login_is_refused(studio, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.md"))
    with pytest.raises(CommandError, match="No login named 'nobody'"):
        run(str(FIRST_ARTICLE), "--author", "nobody")

    assert Post.objects.count() == 0
