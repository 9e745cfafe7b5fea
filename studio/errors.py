"""Error pages that work when the database does not: rendered without context processors."""

import sys

from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def unavailable_page() -> str:
    return render_to_string("503.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """A friendly 503 while the database is unreachable; a plain 500 for anything else."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError | InterfaceError):
        response = HttpResponse(unavailable_page(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
