"""The owner's list of recorded changes: who changed what, when and from where."""

from datetime import timedelta

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.audit.selectors import organization_events, tenant_event_models
from core.forms import BoundedDateField, StyledForm
from core.tenancy.access import check_perm
from core.tenancy.clinic_time import localize_day, organization_zone
from core.tenancy.models import Clinic, Membership

from ..decorators import member_required


class AuditFilterForm(StyledForm):
    record_type = forms.ChoiceField(label=_("Record type"), required=False)
    user = forms.ChoiceField(label=_("Changed by"), required=False)
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", _("All"))] + [
            (label, model.pgh_tracked_model._meta.verbose_name.capitalize())
            for label, model in tenant_event_models().items()
        ]
        members = Membership.objects.filter(organization=organization).select_related("user")
        self.fields["user"].choices = [("", _("Anyone"))] + [(str(m.user_id), m.user.email) for m in members]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


def _actor(context: dict) -> str:
    """Who made the change: a signed-in person, or the command or task that ran."""
    return context.get("user_email") or context.get("command") or context.get("task") or "—"


def _clinic_id(event) -> int | None:
    """The clinic a recorded change belongs to, when it belongs to one (a clinic's own row, or a row
    with a ``clinic`` column); None for organization-wide records such as patients or members."""
    if event.pgh_obj_model == Clinic._meta.label:
        return int(event.pgh_obj_id)
    data = event.pgh_data or {}
    return data.get("clinic_id", data.get("clinic"))


@member_required
def audit_log(request):
    check_perm(request, "audit.view_audit_log", request.organization)
    form = AuditFilterForm(request.GET or None, organization=request.organization)
    # An organization-wide page: each change is shown in its clinic's zone, and changes (and the days
    # of the filter) that belong to no clinic in the organization's zone.
    organization_tz = organization_zone(request.organization.pk)
    clinic_zones = {c.pk: c.tzinfo for c in Clinic.objects.filter(organization=request.organization)}
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "record_type": data["record_type"],
            "user_id": int(data["user"]) if data["user"] else None,
            "start": localize_day(data["start"], organization_tz) if data["start"] else None,
            "end": localize_day(data["end"] + timedelta(days=1), organization_tz) if data["end"] else None,
        }
    events = organization_events(request.organization.pk, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    labels = {
        label: model.pgh_tracked_model._meta.verbose_name for label, model in tenant_event_models().items()
    }
    rows = [
        {
            "event": event,
            "zone": clinic_zones.get(_clinic_id(event), organization_tz),
            "record_type": labels.get(event.pgh_obj_model, event.pgh_obj_model),
            "context": event.pgh_context or {},
            "actor": _actor(event.pgh_context or {}),
            "changes": sorted((event.pgh_diff or {}).items()) if event.pgh_label == "update" else [],
        }
        for event in page
    ]
    return render(
        request,
        "office/audit_log.html",
        {"form": form, "page": page, "rows": rows},
        status=400 if form.errors else 200,
    )
