"""Patients: list and search, register (with a duplicate warning), chart, edit, archive, merge."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.addresses import address_lines
from core.audit.recording import record_list, shows
from core.audit.vocabulary import Category
from core.compliance.consents import notice_version, patient_notice_consent
from core.forms import apply_errors
from core.paging import CappedPaginator
from core.patients import services
from core.patients.access import access_patient
from core.patients.forms import MergeForm, PatientForm, PatientSearchForm
from core.patients.selectors import in_name_order, search_patients, visible_patients
from core.patients.us_demographics import asked_in
from core.tenancy.access import check_perm, visible_clinics

from ..chart import chart_context, patient_sections
from ..decorators import member_required
from ..navigation import clinics_of_member, current_clinic

PAGE_SIZE = 25
# A common fragment in a big organization matches thousands: counting stops here (see core/paging.py).
COUNT_CAP = 1000


@member_required
def patient_list(request):
    member = request.member
    check_perm(request, "patients.list_patients", request.organization)
    clinics = clinics_of_member(request)
    form = PatientSearchForm(request.GET or None, clinics=clinics)
    patients = visible_patients(member)
    query, clinic_slug, archived, no_contact = "", "", False, False
    if form.is_valid():
        query = form.cleaned_data["q"]
        clinic_slug = form.cleaned_data["clinic"]
        archived = form.cleaned_data["archived"]
        no_contact = form.cleaned_data["no_contact"]
    if clinic_slug:
        clinic = next((c for c in clinics if c.slug == clinic_slug), None)
        patients = patients.filter(patientclinic__clinic=clinic) if clinic else patients.none()
    patients = patients.filter(archived=archived)
    if no_contact:
        patients = patients.filter(email="", phone="")
    patients = in_name_order(search_patients(patients, query), query)
    page = CappedPaginator(
        patients.only(
            "id",
            "organization_id",
            "record_number",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "phone",
            "email",
            "archived",
        ),
        PAGE_SIZE,
        cap=COUNT_CAP,
    ).get_page(request.GET.get("page"))
    record_list(page.object_list, Category.DEMOGRAPHICS)
    context = {"form": form, "page": page, "query": query, "clinics": clinics}
    template = "office/patients/_results.html" if request.htmx else "office/patients/list.html"
    return render(request, template, context)


@member_required
def patient_create(request):
    clinic = current_clinic(request)
    if clinic is None:
        raise PermissionDenied
    check_perm(request, "patients.add_patient", clinic)
    form = PatientForm(request.POST or None, us_demographics=asked_in(request.organization))
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            patient, _confirmed = services.register_patient(
                clinic, confirm_duplicate=request.POST.get("confirm_new") == "1", **data
            )
        except services.PossibleDuplicates as refused:
            duplicates = refused.duplicates
            messages.warning(request, _("This patient may already be registered. Check the list below."))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s registered (record %(number)s).")
                % {"name": patient.full_name, "number": patient.display_record_number},
            )
            return redirect("office:patient_detail", pk=patient.pk)
    return render(
        request,
        "office/patients/form.html",
        {"form": form, "duplicates": duplicates, "creating": True, "clinic": clinic},
        status=400 if form.errors else (409 if duplicates else 200),
    )


@member_required
@shows(Category.DEMOGRAPHICS)
def patient_detail(request, pk):
    patient = access_patient(request, pk)
    clinic = current_clinic(request)
    other_clinics = [c for c in visible_clinics(request) if c.pk not in set(patient.ehr_clinic_ids())]
    return render(
        request,
        "office/patients/detail.html",
        {
            **chart_context(request, clinic, patient),
            "sections": patient_sections(request, clinic, patient),
            "address": address_lines(
                patient.address_line1,
                patient.address_line2,
                patient.postal_code,
                patient.city,
                patient.country,
                home_country=clinic.country if clinic else "",
            ),
            "other_clinics": other_clinics,
            "us_demographics": asked_in(request.organization),
            "merge_form": MergeForm(),
            "can_export_data": request.user.has_perm("compliance.export_patient_data", patient),
            "can_request_erasure": request.user.has_perm("compliance.manage_erasure_requests", patient),
            # Administrative, not clinical: everyone who sees the patient's contact details sees it.
            "notice_consent": patient_notice_consent(patient),
            "notice_version": notice_version(request.organization),
        },
    )


@member_required
@shows(Category.DEMOGRAPHICS)
def patient_edit(request, pk):
    patient = access_patient(request, pk, permission="patients.change_patient")
    form = PatientForm(
        request.POST or None,
        instance=patient,
        initial={"version": patient.version},
        us_demographics=asked_in(request.organization),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_patient(patient, form.cleaned_data.get("version"), **data)
        except services.StaleEdit as error:
            form.add_error(None, error)
            return render(
                request, "office/patients/form.html", {"form": form, "patient": patient}, status=409
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("office:patient_detail", pk=patient.pk)
    return render(
        request,
        "office/patients/form.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def patient_archive(request, pk):
    patient = access_patient(request, pk, permission="patients.archive_patient")
    archive = request.POST.get("archived", "1") == "1"
    services.set_archived(patient, archive)
    messages.success(request, _("Record archived.") if archive else _("Record restored."))
    return redirect("office:patient_detail", pk=patient.pk)


@member_required
@require_POST
def patient_link_clinic(request, pk):
    patient = access_patient(request, pk, permission="patients.change_patient")
    clinic = visible_clinics(request).filter(slug=str(request.POST.get("clinic", ""))[:60]).first()
    if clinic is None:
        messages.error(request, _("Choose one of your clinics."))
    else:
        services.link_to_clinic(patient, clinic)
        messages.success(
            request,
            _("%(name)s can now be seen at %(clinic)s.") % {"name": patient.full_name, "clinic": clinic.name},
        )
    return redirect("office:patient_detail", pk=patient.pk)


@member_required
@require_POST
def patient_merge(request, pk):
    keep = access_patient(request, pk, permission="patients.merge_patients")
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the record number of the duplicate."))
        return redirect("office:patient_detail", pk=keep.pk)
    duplicate = visible_patients(request.member).filter(record_number=form.cleaned_data["duplicate"]).first()
    if duplicate is None or not request.user.has_perm("patients.merge_patients", duplicate):
        messages.error(request, _("No patient you can merge has that record number."))
        return redirect("office:patient_detail", pk=keep.pk)
    try:
        services.merge_patients(keep, duplicate)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Record %(number)s merged into this one.") % {"number": duplicate.display_record_number},
        )
    return redirect("office:patient_detail", pk=keep.pk)
