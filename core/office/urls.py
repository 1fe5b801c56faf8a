"""Back-office routes. Module routes live under ``c/<clinic_slug>/<module>/`` and are gated per clinic."""

from django.urls import include, path

from core.plugins.gating import gate_patterns
from core.plugins.manager import registry

from .views import (
    access_history,
    audit,
    break_glass,
    dashboard,
    disclosures,
    members,
    organization,
    patient_pick,
    patients,
    privacy,
    privacy_notice,
    processing_record,
    search,
    team,
    tokens,
)

app_name = "office"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("clinic/", dashboard.switch_clinic, name="switch_clinic"),
    path("search/", search.office_search, name="search"),
    path("settings/organization/", organization.organization_settings, name="organization_settings"),
    path("settings/clinics/", organization.clinic_list, name="clinic_list"),
    path("settings/clinics/new/", organization.clinic_create, name="clinic_create"),
    path("settings/clinics/<slug:slug>/", organization.clinic_edit, name="clinic_edit"),
    path("settings/clinics/<slug:slug>/archive/", organization.clinic_archive, name="clinic_archive"),
    path("settings/clinics/<slug:slug>/modules/", organization.clinic_modules, name="clinic_modules"),
    path("settings/members/", members.member_list, name="member_list"),
    path("settings/members/invite/", members.member_invite, name="member_invite"),
    path("settings/members/<str:pk>/", members.member_edit, name="member_edit"),
    path("settings/members/<str:pk>/active/", members.member_active, name="member_active"),
    path("settings/invitations/<str:pk>/resend/", members.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<str:pk>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("settings/audit/", audit.audit_log, name="audit_log"),
    path("settings/audit/export.csv", audit.audit_export, name="audit_export"),
    path("settings/audit/patients/", audit.audit_patients, name="audit_patients"),
    path("settings/audit/break-glass/", break_glass.access_policy, name="access_policy"),
    path("settings/audit/verify/", audit.audit_verify, name="audit_verify"),
    path("settings/privacy/", privacy.privacy_requests, name="privacy_requests"),
    path("settings/privacy/erasure/<str:pk>/", privacy.erasure_request_detail, name="erasure_request"),
    path("settings/privacy-notice/", privacy_notice.notice_followup, name="notice_followup"),
    path("settings/privacy-notice/remind/", privacy_notice.notice_remind, name="notice_remind"),
    path("settings/processing-record/", processing_record.processing_record_page, name="processing_record"),
    path(
        "settings/processing-record/print/",
        processing_record.processing_record_print,
        name="processing_record_print",
    ),
    path("settings/export/", privacy.organization_export, name="organization_export"),
    path("settings/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<str:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("team/", team.team, name="team"),
    path("team/<str:pk>/", team.profile_edit, name="profile_edit"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/pick/", patient_pick.patient_pick, name="patient_pick"),
    path("patients/new/", patients.patient_create, name="patient_create"),
    path("patients/<str:pk>/", patients.patient_detail, name="patient_detail"),
    path("patients/<str:pk>/edit/", patients.patient_edit, name="patient_edit"),
    path("patients/<str:pk>/reason/", break_glass.break_glass, name="break_glass"),
    path("patients/<str:pk>/access-history/", access_history.access_history, name="patient_access_history"),
    path("patients/<str:pk>/disclosures/", disclosures.patient_disclosures, name="patient_disclosures"),
    path(
        "patients/<str:pk>/disclosures/accounting.pdf",
        disclosures.patient_disclosure_accounting,
        name="patient_disclosure_accounting",
    ),
    path("disclosures/<str:pk>/error/", disclosures.disclosure_error, name="disclosure_error"),
    path("patients/<str:pk>/archive/", patients.patient_archive, name="patient_archive"),
    path("patients/<str:pk>/clinics/", patients.patient_link_clinic, name="patient_link_clinic"),
    path("patients/<str:pk>/merge/", patients.patient_merge, name="patient_merge"),
    path("patients/<str:pk>/my-data.zip", privacy.patient_data_download, name="patient_data_download"),
    path("patients/<str:pk>/erasure/", privacy.erasure_request_create, name="erasure_request_create"),
]


def module_patterns():
    """Each plugin's office URLs, wrapped once with that plugin's module gate."""
    modules = registry().modules
    patterns = []
    for impl in registry().pm.hook.ehr_office_urls.get_hookimpls():
        slug = impl.plugin_name
        if slug in modules:
            patterns.append(
                path(f"c/<slug:clinic_slug>/{slug}/", include((gate_patterns(impl.function(), slug), slug)))
            )
    return patterns


urlpatterns += module_patterns()
