"""Members and invitations through the API (owners only)."""

from __future__ import annotations

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from core.tenancy.models import Invitation, Membership
from core.tenancy.services import find_invitation

from .conftest import error_of

pytestmark = pytest.mark.django_db


def test_owner_lists_members(alpha, api):
    body = api(alpha.owner).get("/members").json()
    assert body["count"] == 3
    by_role = {m["role"]: m for m in body["items"]}
    assert by_role["staff"]["clinic_ids"] == [alpha.clinic.pk]
    assert by_role["practitioner"]["clinic_ids"] == sorted(c.pk for c in alpha.clinics)
    assert by_role["owner"]["email"] == alpha.owner.email and by_role["owner"]["is_active"] is True
    for user in (alpha.practitioner, alpha.staff):
        assert api(user).get("/members").status_code == 403


def test_owner_changes_role_and_clinics(alpha, api):
    staff_id = alpha.memberships["staff"].pk
    response = api(alpha.owner).patch(
        f"/members/{staff_id}", {"role": "practitioner", "clinic_ids": [alpha.clinics[1].pk]}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["clinic_ids"]) == ("practitioner", [alpha.clinics[1].pk])
    # The change takes effect on the member's next call.
    staff = api(alpha.staff)
    assert [c["id"] for c in staff.get("/clinics").json()["items"]] == [alpha.clinics[1].pk]
    assert staff.get(f"/patients/{alpha.patient.pk}").status_code == 404


def test_member_changes_refused(alpha, beta, api):
    owner = api(alpha.owner)
    staff_url = f"/members/{alpha.memberships['staff'].pk}"
    owner_url = f"/members/{alpha.memberships['owner'].pk}"

    last_owner = owner.patch(owner_url, {"role": "staff"})
    assert last_owner.status_code == 422
    assert error_of(last_owner)["fields"] == {"role": ["An organization must keep at least one owner."]}
    for body, field in [
        ({"role": "admin"}, "role"),
        ({"clinic_ids": [beta.clinic.pk]}, "clinic_ids"),
        ({"clinic_ids": [987654321]}, "clinic_ids"),
        ({"clinic_ids": None}, "clinic_ids"),
        ({"is_active": False}, "is_active"),
    ]:
        response = owner.patch(staff_url, body)
        assert response.status_code == 422, body
        assert list(error_of(response)["fields"]) == [field], body
    assert api(alpha.practitioner).patch(staff_url, {"role": "owner"}).status_code == 403
    with scopes_disabled():
        assert Membership.objects.get(pk=alpha.memberships["owner"].pk).role == "owner"
        assert Membership.objects.get(pk=alpha.memberships["staff"].pk).role == "staff"


def test_deactivate_and_reactivate(alpha, api):
    owner = api(alpha.owner)
    staff_session = api(alpha.staff)
    url = f"/members/{alpha.memberships['staff'].pk}"
    assert owner.post(f"{url}/deactivate").json()["is_active"] is False
    # Deactivated: no longer a member of anything, so nothing of the organization is found.
    assert staff_session.get("/organization").status_code == 404
    assert owner.post(f"{url}/reactivate").json()["is_active"] is True
    assert staff_session.get("/organization").status_code == 200

    last = owner.post(f"/members/{alpha.memberships['owner'].pk}/deactivate")
    assert last.status_code == 422
    assert error_of(last)["message"] == "An organization must keep at least one active owner."
    assert api(alpha.practitioner).post(f"{url}/deactivate").status_code == 403


def test_a_second_owner_may_step_down(alpha, api):
    owner = api(alpha.owner)
    promoted = owner.patch(f"/members/{alpha.memberships['practitioner'].pk}", {"role": "owner"})
    assert promoted.json()["role"] == "owner"
    assert owner.patch(f"/members/{alpha.memberships['owner'].pk}", {"role": "staff"}).status_code == 200


# --- invitations -----------------------------------------------------------------------------------------


def test_invite_sends_the_email(alpha, api, django_capture_on_commit_callbacks):
    owner = api(alpha.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            "/invitations",
            {"email": " New.Doctor@Example.test ", "role": "practitioner", "clinic_ids": [alpha.clinic.pk]},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["clinic_ids"], body["status"]) == (
        "new.doctor@example.test",
        "practitioner",
        [alpha.clinic.pk],
        "pending",
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.doctor@example.test"]
    assert "Alpha" in mail.outbox[0].subject
    link = next(line for line in mail.outbox[0].body.splitlines() if line.startswith("http"))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    with scopes_disabled():
        assert find_invitation(token).pk == body["id"]  # the emailed link is the invitation's
    assert [i["id"] for i in owner.get("/invitations").json()["items"]] == [body["id"]]


def test_invitation_input_is_checked(alpha, beta, api):
    owner = api(alpha.owner)
    for body, field in [
        ({"email": "a@example.test", "role": "staff"}, "clinic_ids"),
        ({"email": "a@example.test", "role": "staff", "clinic_ids": [beta.clinic.pk]}, "clinic_ids"),
        ({"email": "not-an-email", "role": "owner"}, "email"),
        ({"email": "a@example.test", "role": "boss"}, "role"),
        ({"email": alpha.staff.email.upper(), "role": "owner"}, "email"),
        ({"email": "a@example.test", "role": "owner", "message": "hi"}, "message"),
    ]:
        response = owner.post("/invitations", body)
        assert response.status_code == 422, (body, response.content)
        assert list(error_of(response)["fields"]) == [field], body
    with scopes_disabled():
        assert not Invitation.objects.filter(organization=alpha.org).exists()
    assert len(mail.outbox) == 0
    assert (
        api(alpha.practitioner).post("/invitations", {"email": "a@example.test", "role": "owner"}).status_code
        == 403
    )


def test_resend_and_revoke(alpha, api, django_capture_on_commit_callbacks):
    owner = api(alpha.owner)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = owner.post("/invitations", {"email": "late@example.test", "role": "owner"}).json()
    url = f"/invitations/{invitation['id']}"
    first_link = mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        resent = owner.post(f"{url}/resend")
    assert resent.status_code == 200 and resent.json()["expires_at"] >= invitation["expires_at"]
    assert len(mail.outbox) == 2 and mail.outbox[1].body != first_link
    assert api(alpha.staff).post(f"{url}/revoke").status_code == 403

    revoked = owner.post(f"{url}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert owner.get("/invitations").json()["count"] == 0
    refused = owner.post(f"{url}/resend")
    assert refused.status_code == 422
    assert error_of(refused)["message"] == "This invitation can no longer be sent."
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation["id"]).revoked_at is not None
