"""Secrets out of the logs: every log line the site writes or configures goes through redact().

Some addresses carry their only key in the path: a booking's manage link
(/book/manage/<public id>/<token>/…, bookings/links.py) and a photographer's calendar feed
(/book/calendar/<token>.ics). The key is replaced and the address stays recognisable. An email
address in a query string (the desk's searches) is replaced as well.

Where it applies: Django's handlers in settings.LOGGING (console, the error emails, runserver's
request lines) carry the RedactSecrets filter; gunicorn's access and error logs use
studio.gunicorn_conf's logger; the error emails' bodies come from studio.errors'
RedactingExceptionReporter. No Django import here: gunicorn's master loads this module.
"""

import logging
import re

REDACTED = "[redacted]"

_SEGMENT = r"""[^/\s?#"'<>]+?"""  # one path segment, up to where a log line or URL moves on
_AFTER = r"""(?=[/\s?#"'<>]|$)"""
_SECRETS = [
    (re.compile(r"(/book/manage/[0-9a-fA-F-]{36}/)" + _SEGMENT + _AFTER), rf"\1{REDACTED}"),
    (re.compile(r"(/book/calendar/)" + _SEGMENT + r"(\.ics)?" + _AFTER), rf"\1{REDACTED}\2"),
    # An address as a query value, plain or percent-encoded: ?q=ada%40example.com
    (
        re.compile(r"([?&][^=&\s#\"']*=)[^&\s#\"']*(?:@|%40)[^&\s#\"']*", re.IGNORECASE),
        r"\1[email]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and its traceback text) with redact(); drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
