import os

from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError

from .errors import unavailable_page

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

django_application = get_wsgi_application()


def application(environ, start_response):
    """Django, plus a friendly 503 for a database error raised outside the request handler
    (Django's request_started signal checks persistent connections before any view runs)."""
    try:
        return django_application(environ, start_response)
    except DatabaseError:
        body = unavailable_page().encode()
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Retry-After", "30"),
            ],
        )
        return [body]
