"""The journal's part of the page benchmark's data set: 200 published posts with cover images
(renditions made), categories and tags. Called by bench/dataset.py inside Django."""

import random
from datetime import timedelta

from django.utils import timezone

CATEGORIES = ["Headshot advice", "Behind the scenes", "Personal branding", "Team days", "Light"]
TAGS = [f"topic-{index}" for index in range(20)]
IMAGES = 6


def build_posts(rng: random.Random, count: int) -> list[list[str]]:
    from blog import imaging, services
    from blog.demo import demo_cover_bytes
    from blog.models import Author, Category, Post, Tag

    author = Author.objects.create(name="Bench Author", slug="bench-author", bio="Writes.")
    categories = [
        Category.objects.create(name=name, slug=f"category-{index}")
        for index, name in enumerate(CATEGORIES)
    ]
    Tag.objects.bulk_create(Tag(name=name, slug=name) for name in TAGS)
    images = []
    for index in range(IMAGES):
        image = services.image_store(
            clean=imaging.clean_bytes(demo_cover_bytes()), alt_text=f"Studio picture {index}"
        )
        services.image_make_renditions(image_id=image.pk)
        images.append(image)
    now = timezone.now()
    paragraph = (
        "<p>Good light, a calm hour and clear direction make a headshot that looks like you. "
        "We talk first, try a few looks, and review the pictures together as we go.</p>"
    )
    slugs = []
    for index in range(count):
        post = Post(
            title=f"Notes from the studio, number {index}",
            slug=f"notes-{index}",
            author=author,
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(days=index * 3, hours=rng.randrange(24)),
            category=rng.choice(categories),
            excerpt="What we learned this week about light, posing and nerves.",
            body="<h2>Light</h2>" + paragraph * 6 + "<h2>Direction</h2>" + paragraph * 4,
            cover=images[index % IMAGES],
            cover_alt="A portrait in window light",
        )
        services.post_write(post=post, tag_names=rng.sample(TAGS, 3))
        slugs.append(post.slug)
    return [
        ["blog list", "/blog/", "cached"],
        ["post", f"/blog/{slugs[0]}/", "cached"],
        ["tag page", f"/blog/tag/{TAGS[0]}/", "cached"],
        ["feed", "/blog/feed/", "cached"],
        ["sitemap", "/sitemap.xml", "cached"],
    ]
