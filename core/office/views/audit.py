"""The owner's audit viewer: every change and every access in one list, filtered, newest (or oldest) first.

Reading the log is itself recorded (category "audit log", for the patient filtered on, if any). Pages are
keyset-paginated on the chain position, so the hundredth page costs what the first does.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit.break_glass import flag_rows
from core.audit.chain_check import describe_break, latest_check, request_check
from core.audit.labels import access_action_label
from core.audit.recording import record_access, record_ids
from core.audit.trail import TrailFilter, event_models, page_of, rows_of
from core.audit.vocabulary import Action, Category
from core.csv_export import csv_response
from core.forms import BoundedDateField, ListSelect, StyledForm
from core.patients.selectors import search_patients, visible_patient, visible_patients
from core.tenancy.access import check_perm
from core.tenancy.clinic_time import clinic_time, localize_day, organization_zone
from core.tenancy.models import Clinic, Membership

from ..decorators import member_required

KINDS = (
    ("", gettext_lazy("Changes and accesses")),
    ("change", gettext_lazy("Changes")),
    ("access", gettext_lazy("Accesses")),
)
SORTS = (("newest", gettext_lazy("Newest first")), ("oldest", gettext_lazy("Oldest first")))


def record_type_choices() -> list[tuple[str, str]]:
    changed = sorted(
        (tracked._meta.label, str(tracked._meta.verbose_name).capitalize())
        for _model, tracked in event_models().values()
        if any(f.name == "organization" for f in tracked._meta.fields)
    )
    return (
        [("", _("All"))] + [(value, _("Access: %s") % label) for value, label in Category.choices] + changed
    )


def action_choices() -> list[tuple[str, str]]:
    changes = [("insert", _("Created")), ("update", _("Changed")), ("delete", _("Deleted"))]
    return [("", _("All"))] + changes + [(value, access_action_label(value)) for value, _l in Action.choices]


class AuditFilterForm(StyledForm):
    patient = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    patient_q = forms.CharField(label=gettext_lazy("Patient"), required=False, max_length=100)
    # A large organization has over a thousand members and a hundred clinics: ListSelect writes their
    # options in one pass, where Django's per-option templates took most of the page's time.
    user = forms.ChoiceField(label=gettext_lazy("Person"), required=False, widget=ListSelect)
    kind = forms.ChoiceField(label=gettext_lazy("Show"), required=False, choices=KINDS)
    break_glass = forms.BooleanField(
        label=gettext_lazy("Emergency (break-glass) access only"), required=False
    )
    record_type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False, widget=ListSelect)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False, widget=ListSelect)
    clinic = forms.ChoiceField(label=gettext_lazy("Clinic"), required=False, widget=ListSelect)
    start = BoundedDateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=gettext_lazy("Order"), required=False, choices=SORTS)

    def __init__(self, *args, organization, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_q"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": _("Type a name or record number")}
        )
        self.fields["record_type"].choices = record_type_choices()
        self.fields["action"].choices = action_choices()
        members = (
            Membership.objects.filter(organization=organization)
            .order_by("user__email")
            .values_list("user_id", "user__email")
        )
        self.fields["user"].choices = [("", _("Anyone"))] + [(str(user), email) for user, email in members]
        self.fields["clinic"].choices = [("", _("All clinics"))] + [(str(c.pk), c.name) for c in clinics]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


def _filter_of(form, organization_tz, allowed_patient) -> TrailFilter:
    if not form.is_valid():
        return TrailFilter()
    data = form.cleaned_data
    return TrailFilter(
        patient_id=allowed_patient,
        actor_id=int(data["user"]) if data["user"] else None,
        record_type=data["record_type"],
        action=data["action"],
        clinic_id=int(data["clinic"]) if data["clinic"] else None,
        kind=data["kind"],
        break_glass=data["break_glass"],
        start=localize_day(data["start"], organization_tz) if data["start"] else None,
        end=localize_day(data["end"] + timedelta(days=1), organization_tz) if data["end"] else None,
        oldest_first=data["sort"] == "oldest",
    )


def _cursor(request) -> int | None:
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _patient_named(request, form):
    """The filter's patient, when it is one of the organization's (anything else filters on nothing)."""
    if not form.is_valid() or not form.cleaned_data["patient"]:
        return None
    return visible_patient(request.member, form.cleaned_data["patient"])


def _trail(request):
    check_perm(request, "audit.view_audit_log", request.organization)
    clinics = list(Clinic.objects.filter(organization=request.organization).order_by("name"))
    form = AuditFilterForm(request.GET or None, organization=request.organization, clinics=clinics)
    organization_tz = organization_zone(request.organization.pk)
    zones = {c.pk: c.tzinfo for c in clinics}
    patient = _patient_named(request, form)
    flt = _filter_of(form, organization_tz, patient.pk if patient else None)
    if form.is_valid() and form.cleaned_data["patient"] and patient is None:
        flt = TrailFilter(patient_id=-1)  # a patient of nobody here: an empty list, not everything
    # Reading the log is itself an access: to the filtered patient's history, or to the whole log.
    record_access(patient, Category.AUDIT_LOG, organization_id=request.organization.pk)
    return form, flt, patient, lambda clinic_id: zones.get(clinic_id, organization_tz)


def _record_listed(request, entries, action=Action.LIST) -> None:
    """The access log: the audit page (or export) named these patients."""
    patient_ids = {e.patient_id for e in entries}
    record_ids(request.organization.pk, patient_ids, Category.AUDIT_LOG, action)


@member_required
def audit_log(request):
    form, flt, patient, zone_of_clinic = _trail(request)
    entries, next_cursor = page_of(request.organization.pk, flt, after=_cursor(request))
    _record_listed(request, entries)
    check = latest_check(request.organization.pk)
    rows = rows_of(entries, zone_of_clinic)
    flag_rows(request.organization.pk, rows)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "office/audit_log.html",
        {
            "form": form,
            "rows": rows,
            "patient": patient,
            "next_query": f"{query.urlencode()}&after={next_cursor}" if next_cursor else "",
            "first_query": query.urlencode() if _cursor(request) else "",
            "export_query": query.urlencode(),
            "chain_check": check,
            "organization_zone": zone_of_clinic(None),
            "chain_break": describe_break(check) if check else "",
        },
        status=400 if form.errors else 200,
    )


EXPORT_LIMIT = 10_000


@member_required
def audit_export(request):
    """The filtered list as CSV (up to ``EXPORT_LIMIT`` rows, newest first)."""
    form, flt, patient, zone_of_clinic = _trail(request)
    record_access(patient, Category.AUDIT_LOG, Action.EXPORT, organization_id=request.organization.pk)
    header = [_("When"), _("Clinic"), _("Person"), _("Patient"), _("What"), _("Details"), _("From")]
    lines = [header]
    after = None
    while len(lines) <= EXPORT_LIMIT:
        entries, after = page_of(request.organization.pk, flt, after=after, size=500)
        _record_listed(request, entries, Action.EXPORT)
        for row in rows_of(entries, zone_of_clinic):
            lines.append(
                [
                    clinic_time(row.entry.at, row.zone, "Y-m-d H:i:s"),
                    row.entry.clinic.name if row.entry.clinic_id and row.entry.clinic else "",
                    row.who,
                    row.entry.patient.full_name if row.entry.patient_id and row.entry.patient else "",
                    row.what,
                    "; ".join(row.details),
                    row.where,
                ]
            )
        if after is None:
            break
    return csv_response(_("Audit log"), lines)


@member_required
def audit_patients(request):
    """Type-ahead suggestions for the patient filter (an htmx fragment)."""
    check_perm(request, "audit.view_audit_log", request.organization)
    query = request.GET.get("patient_q", "").strip()
    patients = []
    if len(query) >= 2:
        patients = list(
            search_patients(visible_patients(request.member), query).order_by(
                "family_name", "given_name", "id"
            )[:8]
        )
    return render(request, "office/audit_patients.html", {"patients": patients, "query": request.GET})


@member_required
@require_POST
def audit_verify(request):
    """Queue a recomputation of the organization's chain (the worker runs it; the page shows the result)."""
    check_perm(request, "audit.view_audit_log", request.organization)
    _check, queued = request_check(request.organization.pk, request.user)
    if queued:
        messages.success(request, _("The integrity check is queued. Its result appears on this page."))
    else:
        messages.info(request, _("An integrity check is already waiting or running."))
    return redirect("office:audit_log")
