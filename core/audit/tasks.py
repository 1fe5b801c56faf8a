"""The nightly check of every organization's audit chain, run by the django-q2 cluster."""

from __future__ import annotations

import logging

from .verification import anchor_day, verify_chain

log = logging.getLogger(__name__)

SCHEDULE_NAME = "ehr:core:audit_verify"


def verify_all_chains() -> dict[int, bool]:
    """Verify each organization's chain; anchor today's head where it is intact, log an error where not."""
    from core.tenancy.models import Organization

    # Organizations are the tenants themselves (not scoped): the nightly job walks each in turn.
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    results = {}
    for organization_id in organization_ids:
        report = verify_chain(organization_id)
        results[organization_id] = report.intact
        if report.intact:
            anchor_day(organization_id)
        else:
            log.error(
                "audit chain of organization %s broken: %s", organization_id, report.first_break.describe()
            )
    return results
