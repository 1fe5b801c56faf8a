"""The privacy hooks, as modules implement them: each module's documents in the patient's download, what
it holds by class of record, and what it erases when the retention rules let a class go."""

import pytest
from django_scopes import scope, scopes_disabled

from core.compliance.retention import records_held
from core.plugins.manager import registry
from plugins.billing.pdf import render_invoice
from plugins.billing.services.issuing import issue
from tests.test_isolation_pages import make_appointment, make_invoice, make_records_objects

pytestmark = pytest.mark.django_db


def test_hook_ehr_patient_export_files(alpha):
    with scopes_disabled():
        invoice = issue(make_invoice(alpha))
        render_invoice(invoice)
        records = make_records_objects(alpha)
        from plugins.records.models import ChartFile

        ChartFile.objects.filter(pk=records["records_file"]).update(visible_to_patient=True)
    with scope(organization=alpha.org.pk):
        found = [
            file
            for files in registry().hook.ehr_patient_export_files(
                organization=alpha.org, patient=alpha.patient
            )
            for file in files
        ]
    names = sorted(f.name for f in found)
    assert names == [f"billing/{invoice.number}.pdf", f"records/{records['records_file']}-scan.pdf"]
    assert all(f.read().startswith(b"%PDF") for f in found)


def test_hook_ehr_patient_records_held(alpha):
    with scopes_disabled():
        issue(make_invoice(alpha))
        make_appointment(alpha)
        make_records_objects(alpha)
    with scope(organization=alpha.org.pk):
        held = {h.record_class: h for h in records_held(alpha.org, alpha.patient)}
    assert set(held) == {"contact", "invoice", "appointment", "clinical_record"}
    assert held["invoice"].count == 1 and held["appointment"].count == 1
    # An encounter, a note's encounter entries: allergy, medication, problem, file.
    assert held["clinical_record"].count >= 5


def test_hook_ehr_patient_erase(alpha):
    from django.core.exceptions import ValidationError

    from plugins.billing.models import Invoice

    with scopes_disabled():
        draft = make_invoice(alpha)
        appointment = make_appointment(alpha)
        appointment.staff_notes = "Private remark"
        appointment.save()
        make_records_objects(alpha)
    with scope(organization=alpha.org.pk):
        registry().hook.ehr_patient_erase(
            organization=alpha.org,
            patient=alpha.patient,
            record_classes=frozenset({"contact", "appointment"}),
        )
        assert not Invoice.objects.filter(pk=draft.pk).exists()  # a draft is no legal document
        appointment.refresh_from_db()
        assert appointment.staff_notes == ""
        # Signed notes cannot be removed yet: the records module refuses rather than pretend.
        with pytest.raises(ValidationError):
            registry().hook.ehr_patient_erase(
                organization=alpha.org, patient=alpha.patient, record_classes=frozenset({"clinical_record"})
            )
