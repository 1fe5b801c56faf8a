"""Per-clinic module switches: members see which modules are on where they work; owners switch them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from ninja import Router, Schema

from core.plugins.manager import registry
from core.tenancy import services
from core.tenancy.modules import enabled_modules, forget_enabled_modules

from ..common import get_clinic, requires, responses
from ..errors import ApiConflict
from ..schemas import StrictSchema

router = Router(tags=["Modules"])


class ModuleOut(Schema):
    slug: str
    label: str
    description: str
    enabled: bool
    default_enabled: bool
    depends_on: list[str]


class ModuleSwitchIn(StrictSchema):
    enabled: bool


def _row(info, on: frozenset[str]) -> dict:
    return {
        "slug": info.slug,
        "label": str(info.label),
        "description": str(info.description),
        "enabled": info.slug in on,
        "default_enabled": info.default_enabled,
        "depends_on": list(info.depends_on),
    }


@router.get(
    "/clinics/{clinic_id}/modules",
    response=responses({200: list[ModuleOut]}),
    operation_id="modules_list",
    openapi_extra=requires("tenancy.view_clinic"),
)
def list_modules(request, clinic_id: int):
    """Every installed module, whether it is on for this clinic and which modules it needs."""
    clinic = get_clinic(request, clinic_id)
    on = enabled_modules(clinic)
    modules = registry().modules
    return [_row(info, on) for _slug, info in sorted(modules.items(), key=lambda kv: str(kv[1].label))]


@router.put(
    "/clinics/{clinic_id}/modules/{module}",
    response=responses({200: ModuleOut}, 409),
    operation_id="modules_switch",
    openapi_extra=requires("tenancy.manage_modules"),
)
def switch_module(request, clinic_id: int, module: str, payload: ModuleSwitchIn):
    """Switch a module on or off for a clinic (owners). Data is kept when a module is switched off.

    Refused with 409 when a module it needs is off, or when a module that is on depends on it."""
    clinic = get_clinic(request, clinic_id, "tenancy.manage_modules")
    info = registry().modules.get(module)
    if info is None:
        raise Http404
    try:
        with transaction.atomic():
            services.set_module_enabled(clinic, module, payload.enabled, by=request.user)
    except ValidationError as error:
        raise ApiConflict(" ".join(error.messages), code="module_dependency") from None
    forget_enabled_modules(clinic)
    return _row(info, enabled_modules(clinic))
