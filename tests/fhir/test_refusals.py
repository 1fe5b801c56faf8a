"""What a person reads when an app's sign-in request is refused: our own words (marked for translation),
not oauthlib's descriptions written for developers."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_malformed_sign_in_request_is_refused_in_plain_words(alpha):
    client = Client()
    client.force_login(alpha.owner)
    response = client.get(
        "/oauth/authorize/",
        {
            "response_type": "code",
            "client_id": "no-such-app",
            "redirect_uri": "https://app.example/cb",
            "scope": "user/*.rs",
            "aud": "http://testserver/fhir/R4",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This app cannot be connected" in page
    assert "The app&#x27;s request is incomplete. Ask the app&#x27;s makers to fix it." in page
