"""Break-glass pages: the reason a practitioner gives before opening a chart outside their care, and the
owner's setting of how long "their care" lasts (see core.audit.break_glass)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit.break_glass import GRANT_HOURS, chart_open_to, grant_access, policy_of
from core.audit.models import AccessPolicy, BreakGlassAccess, BreakGlassReason
from core.audit.recording import record_ids
from core.audit.vocabulary import Action, Category
from core.dates import day_and_time
from core.forms import StyledForm, StyledFormMixin
from core.patients.access import access_patient
from core.tenancy.access import check_perm
from core.tenancy.clinic_time import organization_zone

from ..decorators import member_required


class BreakGlassForm(StyledForm):
    reason_kind = forms.ChoiceField(
        label=gettext_lazy("Why do you need this chart?"),
        choices=BreakGlassReason.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Explanation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The organization's owners read this with the access."),
    )


def _next_url(request, patient) -> str:
    """Where to go once the chart is open: the page asked for when it is ours, else the chart."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("office:patient_detail", args=[patient.pk])


@member_required
def break_glass(request, pk):
    """Ask a practitioner for the reason they open a chart outside their care; the chart opens to them for
    ``GRANT_HOURS`` once given. Anyone whose chart is open already goes straight on."""
    patient = access_patient(request, pk)
    next_url = _next_url(request, patient)
    if chart_open_to(request.member, patient.pk):
        return redirect(next_url)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grant_access(request.member, patient, form.cleaned_data["reason_kind"], form.cleaned_data["reason"])
        messages.info(
            request,
            _("The chart is open to you for %(hours)s hours. Your reason is recorded.")
            % {"hours": GRANT_HOURS},
        )
        return redirect(next_url)
    return render(
        request,
        "office/patients/break_glass.html",
        {"patient": patient, "form": form, "next": next_url, "hours": GRANT_HOURS},
        status=400 if form.errors else 200,
    )


class AccessPolicyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = AccessPolicy
        fields = ["break_glass_months"]


@member_required
def access_policy(request):
    """The owner's break-glass setting."""
    check_perm(request, "audit.change_access_policy", request.organization)
    form = AccessPolicyForm(request.POST or None, instance=policy_of(request.organization.pk))
    if request.method == "POST" and form.is_valid():
        months = form.cleaned_data["break_glass_months"]
        try:
            with transaction.atomic():
                AccessPolicy.objects.update_or_create(
                    organization=request.organization, defaults={"break_glass_months": months}
                )
        except IntegrityError:  # created by a parallel save a moment ago: that row takes this value
            AccessPolicy.objects.filter(organization=request.organization).update(break_glass_months=months)
        messages.success(request, _("Break-glass setting saved."))
        return redirect("office:access_policy")
    return render(
        request,
        "office/access_policy.html",
        {"form": form, "grants": recent_grants(request)},
        status=400 if form.errors else 200,
    )


RECENT_GRANTS = 50


def recent_grants(request) -> list[dict]:
    """The latest reasons given, newest first, each with the audit log filtered to what that practitioner
    opened of that patient during the grant (the owner's review of break-glass accesses)."""
    organization = request.organization
    zone = organization_zone(organization.pk)
    grants = list(
        BreakGlassAccess.objects.filter(organization_id=organization.pk)
        .select_related("actor", "patient")
        .order_by("-at", "-pk")[:RECENT_GRANTS]
    )
    record_ids(organization.pk, [g.patient_id for g in grants], Category.AUDIT_LOG, Action.LIST)
    rows = []
    for grant in grants:
        start, end = grant.at.astimezone(zone).date(), grant.until.astimezone(zone).date()
        query = f"patient={grant.patient_id}&user={grant.actor_id}&start={start}&end={end}&kind=access"
        rows.append(
            {
                "grant": grant,
                "when": day_and_time(grant.at, zone=zone),
                "trail": f"{reverse('office:audit_log')}?{query}",
            }
        )
    return rows
