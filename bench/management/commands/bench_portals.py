"""Give the benchmark's clinics their portal sites (the scale generator writes tenants with COPY, which
no signal sees), so the portal scenarios have pages to serve."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection
from django_scopes import scope

from core.tenancy.models import Clinic
from portal_site.provisioning import provision_clinic_site
from portal_site.selectors import home_page_for


class Command(BaseCommand):
    help = "Provision the portal sites of the given clinics (ids, comma-separated); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--clinics", required=True)

    def handle(self, *args, **options):
        ids = [int(pk) for pk in options["clinics"].split(",") if pk]
        with connection.cursor() as cursor:  # the benchmark names clinics of several organizations
            cursor.execute("SELECT id, organization_id FROM tenancy_clinic WHERE id = ANY(%s)", [ids])
            owners = cursor.fetchall()
        for clinic_id, organization_id in owners:
            with scope(organization=organization_id):
                clinic = Clinic.objects.get(organization_id=organization_id, pk=clinic_id)
                if home_page_for(clinic) is None:
                    provision_clinic_site(clinic)
        self.stdout.write(f"Portal sites ready for {len(owners)} clinics.")
