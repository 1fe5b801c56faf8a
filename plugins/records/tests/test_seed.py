import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Organization
from plugins.records.models import Addendum, Allergy, Encounter, Medication, Note, Problem, Vital


@pytest.mark.django_db
def test_seed_demo_gives_demo_patients_a_clinical_history_once():
    call_command("seed_demo")
    with scopes_disabled():
        counts = (Encounter.objects.count(), Note.objects.count(), Vital.objects.count())
        assert counts[0] > 0
    call_command("seed_demo")
    with scopes_disabled():
        assert (Encounter.objects.count(), Note.objects.count(), Vital.objects.count()) == counts
        org = Organization.objects.get(slug="alpha-health")
    with scope(organization=org.pk):
        note = Note.objects.filter(organization=org, shared_with_patient=True).first()
        assert note is not None and note.status == "locked"
        assert Addendum.objects.filter(note=note).exists()
        patient_id = note.patient_id
        assert Encounter.objects.filter(patient_id=patient_id).count() >= 5
        assert Allergy.objects.filter(patient_id=patient_id).count() == 1
        assert Medication.objects.filter(patient_id=patient_id).count() == 2
        assert set(Problem.objects.filter(patient_id=patient_id).values_list("status", flat=True)) == {
            "active",
            "resolved",
        }
        spread = Vital.objects.filter(patient_id=patient_id, kind="weight").order_by("measured_at")
        assert (spread.last().measured_at - spread.first().measured_at).days >= 300
