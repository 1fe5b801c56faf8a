from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.patients.models import PatientClinic
from core.tenancy.access import visible_clinics
from core.tenancy.modules import clinic_hook

from ..decorators import member_required
from ..navigation import CLINIC_SESSION_KEY, current_clinic


@member_required
def dashboard(request):
    clinic = current_clinic(request)
    widgets = []
    patient_count = 0
    if clinic is not None:
        patient_count = PatientClinic.objects.filter(clinic=clinic, patient__archived=False).count()
        for contributed in clinic_hook(clinic, "clinic_dashboard_widgets")(request=request, clinic=clinic):
            widgets.extend(contributed or [])
        widgets.sort(key=lambda w: (w.order, str(w.title)))
    return render(request, "office/dashboard.html", {"widgets": widgets, "patient_count": patient_count})


@member_required
@require_POST
def switch_clinic(request):
    clinic = visible_clinics(request).filter(slug=str(request.POST.get("clinic", ""))[:60]).first()
    if clinic is None:
        messages.error(request, _("You cannot work in that clinic."))
    else:
        request.session[CLINIC_SESSION_KEY] = clinic.pk
    return redirect("office:dashboard")
