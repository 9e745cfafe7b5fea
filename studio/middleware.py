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
