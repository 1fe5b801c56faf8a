"""Recompute each organization's audit chain and report the first broken link; optionally anchor the day.

    manage.py audit_verify --all [--anchor] [--anchors-file anchors.txt]

Each intact organization prints one line "<slug> <seq> <hash>" (the chain head) that an operator appends to
a file kept outside the database; ``--anchors-file`` checks the chain against such a file, so a chain
rewritten from some row on (with the in-database anchors rewritten too) is still found. Exits with status 1
when any chain is broken, so a monitoring job or cron notices.
"""

from django.core.management.base import CommandError

from core.audit.verification import anchor_day, disagreeing_anchor, verify_chain
from core.management.base import TenantCommand


class Command(TenantCommand):
    help = "Verify the hash chain of the audit trail (changes and accesses) and report the first broken link."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--anchor", action="store_true", help="record today's chain head when intact")
        parser.add_argument(
            "--anchors-file", help="lines of '<organization slug> <seq> <hash>' kept outside the database"
        )

    def before_organizations(self, **options):
        self.broken = []
        self.outside = {}
        if options.get("anchors_file"):
            with open(options["anchors_file"], encoding="utf-8") as lines:
                for line in lines:
                    parts = line.split()
                    if len(parts) >= 3 and parts[1].isdigit():
                        self.outside.setdefault(parts[0], []).append((int(parts[1]), parts[2]))

    def handle_organization(self, organization, **options):
        report = verify_chain(organization.pk)
        mismatch = disagreeing_anchor(organization.pk, self.outside.get(organization.slug, []))
        if report.intact and mismatch is not None:
            self.broken.append(organization.slug)
            self.stdout.write(
                f"{organization.slug}: BROKEN: entry {mismatch} differs from the anchor kept outside"
            )
            return
        if report.intact:
            line = f"{organization.slug} {report.head_seq} {report.head_hash}"
            if options["anchor"]:
                anchor_day(organization.pk)
            self.stdout.write(line)
        else:
            self.broken.append(organization.slug)
            self.stdout.write(
                f"{organization.slug}: BROKEN after {report.checked} entries: {report.first_break.describe()}"
            )

    def after_organizations(self, **options):
        if self.broken:
            raise CommandError(f"audit chain broken for: {', '.join(self.broken)}")
