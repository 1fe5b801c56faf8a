"""Health probes, clinic domains (Caddy's certificate question, the production host check) and request
ids with JSON logs, in-process."""

from __future__ import annotations

import json
import logging
import sys
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.status import Stat, Status
from django_scopes import scope, scopes_disabled
from gunicorn.glogging import SafeAtoms

from core.domains.middleware import AllowedHostsMiddleware
from core.domains.models import ClinicDomain
from core.observability import JsonFormatter, RequestIdFilter, RequestIdMiddleware, request_id_var
from settings.base import MIDDLEWARE
from tests.deploy.support import PROD_MIDDLEWARE_HEAD

pytestmark = pytest.mark.django_db


@pytest.fixture
def domains(alpha, beta):
    now = timezone.now()
    return {
        "verified": ClinicDomain.objects.create(
            organization=alpha.org, clinic=alpha.clinic, hostname="WWW.Alpha-Clinic.Example.", verified_at=now
        ),
        "pending": ClinicDomain.objects.create(
            organization=alpha.org, clinic=alpha.clinic, hostname="pending.alpha-clinic.example"
        ),
        "archived": ClinicDomain.objects.create(
            organization=beta.org, clinic=beta.clinic, hostname="old.beta-clinic.example", verified_at=now
        ),
    }


@pytest.fixture
def heartbeat():
    """A worker heartbeat as a running cluster saves it (django_q.status.Stat in the cache)."""
    cluster_id = uuid.uuid4()
    status = Status(pid=4242, cluster_id=cluster_id)
    status.status = Conf.IDLE
    broker = get_broker()
    broker.set_stat(Stat.get_key(cluster_id), SignedPackage.dumps(status, True), 3)
    yield status
    broker.cache.clear()


# --- health ---------------------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_names_the_missing_worker():
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert "no task worker heartbeat" in body["checks"]["worker"]["detail"]


def test_readyz_is_ready_with_a_recent_heartbeat(heartbeat):
    response = Client().get("/readyz", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["detail"].startswith("1 cluster(s) alive")


def test_readyz_ignores_a_stopped_cluster(heartbeat):
    heartbeat.status = Conf.STOPPED
    get_broker().set_stat(Stat.get_key(heartbeat.cluster_id), SignedPackage.dumps(heartbeat, True), 3)
    assert Client().get("/readyz").status_code == 503


def test_readyz_reports_an_unreachable_database(monkeypatch):
    from core.health import checks

    def down():
        raise RuntimeError("connection refused")

    monkeypatch.setitem(checks.READINESS, "database", down)
    body = Client().get("/readyz").json()
    assert body["failing"] == ["database", "migrations", "worker"]
    assert body["checks"]["database"]["detail"] == "RuntimeError: connection refused"
    assert body["checks"]["migrations"]["detail"] == "not checked: database unreachable"


def test_healthcheck_command_for_the_worker_container(heartbeat, capsys):
    from django.core.management import CommandError, call_command

    call_command("healthcheck", "worker")
    assert "worker: ok" in capsys.readouterr().out
    heartbeat.host = "another-container"
    get_broker().set_stat(Stat.get_key(heartbeat.cluster_id), SignedPackage.dumps(heartbeat, True), 3)
    with pytest.raises(CommandError, match="worker"):
        call_command("healthcheck", "worker")
    call_command("healthcheck", "worker", "--any-host")


# --- clinic domains -------------------------------------------------------------------------------


def test_hostnames_are_stored_normalised(domains):
    assert domains["verified"].hostname == "www.alpha-clinic.example"


def test_tls_ask_answers_200_only_for_verified_live_domains(domains, beta, client):
    with scopes_disabled():
        beta.clinic.archived = True
        beta.clinic.save()

    def ask(domain):
        return client.get("/internal/tls-ask", {"domain": domain}).status_code

    assert ask("www.alpha-clinic.example") == 200
    assert ask("WWW.ALPHA-CLINIC.EXAMPLE.") == 200
    assert ask("pending.alpha-clinic.example") == 404  # not verified yet
    assert ask("old.beta-clinic.example") == 404  # clinic archived
    assert ask("unknown.example") == 404
    assert ask("") == 404
    assert ask("not a host name") == 404
    assert client.post("/internal/tls-ask", {"domain": "www.alpha-clinic.example"}).status_code == 405


def test_a_hostname_is_unique_per_organization(alpha, beta):
    with scope(organization=alpha.org.pk):
        ClinicDomain.objects.create(organization=alpha.org, clinic=alpha.clinic, hostname="a.example")
        with pytest.raises(IntegrityError), transaction.atomic():
            ClinicDomain.objects.create(organization=alpha.org, clinic=alpha.clinic, hostname="A.example")
    with scope(organization=beta.org.pk):  # another organization may claim it (only one can verify it)
        ClinicDomain.objects.create(organization=beta.org, clinic=beta.clinic, hostname="a.example")


def test_validation_refuses_foreign_clinics_bad_names_and_taken_domains(alpha, beta, domains):
    with scope(organization=beta.org.pk):
        foreign = ClinicDomain(organization=beta.org, clinic=alpha.clinic, hostname="x.beta.example")
        with pytest.raises(ValidationError) as error:
            foreign.full_clean()
        assert "clinic" in error.value.message_dict
        bad = ClinicDomain(organization=beta.org, clinic=beta.clinic, hostname="https://x.example/")
        with pytest.raises(ValidationError) as error:
            bad.full_clean()
        assert "hostname" in error.value.message_dict
        taken = ClinicDomain(
            organization=beta.org,
            clinic=beta.clinic,
            hostname="www.alpha-clinic.example",
            verified_at=timezone.now(),
        )
        with pytest.raises(ValidationError) as error:
            taken.full_clean()
        assert "hostname" in error.value.message_dict


def test_clinic_domains_are_scoped_like_every_tenant_table(alpha, beta, domains):
    with scope(organization=beta.org.pk):
        assert list(ClinicDomain.objects.values_list("hostname", flat=True)) == ["old.beta-clinic.example"]


PROD_HOSTS = {
    "ALLOWED_HOSTS": ["*"],
    "EHR_MAIN_HOSTS": ["ehr.example.com", ".staff.example.com"],
    "EHR_HOST_CHECK_EXEMPT_PATHS": ["/healthz", "/readyz", "/internal/tls-ask"],
    "MIDDLEWARE": [*PROD_MIDDLEWARE_HEAD, *MIDDLEWARE],
}


@override_settings(**PROD_HOSTS)
@pytest.mark.parametrize(
    ("host", "accepted"),
    [
        ("ehr.example.com", True),
        ("EHR.example.com:443", True),
        ("eu.staff.example.com", True),
        ("www.alpha-clinic.example", True),  # what it is then answered with is the portal's business
        ("pending.alpha-clinic.example", False),
        ("evil.example", False),
        ("ehr.example.com.evil.example", False),
        ("bad host", False),
    ],
)
def test_host_check_accepts_main_hosts_and_verified_clinic_domains(domains, host, accepted):
    response = Client().get("/accounts/login/", HTTP_HOST=host)
    if accepted:
        assert response.status_code != 400
    else:
        assert response.status_code == 400 and response.content == b"Unknown host."


@override_settings(**PROD_HOSTS)
def test_probes_and_the_tls_question_answer_whatever_the_host(domains):
    client = Client()
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    ready = client.get("/readyz", HTTP_HOST="app:8000")
    assert ready.status_code == 503 and ready.json()["failing"] == ["worker"]
    assert (
        client.get(
            "/internal/tls-ask", {"domain": "www.alpha-clinic.example"}, HTTP_HOST="app:8000"
        ).status_code
        == 200
    )


@override_settings(**PROD_HOSTS, EHR_DOMAIN_CACHE_SECONDS=3600)
def test_host_answers_are_cached_briefly(domains, django_assert_num_queries):
    middleware = AllowedHostsMiddleware(lambda request: "passed")
    request = RequestFactory().get("/", HTTP_HOST="www.alpha-clinic.example")
    with django_assert_num_queries(1):
        assert middleware(request) == "passed"
        assert middleware(request) == "passed"
    middleware.clinic_domains.clear()
    with django_assert_num_queries(1):
        assert middleware(request) == "passed"


# --- request ids and JSON logs --------------------------------------------------------------------


@override_settings(MIDDLEWARE=["core.observability.RequestIdMiddleware", *MIDDLEWARE])
def test_request_id_is_taken_from_the_proxy_or_made():
    client = Client()
    from_proxy = client.get("/healthz", HTTP_X_REQUEST_ID="5b3c2e8a-1f4d-4c8b-9a7e-0d6f1e2a3b4c")
    assert from_proxy["X-Request-ID"] == "5b3c2e8a-1f4d-4c8b-9a7e-0d6f1e2a3b4c"
    made = client.get("/healthz")
    assert len(made["X-Request-ID"]) == 32
    unsafe = client.get("/healthz", HTTP_X_REQUEST_ID="<script>\nx")
    assert unsafe["X-Request-ID"] != "<script>\nx" and len(unsafe["X-Request-ID"]) == 32


def test_log_records_carry_the_request_id_as_json():
    seen = []

    def view(request):
        record = logging.makeLogRecord(
            {"name": "core.test", "levelname": "INFO", "msg": "hello %s", "args": ("you",)}
        )
        record.patient_count = 3
        RequestIdFilter().filter(record)
        seen.append(json.loads(JsonFormatter().format(record)))
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-id-12345678"))
    assert response["X-Request-ID"] == "proxy-id-12345678"
    [entry] = seen
    assert entry["message"] == "hello you" and entry["request_id"] == "proxy-id-12345678"
    assert entry["logger"] == "core.test" and entry["level"] == "INFO" and entry["patient_count"] == 3
    assert request_id_var.get() is None  # reset once the request is done


def test_gunicorn_access_lines_become_json_fields():
    atoms = SafeAtoms(
        {
            "h": "127.0.0.1",
            "m": "GET",
            "U": "/office/",
            "H": "HTTP/1.1",
            "s": 200,
            "B": 5120,
            "M": 12,
            "a": 'curl/8 "quoted"',
            "{x-request-id}o": "abc-123-def-456",
            "{x-forwarded-for}i": "203.0.113.9",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(r)s", (atoms,), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "abc-123-def-456"
    assert entry["path"] == "/office/" and entry["status"] == 200 and entry["duration_ms"] == 12
    assert entry["forwarded_for"] == "203.0.113.9"
    assert "user_agent" in entry and "query" not in json.dumps(entry)


def test_exceptions_are_logged_with_their_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("core", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR" and "ValueError: boom" in entry["exception"]
