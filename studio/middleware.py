from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .models import Studio


class StudioTimeZoneMiddleware:
    """Show every time in the studio's own zone (storage stays UTC), with the studio's profile
    loaded once for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            token = Studio.serve()
        except DatabaseError:
            # The database is down: let /healthz report it and pages answer 503.
            return self.get_response(request)
        try:
            with timezone.override(Studio.load().zone):
                return self.get_response(request)
        finally:
            Studio.served(token)


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (Django has no setting for it): the browser
    features in settings.PERMISSIONS_POLICY are switched off for this site and anything it
    embeds. Placed beside SecurityMiddleware, outside whitenoise and the page cache, so static
    files, cached pages and 304s carry it too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def permissions_policy(features: dict[str, list[str]]) -> str:
    """{"camera": [], "fullscreen": ["self"]} → 'camera=(), fullscreen=(self)'."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())
