"""The error pages speak the request's language, right to left in Arabic; the 500 page renders with no
database and no context processor, since either may be what failed."""

import pytest
from django.test import Client
from django.urls import include, path

from core.views import server_error


def boom(request):
    raise RuntimeError("a failing page")


urlpatterns = [path("boom/", boom), path("", include("core.urls"))]
handler500 = "core.views.server_error"


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.django_db
def test_a_failing_page_answers_500_in_the_browsers_language():
    client = Client(raise_request_exception=False)
    for language, back, direction in (
        ("ar", "العودة إلى لوحة الإدارة", "rtl"),
        ("de", "Zurück zur Verwaltung", "ltr"),
        ("en", "Back to the office", "ltr"),
    ):
        response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)
        page = response.content.decode()
        assert response.status_code == 500
        assert f'lang="{language}" dir="{direction}"' in page, language
        assert back in page, language


def test_the_500_page_renders_without_a_request_context(rf):
    from django.utils import translation

    # No django_db mark: any query would fail this test.
    with translation.override("ar"):
        response = server_error(rf.get("/office/"))
    assert response.status_code == 500 and 'dir="rtl"' in response.content.decode()


@pytest.mark.django_db
def test_not_found_and_not_allowed_pages_follow_the_language(alpha, login):
    page = Client().get("/office/no-such-page/", HTTP_ACCEPT_LANGUAGE="ar")
    assert page.status_code == 404 and 'dir="rtl"' in page.content.decode()
    client = login(alpha.staff)
    forbidden = client.get("/office/settings/processing-record/", HTTP_ACCEPT_LANGUAGE="ar")
    assert forbidden.status_code == 403
