"""Owners pressing *Remind by email* at the same instant, for one patient and for everyone listed: each
patient gets one email for the notice version in force, whoever wins (the unique constraint decides)."""

from collections import Counter

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from core.compliance.models import NoticeReminder
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user
from tests.parallel_http import fire, status_counts

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_reminders_send_one_email_per_patient(live_server, clinic_team):
    with scopes_disabled():
        patients = [make_patient(clinic_team.clinic, f"Pat{n}", "Waiting") for n in range(3)]
        for n, patient in enumerate(patients):
            link_patient_login(patient, make_user(f"waiting{n}@example.test"), agreed_notice=False)
    owner = Client()
    signed_in = owner.post("/accounts/login/", {"username": clinic_team.owner.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert owner.get("/office/settings/privacy-notice/").status_code == 200
    cookies = {"sessionid": owner.cookies["sessionid"].value, "csrftoken": owner.cookies["csrftoken"].value}
    url = f"{live_server.url}/office/settings/privacy-notice/remind/"
    # Half press "Remind all listed", half "Remind by email" on the first patient's row.
    bodies = [{"all": "1"} if n % 2 else {"patient": str(patients[0].pk)} for n in range(REQUESTS)]

    responses = fire("POST", url, bodies, form=True, cookies=[cookies] * REQUESTS)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel reminders of 3 patients: {dict(counts)}, {len(mail.outbox)} emails")
    assert counts == {302: REQUESTS}
    sent_to = Counter(address for message in mail.outbox for address in message.to)
    assert sent_to == {f"waiting{n}@example.test": 1 for n in range(3)}
    with scopes_disabled():
        assert NoticeReminder.objects.filter(organization=clinic_team.org).count() == 3
        assert not NoticeReminder.objects.filter(organization=clinic_team.org, sent_at__isnull=True).exists()
