"""Move the oldest part of each organization's audit chain to a compressed file, anchored in the chain.

    manage.py audit_archive --before 2020-01-01 [--organization SLUG] --out /srv/audit-archive
    manage.py audit_archive --verify-archive /srv/audit-archive/audit-acme-1-52000.jsonl.gz

Each archived organization prints one line "<slug> <first seq> <last seq> <last hash> <file> <sha256>" for
the operator to keep with the file, outside the database (see docs/operations.md). Exits with status 1 when
a chain to archive is broken (nothing is deleted then) or a file does not match its anchor.
"""

from datetime import date
from pathlib import Path

import pghistory
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from core.audit.archive import ArchiveError, archive_before, verify_archive
from core.tenancy.models import Organization


class Command(BaseCommand):
    help = "Archive audit rows older than a date to a gzip'd JSON-lines file anchored in the chain."

    def add_arguments(self, parser):
        parser.add_argument("--before", help="archive links older than this day (YYYY-MM-DD, clinic time)")
        parser.add_argument("--organization", help="slug (or id) of one organization; every one otherwise")
        parser.add_argument("--out", help="directory the archive files are written to")
        parser.add_argument(
            "--verify-archive", metavar="FILE", help="check an archive file against its anchor"
        )

    def handle(self, *args, **options):
        if options["verify_archive"]:
            return self._verify(Path(options["verify_archive"]))
        if not options["before"] or not options["out"]:
            raise CommandError("--before and --out are required (or --verify-archive FILE)")
        try:
            before = date.fromisoformat(options["before"])
        except ValueError as error:
            raise CommandError(f"--before: not a date (YYYY-MM-DD): {options['before']!r}") from error
        out = Path(options["out"])
        if not out.is_dir():
            raise CommandError(f"--out: no such directory: {out}")
        failed = []
        for organization in self._organizations(options["organization"]):
            try:
                with pghistory.context(command="audit_archive"):
                    archive = archive_before(organization, before, out)
            except ArchiveError as error:
                failed.append(organization.slug)
                self.stdout.write(f"{organization.slug}: NOT ARCHIVED: {error}")
                continue
            if archive is None:
                self.stdout.write(f"{organization.slug}: nothing older than {before}")
                continue
            self.stdout.write(
                f"{organization.slug} {archive.first_seq} {archive.last_seq} {archive.last_hash} "
                f"{out / archive.file_name} {archive.file_sha256}"
            )
        if failed:
            raise CommandError(f"audit chain broken, nothing archived for: {', '.join(failed)}")

    def _organizations(self, named):
        if not named:
            return list(Organization.objects.order_by("pk"))
        match = Q(slug=named) | Q(pk=int(named)) if named.isdigit() else Q(slug=named)
        found = list(Organization.objects.filter(match))
        if not found:
            raise CommandError(f"no organization with slug {named!r}")
        return found

    def _verify(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            archive = verify_archive(path)
        except ArchiveError as error:
            raise CommandError(f"{path}: BROKEN: {error}") from error
        self.stdout.write(
            f"{path}: intact, entries {archive.first_seq} to {archive.last_seq}, "
            f"last hash {archive.last_hash}"
        )
