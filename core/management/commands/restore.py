"""Restore a backup made by ``manage.py backup``: the database, then the uploaded files.

    manage.py restore BACKUP_DIR --yes [--skip-media]

This REPLACES the current data: every table, sequence and function in the dump is dropped and recreated
(``pg_restore --clean --if-exists``, in a single transaction, so a failure changes nothing), and MEDIA_ROOT's
contents are replaced by the archived files. Without ``--yes`` it only checks the backup and refuses.
Stop the app and worker containers first (``docker compose stop app worker``) so nothing writes meanwhile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from .backup import (
    DATABASE_FILE,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    MEDIA_FILE,
    libpq_environment,
    postgres_tool,
    server_major_version,
    sha256_of,
)


class Command(BaseCommand):
    help = "Restore a backup directory written by `manage.py backup` (replaces the current data)."

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", type=Path, help="a directory written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="confirm: replace the current data")
        parser.add_argument("--skip-media", action="store_true", help="restore the database only")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, backup_dir: Path, yes: bool, skip_media: bool, database: str, **options):
        manifest = self._verified_manifest(backup_dir)
        target = settings.DATABASES[database]["NAME"]
        if not yes:
            raise CommandError(
                f"Restoring replaces all data in database {target!r}"
                + ("" if skip_media else f" and in {settings.MEDIA_ROOT}")
                + f" with the backup of {manifest.get('created_at', '?')}. The backup checks out; "
                "run again with --yes to go ahead."
            )
        self._restore_database(backup_dir / DATABASE_FILE, database)
        if not skip_media:
            self._restore_media(backup_dir / MEDIA_FILE, Path(settings.MEDIA_ROOT))
        self.stdout.write(self.style.SUCCESS(f"Restored {backup_dir} into {target!r}."))

    def _verified_manifest(self, backup_dir: Path) -> dict:
        manifest_path = backup_dir / MANIFEST_FILE
        if not manifest_path.is_file():
            raise CommandError(f"{backup_dir} is not a backup: {MANIFEST_FILE} is missing")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != MANIFEST_FORMAT:
            raise CommandError(f"unknown backup format {manifest.get('format')!r}")
        for part in ("database", "media"):
            entry = manifest[part]
            path = backup_dir / entry["file"]
            if not path.is_file():
                raise CommandError(f"{path} is missing")
            if sha256_of(path) != entry["sha256"]:
                raise CommandError(
                    f"{path} does not match its checksum in the manifest: the backup is damaged"
                )
        return manifest

    def _restore_database(self, dump: Path, alias: str) -> None:
        major = server_major_version(alias)
        pg_restore = postgres_tool("pg_restore", major)
        # Our own connection must not hold locks on the tables pg_restore drops.
        connections[alias].close()
        self.stdout.write(f"Restoring database with {pg_restore} …")
        result = subprocess.run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={settings.DATABASES[alias]['NAME']}",
                str(dump),
            ],
            env=libpq_environment(alias),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed (nothing was changed): {result.stderr.strip()}")

    def _restore_media(self, archive: Path, media_root: Path) -> None:
        self.stdout.write(f"Restoring files into {media_root} …")
        media_root.mkdir(parents=True, exist_ok=True)
        # Unpack next to the live files first (same filesystem, even when MEDIA_ROOT is a mounted volume),
        # then swap the contents; the "data" filter refuses absolute paths, links out and device files.
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, filter="data")
            for entry in media_root.iterdir():
                if entry != staging:
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
            for entry in staging.iterdir():
                entry.rename(media_root / entry.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
