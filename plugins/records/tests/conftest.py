import pytest
from django_scopes import scope, scopes_disabled

from plugins.records.models import Encounter, EncounterKind
from plugins.records.services import note_templates, notes
from tests.conftest import alpha, beta, login  # noqa: F401


def _encounter(tenant, author):
    return Encounter.objects.create(
        organization=tenant.org,
        clinic=tenant.clinic,
        patient=tenant.patient,
        practitioner=author,
        kind=EncounterKind.WALK_IN,
        reason="Back pain",
        created_by=author.user,
    )


def make_note(tenant, *, author_role="practitioner", privacy="clinical", content=None):
    """A draft SOAP note of the tenant's patient, written by ``author_role``."""
    with scopes_disabled(), scope(organization=tenant.org.pk):
        author = tenant.memberships[author_role]
        soap = next(
            v for v in note_templates.current_versions(tenant.org) if v.template.shipped_key == "soap"
        )
        note = notes.create_note(_encounter(tenant, author), soap, author=author, privacy=privacy)
        if content is not None:
            note = notes.save_draft(note, content, revision=None)
        return note


SOAP_CONTENT = {
    "complaint": "Low back pain for a week",
    "assessment": "Mechanical back pain",
    "plan": "Exercises",
}


def sign(tenant, note, role="practitioner"):
    with scopes_disabled(), scope(organization=tenant.org.pk):
        return notes.sign_note(note, by=getattr(tenant, role))


@pytest.fixture
def draft(alpha):  # noqa: F811
    return make_note(alpha, content=SOAP_CONTENT)


@pytest.fixture
def signed(alpha):  # noqa: F811
    return sign(alpha, make_note(alpha, content=SOAP_CONTENT))
