"""Container health probe for the web tier: is gunicorn answering HTTP at all?

`python -m studio.probe` exits 0 when /healthz answers (200 or 503: the web process is alive;
which dependency is down is /healthz's job to say) and 1 when nothing answers.
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
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310  (fixed loopback URL)
            return 0
    except urllib.error.HTTPError as error:
        return 0 if error.code == 503 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
