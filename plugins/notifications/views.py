"""Back-office pages: the clinic's message log (with "send again"), the channel and template settings with
a preview, and the patient chart's Messages tab with the patient's message preferences.

Mounted under ``/office/c/<clinic_slug>/notifications/`` and gated by the core, which sets ``request.clinic``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.office.decorators import member_required
from core.tenancy.access import check_perm

from .access import access_message, access_patient, access_wording
from .defaults import LANGUAGES, default_for
from .forms import ChannelSettingsForm, PreferenceForm, TemplateForm
from .models import PATIENT_TYPES, MessageTemplate, MessageType, Status
from .preferences import choices_of, save_choices
from .rendering import preview
from .selectors import clinic_messages
from .services.config import settings_for
from .services.resend import retry
from .services.wording import custom_template, reset_template


def _url(name: str, clinic) -> str:
    return reverse(f"office:notifications:{name}", kwargs={"clinic_slug": clinic.slug})


@member_required
def message_log(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.view_messages", clinic)
    status = request.GET.get("status", "")
    rows = clinic_messages(clinic).select_related("patient").defer("body_html", "body_text")
    if status in Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/message_log.html",
        {"clinic": clinic, "page": page, "status": status, "statuses": Status.choices},
    )


@member_required
@require_POST
def message_retry(request, clinic_slug):
    clinic = request.clinic
    message = access_message(request, request.POST.get("message"))
    try:
        retry(message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message is queued to be sent again."))
    back = request.POST.get("next", "")
    if back.startswith("/office/") and "//" not in back:
        return redirect(back)
    return redirect(_url("message_log", clinic))


def _template_rows(clinic):
    custom = set(
        MessageTemplate.objects.filter(organization_id=clinic.organization_id, clinic=clinic).values_list(
            "message_type", "language"
        )
    )
    return [
        {
            "type": value,
            "label": label,
            "languages": [{"code": lang, "custom": (value, lang) in custom} for lang in LANGUAGES],
        }
        for value, label in MessageType.choices
    ]


@member_required
def settings_page(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    may_change_channels = request.user.has_perm("notifications.manage_channels", clinic)
    config = settings_for(clinic)
    form = ChannelSettingsForm(request.POST or None, instance=config) if may_change_channels else None
    if request.method == "POST":
        if form is None:
            check_perm(request, "notifications.manage_channels", clinic)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            messages.success(request, _("Message settings saved."))
            return redirect(_url("settings", clinic))
    return render(
        request,
        "notifications/settings.html",
        {"clinic": clinic, "form": form, "config": config, "templates": _template_rows(clinic)},
    )


def _type_and_language(request) -> tuple[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return access_wording(source.get("type", ""), source.get("lang", ""))


@member_required
def template_edit(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    message_type, language = _type_and_language(request)
    existing = custom_template(clinic, message_type, language)
    subject, body, sms_body = default_for(message_type, language)
    instance = existing or MessageTemplate(
        organization_id=clinic.organization_id,
        clinic=clinic,
        message_type=message_type,
        language=language,
        subject=subject,
        body=body,
        sms_body=sms_body,
    )
    form = TemplateForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            reset_template(clinic, message_type, language)
            messages.success(request, _("The default wording is back."))
            return redirect(_url("settings", clinic))
        if form.is_valid():
            with transaction.atomic():
                template = form.save(commit=False)
                template.updated_at = timezone.now()
                template.save()
            messages.success(request, _("Template saved."))
            return redirect(_url("settings", clinic))
    rendered = preview(
        message_type, language, *(form[f].value() or "" for f in ("subject", "body", "sms_body"))
    )
    return render(
        request,
        "notifications/template_form.html",
        {
            "clinic": clinic,
            "form": form,
            "message_type": message_type,
            "type_label": MessageType(message_type).label,
            "language": language,
            "custom": existing is not None,
            "rendered": rendered,
        },
    )


@member_required
@require_POST
def template_preview(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.manage_templates", clinic)
    message_type, language = _type_and_language(request)
    rendered = preview(
        message_type,
        language,
        request.POST.get("subject", "")[:200],
        request.POST.get("body", ""),
        request.POST.get("sms_body", ""),
    )
    return render(request, "notifications/_preview.html", {"rendered": rendered})


def _preference_form(patient, data=None):
    types = [(t.value, t.label) for t in PATIENT_TYPES]
    return PreferenceForm(data, types=types, preferences=choices_of(patient))


@member_required
def patient_messages(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.view_messages", clinic)
    patient = access_patient(request, request.GET.get("patient"))
    rows = list(clinic_messages(clinic).filter(patient=patient).defer("body_html", "body_text")[:100])
    return render(
        request,
        "notifications/patient_messages.html",
        {
            "clinic": clinic,
            "patient": patient,
            "rows": rows,
            "form": _preference_form(patient),
            "may_change": request.user.has_perm("notifications.change_preferences", clinic),
            "next": request.get_full_path(),
        },
    )


@member_required
@require_POST
def patient_preferences(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "notifications.change_preferences", clinic)
    patient = access_patient(request, request.POST.get("patient"))
    form = _preference_form(patient, request.POST)
    if not form.is_valid():
        messages.error(request, _("The preferences could not be saved."))
    else:
        save_choices(patient, form.choices())
        messages.success(request, _("Message preferences saved."))
    return redirect(reverse("office:patient_detail", kwargs={"pk": patient.pk}))
