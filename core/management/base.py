"""A base for management commands that work on tenant data.

``--organization <slug>`` runs the command for one organization, ``--all`` for each in turn; the body
(``handle_organization``) always runs inside that organization's scope and with audit context naming the
command, so operators never write ad-hoc scoping.
"""

from __future__ import annotations

import pghistory
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from core.tenancy.models import Organization


class TenantCommand(BaseCommand):
    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--organization", help="slug of the organization to work on")
        target.add_argument("--all", action="store_true", help="work on every organization in turn")

    def handle(self, *args, **options):
        if options["all"]:
            organizations = list(Organization.objects.order_by("pk"))
        else:
            organizations = list(Organization.objects.filter(slug=options["organization"]))
            if not organizations:
                raise CommandError(f"no organization with slug {options['organization']!r}")
        rest = {k: v for k, v in options.items() if k not in ("organization", "all")}
        for organization in organizations:
            with scope(organization=organization.pk), pghistory.context(command=self.command_name()):
                self.handle_organization(organization, **rest)

    def command_name(self) -> str:
        return self.__class__.__module__.rsplit(".", 1)[-1]

    def handle_organization(self, organization: Organization, **options) -> None:
        raise NotImplementedError
