from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class StudioConfig(AppConfig):
    default = True
    name = "studio"
    verbose_name = "Studio"

    def ready(self) -> None:
        from .roles import roles_sync_after_migrate

        # The role groups follow studio/roles.py after every migrate (and every flush).
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="studio.roles_sync")


class StudioAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "studio.admin_site.StudioAdminSite"
