"""The metrics the installed modules contribute through ``ehr_metrics``, and which of them count for a
clinic: a module switched off for a clinic contributes nothing for it."""

from __future__ import annotations

from dataclasses import replace

from core.plugins.manager import registry
from core.plugins.types import Metric
from core.tenancy.modules import enabled_modules

SECTIONS = ("revenue", "appointments", "patients", "utilization", "inventory", "other")


def all_metrics() -> dict[str, Metric]:
    """Every contributed metric by slug, each tagged with the module (plugin) that contributed it."""
    reg = registry()
    cached = getattr(reg, "_analytics_metrics", None)
    if cached is not None:
        return cached
    found: dict[str, Metric] = {}
    for impl in reversed(reg.pm.hook.ehr_metrics.get_hookimpls()):
        for metric in impl.function() or []:
            module = metric.module or impl.plugin_name
            section = metric.section if metric.section in SECTIONS else "other"
            found[metric.slug] = replace(metric, module=module, section=section)
    reg._analytics_metrics = found
    return found


def get(slug: str) -> Metric:
    return all_metrics()[slug]


def counts_at(metric: Metric, clinic) -> bool:
    """Whether ``metric`` is contributed for ``clinic`` (its module is on there)."""
    modules = registry().modules
    return metric.module not in modules or metric.module in enabled_modules(clinic)


def clinics_for(metric: Metric, clinics) -> list:
    return [c for c in clinics if counts_at(metric, c)]


def rolled_up(clinic) -> list[Metric]:
    """The ``sum`` metrics of ``clinic``: the ones kept per day in the roll-up tables."""
    return [m for m in all_metrics().values() if m.kind == "sum" and m.compute and counts_at(m, clinic)]
