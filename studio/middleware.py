from django.utils import timezone

from .models import Studio


class StudioTimeZoneMiddleware:
    """Show every time in the studio's own zone (storage stays UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with timezone.override(Studio.load().zone):
            return self.get_response(request)
