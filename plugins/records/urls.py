from django.urls import path

from .views import admin, chart, encounters, lists, notes

urlpatterns = [
    path("patients/<str:patient_id>/timeline/", chart.timeline, name="timeline"),
    path("patients/<str:patient_id>/notes/", chart.notes, name="notes"),
    path("patients/<str:patient_id>/vitals/", chart.vitals, name="vitals"),
    path("patients/<str:patient_id>/vitals/record/", lists.vitals_record, name="vitals_record"),
    path("patients/<str:patient_id>/allergies/", lists.allergies, name="allergies"),
    path("patients/<str:patient_id>/medications/", lists.medications, name="medications"),
    path("patients/<str:patient_id>/problems/", lists.problems, name="problems"),
    path("patients/<str:patient_id>/encounters/new/", encounters.encounter_new, name="encounter_new"),
    path("allergies/<str:pk>/", lists.allergy, name="allergy"),
    path("medications/<str:pk>/", lists.medication, name="medication"),
    path("problems/<str:pk>/", lists.problem, name="problem"),
    path("visits/<str:appointment_id>/start/", encounters.visit_start, name="visit_start"),
    path("encounters/<str:pk>/", encounters.encounter, name="encounter"),
    path("notes/<str:pk>/", notes.note, name="note"),
    path("notes/<str:pk>/draft/", notes.note_draft, name="note_draft"),
    path("notes/<str:pk>/sign/", notes.note_sign, name="note_sign"),
    path("notes/<str:pk>/addenda/", notes.note_addendum, name="note_addendum"),
    path("notes/<str:pk>/entered-in-error/", notes.note_error, name="note_error"),
    path("notes/<str:pk>/cosign/", notes.note_cosign, name="note_cosign"),
    path("notes/<str:pk>/share/", notes.note_share, name="note_share"),
    path("icd10/", lists.icd10_search, name="icd10_search"),
    path("settings/", admin.clinic_settings, name="settings"),
    path("templates/", admin.templates, name="templates"),
    path("templates/new/", admin.template_edit, name="template_create"),
    path("templates/<str:pk>/", admin.template_edit, name="template_edit"),
    path("template-versions/<str:pk>/delete/", admin.template_version_delete, name="template_version_delete"),
]
