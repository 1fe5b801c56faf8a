"""Which modules are on at a clinic: the per-clinic switches every dispatch point reads.

A module that is off for a clinic is silenced where things are dispatched (hook calls, URLs, nav, API,
tasks), not by each plugin checking a flag. This is tenancy's knowledge; the plugin registry only supplies
each module's default.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.signals import request_finished, request_started

from core.plugins.manager import registry

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
