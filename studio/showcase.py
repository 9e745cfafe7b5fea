"""The home and services pages: part of the project's wiring, since they show what the apps
offer (session types from bookings, the latest articles from the journal)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from blog.selectors import latest_posts
from bookings.selectors import home_session_types

from .page_cache import cached_page


def home_context() -> dict:
    return {"session_types": home_session_types(), "latest_posts": latest_posts()}


@require_GET
@cached_page("site", "catalogue", "blog")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/home.html", home_context())


@require_GET
@cached_page("site", "catalogue")
def services_page(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/services.html", home_context())
