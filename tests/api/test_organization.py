"""The signed-in user, the organization's settings, and the uniform error body."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from core.tenancy.models import Organization
from tests.factories import PASSWORD, make_user

from .conftest import error_of

pytestmark = pytest.mark.django_db


def test_me(alpha, api):
    body = api(alpha.staff).get("/me").json()
    assert (body["id"], body["email"], body["full_name"]) == (
        alpha.staff.pk,
        alpha.staff.email,
        "Alpha Front",
    )
    assert body["organizations"] == [
        {"id": alpha.org.pk, "name": "Alpha", "slug": alpha.org.slug, "role": "staff", "current": True}
    ]


def test_me_for_someone_in_no_organization(db, api):
    person = make_user("loner@example.test")
    assert api(person).get("/me").json()["organizations"] == []
    # Anything that belongs to an organization is simply not there for them.
    assert error_of(api(person).get("/organization"))["code"] == "not_found"


def test_anonymous_gets_401_with_the_uniform_body(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "not_authenticated",
        "message": "Sign in or send a valid API token.",
        "fields": {},
    }


def test_read_organization(alpha, api):
    body = api(alpha.practitioner).get("/organization").json()
    assert body == {
        "id": alpha.org.pk,
        "name": "Alpha",
        "slug": alpha.org.slug,
        "default_locale": "en",
        "country": "",
        "require_two_factor": False,
        "session_idle_minutes": None,
        "show_staff_names_to_patients": False,
        "role": "practitioner",
    }


def test_owner_picks_a_country_with_a_compliance_pack(alpha, api):
    owner = api(alpha.owner)
    assert owner.patch("/organization", {"country": "fr"}).json()["country"] == "FR"
    refused = owner.patch("/organization", {"country": "XX"})
    assert refused.status_code == 422
    assert error_of(refused)["fields"]["country"] == ["There is no compliance pack for “XX”."]
    assert owner.patch("/organization", {"country": ""}).json()["country"] == ""


def test_owner_changes_settings(alpha, api):
    owner = api(alpha.owner)
    response = owner.patch(
        "/organization",
        {
            "name": " Alpha Health ",
            "default_locale": "fr",
            "session_idle_minutes": 60,
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["default_locale"]) == ("Alpha Health", "fr")
    with scopes_disabled():
        org = Organization.objects.get(pk=alpha.org.pk)
    assert (org.name, org.session_idle_minutes, org.require_two_factor) == ("Alpha Health", 60, False)
    cleared = owner.patch("/organization", {"session_idle_minutes": None, "current_password": PASSWORD})
    assert cleared.json()["session_idle_minutes"] is None
    named = owner.patch("/organization", {"show_staff_names_to_patients": True})
    assert named.json()["show_staff_names_to_patients"] is True


def test_requiring_two_factor_applies_to_sessions_and_to_tokens_of_members_without_it(alpha, api, token_api):
    owner = api(alpha.owner)
    bearer = token_api(alpha.owner, alpha.org)
    assert (
        owner.patch("/organization", {"require_two_factor": True, "current_password": PASSWORD}).status_code
        == 200
    )
    refused = owner.get("/organization")
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    refused = bearer.get("/organization")
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    TOTPDevice.objects.create(user=alpha.owner, name="Authenticator app", confirmed=True)
    assert bearer.get("/organization").json()["require_two_factor"] is True


def test_settings_refuse_bad_input(alpha, api):
    owner = api(alpha.owner)
    for body, field in [
        ({"default_locale": "xx"}, "default_locale"),
        ({"session_idle_minutes": 2}, "session_idle_minutes"),
        ({"session_idle_minutes": "soon"}, "session_idle_minutes"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"require_two_factor": "sometimes"}, "require_two_factor"),
        ({"require_two_factor": None}, "require_two_factor"),
        ({"slug": "mine"}, "slug"),
    ]:
        response = owner.patch("/organization", body)
        assert response.status_code == 422, body
        assert list(error_of(response)["fields"]) == [field], body
    assert error_of(owner.patch("/organization", {"slug": "mine"}))["fields"]["slug"] == ["Unknown field."]
    assert error_of(owner.patch("/organization", {"name": "x" * 201}))["fields"]["name"] == [
        "Ensure this value has at most 200 characters."
    ]
    not_json = owner.client.patch("/api/v1/organization", data="{", content_type="application/json")
    assert not_json.status_code in (400, 422) and error_of(not_json)
    with scopes_disabled():
        assert Organization.objects.get(pk=alpha.org.pk).name == "Alpha"


def test_members_cannot_change_settings(alpha, api):
    for user in (alpha.practitioner, alpha.staff):
        response = api(user).patch("/organization", {"name": "Taken over"})
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    with scopes_disabled():
        assert Organization.objects.get(pk=alpha.org.pk).name == "Alpha"


def test_messages_follow_the_requested_language(alpha, api):
    owner = api(alpha.owner)
    with translation.override("fr"):
        required = gettext("This field is required.")
        invalid = gettext("Some fields are not valid.")
    assert required != "This field is required."
    error = error_of(owner.call("post", "/clinics", {}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert (error["fields"], error["message"]) == ({"name": [required]}, invalid)
    with translation.override("de"):
        choice = gettext("Select a valid choice. That choice is not one of the available choices.")
    response = owner.call("patch", "/organization", {"default_locale": "xx"}, HTTP_ACCEPT_LANGUAGE="de")
    assert (
        error_of(response)["fields"]["default_locale"]
        == [choice]
        != ["Select a valid choice. That choice is not one of the available choices."]
    )


def test_sign_in_security_changes_need_the_password_or_a_current_code(alpha, token_api):
    """A token alone cannot switch two-factor sign-in off or stretch idle sessions: the same proof the
    office form asks for, the same messages, and nothing written when it is missing or wrong."""
    from django_otp.oath import totp
    from pghistory.models import Context

    Organization.objects.filter(pk=alpha.org.pk).update(require_two_factor=True)
    device = TOTPDevice.objects.create(user=alpha.owner, name="Authenticator app", confirmed=True)
    bearer = token_api(alpha.owner, alpha.org)

    for body, message in [
        ({"require_two_factor": False}, "Enter your password or a current code to confirm it is you."),
        ({"require_two_factor": False, "current_password": "not-it"}, "The password is not correct."),
        ({"session_idle_minutes": 600, "otp_code": "000000"}, "That code is not valid."),
    ]:
        refused = bearer.patch("/organization", body)
        assert refused.status_code == 403, body
        error = error_of(refused)
        assert error["code"] == "identity_not_confirmed" and error["message"].startswith(message)
        assert error["fields"]["current_password"] == [error["message"]]
        device.throttle_reset()
    with scopes_disabled():
        org = Organization.objects.get(pk=alpha.org.pk)
        assert (org.require_two_factor, org.session_idle_minutes) == (True, None)

    # Settings that are not about sign-in, or sent unchanged, need no proof.
    assert bearer.patch("/organization", {"name": "Alpha", "require_two_factor": True}).status_code == 200

    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    accepted = bearer.patch("/organization", {"require_two_factor": False, "otp_code": code})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["require_two_factor"] is False
    with scopes_disabled():
        event = Organization.pgh_event_models["update"].objects.filter(pgh_obj_id=alpha.org.pk).last()
        assert event.require_two_factor is False
        context = Context.objects.get(pk=event.pgh_context_id).metadata
    # Recorded like the office's change: who, and through which address.
    assert context["user"] == alpha.owner.pk and context["path"] == "/api/v1/organization"


def test_proof_is_refused_in_the_requested_language(alpha, api):
    with translation.override("fr"):
        expected = gettext("Enter your password or a current code to confirm it is you.")
    refused = api(alpha.owner).call(
        "patch", "/organization", {"require_two_factor": True}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert refused.status_code == 403 and error_of(refused)["message"] == expected
