"""Error pages that work when the database does not (rendered without context processors), and
the error reports sent to ADMINS without the secrets an address may carry."""

import sys

from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter

from .logs import redact


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


class RedactingExceptionReporter(ExceptionReporter):
    """settings.DEFAULT_EXCEPTION_REPORTER: the report (the email to ADMINS, the DEBUG page)
    with studio.logs.redact applied to all of it: the URL, META (the path, the query string,
    the Referer), the variables shown."""

    # redact() only puts "[redacted]" or "[email]" where a token or an address was: the
    # rendered report stays as safe as Django made it.
    def get_traceback_text(self) -> SafeString:
        return mark_safe(redact(super().get_traceback_text()))  # noqa: S308

    def get_traceback_html(self) -> SafeString:
        return mark_safe(redact(super().get_traceback_html()))  # noqa: S308
