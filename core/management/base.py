"""A base for management commands that work on tenant data.

``--organization <slug or id>`` runs the command for one organization, ``--all`` for each in turn; the body
(``handle_organization``) always runs inside that organization's scope and with audit context naming the
command, so operators never write ad-hoc scoping.
"""

from __future__ import annotations

import pghistory
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django_scopes import scope

from core.tenancy.models import Organization


class TenantCommand(BaseCommand):
    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--organization", help="slug (or id) of the organization to work on")
        target.add_argument("--all", action="store_true", help="work on every organization in turn")

    def handle(self, *args, **options):
        if options["all"]:
            organizations = list(Organization.objects.order_by("pk"))
        else:
            named = str(options["organization"])
            match = Q(slug=named) | Q(pk=int(named)) if named.isdigit() else Q(slug=named)
            organizations = list(Organization.objects.filter(match))
            if not organizations:
                raise CommandError(f"no organization with slug {options['organization']!r}")
        rest = {k: v for k, v in options.items() if k not in ("organization", "all")}
        self.before_organizations(**rest)
        for organization in organizations:
            with scope(organization=organization.pk), pghistory.context(command=self.command_name()):
                self.handle_organization(organization, **rest)
        self.after_organizations(**rest)

    def command_name(self) -> str:
        return self.__class__.__module__.rsplit(".", 1)[-1]

    def before_organizations(self, **options) -> None:
        """Check the options once, before any organization is touched (raise ``CommandError``)."""

    def after_organizations(self, **options) -> None:
        """Report once every organization is done."""

    def handle_organization(self, organization: Organization, **options) -> None:
        raise NotImplementedError
