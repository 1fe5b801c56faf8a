"""The owner's charting set-up: the clinic's charting settings and the organization's note templates."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required
from core.tenancy.access import check_perm, get_for_member

from ..access import access_template
from ..forms import RecordsSettingsForm, TemplateForm
from ..models import NoteTemplate, NoteTemplateVersion
from ..services import note_templates
from ..services.notes import settings_for
from .common import records_url


@member_required
def clinic_settings(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    check_perm(request, "records.manage_settings", request.clinic)
    current = settings_for(request.clinic)
    form = RecordsSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Charting settings saved."))
        return redirect(records_url(request, "settings"))
    return render(
        request,
        "records/settings.html",
        {"clinic": request.clinic, "form": form},
        status=400 if form.errors else 200,
    )


@member_required
def templates(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    organization = request.member.organization
    check_perm(request, "records.manage_templates", organization)
    note_templates.ensure_shipped_templates(organization)
    rows = list(
        NoteTemplate.objects.filter(organization=organization).prefetch_related("versions").order_by("name")
    )
    return render(request, "records/templates.html", {"clinic": request.clinic, "templates": rows})


@member_required
def template_edit(request: HttpRequest, clinic_slug: str, pk: str | None = None) -> HttpResponse:
    """Create a template or save a new version of one (published versions never change)."""
    organization = request.member.organization
    check_perm(request, "records.manage_templates", organization)
    template = access_template(request, pk) if pk else None
    latest = template.versions.order_by("-number").first() if template else None
    initial = {"name": template.name, "schema": latest.schema} if template else {"schema": {"sections": []}}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = note_templates.save_template(
                organization,
                name=form.cleaned_data["name"],
                schema=form.cleaned_data["schema"],
                by=request.user,
                template=template,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": version.number})
            return redirect(records_url(request, "templates"))
    return render(
        request,
        "records/template_form.html",
        {
            "clinic": request.clinic,
            "form": form,
            "template": template,
            "example": json.dumps(
                {
                    "sections": [
                        {
                            "key": "s",
                            "label": "Section",
                            "fields": [{"key": "f", "label": "Field", "type": "text"}],
                        }
                    ]
                }
            ),
        },
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def template_version_delete(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    organization = request.member.organization
    check_perm(request, "records.manage_templates", organization)
    version = get_for_member(
        request, NoteTemplateVersion.objects.select_related("template"), pk, "records.manage_templates"
    )
    try:
        note_templates.delete_version(version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(records_url(request, "templates"))
    messages.success(request, _("Version deleted."))
    return redirect(records_url(request, "templates"))
