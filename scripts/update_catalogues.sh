#!/usr/bin/env bash
# Refreshes every translation catalogue from the source: one catalogue per app that has a locale/ directory
# (core, each plugin, portal_site) plus the project's own (templates/ and settings/), for every shipped language.
# Run it after adding or changing user-facing strings, translate the new entries, then `make test`
# (tests/test_translations.py fails on any untranslated or fuzzy entry).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
python="$root/.venv/bin/python"
languages=(fr de es ar)
lang_args=()
for language in "${languages[@]}"; do lang_args+=(--locale "$language"); done
common=(--no-wrap --no-location --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=static)

# Each app's catalogue holds the strings of its own directory tree.
for locale_dir in $(find core plugins portal_site -mindepth 1 -maxdepth 2 -type d -name locale | sort); do
  app_dir="$(dirname "$locale_dir")"
  (cd "$app_dir" && "$python" "$root/manage.py" makemessages "${lang_args[@]}" "${common[@]}" >/dev/null)
done

# The project's catalogue: shared templates and settings; the apps' trees have their own.
"$python" manage.py makemessages "${lang_args[@]}" "${common[@]}" \
  --ignore=core --ignore=plugins --ignore=portal_site --ignore=deploy --ignore=bench --ignore=scripts >/dev/null
echo "Catalogues updated; translate the new entries, then compile with scripts/bootstrap.sh or compilemessages."
