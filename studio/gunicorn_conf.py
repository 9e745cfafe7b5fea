"""gunicorn's configuration for the site, wherever it runs gunicorn (the Dockerfile, docker
compose, the tests' servers):

    gunicorn -c python:studio.gunicorn_conf studio.wsgi:application --access-logfile - …

Every access and error line goes through studio.logs.redact (no manage-link or calendar-feed
token in the logs). Behind the proxy, the access line ends with the client's address as the
proxy saw it (X-Forwarded-For); %(h)s is the proxy's.
"""

from gunicorn import glogging

from studio.logs import RedactSecrets

_redact = RedactSecrets()


class RedactingLogger(glogging.Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_redact)  # once: addFilter ignores a filter it already has


logger_class = RedactingLogger
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" "%({x-forwarded-for}i)s"'
)
