"""make backup / make restore: a round trip brings back the database and the media."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.models import ContactMessage
from tests.factories import ContactMessageFactory

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_round_trips_database_and_media(tmp_path, test_database_url):
    media = tmp_path / "media"
    (media / "blog").mkdir(parents=True)
    (media / "blog" / "cover.jpg").write_bytes(b"original image bytes")
    ContactMessageFactory(message="Kept in the backup")
    env = {**os.environ, "DATABASE_URL": test_database_url, "MEDIA_ROOT": str(media)}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "studio.backup", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

    created = run("create", "--into", str(tmp_path / "backups"))
    folder = Path(created.stdout.strip().removeprefix("Backup written to "))

    ContactMessage.objects.all().delete()
    ContactMessageFactory(message="Written after the backup")
    (media / "blog" / "cover.jpg").write_bytes(b"changed")
    (media / "stray.txt").write_text("not in the backup")

    run("restore", str(folder))

    assert list(ContactMessage.objects.values_list("message", flat=True)) == ["Kept in the backup"]
    assert (media / "blog" / "cover.jpg").read_bytes() == b"original image bytes"
    assert not (media / "stray.txt").exists()
