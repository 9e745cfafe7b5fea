from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from studio.demo import DEMO_PASSWORD, DEMO_USERS

# Each app that has demo content provides demo.seed(log); order matters (studio first).
DEMO_MODULES = ["studio.demo", "bookings.demo", "blog.demo"]


class Command(BaseCommand):
    help = "Load the demo content. Idempotent: running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (creates logins with a published password).",
        )

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to load demo logins with DEBUG off.")
        with transaction.atomic():
            for module_name in DEMO_MODULES:
                try:
                    module = import_module(module_name)
                except ModuleNotFoundError:
                    continue
                module.seed(lambda message: self.stdout.write(f"  {message}"))
        self.stdout.write(self.style.SUCCESS("Demo content is loaded. Logins for /admin/:"))
        for username, first, _last, superuser, groups in DEMO_USERS:
            role = ", ".join(groups).lower() + (" (superuser)" if superuser else "")
            self.stdout.write(f"  {username:6} / {DEMO_PASSWORD}   {first}, {role}")
