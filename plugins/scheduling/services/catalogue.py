"""A clinic's services and who offers them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic, Membership

from ..models import Service, ServicePractitioner


@transaction.atomic
def create_service(clinic: Clinic, *, practitioners: Iterable[Membership] = (), **fields: Any) -> Service:
    service = Service(
        organization_id=clinic.organization_id, clinic=clinic, currency=clinic.currency, **fields
    )
    service.full_clean(exclude=["organization", "clinic", "currency"])
    if Service.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, name=service.name
    ).exists():
        raise ValidationError({"name": _("This clinic already has a service with that name.")})
    service.save()
    set_service_practitioners(service, practitioners)
    return service


def set_service_practitioners(service: Service, practitioners: Iterable[Membership]) -> None:
    wanted = {m.pk for m in practitioners}
    if any(m.organization_id != service.organization_id for m in practitioners):
        raise ValidationError({"practitioners": _("Choose members of this organization.")})
    ServicePractitioner.objects.filter(organization_id=service.organization_id, service=service).exclude(
        membership_id__in=wanted
    ).delete()
    have = set(
        ServicePractitioner.objects.filter(
            organization_id=service.organization_id, service=service
        ).values_list("membership_id", flat=True)
    )
    ServicePractitioner.objects.bulk_create(
        ServicePractitioner(organization_id=service.organization_id, service=service, membership_id=pk)
        for pk in sorted(wanted - have)
    )
