"""Scheduling's "Book with …" links on the portal's team section (``clinic_portal_practitioner_links``)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_scopes import scope

from core.tenancy.models import Membership
from core.tenancy.modules import clinic_hook
from core.tenancy.services import set_module_enabled
from plugins.scheduling.models import BookingPolicy, OnlineMode

pytestmark = pytest.mark.django_db


def links(clinic, practitioners):
    found = {}
    for result in clinic_hook(clinic, "clinic_portal_practitioner_links")(
        request=RequestFactory().get("/"), clinic=clinic, practitioners=practitioners
    ):
        for member_id, items in (result or {}).items():
            found.setdefault(member_id, []).extend((str(item.label), item.url) for item in items)
    return found


def test_hook_clinic_portal_practitioner_links(sched, alpha):
    doctor = alpha.memberships["practitioner"]
    staff = alpha.memberships["staff"]
    with scope(organization=alpha.org.pk):
        Membership.objects.filter(pk=doctor.pk).update(display_name="Daniel Adams", title="Dr.")
        doctor.refresh_from_db()
        # Practitioners offering a service bookable online get a link to the booking page, them chosen.
        assert links(alpha.clinic, [doctor, staff]) == {
            doctor.pk: [("Book with Dr. Daniel Adams", f"booking/?practitioner={doctor.pk}")]
        }
        # Letters after the name stay on the card, not in the button.
        Membership.objects.filter(pk=doctor.pk).update(title="MD")
        doctor.refresh_from_db()
        assert links(alpha.clinic, [doctor])[doctor.pk][0][0] == "Book with Daniel Adams"
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode=OnlineMode.OFF)
        assert links(alpha.clinic, [doctor]) == {}
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode=OnlineMode.INSTANT)
        set_module_enabled(alpha.clinic, "scheduling", False)
        assert links(alpha.clinic, [doctor]) == {}
