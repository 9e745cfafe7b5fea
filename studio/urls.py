"""The URL map: the project's wiring, where the apps' pages are mounted."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from bookings.views.stripe_webhook import stripe_webhook

from . import showcase, views

handler500 = "studio.errors.server_error"

urlpatterns = [
    path("", showcase.home, name="home"),
    path("about/", views.about, name="about"),
    path("services/", showcase.services_page, name="services"),
    path("contact/", views.contact, name="contact"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    path("dev/outbox/", views.dev_outbox, name="dev-outbox"),
    path("book/", include("bookings.urls")),
    path("blog/", include("blog.urls")),
    path("", include("blog.site_urls")),  # /sitemap.xml and /robots.txt
    path("admin/", admin.site.urls),
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
]

if settings.BENCHMARK_FLOOR:
    urlpatterns += [path("bench/floor/", views.floor)]

if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
