"""A photographer's private calendar feed (.ics), reached by its secret address."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from studio.models import Studio

from ..ics import photographer_feed
from ..models import Photographer


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A photographer's private iCal feed; the token in the address is the only key."""
    photographer = Photographer.objects.filter(calendar_token=token).first()
    if photographer is None:
        raise Http404
    response = HttpResponse(
        photographer_feed(photographer, studio=Studio.load()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = f'inline; filename="{photographer.slug}.ics"'
    return response
