"""“Who viewed my record”: the patient's own access history, per organization they are a patient of.

The rows are the organization's access events about this patient (never anyone else's), shown with the
organization, the role of whoever looked, what they were shown and when (in the clinic's time zone).
The patient's own visits to the portal are left out: they know about those. When the organization chooses
to (``Organization.show_staff_names_to_patients``), a member's name is shown next to their role.
"""

from __future__ import annotations

from django.shortcuts import render
from django_scopes import scope

from core.audit.labels import access_action_label, category_label
from core.audit.models import AccessEvent, AuditEntry
from core.audit.recording import record_access
from core.audit.vocabulary import Category, Channel
from core.tenancy.clinic_time import organization_zone
from core.tenancy.models import Membership

from .access import portal_view
from .account import _records
from .notice import notice_redirect
from .views import _ctx, _login_redirect

LIMIT = 200


def _role_label(role: str) -> str:
    from django.utils.translation import gettext as _

    labels = {
        "owner": _("Owner"),
        "practitioner": _("Practitioner"),
        "staff": _("Staff"),
        "system": _("Connected application"),
        "user": _("Staff"),
    }
    return labels.get(role, _("Staff"))


def staff_names(organization_id: int, user_ids) -> dict[int, str]:
    """The name each member goes by in the team (their display name, else their full name), by user id,
    in one query. Members with neither get no entry: a patient is never shown a login's email."""
    names = {}
    members = Membership.objects.filter(organization_id=organization_id, user_id__in=set(user_ids))
    for member in members.select_related("user").only("user_id", "display_name", "user__full_name"):
        name = member.display_name or member.user.full_name
        if name:
            names[member.user_id] = name
    return names


def accesses_of(user, organization_id: int, patient, *, with_names: bool = False) -> list[dict]:
    """The latest accesses to ``patient``'s record by anyone but the patient's own login; ``with_names``
    adds the name of the member who looked (a fixed number of queries whatever the number of rows)."""
    with scope(organization=organization_id):
        entries = list(
            AuditEntry.objects.filter(organization_id=organization_id, patient_id=patient.pk, kind="access")
            .exclude(actor_id=user.pk)
            .select_related("clinic")
            .order_by("-seq")[:LIMIT]
        )
        events = AccessEvent.objects.in_bulk([e.source_id for e in entries])
        actors = [e.actor_id for e in entries if e.actor_id is not None]
        names = staff_names(organization_id, actors) if with_names and actors else {}
    zone = organization_zone(organization_id)
    channels = dict(Channel.choices)
    rows = []
    for entry in entries:
        event = events.get(entry.source_id)
        rows.append(
            {
                "at": entry.at,
                "zone": entry.clinic.tzinfo if entry.clinic else zone,
                "clinic": entry.clinic.name if entry.clinic else "",
                "role": _role_label(event.role if event else ""),
                "name": names.get(entry.actor_id, ""),
                "what": f"{access_action_label(entry.action)}: {category_label(entry.record_type)}",
                "channel": channels.get(event.channel, "") if event else "",
            }
        )
    return rows


@portal_view
def access_history_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    if asked := notice_redirect(request):
        return asked
    groups = []
    for organization_id, patient in _records(request.user):
        record_access(patient, Category.AUDIT_LOG)
        groups.append(
            {
                "organization": patient.organization,
                "rows": accesses_of(
                    request.user,
                    organization_id,
                    patient,
                    with_names=patient.organization.show_staff_names_to_patients,
                ),
            }
        )
    return render(request, "portal/account/access_history.html", _ctx(request, groups=groups))
