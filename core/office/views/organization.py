"""Owner pages: organization settings, clinics and their modules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.plugins.manager import registry
from core.tenancy import services
from core.tenancy.access import check_perm, get_clinic_for_member
from core.tenancy.models import Clinic
from core.tenancy.modules import enabled_modules

from ..decorators import member_required
from ..forms import ClinicForm, OrganizationForm


@member_required
def organization_settings(request):
    organization = request.organization
    check_perm(request, "tenancy.change_organization", organization)
    form = OrganizationForm(
        request.POST or None, request.FILES or None, instance=organization, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(
                organization, **{name: form.cleaned_data[name] for name in services.ORGANIZATION_FIELDS}
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Organization settings saved."))
            return redirect("office:organization_settings")
    # The country chosen here sets the privacy notice patients agree to: the owner follows it up from here.
    follow_up = request.user.has_perm("compliance.follow_up_privacy_notice", organization)
    return render(
        request,
        "office/organization_settings.html",
        {"form": form, "notice_follow_up": follow_up},
        status=400 if form.errors else 200,
    )


@member_required
def clinic_list(request):
    check_perm(request, "tenancy.manage_clinics", request.organization)
    clinics = Clinic.objects.filter(organization=request.organization).order_by("archived", "name")
    return render(request, "office/clinic_list.html", {"clinics": clinics})


def _defaults_from_first_clinic(organization) -> dict:
    """A new clinic usually shares the first one's time zone, currency and language: start from those, so
    a second clinic is not created in UTC by someone who never opened the list."""
    first = (
        Clinic.objects.filter(organization_id=organization.pk)
        .order_by("pk")
        .values("timezone", "currency", "locale")
        .first()
    )
    return first or {}


@member_required
def clinic_create(request):
    check_perm(request, "tenancy.manage_clinics", request.organization)
    form = ClinicForm(request.POST or None, initial=_defaults_from_first_clinic(request.organization))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        name = data.pop("name")
        slug = data.pop("slug", "")
        try:
            clinic = services.create_clinic(request.organization, name=name, slug=slug, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Clinic “%(name)s” created.") % {"name": clinic.name})
            return redirect("office:clinic_list")
    return render(
        request,
        "office/clinic_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@member_required
def clinic_edit(request, slug):
    clinic = get_clinic_for_member(request, slug)
    check_perm(request, "tenancy.manage_clinics", clinic)
    form = ClinicForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        new_slug = data.pop("slug", "") or clinic.slug
        data.pop("name", None)
        try:
            services.update_clinic(clinic, slug=new_slug, name=form.cleaned_data["name"], **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Clinic saved."))
            return redirect("office:clinic_list")
    return render(
        request,
        "office/clinic_form.html",
        {"form": form, "clinic": clinic},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def clinic_archive(request, slug):
    clinic = get_clinic_for_member(request, slug)
    check_perm(request, "tenancy.manage_clinics", clinic)
    archive = request.POST.get("archived", "1") == "1"
    try:
        services.set_clinic_archived(clinic, archive)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if archive:
            messages.success(
                request, _("Clinic “%(name)s” archived. Its data is kept.") % {"name": clinic.name}
            )
        else:
            messages.success(request, _("Clinic “%(name)s” restored.") % {"name": clinic.name})
    return redirect("office:clinic_list")


@member_required
def clinic_modules(request, slug):
    clinic = get_clinic_for_member(request, slug)
    check_perm(request, "tenancy.manage_modules", clinic)
    modules = registry().modules
    if request.method == "POST":
        module = request.POST.get("module", "")
        enabled = request.POST.get("enabled") == "1"
        try:
            services.set_module_enabled(clinic, module, enabled, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 409
        else:
            label = modules[module].label
            if enabled:
                messages.success(
                    request, _("%(module)s is on for %(clinic)s.") % {"module": label, "clinic": clinic.name}
                )
            else:
                messages.success(
                    request,
                    _("%(module)s is off for %(clinic)s. Its data is kept.")
                    % {"module": label, "clinic": clinic.name},
                )
            return redirect("office:clinic_modules", slug=clinic.slug)
    else:
        status = 200
    on = enabled_modules(clinic)
    rows = [
        {
            "info": info,
            "enabled": slug_ in on,
            "depends_on": [modules[d].label for d in info.depends_on],
        }
        for slug_, info in sorted(modules.items(), key=lambda kv: str(kv[1].label))
    ]
    return render(request, "office/clinic_modules.html", {"clinic": clinic, "rows": rows}, status=status)
