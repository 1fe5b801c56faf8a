"""Small value objects that hooks return. Kept free of Django imports so plugins can build them anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModuleInfo:
    slug: str
    label: str
    description: str = ""
    depends_on: tuple[str, ...] = ()
    default_enabled: bool = True


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str = "circle"
    order: int = 100
    permission: str | None = None
    permission_obj: Any = None


@dataclass(frozen=True)
class DashboardWidget:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class ScheduledTask:
    """A periodic job run once per clinic where the module is on.

    ``func`` is a dotted path to a function ``f(clinic_id: int) -> None``; ``minutes`` is the interval.
    """

    name: str
    func: str
    minutes: int
    module: str = ""


@dataclass(frozen=True)
class BillableItem:
    """Something an invoice line can be made from (a service, a product), with its price and tax."""

    kind: str
    reference: str
    label: str
    unit_price: Any
    currency: str
    tax_rate: Any = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    """A figure analytics can show. ``compute(clinic_ids, start, end, **filters)`` returns a number, or a
    list of ``(label, value)`` pairs when ``breakdown`` names what it is broken down by."""

    slug: str
    label: str
    unit: str
    compute: Any
    breakdowns: tuple[str, ...] = ()
    module: str = ""
