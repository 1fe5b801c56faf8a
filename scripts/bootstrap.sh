#!/usr/bin/env bash
# Idempotent set-up for the README's commands: Python environment (from uv.lock), front-end assets, and for
# the test command the Debian packages the tests drive (chromium, caddy, poppler, WeasyPrint's libraries).
set -euo pipefail
mode="${1:-run}"
cd "$(dirname "$0")/.."

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)'; then
      command -v "$candidate"; return
    fi
  done
  echo "Python 3.11–3.13 is required" >&2; exit 1
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]} (run as root, or install them with apt-get)" >&2; return 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# WeasyPrint's libraries are needed to run the product too (invoice and report PDFs); gettext compiles the
# translation catalogues.
if command -v dpkg >/dev/null 2>&1; then
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext || true
fi

python="$(find_python)"
if [ ! -x .tools/bin/uv ]; then
  "$python" -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.8"
fi
export UV_PROJECT_ENVIRONMENT="$PWD/.venv"
if [ "$mode" = "test" ] || [ "$mode" = "bench" ]; then
  groups="--group dev"
  [ "$mode" = "bench" ] && groups="--all-groups"
  .tools/bin/uv sync --frozen --quiet --python "$python" $groups
  if command -v dpkg >/dev/null 2>&1; then
    apt_install chromium caddy poppler-utils docker-compose
    # The benchmark's cache, shared by its gunicorn workers as in production (scripts/bench.py starts it).
    if [ "$mode" = "bench" ]; then apt_install redis-server; fi
  fi
else
  .tools/bin/uv sync --frozen --quiet --python "$python" --no-dev
fi

# Translation catalogues: the .mo files are built from the .po files in git, only when a catalogue changed.
mo_stamp="var/.catalogues.stamp"
catalogues_hash="$(find core plugins portal_site locale -name '*.po' -path '*/LC_MESSAGES/*' | sort | xargs cat | sha256sum | cut -c1-16)"
if [ ! -f "$mo_stamp" ] || [ "$(cat "$mo_stamp")" != "$catalogues_hash" ]; then
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var >/dev/null
  mkdir -p var && echo "$catalogues_hash" > "$mo_stamp"
fi

# Front-end assets: Tailwind CSS and htmx from the npm registry, rebuilt only when their inputs change.
stamp="static/build/.stamp"
inputs_hash="$(cat package.json package-lock.json assets/*.css $(find templates core plugins portal_site -name '*.html' -o -name '*.py' | sort) 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$inputs_hash" ]; then
  lock_hash="$(sha256sum package-lock.json | cut -c1-16)"
  if [ "$(cat node_modules/.lock-stamp 2>/dev/null)" != "$lock_hash" ]; then
    # npm ci refuses lock files that omit other platforms' optional packages (Tailwind's native
    # binaries); install from the lock without rewriting it instead.
    npm install --no-audit --no-fund --no-save --loglevel=error
    echo "$lock_hash" > node_modules/.lock-stamp
  fi
  mkdir -p static/build
  npx --no-install tailwindcss -i assets/app.css -o static/build/app.css --minify 2>/dev/null
  cp node_modules/htmx.org/dist/htmx.min.js static/build/htmx.min.js
  # The map travels with the script: the hashed static storage rewrites its sourceMappingURL reference.
  cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/build/
  echo "$inputs_hash" > "$stamp"
fi
