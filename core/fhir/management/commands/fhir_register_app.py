"""Register a SMART app for one organization: ``--organization <slug> --kind patient|clinician|backend``."""

from __future__ import annotations

import json

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
        parser.add_argument("--jwks-file", help="a backend service's public keys (JWK Set JSON)")

    def handle_organization(self, organization, **options):
        jwks = None
        if options["jwks_file"]:
            with open(options["jwks_file"], encoding="utf-8") as keys:
                jwks = json.load(keys)
        client, secret = register_client(
            organization,
            name=options["name"],
            kind=options["kind"],
            redirect_uris=options["redirect_uri"],
            confidential=options["confidential"],
            jwks=jwks,
        )
        self.stdout.write(f"client_id: {client.application.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret} (shown once)")
