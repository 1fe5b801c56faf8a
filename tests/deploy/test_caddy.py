"""The production stack on loopback: Caddy (the repository's Caddyfile) in front of gunicorn started by
deploy/entrypoint.sh with settings.prod, plus a django-q2 worker, on a seeded throwaway database.

Caddy serves plain HTTP here (EHR_SITE_SCHEME=http): the secure cookies are therefore handled by hand,
as a browser on HTTPS would, and the test checks their attributes instead of relying on a cookie jar.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests

from tests.deploy.support import (
    PYTHON,
    ROOT,
    UNVERIFIED_DOMAIN,
    VERIFIED_DOMAIN,
    Service,
    free_port,
    product_env,
    wait_for_port,
)

pytestmark = pytest.mark.django_db  # the seeded database is cloned from pytest's test database

CADDY = shutil.which("caddy") or ("/usr/bin/caddy" if Path("/usr/bin/caddy").exists() else None)
OWNER, PASSWORD = "owner@alpha.test", "demo-pass-2026"
HSTS = "max-age=31536000; includeSubDomains"


def caddy_env(tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        # Caddy's certificates and autosaved config stay in the test's directory.
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "EHR_DOMAIN": "ehr.example.com",
        "EHR_ACME_EMAIL": "ops@example.com",
        **extra,
    }


def local_caddy_env(tmp: Path, caddy_port: int, app_port: int) -> dict[str, str]:
    """Plain HTTP on a loopback port, proxying to the local gunicorn, no admin API, no custom domains."""
    return caddy_env(
        tmp,
        EHR_DOMAIN="127.0.0.1",
        EHR_SITE_SCHEME="http",
        EHR_SITE_PORT=f":{caddy_port}",
        EHR_LISTEN="loopback",
        EHR_CUSTOM_DOMAINS="off",
        EHR_CADDY_ADMIN="off",
        EHR_UPSTREAM=f"127.0.0.1:{app_port}",
        EHR_TLS_ASK_URL=f"http://127.0.0.1:{app_port}/internal/tls-ask",
        EHR_MEDIA_PARENT=str(tmp / "var"),  # the app's EHR_VAR_DIR: its media/ is inside
    )


def wait_for_http(
    url: str, service: Service, timeout: float, status: int = 200, **kwargs
) -> requests.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not service.alive():
            raise AssertionError(f"{service.name} exited:\n{service.output()[-4000:]}")
        try:
            last = requests.get(url, timeout=5, allow_redirects=False, **kwargs)
            if last.status_code == status:
                return last
        except requests.RequestException:
            pass
        time.sleep(0.25)
    detail = last.text[:1000] if last is not None else "no answer"
    raise AssertionError(
        f"{url} did not answer {status} within {timeout} s: {detail}\n{service.output()[-4000:]}"
    )


class Stack:
    def __init__(self, app: Service, worker: Service, caddy: Service, app_port: int, caddy_port: int):
        self.app, self.worker, self.caddy = app, worker, caddy
        self.app_url = f"http://127.0.0.1:{app_port}"
        self.url = f"http://127.0.0.1:{caddy_port}"
        self.media_root = ""


@pytest.fixture(scope="module")
def stack(postgres, seeded_template, tmp_path_factory):
    if CADDY is None:
        pytest.skip("caddy is not installed (`make test` installs it through scripts/bootstrap.sh)")
    tmp = tmp_path_factory.mktemp("stack")
    database = postgres.clone(seeded_template, "ehr_deploy_stack")
    app_port, caddy_port = free_port(), free_port()
    env = product_env(
        postgres.url(database),
        tmp / "var",
        EHR_SECURE_SSL_REDIRECT="0",  # Caddy speaks plain HTTP in this test
        EHR_MIGRATE_ON_START="1",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        GUNICORN_WORKERS="2",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        Q_WORKERS="1",
    )
    services: list[Service] = []
    try:
        # Caddy and the worker start while static files are collected (the app needs them at start-up).
        services.append(
            Service(
                "caddy",
                [CADDY, "run", "--config", "Caddyfile", "--adapter", "caddyfile"],
                local_caddy_env(tmp, caddy_port, app_port),
                tmp,
            )
        )
        services.append(Service("worker", ["deploy/entrypoint.sh", "worker"], env, tmp))
        collected = subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "tests.deploy.collectstatic_settings"},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert collected.returncode == 0, collected.stderr[-3000:]
        assert (tmp / "var" / "static" / "staticfiles.json").is_file()
        services.append(Service("app", ["deploy/entrypoint.sh", "web"], env, tmp))
        caddy, worker, app = services
        wait_for_port(caddy_port, caddy, timeout=20)
        wait_for_http(f"http://127.0.0.1:{app_port}/healthz", app, timeout=150)
        stack = Stack(app, worker, caddy, app_port, caddy_port)
        stack.media_root = str(tmp / "var" / "media")
        yield stack
    finally:
        for service in reversed(services):
            service.stop()
        postgres.drop(database)


def set_cookies(response: requests.Response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            cookies[name] = cookie[name]
    return cookies


def assert_secure_cookie(morsel) -> None:
    # What browsers require of a "__Host-" cookie, and what an HTTPS-only session cookie should be.
    assert morsel["secure"], morsel.OutputString()
    assert morsel["path"] == "/", morsel.OutputString()
    assert not morsel["domain"], morsel.OutputString()
    assert morsel["httponly"], morsel.OutputString()
    assert morsel["samesite"] == "Lax", morsel.OutputString()


def assert_security_headers(response: requests.Response) -> None:
    headers = response.raw.headers
    for name in (
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
    ):
        assert len(headers.getlist(name)) == 1, (name, headers.getlist(name))
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = {p.strip() for p in response.headers["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()"} <= permissions
    assert "Server" not in response.headers, response.headers.get("Server")
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in (d.strip() for d in response.headers["Content-Security-Policy"].split(";"))
        if directive
    }
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert set(csp["style-src"]) <= {"'self'", "'unsafe-inline'"}
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert not [v for values in csp.values() for v in values if v == "'unsafe-eval'"]


def assert_no_inline_script(html: str) -> None:
    """What script-src 'self' would block: inline <script> elements and on* event-handler attributes."""
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.findall(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler"
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html


def test_owner_signs_in_through_caddy_with_csrf(stack):
    page = requests.get(f"{stack.url}/accounts/login/", timeout=10)
    assert page.status_code == 200
    assert_security_headers(page)
    assert_no_inline_script(page.text)
    cookies = set_cookies(page)
    assert set(cookies) == {"__Host-csrftoken"}, cookies
    assert_secure_cookie(cookies["__Host-csrftoken"])
    csrf_cookie = cookies["__Host-csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    # Without the token the form is refused.
    refused = requests.post(
        f"{stack.url}/accounts/login/",
        data={"username": OWNER, "password": PASSWORD},
        headers={"Cookie": f"__Host-csrftoken={csrf_cookie}"},
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 403

    signed_in = requests.post(
        f"{stack.url}/accounts/login/",
        data={"username": OWNER, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Cookie": f"__Host-csrftoken={csrf_cookie}"},
        allow_redirects=False,
        timeout=20,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert signed_in.headers["Location"].endswith("/office/")
    cookies.update(set_cookies(signed_in))
    assert "__Host-sessionid" in cookies and "sessionid" not in cookies
    assert_secure_cookie(cookies["__Host-sessionid"])

    jar = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    office = requests.get(f"{stack.url}/office/", headers={"Cookie": jar}, allow_redirects=False, timeout=20)
    assert office.status_code == 200, office.text[:2000]
    assert "Alpha Health" in office.text
    assert_security_headers(office)
    assert_no_inline_script(office.text)


def test_uploaded_cms_images_are_served_and_documents_stay_behind_the_app(stack):
    media = Path(stack.media_root)
    (media / "original_images").mkdir(parents=True, exist_ok=True)
    (media / "original_images" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (media / "documents").mkdir(parents=True, exist_ok=True)
    (media / "documents" / "leaflet.pdf").write_bytes(b"%PDF-1.4\n")
    image = requests.get(f"{stack.url}/media/original_images/logo.png", timeout=10)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{stack.url}/media/documents/leaflet.pdf", timeout=10).status_code == 404


def test_only_the_cms_may_run_inline_scripts(stack):
    def csp(path: str) -> str:
        response = requests.get(f"{stack.url}{path}", timeout=10, allow_redirects=False)
        assert len(response.raw.headers.getlist("Content-Security-Policy")) == 1, path
        return response.headers["Content-Security-Policy"]

    assert "script-src 'self' 'unsafe-inline'" in csp("/cms/login/")
    for path in ("/accounts/login/", "/office/", "/healthz"):
        assert "script-src 'self';" in csp(path), path
        assert "frame-ancestors 'none'" in csp(path), path


def test_static_files_are_compressed_and_cached_for_a_year(stack):
    page = requests.get(f"{stack.url}/accounts/login/", timeout=10)
    hashed = re.search(r'href="(/static/build/app\.[0-9a-f]{12}\.css)"', page.text)
    assert hashed, "the page links the hashed stylesheet from collectstatic's manifest"
    for path in ("/static/build/app.css", hashed.group(1)):
        response = requests.get(f"{stack.url}{path}", headers={"Accept-Encoding": "gzip"}, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/css")
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", path
        assert response.headers.get("Content-Encoding") == "gzip", path
        assert ".bg-muted" in response.text or "--color-muted" in response.text
        assert_security_headers(response)
    htmx = requests.get(f"{stack.url}/static/build/htmx.min.js", timeout=10)
    assert htmx.status_code == 200 and "htmx" in htmx.text


def test_each_request_gets_an_id_from_caddy_in_the_response_and_the_json_logs(stack):
    response = requests.get(
        f"{stack.url}/accounts/login/", headers={"X-Request-ID": "chosen-by-the-client"}, timeout=10
    )
    request_id = response.headers["X-Request-ID"]
    # Caddy replaces whatever the client sent with its own id.
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", request_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in stack.app.output().splitlines() if request_id in line]
        if lines:
            break
        time.sleep(0.2)
    assert lines, stack.app.output()[-3000:]
    entry = json.loads(lines[-1])
    assert entry["logger"] == "gunicorn.access"
    assert entry["request_id"] == request_id
    assert entry["method"] == "GET" and entry["path"] == "/accounts/login/" and entry["status"] == 200


def test_readyz_reports_database_migrations_and_worker(stack):
    ready = wait_for_http(f"{stack.url}/readyz", stack.worker, timeout=60)
    body = ready.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "migrations", "worker"}
    assert "alive" in body["checks"]["worker"]["detail"]
    assert ready.headers["Cache-Control"].startswith("max-age=0")
    assert requests.get(f"{stack.url}/healthz", timeout=10).json() == {"status": "ok"}


def test_tls_ask_and_host_check(stack):
    # Only Caddy asks, from inside the network; through Caddy the internal path does not exist.
    blocked = requests.get(f"{stack.url}/internal/tls-ask", params={"domain": VERIFIED_DOMAIN}, timeout=10)
    assert blocked.status_code == 404

    def ask(domain):
        return requests.get(
            f"{stack.app_url}/internal/tls-ask",
            params={"domain": domain},
            headers={"Host": "app:8000"},
            timeout=10,
        ).status_code

    assert ask(VERIFIED_DOMAIN) == 200
    assert ask(VERIFIED_DOMAIN.upper() + ".") == 200
    assert ask(UNVERIFIED_DOMAIN) == 404
    assert ask("attacker.example") == 404
    assert ask("") == 404

    def login_page(host):
        return requests.get(
            f"{stack.app_url}/accounts/login/", headers={"Host": host}, allow_redirects=False, timeout=10
        )

    # Accepted hosts pass the host check (what a clinic domain is then answered with is its portal's
    # business); anything else is refused before any other code runs.
    assert login_page("127.0.0.1").status_code == 200
    assert login_page(VERIFIED_DOMAIN).status_code != 400
    for host in (UNVERIFIED_DOMAIN, "attacker.example"):
        refused = login_page(host)
        assert refused.status_code == 400 and refused.text == "Unknown host.", host


@pytest.mark.parametrize("deployment", ["production", "local"])
def test_caddy_validates_the_caddyfile(tmp_path, deployment):
    if CADDY is None:
        pytest.skip("caddy is not installed (`make test` installs it through scripts/bootstrap.sh)")
    env = caddy_env(tmp_path) if deployment == "production" else local_caddy_env(tmp_path, 8443, 8000)
    result = subprocess.run(
        [CADDY, "validate", "--config", "Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Valid configuration" in result.stdout + result.stderr
    formatted = subprocess.run(
        [CADDY, "fmt", "Caddyfile"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert formatted.stdout == (ROOT / "Caddyfile").read_text(), "run `caddy fmt --overwrite Caddyfile`"
