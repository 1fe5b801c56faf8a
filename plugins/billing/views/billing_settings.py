"""The clinic's billing settings: the seller details on its invoices, its two number series, and its tax
rates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.compliance.packs import country_name, pack_for
from core.integrity import refused_by
from core.office.decorators import member_required
from core.tenancy.access import check_perm

from ..access import access_tax_rate
from ..forms import ProfileForm, SeriesForm, TaxRateForm
from ..models import SeriesKind, TaxRate
from ..services.clinic_settings import active_tax_rates, billing_profile
from ..services.country_defaults import add_country_tax_rates
from ..services.numbering import ensure_series


@member_required
def settings_page(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "billing.manage_settings", clinic)
    profile = billing_profile(clinic)
    pack = pack_for(request.organization)
    invoice_series = ensure_series(clinic, SeriesKind.INVOICE)
    credit_series = ensure_series(clinic, SeriesKind.CREDIT_NOTE)
    which = request.POST.get("form") if request.method == "POST" else None
    profile_form = ProfileForm(
        request.POST if which == "profile" else None, instance=profile, prefix="profile"
    )
    invoice_form = SeriesForm(
        request.POST if which == "invoice" else None, instance=invoice_series, prefix="invoice"
    )
    credit_form = SeriesForm(
        request.POST if which == "credit" else None, instance=credit_series, prefix="credit"
    )
    rate_id = request.POST.get("rate") if which == "rate" else None
    rate = access_tax_rate(request, rate_id, permission="billing.manage_settings") if rate_id else None
    rate_form = TaxRateForm(request.POST if which == "rate" else None, instance=rate, prefix="rate")
    forms = {"profile": profile_form, "invoice": invoice_form, "credit": credit_form, "rate": rate_form}
    status = 200
    if which in forms:
        form = forms[which]
        if form.is_valid():
            obj = form.save(commit=False)
            if which == "rate" and rate is None:
                obj.organization_id, obj.clinic = clinic.organization_id, clinic
                if TaxRate.objects.filter(
                    organization_id=clinic.organization_id, clinic=clinic, name=obj.name
                ).exists():
                    form.add_error("name", _("This clinic already has a tax rate of that name."))
            if not form.errors:
                try:
                    # The check above answers early; the unique constraint answers for two at once, and for
                    # a rename (which the form cannot check: it has no clinic field).
                    with refused_by(
                        "billing_tax_rate_name",
                        {"name": _("This clinic already has a tax rate of that name.")},
                    ):
                        obj.save()
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Billing settings saved."))
                    return redirect("office:billing:settings", clinic_slug=clinic.slug)
        status = 400
    rates = list(active_tax_rates(clinic)) + list(
        TaxRate.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=False)
    )
    return render(
        request,
        "billing/settings.html",
        {
            "clinic": clinic,
            "profile_form": profile_form,
            "invoice_form": invoice_form,
            "credit_form": credit_form,
            "rate_form": rate_form,
            "rates": rates,
            "series": [invoice_series, credit_series],
            "country_pack": pack,
            "country_name": country_name(pack.country) if pack else "",
        },
        status=status,
    )


@require_POST
@member_required
def country_tax_rates(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Add the tax rates of the organization's country pack that the clinic lacks."""
    clinic = request.clinic
    check_perm(request, "billing.manage_settings", clinic)
    added = add_country_tax_rates(clinic)
    if added:
        messages.success(
            request,
            ngettext("%(count)d tax rate added.", "%(count)d tax rates added.", added) % {"count": added},
        )
    else:
        messages.info(request, _("The clinic already has every usual tax rate of its country."))
    return redirect("office:billing:settings", clinic_slug=clinic.slug)
