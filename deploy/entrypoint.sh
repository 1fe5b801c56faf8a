#!/bin/sh
# The image's entrypoint. Roles:
#   web             gunicorn (deploy/gunicorn.conf.py); with EHR_MIGRATE_ON_START=1 it first applies
#                   migrations and creates the cache table (set it on one app container only)
#   worker          django-q2's task cluster (manage.py qcluster)
#   manage ARGS...  any management command, e.g. `manage backup`, `manage createsuperuser`
#   anything else   run as a command (e.g. `sh`)
set -eu

: "${DJANGO_SETTINGS_MODULE:=settings.prod}"
export DJANGO_SETTINGS_MODULE
cd "$(dirname "$0")/.."

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    if [ "${EHR_MIGRATE_ON_START:-0}" = "1" ]; then
      python manage.py migrate --no-input
      python manage.py createcachetable
    fi
    exec gunicorn --config deploy/gunicorn.conf.py "$@"
    ;;
  worker)
    # Background work (PDFs, notifications, roll-ups) yields the CPU to people's requests on a shared
    # host; in compose, where each container has its own CPU group, the worker's cpu_shares do this.
    exec nice -n "${EHR_WORKER_NICE:-10}" python manage.py qcluster "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
