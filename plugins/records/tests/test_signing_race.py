"""A note signed from many requests at the same instant gets exactly one signature."""

import pytest
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from plugins.records.models import Note, NoteSignature
from tests.factories import PASSWORD, make_tenant
from tests.parallel_http import fire, status_counts

from .conftest import SOAP_CONTENT, make_note

REQUESTS = 24


@pytest.mark.django_db(transaction=True)
def test_parallel_signing_gives_one_signature(live_server):
    with scopes_disabled():
        tenant = make_tenant("Signing")
        _record, token = create_token(tenant.practitioner, tenant.org, "parallel")
    note = make_note(tenant, content=SOAP_CONTENT)
    url = f"{live_server.url}/api/v1/clinics/{tenant.clinic.pk}/records/notes/{note.pk}/sign"

    responses = fire("POST", url, [{"secret": PASSWORD}] * REQUESTS, {"Authorization": f"Bearer {token}"})

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel signatures of one note: {dict(counts)}")
    assert counts == {200: 1, 409: REQUESTS - 1}
    with scopes_disabled():
        assert NoteSignature.objects.filter(note_id=note.pk).count() == 1
        signed = Note.objects.get(pk=note.pk)
        assert signed.signed_by == tenant.practitioner and signed.content_sha256
