"""Container health probe for the web tier: is gunicorn answering HTTP at all?

`python -m studio.probe` exits 0 when /healthz (liveness: checks nothing else, answers at
once) says ok and 1 otherwise. Which dependency is down is /healthz/ready's job to say, to
monitoring; a web process is not restarted because the database is away.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = (os.environ.get("ALLOWED_HOSTS", "localhost").split(",") or ["localhost"])[0].strip()
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (loopback)
            return 0 if response.status == 200 else 1
    except OSError:  # HTTPError (an error status) included
        return 1


if __name__ == "__main__":
    sys.exit(main())
