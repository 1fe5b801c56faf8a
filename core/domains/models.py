"""Clinics' own web addresses (``www.smith-physio.com``) served next to the platform's main domain.

A hostname is claimed by one organization for one of its clinics and becomes live once verified
(``verified_at`` set). Only verified hostnames pass the production host check and get a certificate from
Caddy's on-demand TLS.

Like every tenant table, the unique key leads with ``organization`` so the table can be distributed by
tenant. That a hostname is verified for at most one organization across the platform is enforced by
``hostname_taken`` (a platform-wide lookup) instead; lookups by hostname alone use a
plain index.
"""

from __future__ import annotations

import re

import pghistory
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from core.tenancy.models import Clinic, TenantModel

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOSTNAME_RE = re.compile(rf"^(?=.{{1,253}}$)(?:{_LABEL}\.)+[a-z]{{2,63}}$")


def normalize_hostname(value: str) -> str:
    """Lower-case, without surrounding blanks or a trailing dot (``Example.COM.`` → ``example.com``)."""
    return (value or "").strip().lower().rstrip(".")


def validate_hostname(value: str) -> None:
    if not HOSTNAME_RE.match(normalize_hostname(value)):
        raise ValidationError(
            _("“%(value)s” is not a domain name such as www.example.com."), params={"value": value}
        )


@pghistory.track()
class ClinicDomain(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="domains")
    hostname = models.CharField(_("domain name"), max_length=253, validators=[validate_hostname])
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("clinic domain")
        verbose_name_plural = _("clinic domains")
        ordering = ["hostname"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hostname"], name="clinic_domain_unique_per_org"),
        ]
        indexes = [models.Index(fields=["hostname"], name="clinic_domain_hostname")]

    def __str__(self) -> str:
        return self.hostname

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def clean(self) -> None:
        super().clean()
        self.hostname = normalize_hostname(self.hostname)
        if self.clinic_id and self.organization_id and self.clinic.organization_id != self.organization_id:
            raise ValidationError({"clinic": _("This clinic belongs to another organization.")})
        if self.verified_at and hostname_taken(self.hostname, exclude_pk=self.pk):
            raise ValidationError({"hostname": _("This domain name is already in use.")})

    def save(self, *args, **kwargs):
        self.hostname = normalize_hostname(self.hostname)
        super().save(*args, **kwargs)


def hostname_taken(hostname: str, exclude_pk: int | None = None) -> bool:
    """Whether another row, in any organization, already has this hostname verified."""
    # scopes_disabled: a verified hostname must be unique on the whole platform, whoever owns it.
    with scopes_disabled():
        taken = ClinicDomain.objects.filter(hostname=normalize_hostname(hostname), verified_at__isnull=False)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        return taken.exists()
