from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StudioConfig(AppConfig):
    default = True
    name = "studio"
    verbose_name = "Studio"


class StudioAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "studio.admin_site.StudioAdminSite"
