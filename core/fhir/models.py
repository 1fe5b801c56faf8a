"""Which organization an OAuth client works for, and as what kind of app.

An app is registered by one organization: its client id is what tells the FHIR API whose data a token
reaches, so the address never has to (and never can) name the organization.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy.models import TenantModel


class ClientKind(models.TextChoices):
    # SMART "Patient Access for Standalone Apps": a patient signs in through the clinic's portal.
    PATIENT = "patient", _("Patient app")
    # SMART clinician access: a member of the organization signs in to the back office.
    CLINICIAN = "clinician", _("Clinician app")
    # SMART backend services: no person signs in; the app acts for the organization.
    BACKEND = "backend", _("Backend service")


# The scope prefix each kind of app may ask for: a patient app never gets user/ or system/ access.
SCOPE_CONTEXT = {ClientKind.PATIENT: "patient", ClientKind.CLINICIAN: "user", ClientKind.BACKEND: "system"}


# Who registered or removed which app is kept in the audit history, like every change to access.
@pghistory.track()
class FhirClient(TenantModel):
    # Registered by one organization only (``register_client`` makes a new OAuth application for each);
    # unique with the organization so the constraint stays inside one tenant's shard.
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="fhir_clients"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ClientKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # A backend service's public keys (a JWK Set): it signs its token requests with the private ones
    # (SMART Backend Services, ``private_key_jwt``), so no shared secret has to be kept.
    jwks = models.JSONField(_("public keys (JWK Set)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("FHIR app")
        verbose_name_plural = _("FHIR apps")
        constraints = [
            models.UniqueConstraint(fields=["organization", "application"], name="fhir_client_unique"),
        ]

    @property
    def scope_context(self) -> str:
        return SCOPE_CONTEXT[self.kind]


class UsedAssertion(TenantModel):
    """A signed token request already used: each one (its ``jti``) is accepted once, until it expires."""

    client = models.ForeignKey(FhirClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "client", "jti"], name="fhir_assertion_once"),
        ]
