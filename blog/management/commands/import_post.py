from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from blog import services
from blog.importing import ArticleError, read_markdown_article
from blog.models import Author
from studio.models import Studio


class Command(BaseCommand):
    help = (
        "Import an article written in Markdown with front matter (title, date, slug, tags, "
        "category). Idempotent by slug: an article that exists is left alone unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The .md file.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish it at its date (a future date schedules it). Default: a draft.",
        )
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help="The login who signs it. Default: the studio itself.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite an existing article with the same slug.",
        )

    def handle(self, *args, path: Path, publish: bool, author: str | None, replace: bool, **opts):
        try:
            article = read_markdown_article(path, Studio.load().zone)
        except ArticleError as error:
            raise CommandError(str(error)) from None
        signer = self._author(author)
        try:
            post, outcome = services.post_import(
                article=article, author=signer, publish=publish, replace=replace
            )
        except ValidationError as error:
            raise CommandError(f"{path}: {'; '.join(error.messages)}") from None
        self.stdout.write(f"{outcome}: {post.title} ({post.get_absolute_url()})")

    def _author(self, username: str | None) -> Author:
        if username is None:
            return services.author_for_studio(name=Studio.load().name)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username!r}.")
        return services.author_for_user(user=user)
