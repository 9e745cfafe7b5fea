"""Static files in production: hashed names, compressed copies, cached for years."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
call_command("collectstatic", "--no-input", verbosity=0)
url = static("css/studio.css")
client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="headshots.example.com")
plain = client.get(url)
gzipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
print(json.dumps({
    "url": url,
    "status": plain.status_code,
    "cache_control": plain.headers.get("Cache-Control"),
    "encoding": gzipped.headers.get("Content-Encoding"),
    "plain_bytes": len(b"".join(plain.streaming_content)),
    "gzip_bytes": len(b"".join(gzipped.streaming_content)),
}))
"""


def test_static_files_have_hashed_names_compressed_copies_and_long_caching(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "headshots.example.com",
        "SITE_URL": "https://headshots.example.com",
        "EMAIL_HOST": "smtp.example.com",
        "BEHIND_TLS_PROXY": "true",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["url"].startswith("/static/css/studio.")
    assert facts["url"] != "/static/css/studio.css"  # a content hash in the name
    assert facts["status"] == 200
    assert facts["cache_control"] == "max-age=315360000, public, immutable"  # hashed: forever
    assert facts["encoding"] == "gzip"
    assert facts["gzip_bytes"] < facts["plain_bytes"]
