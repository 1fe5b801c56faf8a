"""Identifier systems and code systems of this server.

Record numbers are unique within an organization only, so each organization's numbers get a system of
their own under the platform's address.
"""

from __future__ import annotations

from django.conf import settings


def system(organization, kind: str) -> str:
    """``<platform>/fhir/sid/<organization slug>/<kind>`` (kind: ``mrn``, ``member``, ``clinic``...)."""
    return f"{settings.EHR_BASE_URL}/fhir/sid/{organization.slug}/{kind}"


def code_system(name: str) -> str:
    """A code system of this product (roles, services) that has no standard equivalent."""
    return f"{settings.EHR_BASE_URL}/fhir/CodeSystem/{name}"
