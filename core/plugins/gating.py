"""Per-clinic module switches, applied where things are dispatched: hook calls, URLs, nav, API, tasks.

A module that is off for a clinic is silenced at the dispatch point, not by each plugin checking a flag.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

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
    module is off there. The page then reads in that clinic's time zone."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, clinic_slug: str, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            from core.tenancy.access import get_clinic_for_member
            from core.tenancy.clinic_time import read_in_clinic_time

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())

            clinic = get_clinic_for_member(request, clinic_slug)
            if not is_module_enabled(clinic, slug):
                raise Http404
            request.clinic = clinic
            read_in_clinic_time(clinic)
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


def in_worker(listener):
    """Mark a hook implementation to hear ``announce_on_commit`` events in the worker, not in the request.

    The event travels to the django-q2 worker by ids: every model object among the hook's arguments
    (in lists and dicts too) is re-loaded there by its primary key, inside the clinic's organization
    scope, language and timezone, so the listener reads the rows as they are when it runs. Listeners
    of one event share one queued task. ``announce`` (no commit involved) still calls them in place.
    """
    listener.ehr_in_worker = True
    return listener


def _listeners(clinic, name: str) -> list:
    """The implementations of hook ``name`` whose module is on for ``clinic``, in call order."""
    modules = registry().modules
    enabled = enabled_modules(clinic)
    return [
        impl
        for impl in reversed(getattr(registry().pm.hook, name).get_hookimpls())
        if impl.plugin_name not in modules or impl.plugin_name in enabled
    ]


def _call(impls, name: str, kwargs: dict) -> None:
    import logging

    for impl in impls:
        try:
            impl.function(**kwargs)
        except Exception:
            logging.getLogger(__name__).exception("listener %s of %s failed", impl.plugin_name, name)


def announce(clinic, name: str, /, **kwargs) -> None:
    """Tell the modules that are on for ``clinic`` that something happened, one listener at a time.

    For events fired after a change has committed: a failing listener is logged and the others still
    hear the news, and the person whose action caused it never sees the error.
    """
    _call(_listeners(clinic, name), name, kwargs)


def announce_on_commit(clinic, name: str, /, **kwargs) -> None:
    """``announce`` once the current transaction commits (never for a change that was rolled back).

    Listeners marked ``in_worker`` are not called here: one task naming them is queued (one insert),
    and the worker calls them with the arguments re-loaded by id (``deliver_event``).
    """
    from django.db import transaction
    from django_scopes import scope

    def fire():
        with scope(organization=clinic.organization_id):
            impls = _listeners(clinic, name)
            later = [impl for impl in impls if getattr(impl.function, "ehr_in_worker", False)]
            if later:
                _queue(clinic, name, [impl.plugin_name for impl in later], kwargs)
            _call([impl for impl in impls if impl not in later], name, kwargs)

    transaction.on_commit(fire)


# --- events delivered in the worker ----------------------------------------------------------------------

DELIVER_TASK = "core.plugins.gating.deliver_event"


@dataclass(frozen=True)
class Row:
    """A model object of an event's arguments on its way to the worker: its model and primary key."""

    model: str
    pk: object


_PLAIN = (str, int, float, bool, Decimal, date, datetime, time, timedelta, UUID, type(None))


def pack(value):
    """``value`` with every model object replaced by a ``Row`` (ids only); TypeError for anything that
    is neither a model object, a plain value, nor a list, tuple or dict of those."""
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    if isinstance(value, AnonymousUser):
        return None  # "nobody signed in" travels as no one
    if isinstance(value, Model):
        if value.pk is None:
            raise TypeError(f"an unsaved {value._meta.label} cannot travel to the worker")
        return Row(value._meta.label_lower, value.pk)
    if isinstance(value, dict):
        return {key: pack(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [pack(item) for item in value]
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"a {type(value).__name__} cannot travel to the worker")


class RowGone(Exception):
    """A row an event names no longer exists (or is not the clinic's organization's)."""


def unpack(value, clinic):
    """``pack``'s opposite, inside the clinic's organization scope: each ``Row`` is loaded again through
    its model's default manager (a tenant row only from the clinic's organization); the clinic itself
    is the one already loaded, and a row's ``clinic`` relation is set to it without a query."""
    from django.apps import apps

    if isinstance(value, Row):
        model = apps.get_model(value.model)
        if model._meta.label_lower == clinic._meta.label_lower and value.pk == clinic.pk:
            return clinic
        rows = model._default_manager.filter(pk=value.pk)
        if any(f.attname == "organization_id" for f in model._meta.concrete_fields):
            rows = rows.filter(organization_id=clinic.organization_id)
        row = rows.first()
        if row is None:
            raise RowGone(f"{value.model} {value.pk}")
        for field in model._meta.concrete_fields:
            if field.related_model is type(clinic) and getattr(row, field.attname) == clinic.pk:
                field.set_cached_value(row, clinic)
        return row
    if isinstance(value, dict):
        return {key: unpack(item, clinic) for key, item in value.items()}
    if isinstance(value, list):
        return [unpack(item, clinic) for item in value]
    return value


def _queue(clinic, name: str, plugins: list[str], kwargs: dict) -> None:
    import logging

    from django_q.tasks import async_task

    try:
        event = pack(kwargs)
    except TypeError:
        # A listener that asked for the worker on a hook whose arguments cannot travel still hears it.
        logging.getLogger(__name__).exception("event %s cannot go to the worker; heard in place", name)
        _call([i for i in _listeners(clinic, name) if i.plugin_name in plugins], name, kwargs)
        return
    async_task(DELIVER_TASK, clinic.pk, name=name, plugins=plugins, event=event)


def deliver_event(clinic_id: int, *, name: str, plugins: list[str], event: dict) -> None:
    """Worker side of ``announce_on_commit``: call the listeners of ``plugins`` whose module is still on
    at the clinic, with the event's rows loaded again. An event whose rows are gone is dropped (logged);
    a failing listener is logged and the others still hear the news."""
    from core.tasks import clinic_task

    clinic_task()(_deliver_in_scope)(clinic_id, name=name, plugins=plugins, event=event)


def _deliver_in_scope(clinic, *, name: str, plugins: list[str], event: dict) -> None:
    import logging

    try:
        kwargs = unpack(event, clinic)
    except RowGone as gone:
        logging.getLogger(__name__).info("event %s at clinic %s dropped: %s is gone", name, clinic.pk, gone)
        return
    _call([impl for impl in _listeners(clinic, name) if impl.plugin_name in plugins], name, kwargs)
