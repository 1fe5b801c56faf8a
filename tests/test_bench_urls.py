"""The benchmark's own views (the bare floor and the mailbox) exist only with its URLs (settings.bench):
production's URLs do not serve them."""

import pytest
from django.core import mail
from django.test import Client, override_settings

from bench.bare import ANSWER

pytestmark = pytest.mark.django_db

BENCH_ONLY = ["/bench/bare/django", "/bench/bare/ninja/clinic", "/bench/mail/someone@example.com"]


@pytest.mark.parametrize("url", BENCH_ONLY)
def test_production_urls_do_not_serve_them(url):
    assert Client().get(url).status_code == 404


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bare_views_answer_the_same_json_without_the_database(django_assert_num_queries):
    client = Client()
    for url in BENCH_ONLY[:2]:
        with django_assert_num_queries(0):
            response = client.get(url)
        assert response.status_code == 200 and response.json() == ANSWER


@override_settings(ROOT_URLCONF="bench.urls", EMAIL_BACKEND="bench.mail.CacheEmailBackend")
def test_the_mailbox_serves_the_last_message_to_an_address():
    client = Client()
    assert client.get("/bench/mail/new@bench.example").status_code == 404
    mail.send_mail("Confirm", "Follow /c/x/account/verify/abc/", None, ["New@Bench.example"])
    response = client.get("/bench/mail/new@bench.example")
    assert response.status_code == 200 and "/account/verify/abc/" in response.content.decode()
