"""Liveness and readiness probes.

``/healthz``: the process answers (no database, no cache); restart the container when it stops answering.
``/readyz``: the database answers, no migration is pending and a task worker is alive; take the instance out
of rotation (or page someone) while it says 503. Both answer JSON and are never cached.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import checks


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = checks.run(checks.READINESS)
    failing = [r.name for r in results if not r.ok]
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": {r.name: r.as_dict() for r in results},
    }
    return JsonResponse(body, status=503 if failing else 200)
