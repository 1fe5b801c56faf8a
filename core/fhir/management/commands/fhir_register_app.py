"""Register a SMART app for one organization: ``--organization <slug> --kind patient|clinician|backend``."""

from __future__ import annotations

from core.management.base import TenantCommand

from ...clients import register_client


class Command(TenantCommand):
    help = "Register an app (OAuth client) with the FHIR API for an organization."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=["patient", "clinician", "backend"])
        parser.add_argument("--redirect-uri", action="append", default=[])
        parser.add_argument("--confidential", action="store_true")

    def handle_organization(self, organization, **options):
        client, secret = register_client(
            organization,
            name=options["name"],
            kind=options["kind"],
            redirect_uris=options["redirect_uri"],
            confidential=options["confidential"],
        )
        self.stdout.write(f"client_id: {client.application.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret} (shown once)")
