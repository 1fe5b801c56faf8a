"""settings.prod passes Django's deployment checks and refuses to start without a secret; the compose file,
the Dockerfile, the entrypoint and env.example agree with each other and with the repository."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.deploy.support import PROD_MIDDLEWARE_HEAD, PYTHON, ROOT, SECRET_KEY, product_env

DEPLOY = ROOT / "deploy"


def prod_env(tmp_path, **extra):
    return product_env("postgres://postgres@127.0.0.1:5432/unused", tmp_path, **extra)


def test_check_deploy_reports_nothing(tmp_path):
    env = prod_env(tmp_path, EHR_DOMAIN="ehr.example.com")
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"), ("EHR_DOMAIN", "EHR_DOMAIN is not set")],
)
def test_settings_refuse_to_start_without(tmp_path, missing, message):
    env = prod_env(tmp_path)
    env.pop(missing)
    result = subprocess.run(
        [PYTHON, "-c", "import settings.prod"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_production_security_settings(tmp_path):
    code = (
        "import json, settings.prod as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'ALLOWED_HOSTS', 'EHR_MAIN_HOSTS', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'EHR_TRUSTED_PROXY', "
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECRET_KEY')}, default=list)); "
        "print(s.MIDDLEWARE[:3])"
    )
    env = prod_env(tmp_path, EHR_DOMAIN="EHR.example.com", DJANGO_ALLOWED_HOSTS=".clinic-ehr.example")
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values, middleware = result.stdout.splitlines()[-2:]
    assert '"DEBUG": false' in values
    assert '"ALLOWED_HOSTS": ["*"]' in values
    assert '"EHR_MAIN_HOSTS": ["ehr.example.com", ".clinic-ehr.example"]' in values
    assert '"SESSION_COOKIE_NAME": "__Host-sessionid"' in values
    assert '"CSRF_COOKIE_NAME": "__Host-csrftoken"' in values
    assert '"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]' in values
    assert '"EHR_TRUSTED_PROXY": true' in values and '"SECURE_SSL_REDIRECT": true' in values
    assert SECRET_KEY in values
    # The host check runs before anything else looks at the request.
    assert middleware == str(PROD_MIDDLEWARE_HEAD)


def _cache_in(env) -> list[str]:
    code = (
        "import django; django.setup(); "
        "from django.core.cache import cache; from django.conf import settings; "
        "cache.set('deploy-check', 'shared', 30); "
        "print(settings.CACHES['default']['BACKEND']); print(cache.get('deploy-check'))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-2:]


def test_the_cache_is_shared_through_redis_when_given(tmp_path):
    """With REDIS_URL the cache lives in Redis (a hit costs no database query), and is read back."""
    backend, value = _cache_in(prod_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15"))
    assert backend == "core.cache.RedisCache"  # Django's, keeping one client per connection pool
    assert value == "shared"


def test_without_redis_the_cache_is_the_database_table(tmp_path):
    env = prod_env(tmp_path)
    env.pop("REDIS_URL", None)
    code = "import settings.prod as s; print(s.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "django.core.cache.backends.db.DatabaseCache"


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_parses_with_the_example_settings(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    # The documented procedure: the example settings copied to deploy/.env (here, to a scratch copy).
    scratch = tmp_path / "deploy"
    scratch.mkdir()
    shutil.copy(DEPLOY / "compose.yaml", scratch / "compose.yaml")
    shutil.copy(DEPLOY / "env.example", scratch / ".env")
    result = subprocess.run(
        [*command, "-f", str(scratch / "compose.yaml"), "--project-directory", str(scratch), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    rendered = result.stdout
    services = dict(
        re.findall(
            r"(?ms)^  ([a-z]+):\n(.*?)(?=^  [a-z]+:\n|^[a-z]|\Z)",
            re.split(r"(?m)^services:\n", rendered, maxsplit=1)[1],
        )
    )
    assert {"app", "worker", "db", "caddy"} <= set(services), sorted(services)
    for name in ("app", "worker", "db", "caddy"):
        assert "healthcheck:" in services[name], f"{name} has no health check"
    assert "postgres:16" in services["db"] and "/var/lib/postgresql/data" in services["db"]
    assert "/etc/caddy/Caddyfile" in services["caddy"] and "/data" in services["caddy"]
    assert "DATABASE_URL: postgres://ehr:replace-with-a-random-hex-string@db:5432/ehr" in rendered
    assert "EHR_DOMAIN: ehr.example.com" in rendered


def test_compose_refuses_to_start_without_a_database_password(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    scratch = tmp_path / "deploy"
    scratch.mkdir()
    shutil.copy(DEPLOY / "compose.yaml", scratch / "compose.yaml")
    env_file = (DEPLOY / "env.example").read_text()
    (scratch / ".env").write_text(re.sub(r"(?m)^POSTGRES_PASSWORD=.*$", "", env_file))
    result = subprocess.run(
        [*command, "-f", str(scratch / "compose.yaml"), "--project-directory", str(scratch), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def documented_variables() -> set[str]:
    return set(re.findall(r"(?m)^#?\s?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text()))


def test_env_example_documents_every_variable():
    sources = {
        "settings/base.py": r"os\.environ(?:\.get)?\(\s*\"([A-Z0-9_]+)\"",
        "settings/prod.py": r"(?:os\.environ(?:\.get)?\(|_env_bool\(|_env_list\()\s*\"([A-Z0-9_]+)\"",
        "deploy/gunicorn.conf.py": r"(?:os\.environ(?:\.get)?\(|_int\()\s*\"([A-Z0-9_]+)\"",
        "Caddyfile": r"\{\$([A-Z0-9_]+)",
        "deploy/compose.yaml": r"\$\{([A-Z][A-Z0-9_]+)",
        "deploy/entrypoint.sh": r"\$\{([A-Z][A-Z0-9_]+)",
        "core/plugins/discovery.py": r"os\.environ(?:\.get)?\(\s*\"([A-Z0-9_]+)\"",
    }
    used = {}
    for path, pattern in sources.items():
        for name in re.findall(pattern, (ROOT / path).read_text()):
            used.setdefault(name, path)
    missing = {name: path for name, path in used.items() if name not in documented_variables()}
    assert not missing, f"describe these in deploy/env.example: {missing}"


def test_dockerfile_copies_only_what_exists_and_runs_unprivileged():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"(?m)^FROM (\S+)(?: AS (\S+))?", dockerfile)
    assert [alias for _image, alias in stages] == ["assets", "python-deps", "runtime"]
    assert re.search(r"(?m)^ARG PYTHON_IMAGE=python:3\.11-slim$", dockerfile)
    assert "uv sync --frozen --no-dev" in dockerfile
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    npm_install = re.search(r"(?m)^\s+(npm (?:ci|install) [^\n]*)$", bootstrap).group(1)
    assert f"RUN {npm_install}" in dockerfile, "install front-end packages as scripts/bootstrap.sh does"
    assert "npx --no-install tailwindcss -i assets/app.css -o static/build/app.css --minify" in dockerfile
    assert "node_modules/htmx.org/dist/htmx.min.js static/build/" in dockerfile
    assert "collectstatic" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert package in dockerfile
    users = re.findall(r"(?m)^USER (\S+)", dockerfile)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'(?m)^ENTRYPOINT \["deploy/entrypoint\.sh"\]', dockerfile)
    # Every file the build copies from the context exists in the repository.
    for sources in re.findall(r"(?m)^COPY (?!--from)(?:--\S+ )*(.+) \S+$", dockerfile):
        for source in sources.split():
            if source != ".":
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".env", "deploy/.env", ".venv", "node_modules", ".git"} <= set(ignored)


def test_entrypoint_is_valid_shell_with_every_role():
    entrypoint = DEPLOY / "entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111, "deploy/entrypoint.sh must be executable"
    assert subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True, timeout=10).returncode == 0
    text = entrypoint.read_text()
    for role in ("web)", "worker)", "manage)"):
        assert role in text
    assert "exec gunicorn --config deploy/gunicorn.conf.py" in text
    assert 'exec nice -n "${EHR_WORKER_NICE:-10}" python manage.py qcluster' in text


def test_gunicorn_configuration():
    code = (
        "import runpy, json; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('workers', 'timeout', 'graceful_timeout', "
        "'forwarded_allow_ips', 'access_log_format', 'wsgi_app')}))"
    )
    env = {"PATH": "/usr/bin:/bin", "GUNICORN_MAX_WORKERS": "2", "FORWARDED_ALLOW_IPS": "10.0.0.5"}
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert '"workers": 2' in result.stdout  # 2 x cores + 1, capped
    assert '"forwarded_allow_ips": "10.0.0.5"' in result.stdout
    assert "{x-request-id}o" in result.stdout
