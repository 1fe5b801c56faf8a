"""Per-clinic module switches, applied where things are dispatched: hook calls, URLs, nav, API, tasks.

A module that is off for a clinic is silenced at the dispatch point, not by each plugin checking a flag.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.http import Http404
from django.urls import URLPattern, URLResolver

from .manager import registry

# Module switches read during the current request, by clinic id: the modules' code loads the same clinic
# again (an invoice's clinic, an appointment's), and each fresh object would otherwise ask again. Only
# while a request runs: a worker process has no request to bound it, so it always reads afresh.
_this_request: ContextVar[dict[int, frozenset[str]] | None] = ContextVar("ehr_request_modules", default=None)


def _request_begins(**kwargs) -> None:
    _this_request.set({})


def _request_ends(**kwargs) -> None:
    _this_request.set(None)


request_started.connect(_request_begins, dispatch_uid="ehr_request_modules_begin")
request_finished.connect(_request_ends, dispatch_uid="ehr_request_modules_end")


def with_module_switches(clinics):
    """``clinics`` (a queryset) with each clinic's module switches loaded in the same query, so that
    ``enabled_modules`` asks nothing more of the database for them (every request resolves a clinic)."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef

    from core.tenancy.models import ClinicModule

    switches = ClinicModule.objects.filter(
        organization_id=OuterRef("organization_id"), clinic_id=OuterRef("pk")
    )
    return clinics.annotate(
        ehr_modules_on=ArraySubquery(switches.filter(enabled=True).values("module")),
        ehr_modules_off=ArraySubquery(switches.filter(enabled=False).values("module")),
    )


def enabled_modules(clinic) -> frozenset[str]:
    """Slugs of the modules switched on for ``clinic`` (one query, cached on the clinic object; none for
    a clinic loaded through ``with_module_switches``)."""
    cached = getattr(clinic, "_ehr_enabled_modules", None)
    if cached is not None:
        return cached
    seen = _this_request.get()
    if seen is not None and clinic.pk in seen:
        clinic._ehr_enabled_modules = seen[clinic.pk]
        return seen[clinic.pk]
    from core.tenancy.models import ClinicModule

    modules = registry().modules
    if hasattr(clinic, "ehr_modules_on"):
        overrides = dict.fromkeys(clinic.ehr_modules_on or (), True)
        overrides.update((slug, False) for slug in clinic.ehr_modules_off or ())
    else:
        overrides = dict(
            ClinicModule.objects.filter(organization_id=clinic.organization_id, clinic=clinic).values_list(
                "module", "enabled"
            )
        )
    enabled = frozenset(slug for slug, info in modules.items() if overrides.get(slug, info.default_enabled))
    clinic._ehr_enabled_modules = enabled
    if seen is not None and clinic.pk is not None:
        seen[clinic.pk] = enabled
    return enabled


def forget_enabled_modules(clinic) -> None:
    seen = _this_request.get()
    if seen is not None:
        seen.pop(clinic.pk, None)
    if hasattr(clinic, "_ehr_enabled_modules"):
        del clinic._ehr_enabled_modules
    for loaded in ("ehr_modules_on", "ehr_modules_off"):
        if hasattr(clinic, loaded):
            delattr(clinic, loaded)


def is_module_enabled(clinic, slug: str) -> bool:
    return slug in enabled_modules(clinic)


def clinic_hook(clinic, name: str):
    """The caller of hook ``name`` narrowed to the modules that are on for ``clinic``."""
    return registry().hook_for_modules(name, set(enabled_modules(clinic)))


def require_module(slug: str):
    """Wrap a back-office view of module ``slug``: send anonymous visitors to sign in, resolve
    ``clinic_slug`` to a clinic the member may see, and answer 404 when the clinic is not theirs or the
    module is off there."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, clinic_slug: str, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            from core.tenancy.access import get_clinic_for_member

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())

            clinic = get_clinic_for_member(request, clinic_slug)
            if not is_module_enabled(clinic, slug):
                raise Http404
            request.clinic = clinic
            return view(request, *args, clinic_slug=clinic_slug, **kwargs)

        wrapped.ehr_module = slug
        return wrapped

    return decorator


def gate_patterns(patterns, slug: str):
    """Wrap every view in ``patterns`` (recursively) with ``require_module(slug)``, once, at registration."""
    gated = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            gate_patterns(pattern.url_patterns, slug)
            gated.append(pattern)
        elif isinstance(pattern, URLPattern):
            if getattr(pattern.callback, "ehr_module", None) != slug:
                pattern.callback = require_module(slug)(pattern.callback)
            gated.append(pattern)
    return gated


def announce(clinic, name: str, /, **kwargs) -> None:
    """Tell the modules that are on for ``clinic`` that something happened, one listener at a time.

    For events fired after a change has committed: a failing listener is logged and the others still
    hear the news, and the person whose action caused it never sees the error.
    """
    import logging

    modules = registry().modules
    enabled = enabled_modules(clinic)
    for impl in reversed(getattr(registry().pm.hook, name).get_hookimpls()):
        if impl.plugin_name in modules and impl.plugin_name not in enabled:
            continue
        try:
            impl.function(**kwargs)
        except Exception:
            logging.getLogger(__name__).exception("listener %s of %s failed", impl.plugin_name, name)


def announce_on_commit(clinic, name: str, /, **kwargs) -> None:
    """``announce`` once the current transaction commits (never for a change that was rolled back)."""
    from django.db import transaction
    from django_scopes import scope

    def fire():
        with scope(organization=clinic.organization_id):
            announce(clinic, name, **kwargs)

    transaction.on_commit(fire)
